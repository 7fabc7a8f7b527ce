"""Request context shared by every domain's ``api.py``: who is calling, and access checks.

The shell (``yunquan``) authenticates the token and stores a ``Principal`` on ``flask.g``;
domains only read it. Every view is marked with its access rule; a test walks the URL map and
fails on any endpoint without one, so a role check cannot be forgotten.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from flask import current_app, g

from kernel.errors import Forbidden, Unauthenticated

ROLES = (
    "provider", "enterprise", "financier", "guarantor", "reviewer",
    "finance_maker", "finance_checker", "auditor", "admin",
)
STAFF_ROLES = frozenset({"reviewer", "finance_maker", "finance_checker", "auditor", "admin"})
FINANCE_ROLES = frozenset({"finance_maker", "finance_checker"})


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    roles: frozenset[str]
    org_id: int | None = None
    org_kind: str | None = None
    org_city: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)


def current_principal() -> Principal:
    p = g.get("principal")
    if p is None:
        raise Unauthenticated("a valid bearer token is required")
    return p


def optional_principal() -> Principal | None:
    return g.get("principal")


def _mark(fn: Callable, rule: Any) -> Callable:
    fn._yq_access = rule  # read by the endpoint audit test and the OpenAPI docs
    return fn


def roles(*allowed: str) -> Callable[[Callable], Callable]:
    """Only callers holding one of ``allowed`` roles may call the view."""
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            p = current_principal()
            if not p.has(*allowed):
                raise Forbidden(f"this action needs one of the roles: {', '.join(allowed)}",
                                details={"needs": list(allowed)})
            return fn(*args, **kwargs)
        return _mark(wrapper, frozenset(allowed))
    return deco


def staff(fn: Callable) -> Callable:
    return roles(*sorted(STAFF_ROLES))(fn)


def authenticated(fn: Callable) -> Callable:
    """Any authenticated user; the service decides what of the object they may see."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        current_principal()
        return fn(*args, **kwargs)
    return _mark(wrapper, "authenticated")


def public(fn: Callable) -> Callable:
    """Deliberately open to everyone (published catalogue, publicity list)."""
    return _mark(fn, "public")


def require_org(p: Principal) -> int:
    if p.org_id is None:
        raise Forbidden("this action needs a user that belongs to an organisation")
    return p.org_id


def uow():
    """A new unit of work bound to the app's database (see ``yunquan.db``)."""
    return current_app.extensions["yunquan"].uow_factory()


def reader():
    """A read-only session (use as a context manager)."""
    return current_app.extensions["yunquan"].uow_factory.reader()


def snapshot():
    """A read-only session over one consistent snapshot (use as a context manager)."""
    return current_app.extensions["yunquan"].uow_factory.snapshot()


def ledger_anchors() -> str | None:
    """The app's ledger anchors file (``LEDGER_ANCHORS``), or None when it anchors nowhere."""
    return current_app.extensions["yunquan"].uow_factory.anchors


def transact(fn: Callable[[Any], Any], *, retries: int = 5) -> Any:
    """Run ``fn(uow)`` in a unit of work, retrying on deadlock / serialization failure."""
    return current_app.extensions["yunquan"].uow_factory.run(fn, retries=retries)


def is_in(values: Iterable[str], allowed: Iterable[str]) -> bool:
    return set(values) <= set(allowed)
