"""Users, API tokens and replayable requests: the shell's own tables."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, stamp_field
from kernel import clock


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, sa_column_kwargs={"unique": True}, nullable=False)
    org_id: Optional[int] = Field(default=None, foreign_key="organisation.id", index=True)
    roles: str = Field(max_length=200)  # comma-separated, sorted
    active: bool = Field(default=True)
    created_at: dt.datetime = stamp_field()
    # the portal's password as an argon2id hash (``yunquan.passwords``); None: no portal login
    password_hash: Optional[str] = Field(default=None, max_length=200)

    @property
    def role_set(self) -> frozenset[str]:
        return role_set(self.roles)


def role_set(stored: str) -> frozenset[str]:
    """The roles as stored in ``app_user.roles`` (comma-separated) as a set."""
    return frozenset(r for r in stored.split(",") if r)


class ApiToken(SQLModel, table=True):
    """Only the SHA-256 of a token is stored; the token itself is shown once, at creation."""
    __tablename__ = "api_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    created_at: dt.datetime = stamp_field()
    revoked_at: Optional[dt.datetime] = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))


class IdempotentRequest(SQLModel, table=True):
    """The first response to a POST sent with ``Idempotency-Key``, written in the transaction of
    the request's work; a replay gets it back. ``response_body`` is null when it was too large to
    keep. Rows older than ``IDEMPOTENCY_TTL_HOURS`` are dead and purged."""
    __tablename__ = "idempotent_request"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    key: str = Field(max_length=200)
    method: str = Field(max_length=10)
    path: str = Field(max_length=300)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: Optional[str] = Field(default=None, sa_column=sa.Column(sa.Text))
    content_type: Optional[str] = Field(default=None, max_length=100)
    created_at: dt.datetime = Field(default_factory=clock.now,
                                    sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, index=True))


class LoginAttempt(SQLModel, table=True):
    """One portal login attempt: counted per username and per address over a window to refuse
    guessing (``yunquan.passwords.check_rate``). In the database so every gunicorn worker sees
    every attempt; rows older than a day are purged by ``yunquan daily``."""
    __tablename__ = "login_attempt"
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, index=True)
    address: str = Field(max_length=64, index=True)
    ok: bool = Field(default=False)
    at: dt.datetime = Field(default_factory=clock.now,
                            sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, index=True))
