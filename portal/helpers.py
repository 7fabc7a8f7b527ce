"""Small helpers the portal's views share: who acts, running a write and telling the outcome."""
from __future__ import annotations

from typing import Any, Callable

import marshmallow as ma
from flask import flash, g, redirect, request

from sqlmodel import select

from adapters.access import transact
from kernel.errors import DomainError
from parties.actors import Actor
from parties.models import Organisation
from portal.messages import error_text

LIST_LIMIT = 200


def actor() -> Actor:
    return Actor.of(g.principal)


def load(schema: ma.Schema, data: dict) -> dict:
    """Read a form with the API's own schema: the same checks and conversions (money to fen)."""
    return schema.load(data)


def attempt(work: Callable[[], Any], *, ok: str | Callable[[Any], str], back: str, done: str | Callable[[Any], str] | None = None):
    """Run ``work``; on success flash ``ok`` and go to ``done`` (default ``back``); on a domain or
    form error flash its text and go ``back``. Nothing is written when it fails (the services
    commit once, at the end)."""
    try:
        result = work()
    except (DomainError, ma.ValidationError) as exc:
        flash(error_text(exc), "error")
        return redirect(back)
    flash(ok(result) if callable(ok) else ok, "ok")
    target = done(result) if callable(done) else (done or back)
    return redirect(target)


def org_names(session, ids) -> dict[int, str]:
    """Organisation names by id, for a page's table."""
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return dict(session.exec(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


def write(fn: Callable[[Any], Any]) -> Any:
    """``fn(uow)`` in a unit of work, retried on a deadlock (as the API's ``transact``)."""
    return transact(fn)


def back_to(default: str) -> str:
    ref = request.referrer or ""
    return ref if ref.startswith(request.host_url) else default


def line_names(session, breakdowns) -> dict[int, str]:
    """Product names of the versions a face value's breakdown lines pinned, by version id."""
    from sqlmodel import select

    from catalog.models import ProductVersion
    ids = {line.get("version_id") for b in breakdowns for line in (b or {}).get("lines", [])} - {None}
    if not ids:
        return {}
    return dict(session.exec(select(ProductVersion.id, ProductVersion.name).where(ProductVersion.id.in_(ids))).all())


def standard_text(std: dict | None) -> str:
    """A breakdown line's standard in words (catalog.rules says it as Annex 5 does)."""
    from catalog import rules
    if not std:
        return ""
    try:
        return rules.describe_standard(rules.parse_standard(std), "")
    except Exception:  # an unreadable old record is shown as it is
        return str(std)
