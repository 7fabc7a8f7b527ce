"""Schemes: budgets, windows and versioned settings; the lock every writer of a scheme takes.

Work falls due with time: vouchers expire, publicity ends, returned claims lapse. It is done by the
daily job and by the next write that touches the scheme (``lock``), never by a read: a read shows
the effective status. The packages that own that work register it here at start-up
(``on_due``), as they register what to do when money comes back to a scheme's available budget
(``on_money_freed``: a cloud scheme promotes its waitlist); this package imports none of them.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Callable

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import fetch, json_text
from kernel import clock, text
from kernel.errors import ValidationError
from kernel.money import from_fen
from schemes import budget, rules
from schemes.errors import SchemeNotFound
from schemes.models import Scheme, SchemeSettingsVersion

# (uow, scheme, today) -> (changed anything, freed money); runs with the scheme locked, never commits.
DueWork = Callable[..., tuple[bool, bool]]
# (scheme_id, today) -> SQL: is any of this work due? (asked once the lock is held: ``due``)
DueCheck = Callable[[int, dt.date], sa.ColumnElement[bool]]
# (uow, scheme, settings, today) -> None; runs with the scheme locked, never commits.
MoneyFreed = Callable[..., None]
_due_work: list[tuple[DueWork, DueCheck]] = []
_money_freed: dict[str, list[MoneyFreed]] = {}


def on_due(work: DueWork, *, due: DueCheck) -> None:
    """Register work that falls due with time, with the SQL condition that says some is due (at
    start-up; registering twice is harmless). The condition must be true whenever the work would
    change anything: the scheme lock skips the work when it is false."""
    if all(work is not w for w, _ in _due_work):
        _due_work.append((work, due))


def on_money_freed(kind: str, listener: MoneyFreed) -> None:
    """Register what a scheme of ``kind`` does when money returns to its available budget."""
    listeners = _money_freed.setdefault(kind, [])
    if listener not in listeners:
        listeners.append(listener)


def create(uow, *, actor_id: int, kind: str, name: str, year: int, budget_fen: int, apply_from: dt.date,
           apply_to: dt.date, redeem_from: dt.date, redeem_to: dt.date, settings: dict | None = None) -> Scheme:
    if kind not in rules.SCHEME_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(rules.SCHEME_KINDS)}", field="kind")
    if not name or not name.strip():
        raise ValidationError("name is required", field="name")
    text.check_name(name, field="name")
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
    effective = rules.parse_settings(settings, kind=kind)
    s = uow.session
    scheme = Scheme(kind=kind, name=name.strip(), year=year, apply_from=apply_from, apply_to=apply_to,
                    redeem_from=redeem_from, redeem_to=redeem_to, settings_version=1, created_by=actor_id)
    s.add(scheme)
    s.flush()
    s.add(SchemeSettingsVersion(scheme_id=scheme.id, version=1, settings_json=json.dumps(effective.to_dict()),
                                created_by=actor_id))
    budget.fund(uow, scheme_id=scheme.id, total=budget_fen, on=clock.today())
    uow.commit()
    return scheme


def add_settings_version(uow, *, actor_id: int, scheme: Scheme, changes: dict) -> rules.Settings:
    """A new settings version for a scheme the caller has locked; vouchers already computed keep
    naming the version they used. The caller commits."""
    s = uow.session
    new = rules.parse_settings(changes, base=settings_of(s, scheme))
    scheme.settings_version += 1
    s.add(SchemeSettingsVersion(scheme_id=scheme.id, version=scheme.settings_version,
                                settings_json=json.dumps(new.to_dict()), created_by=actor_id))
    s.add(scheme)
    s.flush()
    return new


def get(session, scheme_id: int, *, lock: bool = False) -> Scheme:
    return fetch(session, Scheme, scheme_id, lock=lock, missing=SchemeNotFound, what="scheme")


def settings_of(session, scheme: Scheme, version: int | None = None) -> rules.Settings:
    """A settings version of the scheme. Versions are never edited, so a session reads each at
    most once (kept in ``session.info``), and the same stored text is parsed once per process."""
    version = version or scheme.settings_version
    found = _settings_kept(session).get((scheme.id, version))
    if found is None:
        raw = session.exec(select(SchemeSettingsVersion.settings_json).where(
            SchemeSettingsVersion.scheme_id == scheme.id, SchemeSettingsVersion.version == version)).one()
        found = _keep_settings(session, scheme, version, raw)
    return found


def _settings_kept(session) -> dict[tuple[int, int], rules.Settings]:
    return session.info.setdefault("yq_settings", {})


def _keep_settings(session, scheme: Scheme, version: int, raw: str) -> rules.Settings:
    return _settings_kept(session).setdefault((scheme.id, version), _parsed_settings(raw, scheme.kind))


def get_with_settings(session, scheme_id: int) -> tuple[Scheme, rules.Settings]:
    """A scheme and its current settings in one query (kept for ``settings_of`` as it keeps them)."""
    row = session.exec(select(Scheme, SchemeSettingsVersion.settings_json)
                       .join(SchemeSettingsVersion, (SchemeSettingsVersion.scheme_id == Scheme.id)
                             & (SchemeSettingsVersion.version == Scheme.settings_version))
                       .where(Scheme.id == scheme_id)).first()
    if row is None:
        raise SchemeNotFound(f"scheme {scheme_id} not found", details={"scheme_id": scheme_id})
    scheme, raw = row
    return scheme, _keep_settings(session, scheme, scheme.settings_version, raw)


@functools.lru_cache(maxsize=1024)
def _parsed_settings(raw: str, kind: str) -> rules.Settings:
    return rules.settings_from_json(json.loads(raw), kind=kind)


def city_scoped(scheme_id):
    """SQL: the scheme ``scheme_id`` (a value or a column) limits reviewers and finance staff to
    their own city under its current settings (``review_scope: city``)."""
    return sa.exists().where(Scheme.id == scheme_id, SchemeSettingsVersion.scheme_id == Scheme.id,
                             SchemeSettingsVersion.version == Scheme.settings_version,
                             json_text(SchemeSettingsVersion.settings_json, "review_scope") == "city")


def city_scoped_ids(session) -> list[int]:
    """Schemes whose current settings limit reviewers and finance staff to their own city."""
    return list(session.exec(select(Scheme.id).where(city_scoped(Scheme.id)).order_by(Scheme.id)))


def in_scope(session, actor, *, scheme_id: int, city: str) -> bool:
    """May ``actor`` (a ``parties.actors.Actor``) see an object of ``city`` under this scheme?
    Only staff limited to a city by a ``review_scope: city`` scheme may not see other cities'."""
    if actor.scoped_city is None or city == actor.scoped_city:
        return True
    return not session.execute(sa.select(city_scoped(scheme_id))).scalar()


