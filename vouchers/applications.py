"""Cloud voucher applications: eligibility, face value, first-come-first-served reservation or the
waitlist, and review.

Every application locks its scheme row first (``schemes.service.lock``: ``SELECT … FOR UPDATE``; on
SQLite the write lock of BEGIN IMMEDIATE). Applications to one scheme are therefore decided one at
a time, in the order they obtained the lock, and the application time is stamped after the lock is
held: the order of application times is exactly the order in which the budget was handed out.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import fetch, next_id, party_page
from claims.models import Claim
from kernel import clock
from kernel.errors import DomainError, Forbidden, InvalidState, SelfApproval
from kernel.money import from_fen, to_fen
from ledger import service as ledger
from parties import service as organisations
from parties.actors import Actor
from parties.models import Organisation
from schemes import budget
from schemes import rules as scheme_rules
from schemes import service as schemes
from schemes.models import Scheme
from vouchers import contracts, expiry, pricing, rules, usage, waitlist
from vouchers.errors import (
    CapExhausted,
    DuplicateFunding,
    OutsideApplicationWindow,
    VoucherNotFound,
    WrongSchemeKind,
)
from vouchers.models import FUNDING_SQL, Contract, Voucher, VoucherClaim


def quote(session, *, scheme_id: int, contract_id: int) -> dict:
    """Dry run: what would this contract get under this scheme now? Reserves nothing."""
    scheme = schemes.get(session, scheme_id)
    settings = schemes.settings_of(session, scheme)
    contract = contracts.get(session, contract_id)
    enterprise = organisations.get(session, contract.enterprise_id)
    eligible, reason = True, None
    try:
        scheme_rules.check_eligibility(pricing.facts(enterprise), settings, clock.today())
    except Exception as exc:  # report, don't refuse: a dry run answers "what if"
        eligible, reason = False, getattr(exc, "details", {}).get("condition")
    fv = pricing.price(session, scheme=scheme, settings=settings, contract=contract, enterprise=enterprise)
    explained = rules.breakdown(fv, settings_version=scheme.settings_version, settings=settings, city=enterprise.city)
    value = to_fen(fv.face_value)
    wait = None
    if value > 0:
        state = _state(session, scheme_id=scheme.id, contract_id=contract.id, enterprise=enterprise,
                       provider_id=contract.provider_id, today=clock.today(), draw_id=False)
        wait = _wait_reason(state, settings, enterprise.city, value)
    return {**explained, "breakdown": explained, "eligible": eligible, "ineligible_reason": reason,
            "budget_available": str(from_fen(budget.read(session, scheme.id).available)),
            # what an application now would be (an ineligible one, or one worth nothing, is refused)
            "would_be": ("refused" if not eligible or value <= 0 else "waitlisted" if wait else "reserved"),
            "waitlist_reason": wait}


class _State(NamedTuple):
    """What an application decides on, read in one statement (``_state``)."""
    funded: int | None  # a voucher already funding the contract
    held: dict[str, int]  # what the enterprise, the provider and the city hold (``usage``)
    queue: str | None  # why the queue ahead makes a new voucher wait (``waitlist.queue_ahead``)
    available: int  # the budget still available, fen
    due: bool  # work fell due for the scheme (``schemes.service.due``)
    voucher_id: int | None  # the id the new voucher gets (drawn with the lock)


def _state(session, *, scheme_id: int, contract_id: int, enterprise: Organisation, provider_id: int,
           today: dt.date, draw_id: bool = True) -> _State:
    """One statement: a voucher already funding the contract, the usage rows the caps read, the
    queue ahead, the budget available, whether work fell due for the scheme and (``draw_id``) the
    new voucher's id. Under the contract and scheme locks this is every read an application
    decides on: one round trip, not six. (Its snapshot is taken after both locks are held: a
    statement that waited for a lock reads with the snapshot it started with.)"""
    row = session.execute(_state_query(draw_id), {
        "scheme_id": scheme_id, "contract_id": contract_id, "enterprise": str(enterprise.id),
        "provider": str(provider_id), "city": enterprise.city, "today": today,
        "available_code": budget.account(scheme_id, "available")}).one()
    return _State(row.funded, usage.of_row(row), row.queue, int(row.available), bool(row.due), row.voucher_id)


@functools.cache
def _state_query(draw_id: bool):
    """``_state``'s statement, built once (every application runs it), with bound parameters."""
    scheme_id, contract_id = sa.bindparam("scheme_id", type_=sa.Integer), sa.bindparam("contract_id", type_=sa.Integer)
    city, today = sa.bindparam("city", type_=sa.String), sa.bindparam("today", type_=sa.Date)
    held_by = {"enterprise": sa.bindparam("enterprise", type_=sa.String),
               "provider": sa.bindparam("provider", type_=sa.String), "city": city}
    funded = (select(Voucher.id).where(Voucher.contract_id == contract_id, sa.text(f"voucher.{FUNDING_SQL}"))
              .limit(1).scalar_subquery())
    return sa.select(funded.label("funded"), *usage.used_columns(scheme_id, held_by),
                     waitlist.queue_ahead(scheme_id, city).label("queue"),
                     ledger.balance_column(sa.bindparam("available_code", type_=sa.String)).label("available"),
                     schemes.due(scheme_id, today).label("due"),
                     (next_id(Voucher.__table__) if draw_id else sa.null()).label("voucher_id"))


