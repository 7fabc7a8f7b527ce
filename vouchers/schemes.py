"""Schemes: budgets, windows and versioned settings."""
from __future__ import annotations

import datetime as dt
import json

from sqlmodel import select

from kernel import clock
from kernel.errors import ValidationError
from vouchers import budget, rules
from vouchers.errors import SchemeNotFound
from vouchers.models import Scheme, SchemeSettingsVersion


def create(uow, *, actor_id: int, kind: str, name: str, year: int, budget_fen: int, apply_from: dt.date,
           apply_to: dt.date, redeem_from: dt.date, redeem_to: dt.date, settings: dict | None = None) -> Scheme:
    if kind not in rules.SCHEME_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(rules.SCHEME_KINDS)}", field="kind")
    if not name or not name.strip():
        raise ValidationError("name is required", field="name")
    if not 2000 <= year <= 2100:
        raise ValidationError("year is out of range", field="year")
    if budget_fen <= 0:
        raise ValidationError("budget must be positive", field="budget")
    if apply_to < apply_from:
        raise ValidationError("apply_to is before apply_from", field="apply_to")
    if redeem_to < redeem_from:
        raise ValidationError("redeem_to is before redeem_from", field="redeem_to")
    if redeem_to < apply_from:
        raise ValidationError("the redemption window ends before applications open", field="redeem_to")
    effective = rules.parse_settings(settings)
    s = uow.session
    scheme = Scheme(kind=kind, name=name.strip(), year=year, apply_from=apply_from, apply_to=apply_to,
                    redeem_from=redeem_from, redeem_to=redeem_to, settings_version=1, created_by=actor_id)
    s.add(scheme)
    s.flush()
    s.add(SchemeSettingsVersion(scheme_id=scheme.id, version=1, settings_json=json.dumps(effective.to_dict()),
                                created_by=actor_id))
    budget.open_budget(uow, scheme_id=scheme.id, total=budget_fen, on=clock.today())
    uow.commit()
    return scheme


def change_settings(uow, *, actor_id: int, scheme_id: int, changes: dict) -> tuple[Scheme, rules.Settings]:
    """A new settings version; vouchers already computed keep naming the version they used."""
    s = uow.session
    scheme = s.exec(select(Scheme).where(Scheme.id == scheme_id).with_for_update()).first()
    if scheme is None:
        raise SchemeNotFound(f"scheme {scheme_id} not found")
    new = rules.parse_settings(changes, base=settings_of(s, scheme))
    scheme.settings_version += 1
    s.add(SchemeSettingsVersion(scheme_id=scheme.id, version=scheme.settings_version,
                                settings_json=json.dumps(new.to_dict()), created_by=actor_id))
    s.add(scheme)
    uow.commit()
    return scheme, new


def get(session, scheme_id: int, *, lock: bool = False) -> Scheme:
    q = select(Scheme).where(Scheme.id == scheme_id)
    if lock:
        # populate_existing: a row read earlier in this session is refreshed, not served stale
        q = q.with_for_update().execution_options(populate_existing=True)
    scheme = session.exec(q).first()
    if scheme is None:
        raise SchemeNotFound(f"scheme {scheme_id} not found", details={"scheme_id": scheme_id})
    return scheme


def settings_of(session, scheme: Scheme, version: int | None = None) -> rules.Settings:
    row = session.exec(select(SchemeSettingsVersion).where(
        SchemeSettingsVersion.scheme_id == scheme.id,
        SchemeSettingsVersion.version == (version or scheme.settings_version))).one()
    return rules.settings_from_json(json.loads(row.settings_json))


def list_page(session, *, kind: str | None, year: int | None, after: int, limit: int) -> list[Scheme]:
    q = select(Scheme).where(Scheme.id > after).order_by(Scheme.id).limit(limit)
    if kind:
        q = q.where(Scheme.kind == kind)
    if year:
        q = q.where(Scheme.year == year)
    return list(session.exec(q))