def scope_condition(actor, model):
    """SQL: the rows of ``model`` (with ``scheme_id`` and ``city``) ``actor`` may see under the
    schemes' review scope; None when nothing is hidden from this actor. For lists, and for one
    row read with its visibility in the same statement."""
    if actor.scoped_city is None:
        return None
    return city_scope(actor.scoped_city, model)


def city_scope(city, model):
    """SQL: the rows of ``model`` a reader limited to ``city`` (a value or a bound parameter) may see."""
    return (model.city == city) | sa.not_(city_scoped(model.scheme_id))


def list_page(session, *, kind: str | None, year: int | None, after: int, limit: int) -> list[Scheme]:
    q = select(Scheme).where(Scheme.id > after).order_by(Scheme.id).limit(limit)
    if kind:
        q = q.where(Scheme.kind == kind)
    if year:
        q = q.where(Scheme.year == year)
    return list(session.exec(q))


def change_settings(uow, *, actor_id: int, scheme_id: int, changes: dict) -> Scheme:
    """New settings apply at once: a raised quota or cap lets waiting vouchers through now."""
    today = clock.today()
    scheme = lock(uow, scheme_id, today=today)
    add_settings_version(uow, actor_id=actor_id, scheme=scheme, changes=changes)
    money_freed(uow, scheme, today)
    uow.commit()
    return scheme


def money_freed(uow, scheme: Scheme, today: dt.date) -> None:
    """Money came back to the available budget (or the rules for using it changed): let the
    scheme's kind act on it. Call with the scheme locked."""
    listeners = _money_freed.get(scheme.kind, ())
    if listeners:
        settings = settings_of(uow.session, scheme)
        for listener in listeners:
            listener(uow, scheme, settings, today)


def settle_due(uow, scheme: Scheme, today: dt.date) -> bool:
    """Do the work that fell due by ``today`` (scheme locked); True if anything changed."""
    changed = freed = False
    for work, _ in _due_work:
        did, gave_back = work(uow, scheme, today)
        changed, freed = changed or did, freed or gave_back
    if freed:
        money_freed(uow, scheme, today)
    return changed


def lock(uow, scheme_id: int, *, today: dt.date | None = None, settle: bool = True) -> Scheme:
    """Lock a scheme for a write. What fell due first is settled and committed on its own (a
    checkpoint of the unit of work): it happened with time, whatever becomes of the write that
    follows, which then runs under the lock taken again. ``settle=False``: the caller asks ``due``
    in its own first statement under the lock (one round trip fewer) and calls ``settle_locked``
    when it says so. "Due" is asked after the lock is held, never in the statement that waits for
    it: that statement reads with the snapshot it started with, before the transaction it waited
    for committed (a claim approved with no publicity days is due at once)."""
    today = today or clock.today()
    scheme = get(uow.session, scheme_id, lock=True)
    if settle and uow.session.execute(sa.select(due(scheme_id, today))).scalar():
        scheme = settle_locked(uow, scheme, today)
    return scheme


def due(scheme_id: int, today: dt.date):
    """SQL: some registered work is due for the scheme (usually none is)."""
    return sa.or_(*(check(scheme_id, today) for _, check in _due_work)) if _due_work else sa.false()


def settle_locked(uow, scheme: Scheme, today: dt.date) -> Scheme:
    """Settle what fell due (scheme locked), commit it on its own and lock the scheme again."""
    if settle_due(uow, scheme, today):
        uow.checkpoint()
        scheme = get(uow.session, scheme.id, lock=True)
    return scheme


def settle(uow, *, scheme_id: int) -> bool:
    """The daily job for one scheme: settle what fell due, commit."""
    lock(uow, scheme_id)
    uow.commit()
    return True


def enterprise_facts(org) -> rules.EnterpriseFacts:
    """What eligibility (POLICY.md §2) looks at in an organisation row."""
    return rules.EnterpriseFacts(uscc=org.uscc, city=org.city, founded_on=org.founded_on,
                                 prior_year_revenue=None if org.prior_year_revenue is None
                                 else from_fen(org.prior_year_revenue))


def scheme_ids(session) -> list[int]:
    return list(session.exec(select(Scheme.id).order_by(Scheme.id)))
