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
    password = ma.fields.String(load_default=None, load_only=True,
                                metadata={"description": "for the web portal's /login; at least 10 characters"})


class UserOut(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    org_id = ma.fields.Integer(allow_none=True)
    token = ma.fields.String(allow_none=True, metadata={"description": "shown once; null in an Idempotency-Key replay"})


@blp.route("/users")
class Users(MethodView):
    @roles("admin")
    @blp.arguments(UserIn)
    @blp.response(201, UserOut)
    def post(self, data):
        """Create a user.

        An admin creates a user with one or more roles and, for organisation roles, an organisation; the answer
        carries the API token once."""
        wanted = list(data.get("roles") or []) + ([data["role"]] if data.get("role") else [])
        if not wanted:
            raise ValidationError("role or roles is required", field="role")
        with uow() as u:
            user, token = users.create_user(u, username=data["username"], roles=wanted, org_id=data["org_id"],
                                             password=data["password"])
        keep_secret("token")  # shown once: a replay answers the user with "token": null
        return {"id": user.id, "username": user.username, "roles": sorted(user.role_set), "org_id": user.org_id,
                "token": token}


class TokenOut(ma.Schema):
    user_id = ma.fields.Integer()
    token = ma.fields.String(allow_none=True, metadata={"description": "shown once; null in an Idempotency-Key replay"})


class RevokedOut(ma.Schema):
    user_id = ma.fields.Integer()
    revoked = ma.fields.Integer(metadata={"description": "how many live tokens were revoked"})


@blp.route("/users/<int:user_id>/tokens")
class Tokens(MethodView):
    @roles("admin")
    @blp.response(201, TokenOut)
    def post(self, user_id):
        """Issue a further API token for the user (shown once)."""
        with uow() as u:
            token = users.issue_token(u, user_id=user_id)
        keep_secret("token")
        return {"user_id": user_id, "token": token}


@blp.route("/users/<int:user_id>/tokens/revoke")
class RevokeTokens(MethodView):
    @roles("admin")
    @blp.response(200, RevokedOut)
    def post(self, user_id):
        """Revoke every live token of the user: their next request answers 401."""
        with uow() as u:
            return {"user_id": user_id, "revoked": users.revoke_tokens(u, user_id=user_id)}


class MeOut(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    org_id = ma.fields.Integer(allow_none=True)
    org_kind = ma.fields.String(allow_none=True)


@blp.route("/users/me")
class Me(MethodView):
    @authenticated
    @blp.response(200, MeOut)
    def get(self):
        """The signed-in user.

        Username, roles and organisation of the token's user."""
        p = current_principal()
        return {"id": p.user_id, "username": p.username, "roles": sorted(p.roles), "org_id": p.org_id,
                "org_kind": p.org_kind}
