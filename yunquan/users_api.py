"""Users and their API tokens over HTTP."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import ROLES, authenticated, current_principal, keep_secret, roles, uow
from adapters.fields import Id
from kernel.errors import ValidationError
from yunquan import users

blp = Blueprint("users", __name__, description="Users and their API tokens")


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
        keep_secret("token")  # shown once: a replay answers the user with "token": null
        return {"id": user.id, "username": user.username, "roles": sorted(user.role_set), "org_id": user.org_id,
                "token": token}


@blp.route("/users/me")
class Me(MethodView):
    @authenticated
    def get(self):
        p = current_principal()
        return {"id": p.user_id, "username": p.username, "roles": sorted(p.roles), "org_id": p.org_id,
                "org_kind": p.org_kind}