def _wait_reason(state: _State, settings, city: str, value: int) -> str | None:
    """Why a voucher of ``value`` fen waits (``budget``, ``city_quota``), or None to reserve it."""
    reason = state.queue
    if reason is None and state.available < value:
        reason = "budget"
    if reason is None:
        left = pricing.city_room(settings, city, state.held["city"])
        if left is not None and left < value:
            reason = "city_quota"
    return reason


def _open_for_applications(scheme: Scheme, today: dt.date) -> None:
    if scheme.kind != "cloud":
        raise WrongSchemeKind("cloud vouchers are applied for under a cloud scheme", details={"kind": scheme.kind})
    if not scheme.apply_from <= today <= scheme.apply_to:
        raise OutsideApplicationWindow(
            f"applications are accepted from {scheme.apply_from} to {scheme.apply_to}",
            details={"apply_from": scheme.apply_from.isoformat(), "apply_to": scheme.apply_to.isoformat(),
                     "today": today.isoformat()})


def apply(uow, *, actor: Actor, scheme_id: int, contract_id: int) -> Voucher:
    """Apply for a contract's voucher.

    Before the scheme lock, what it does not guard and what never changes: the scheme's kind and
    windows with its settings (one query), the contract locked with its parties (one query),
    eligibility and each line's subsidy (one query joining the pinned, immutable product
    versions). Under the lock, one statement reads everything the decision needs (``_state``:
    duplicate funding, the usage rows, the queue ahead, the budget available, whether anything
    fell due, the new voucher's id); then the reservation journal and the voucher, written once.
    Errors keep their order: kind and window, the contract's enterprise, duplicate funding,
    eligibility (under a settings version changed meanwhile), the caps."""
    s = uow.session
    today = clock.today()
    scheme, settings = schemes.get_with_settings(s, scheme_id)
    _open_for_applications(scheme, today)
    # The contract is locked before the scheme (only applications lock contracts, always in this
    # order): two applications for one contract under two schemes meet here, and the second then
    # reads, after both locks, the voucher the first committed.
    contract, enterprise, provider = contracts.with_parties(s, contract_id, lock=True)
    if actor.org_id != contract.enterprise_id:
        raise Forbidden("only the contract's enterprise may apply for its voucher")
    ineligible = _ineligible(enterprise, settings, today)
    lines = pricing.priced_lines(s, contract)
    version = scheme.settings_version
    # --- the scheme lock: one application at a time; "due?" is asked in _state's statement
    scheme = schemes.lock(uow, scheme_id, today=today, settle=False)
    state = _state(s, scheme_id=scheme.id, contract_id=contract.id, enterprise=enterprise,
                   provider_id=contract.provider_id, today=today)
    if state.due:
        scheme = schemes.settle_locked(uow, scheme, today)
        state = _state(s, scheme_id=scheme.id, contract_id=contract.id, enterprise=enterprise,
                       provider_id=contract.provider_id, today=today)
    if state.funded is not None:
        raise DuplicateFunding("this contract is already funded", details={"voucher_id": state.funded})
    if scheme.settings_version != version:
        settings = schemes.settings_of(s, scheme)
        ineligible = _ineligible(enterprise, settings, today)
    if ineligible is not None:
        raise ineligible
    fv = pricing.capped(scheme=scheme, settings=settings, lines=lines, enterprise=enterprise, provider=provider,
                        held=state.held)
    if fv.face_value <= 0:
        raise CapExhausted("the subsidy for this contract is zero", details={"binding": list(fv.binding)})
    value = to_fen(fv.face_value)
    reason = _wait_reason(state, settings, enterprise.city, value)
    voucher = Voucher(
        id=state.voucher_id, scheme_id=scheme.id, contract_id=contract.id, enterprise_id=enterprise.id,
        provider_id=contract.provider_id, city=enterprise.city, status="waitlisted" if reason else "reserved",
        waitlist_reason=reason,
        face_value=value, settings_version=scheme.settings_version, applied_at=clock.now(), applied_by=actor.user_id,
        breakdown_json=json.dumps(rules.breakdown(fv, settings_version=scheme.settings_version, settings=settings,
                                                  city=enterprise.city), ensure_ascii=False),
        expires_on=scheme.redeem_to)
    if reason is None:  # the reservation first (its key names the voucher's id): the voucher is written once
        waitlist.reserve_for(uow, scheme, voucher, today)
    s.add(voucher)
    uow.commit()
    return voucher


