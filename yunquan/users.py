"""Users and their API tokens."""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlmodel import select

from adapters.access import ROLES, Principal
from kernel import clock, text
from kernel.errors import Conflict, NotFound, ValidationError
from parties.models import Organisation
from yunquan.models import ApiToken, User, role_set

# Which kind of organisation each role belongs to; None: no organisation.
ROLE_ORG_KINDS: dict[str, tuple[str | None, ...]] = {
    "provider": ("provider",), "enterprise": ("enterprise",), "financier": ("financier",),
    "guarantor": ("guarantor",), "reviewer": ("authority",), "finance_maker": ("authority",),
    "finance_checker": ("authority",), "auditor": ("authority", None), "admin": ("authority", None),
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(uow, *, username: str, roles: list[str], org_id: int | None,
                password: str | None = None) -> tuple[User, str]:
    """Create a user and a first API token; returns the token in clear, the only time it exists.
    ``password`` (optional) lets the user log in to the portal; only its argon2 hash is kept."""
    from yunquan import passwords
    password_hash = None if password is None else passwords.hash_password(password)
    username = (username or "").strip()
    if not username or len(username) > 80:
        raise ValidationError("username is required (at most 80 characters)", field="username")
    text.check_name(username, field="username")
    if not roles:
        raise ValidationError("at least one role is required", field="roles")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValidationError(f"unknown role {unknown[0]}; roles are {', '.join(ROLES)}", field="roles")
    s = uow.session
    org = None
    if org_id is not None:
        org = s.get(Organisation, org_id)
        if org is None:
            raise ValidationError(f"organisation {org_id} does not exist", field="org_id")
    for role in roles:
        allowed = ROLE_ORG_KINDS[role]
        kind = org.kind if org else None
        if kind not in allowed:
            need = " or ".join(k or "no organisation" for k in allowed)
            raise ValidationError(f"role {role} needs an organisation of kind {need}", field="org_id",
                                  details={"role": role})
    if s.exec(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(f"username {username} is taken", code="DUPLICATE_USERNAME")
    user = User(username=username, roles=",".join(sorted(set(roles))), org_id=org_id, password_hash=password_hash)
    s.add(user)
    s.flush()
    token = _new_token(s, user.id)
    uow.commit()
    return user, token


def _new_token(session, user_id: int) -> str:
    token = "yq_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user_id, token_hash=hash_token(token)))
    return token


def get_user(session, *, user_id: int | None = None, username: str | None = None) -> User:
    q = select(User).where(User.id == user_id) if user_id is not None else select(User).where(User.username == username)
    user = session.exec(q).first()
    if user is None:
        raise NotFound(f"user {user_id if user_id is not None else username} not found",
                       details={"user_id": user_id} if user_id is not None else {"username": username})
    return user


def issue_token(uow, *, user_id: int) -> str:
    """A further API token for a user (a lost one stays valid until revoked); shown once."""
    user = get_user(uow.session, user_id=user_id)
    token = _new_token(uow.session, user.id)
    uow.commit()
    return token


def revoke_tokens(uow, *, user_id: int) -> int:
    """Revoke every live token of a user at once (a lost laptop, a leaver); returns how many.
    Requests already authenticated finish; the next one answers 401."""
    get_user(uow.session, user_id=user_id)
    revoked = uow.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                                  .values(revoked_at=clock.now())).rowcount
    uow.commit()
    return revoked


# Every API request runs this: the columns a principal needs, not two ORM objects.
_BY_TOKEN = (sa.select(User.id, User.username, User.roles, User.org_id, Organisation.kind, Organisation.city)
             .join(ApiToken, ApiToken.user_id == User.id)
             .join(Organisation, Organisation.id == User.org_id, isouter=True)
             .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None),
                    User.active.is_(True)))


def principal_for_token(session, token: str) -> Principal | None:
    row = session.execute(_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    user_id, username, roles, org_id, org_kind, org_city = row
    return Principal(user_id=user_id, username=username, roles=role_set(roles),
                     org_id=org_id, org_kind=org_kind, org_city=org_city)


def names(session, user_ids) -> dict[int, str]:
    """User ids as the names reports print (a batch's maker and checker)."""
    ids = list(user_ids)
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.username).where(User.id.in_(ids))).all())


def principal_for_user(session, user_id: int) -> Principal | None:
    """The principal of an active user by id (the portal's session), or None."""
    row = session.exec(
        select(User, Organisation)
        .join(Organisation, Organisation.id == User.org_id, isouter=True)
        .where(User.id == user_id, User.active.is_(True))
    ).first()
    if row is None:
        return None
    user, org = row
    return Principal(user_id=user.id, username=user.username, roles=user.role_set, org_id=user.org_id,
                     org_kind=org.kind if org else None, org_city=org.city if org else None,
                     extra={"org_name": org.name if org else None})
