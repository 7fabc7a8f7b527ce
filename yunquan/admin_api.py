"""Organisations and users: the admin's bootstrap resources."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from catalog import organisations
from catalog.rules import ORG_KINDS, PROVIDER_CLASSES
from kernel.errors import Forbidden, ValidationError
from kernel.fields import Id, Money
from kernel.paging import PageArgs, decode_cursor, page, page_schema
from kernel.web import ROLES, current_principal, reader, roles, authenticated, uow
from yunquan import users

blp = Blueprint("admin", __name__, description="Organisations and users")


class OrgIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(ORG_KINDS))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    uscc = ma.fields.String(required=True)
    city = ma.fields.String(required=True)
    founded_on = ma.fields.Date(load_default=None)
    prior_year_revenue = Money(load_default=None)
    provider_class = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PROVIDER_CLASSES))
    bank_name = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))
    bank_account = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))


class OrgOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()
    uscc = ma.fields.String()
    city = ma.fields.String()
    founded_on = ma.fields.Date(allow_none=True)
    prior_year_revenue = Money(allow_none=True)
    provider_class = ma.fields.String(allow_none=True)
    bank_name = ma.fields.String(allow_none=True)
    bank_account = ma.fields.String(allow_none=True)


class OrgListArgs(PageArgs):
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(ORG_KINDS))


OrgPage = page_schema(OrgOut, "OrgPage")


class UserIn(ma.Schema):
    username = ma.fields.String(required=True)
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    roles = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ROLES)))
    org_id = Id(load_default=None)


class UserOut(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    org_id = ma.fields.Integer(allow_none=True)
    token = ma.fields.String()


@blp.route("/orgs")
class Orgs(MethodView):
    @roles("admin")
    @blp.arguments(OrgIn)
    @blp.response(201, OrgOut)
    def post(self, data):
        with uow() as u:
            return organisations.register(u, **data)

    @roles("admin", "reviewer", "finance_maker", "finance_checker", "auditor")
    @blp.arguments(OrgListArgs, location="query")
    @blp.response(200, OrgPage)
    def get(self, args):
        with reader() as s:
            rows = organisations.list_page(s, kind=args["kind"], after=decode_cursor(args["cursor"]),
                                           limit=args["limit"] + 1)
            return page(rows, args["limit"])


@blp.route("/orgs/<int:org_id>")
class OrgById(MethodView):
    @authenticated
    @blp.response(200, OrgOut)
    def get(self, org_id):
        p = current_principal()
        if not p.is_staff and p.org_id != org_id:
            raise Forbidden("you may read only your own organisation")
        with reader() as s:
            return organisations.get(s, org_id)


@blp.route("/users")
class Users(MethodView):
    @roles("admin")
    @blp.arguments(UserIn)
    @blp.response(201, UserOut)
    def post(self, data):
        wanted = list(data.get("roles") or []) + ([data["role"]] if data.get("role") else [])
        if not wanted:
            raise ValidationError("role or roles is required", field="role")
        with uow() as u:
            user, token = users.create_user(u, username=data["username"], roles=wanted, org_id=data["org_id"])
        return {"id": user.id, "username": user.username, "roles": sorted(user.role_set), "org_id": user.org_id,
                "token": token}


@blp.route("/users/me")
class Me(MethodView):
    @authenticated
    def get(self):
        p = current_principal()
        return {"id": p.user_id, "username": p.username, "roles": sorted(p.roles), "org_id": p.org_id,
                "org_kind": p.org_kind}