def _ineligible(enterprise, settings, today: dt.date) -> DomainError | None:
    """The eligibility error for this enterprise under these settings, or None (raised later, in
    its turn among the checks)."""
    try:
        scheme_rules.check_eligibility(pricing.facts(enterprise), settings, today)
    except DomainError as exc:
        return exc
    return None


# --- reading -----------------------------------------------------------------------------------

def get(session, voucher_id: int, *, lock: bool = False) -> Voucher:
    return fetch(session, Voucher, voucher_id, lock=lock, missing=VoucherNotFound, what="voucher")


def check_reader(session, voucher: Voucher, actor: Actor, *, in_scope: bool | None = None) -> None:
    """May ``actor`` read this voucher? (``in_scope``: the scheme's review scope, when the caller
    read it with the voucher: ``get_for_reader``.)"""
    if not actor.is_staff and actor.org_id not in (voucher.enterprise_id, voucher.provider_id):
        raise Forbidden("this voucher belongs to another organisation")
    if in_scope is None:
        in_scope = schemes.in_scope(session, actor, scheme_id=voucher.scheme_id, city=voucher.city)
    if not in_scope:
        raise Forbidden("this scheme limits reviewers and finance staff to enterprises of their own city",
                        details={"voucher_city": voucher.city})


def get_for_reader(session, voucher_id: int, actor: Actor) -> Voucher:
    """The voucher if ``actor`` may read it: the row and its scheme's review scope in one statement."""
    params = {"voucher_id": voucher_id}
    if actor.scoped_city is not None:
        params["city"] = actor.scoped_city
    row = session.exec(_reader_query(actor.scoped_city is not None), params=params).first()
    if row is None:
        raise VoucherNotFound(f"voucher {voucher_id} not found", details={"voucher_id": voucher_id})
    check_reader(session, row[0], actor, in_scope=bool(row[1]))
    return row[0]


@functools.cache
def _reader_query(scoped: bool):
    """``get_for_reader``'s statement, built once (every voucher read runs it): the voucher and
    whether a reader limited to ``:city`` may see it."""
    scope = schemes.city_scope(sa.bindparam("city", type_=sa.String), Voucher) if scoped else sa.true()
    return select(Voucher, scope).where(Voucher.id == sa.bindparam("voucher_id", type_=sa.Integer))


def _lapsed_claim(today: dt.date):
    """SQL: the voucher's redemption claim was returned and its window is over (it lapsed, or will
    be stored as lapsed by the next write)."""
    return sa.exists().where(VoucherClaim.voucher_id == Voucher.id, Claim.id == VoucherClaim.claim_id,
                             sa.or_(Claim.status == "lapsed",
                                    sa.and_(Claim.status == "returned", Claim.lapses_on < today)))


def _paid_claim():
    """SQL: the voucher's redemption claim is paid: the bank statement showed the money reached
    the payee."""
    return sa.exists().where(VoucherClaim.voucher_id == Voucher.id, Claim.id == VoucherClaim.claim_id,
                             Claim.status == "paid")


def status_is(status: str, today: dt.date):
    """SQL: the voucher's status on ``today`` is ``status`` (what ``effective_status`` says)."""
    expired = sa.or_(expiry.past_window(today), sa.and_(Voucher.status == "redeemed", _lapsed_claim(today)))
    if status == "expired":
        return sa.or_(Voucher.status == "expired", expired)
    if status == "settled":
        return sa.and_(Voucher.status == "redeemed", _paid_claim())
    if status == "redeemed":
        return sa.and_(Voucher.status == "redeemed", sa.not_(_paid_claim()), sa.not_(expired))
    return sa.and_(Voucher.status == status, sa.not_(expired))


def effective_status(session, voucher: Voucher, today: dt.date) -> str:
    """The status a voucher reads on ``today``; a read never writes:
    - ``settled`` is not stored: a redeemed voucher whose claim is paid reads ``settled`` (the claim's
      status says it once; a statement of 100,000 lines need not write it twice);
    - a voucher past its window reads ``expired`` before the daily job or the next write stores it
      (as does a redeemed one whose returned claim lapsed)."""
    return effective_statuses(session, [voucher], today)[voucher.id]


def _may_differ(voucher: Voucher, today: dt.date) -> bool:
    """Whether what a voucher reads may differ from what is stored (a question for the database)."""
    return voucher.status == "redeemed" or (voucher.status in expiry.EXPIRING_STATUSES and voucher.expires_on < today)


def effective_statuses(session, vouchers: list[Voucher], today: dt.date) -> dict[int, str]:
    """``effective_status`` of each voucher by id, in one query for the lot (a page of a list)."""
    out = {v.id: v.status for v in vouchers}
    ask = [v.id for v in vouchers if _may_differ(v, today)]
    if ask:
        reads = sa.case((status_is("settled", today), "settled"),
                        (sa.and_(Voucher.expires_on < today, status_is("expired", today)), "expired"),
                        else_=Voucher.status)
        for voucher_id, status in session.execute(sa.select(Voucher.id, reads).where(Voucher.id.in_(ask))).all():
            out[voucher_id] = status
    return out


def list_page(session, *, actor: Actor, scheme_id: int | None, status: str | None, today: dt.date, after: int,
              limit: int) -> list[Voucher]:
    where = [status_is(status, today)] if status else []
    scope = schemes.scope_condition(actor, Voucher)  # other cities' vouchers are left out, not refused
    where += [scope] if scope is not None else []
    return party_page(session, Voucher, actor=actor, after=after, limit=limit, where=where, scheme_id=scheme_id)


def breakdown_of(voucher: Voucher) -> dict:
    return json.loads(voucher.breakdown_json)


# --- review ------------------------------------------------------------------------------------

def _review_target(uow, *, actor: Actor, voucher_id: int) -> tuple[Scheme, Voucher]:
    s = uow.session
    scheme_id = s.exec(select(Voucher.scheme_id).where(Voucher.id == voucher_id)).first()
    if scheme_id is None:
        raise VoucherNotFound(f"voucher {voucher_id} not found", details={"voucher_id": voucher_id})
    scheme = schemes.lock(uow, scheme_id)  # the scheme lock first, as in apply
    voucher = get(s, voucher_id, lock=True)
    if voucher.applied_by == actor.user_id:
        raise SelfApproval("the applicant cannot review their own voucher")
    if schemes.settings_of(s, scheme).review_scope == "city" and actor.org_city != voucher.city:
        raise Forbidden("this scheme limits reviewers to enterprises of their own city",
                        details={"voucher_city": voucher.city})
    return scheme, voucher


def approve(uow, *, actor: Actor, voucher_id: int) -> Voucher:
    _, voucher = _review_target(uow, actor=actor, voucher_id=voucher_id)
    if voucher.status != "reserved":
        raise InvalidState(f"only a reserved voucher can be issued; this one is {voucher.status}",
                           details={"status": voucher.status})
    voucher.status, voucher.reviewed_by, voucher.reviewed_at = "issued", actor.user_id, clock.now()
    uow.session.add(voucher)
    uow.commit()
    return voucher


def reject(uow, *, actor: Actor, voucher_id: int, reason: str) -> Voucher:
    scheme, voucher = _review_target(uow, actor=actor, voucher_id=voucher_id)
    today = clock.today()
    if voucher.status not in ("reserved", "waitlisted"):
        raise InvalidState(f"a {voucher.status} voucher cannot be rejected", details={"status": voucher.status})
    if voucher.status == "reserved" and voucher.reservation_id is not None:
        budget.release(uow, scheme_id=scheme.id, reservation_id=voucher.reservation_id,
                       key=f"voucher:{voucher.id}:release", ref=f"voucher:{voucher.id}", on=today,
                       memo="voucher rejected")
    voucher.status, voucher.reason = "rejected", reason
    voucher.reviewed_by, voucher.reviewed_at, voucher.waitlist_reason = actor.user_id, clock.now(), None
    uow.session.add(voucher)
    uow.session.flush()
    schemes.money_freed(uow, scheme, today)
    uow.commit()
    return voucher


__all__ = ["Actor", "apply", "approve", "reject", "quote", "get", "get_for_reader", "check_reader", "list_page",
           "effective_status", "breakdown_of"]
