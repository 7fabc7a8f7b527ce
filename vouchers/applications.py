"""Cloud voucher applications: eligibility, face value, first-come-first-served reservation,
waitlist and promotion, review, expiry.

Every application locks its scheme row first (``SELECT … FOR UPDATE``; on SQLite the write lock of
BEGIN IMMEDIATE). Applications to one scheme are therefore decided one at a time, in the order
they obtained the lock, and the application time is stamped after the lock is held: the order of
application times is exactly the order in which the budget was handed out.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from catalog import organisations, products
from catalog.models import Organisation, ProductVersion
from catalog.rules import line_subsidy, standard_to_dict
from kernel import clock
from kernel.tables import fetch, locked
from kernel.errors import Forbidden
from kernel.money import from_fen, to_fen
from ledger import service as ledger
from vouchers import budget, contracts, rules, schemes
from vouchers.listing import party_page
from vouchers.errors import (
    CapExhausted, DuplicateFunding, InvalidState, OutsideApplicationWindow, SelfApproval, VoucherNotFound,
    WrongSchemeKind,
)
from vouchers.models import FUNDING_STATUSES, Claim, Contract, Scheme, Voucher

# Vouchers whose money counts against the enterprise cap, the provider quota and the city quota.
COUNTING_STATUSES = ("reserved", "issued", "redeemed", "settled")
EXPIRING_STATUSES = ("waitlisted", "reserved", "issued")


@dataclass(frozen=True)
class Actor:
    user_id: int
    org_id: int | None
    org_city: str | None = None
    is_staff: bool = False


def _committed(session, *conditions) -> int:
    """Money held by counting vouchers: the final amount once settled, else the face value."""
    return int(session.exec(select(sa.func.coalesce(sa.func.sum(
        sa.func.coalesce(Voucher.final_amount, Voucher.face_value)), 0))
        .where(Voucher.status.in_(COUNTING_STATUSES), *conditions)).one())


def _price(session, *, scheme: Scheme, settings: rules.Settings, contract: Contract, enterprise: Organisation,
           exclude_voucher: int | None = None) -> rules.FaceValue:
    provider = organisations.get(session, contract.provider_id)
    priced = []
    for line in contracts.lines_of(session, contract.id):
        version = _version(session, line.version_id)
        standard = products.load_standard(version.standard)
        quantity, amount = contracts.quantity_of(line), from_fen(line.amount)
        priced.append(rules.PricedLine(
            line_no=line.line_no, product_id=line.product_id, version_id=line.version_id,
            item_kind=version.item_kind, quantity=quantity,
            unit_price=from_fen(line.unit_price), amount=amount, standard=standard_to_dict(standard),
            subsidy=line_subsidy(standard, quantity=quantity, amount=amount)))
    others = [Voucher.scheme_id == scheme.id]
    if exclude_voucher is not None:
        others.append(Voucher.id != exclude_voucher)
    ent_used = _committed(session, *others, Voucher.enterprise_id == enterprise.id)
    prov_used = _committed(session, *others, Voucher.provider_id == provider.id)
    return rules.face_value(
        priced, city=enterprise.city, settings=settings,
        enterprise_cap_left=settings.enterprise_cap - from_fen(ent_used),
        provider_quota_left=settings.provider_quota(provider.provider_class) - from_fen(prov_used))


def _version(session, version_id: int) -> ProductVersion:
    return session.get(ProductVersion, version_id)


def _facts(org: Organisation) -> rules.EnterpriseFacts:
    return rules.EnterpriseFacts(uscc=org.uscc, city=org.city, founded_on=org.founded_on,
                                 prior_year_revenue=None if org.prior_year_revenue is None
                                 else from_fen(org.prior_year_revenue))


def quote(session, *, scheme_id: int, contract_id: int) -> dict:
    """Dry run: what would this contract get under this scheme now? Reserves nothing."""
    scheme = schemes.get(session, scheme_id)
    settings = schemes.settings_of(session, scheme)
    contract = contracts.get(session, contract_id)
    enterprise = organisations.get(session, contract.enterprise_id)
    eligible, reason = True, None
    try:
        rules.check_eligibility(_facts(enterprise), settings, clock.today())
    except Exception as exc:  # report, don't refuse: a dry run answers "what if"
        eligible, reason = False, getattr(exc, "details", {}).get("condition")
    fv = _price(session, scheme=scheme, settings=settings, contract=contract, enterprise=enterprise)
    out = rules.breakdown(fv, settings_version=scheme.settings_version, settings=settings, city=enterprise.city)
    out["eligible"] = eligible
    out["ineligible_reason"] = reason
    out["budget_available"] = str(from_fen(budget.read(session, scheme.id).available))
    return out


def _city_left(session, scheme: Scheme, settings: rules.Settings, city: str) -> int | None:
    quota = settings.city_quota(city)
    if quota is None:
        return None
    return to_fen(quota) - _committed(session, Voucher.scheme_id == scheme.id, Voucher.city == city)


def _queue_blocks(session, scheme_id: int, city: str) -> str | None:
    """Strict first come, first served: nobody overtakes a voucher already waiting for the same money."""
    waiting = select(Voucher.id).where(Voucher.scheme_id == scheme_id, Voucher.status == "waitlisted")
    if session.exec(waiting.where(Voucher.waitlist_reason == "budget").limit(1)).first() is not None:
        return "budget"
    if session.exec(waiting.where(Voucher.waitlist_reason == "city_quota", Voucher.city == city)
                    .limit(1)).first() is not None:
        return "city_quota"
    return None


def _reserve(uow, scheme: Scheme, voucher: Voucher, on: dt.date) -> None:
    res = ledger.reserve(uow, key=f"voucher:{voucher.id}:reserve", source=budget.account(scheme.id, "available"),
                         hold=budget.account(scheme.id, "reserved"), amount=voucher.face_value, effective_date=on,
                         ref=f"voucher:{voucher.id}", memo="voucher reservation")
    voucher.reservation_id = res.id


def apply(uow, *, actor: Actor, scheme_id: int, contract_id: int) -> Voucher:
    s = uow.session
    scheme = schemes.get(s, scheme_id, lock=True)
    if scheme.kind != "cloud":
        raise WrongSchemeKind("cloud vouchers are applied for under a cloud scheme", details={"kind": scheme.kind})
    today = clock.today()
    if not scheme.apply_from <= today <= scheme.apply_to:
        raise OutsideApplicationWindow(
            f"applications are accepted from {scheme.apply_from} to {scheme.apply_to}",
            details={"apply_from": scheme.apply_from.isoformat(), "apply_to": scheme.apply_to.isoformat(),
                     "today": today.isoformat()})
    contract = contracts.get(s, contract_id, lock=True)
    if actor.org_id != contract.enterprise_id:
        raise Forbidden("only the contract's enterprise may apply for its voucher")
    funded = s.exec(select(Voucher.id).where(Voucher.contract_id == contract.id,
                                             Voucher.status.in_(FUNDING_STATUSES))).first()
    if funded is not None:
        raise DuplicateFunding("this contract is already funded", details={"voucher_id": funded})
    _expire_due(uow, scheme, today)
    settings = schemes.settings_of(s, scheme)
    enterprise = organisations.get(s, contract.enterprise_id)
    rules.check_eligibility(_facts(enterprise), settings, today)
    fv = _price(s, scheme=scheme, settings=settings, contract=contract, enterprise=enterprise)
    if fv.face_value <= 0:
        raise CapExhausted("the subsidy for this contract is zero", details={"binding": list(fv.binding)})
    value = to_fen(fv.face_value)
    reason = _queue_blocks(s, scheme.id, enterprise.city)
    if reason is None and budget.read(s, scheme.id).available < value:
        reason = "budget"
    if reason is None:
        city_left = _city_left(s, scheme, settings, enterprise.city)
        if city_left is not None and city_left < value:
            reason = "city_quota"
    voucher = Voucher(
        scheme_id=scheme.id, contract_id=contract.id, enterprise_id=enterprise.id, provider_id=contract.provider_id,
        city=enterprise.city, status="waitlisted" if reason else "reserved", waitlist_reason=reason,
        face_value=value, settings_version=scheme.settings_version, applied_at=clock.now(), applied_by=actor.user_id,
        breakdown_json=json.dumps(rules.breakdown(fv, settings_version=scheme.settings_version, settings=settings,
                                                  city=enterprise.city), ensure_ascii=False),
        expires_on=scheme.redeem_to)
    s.add(voucher)
    s.flush()
    if reason is None:
        _reserve(uow, scheme, voucher, today)
        s.add(voucher)
    uow.commit()
    return voucher


def change_settings(uow, *, actor_id: int, scheme_id: int, changes: dict) -> Scheme:
    """New settings apply at once: a raised quota or cap lets waiting vouchers through now."""
    scheme = schemes.get(uow.session, scheme_id, lock=True)
    settings = schemes.add_settings_version(uow, actor_id=actor_id, scheme=scheme, changes=changes)
    today = clock.today()
    _expire_due(uow, scheme, today)
    promote_waitlist(uow, scheme, settings, today)
    uow.commit()
    return scheme


def get(session, voucher_id: int, *, lock: bool = False) -> Voucher:
    return fetch(session, Voucher, voucher_id, lock=lock, missing=VoucherNotFound, what="voucher")


def check_reader(voucher: Voucher, actor: Actor) -> None:
    if not actor.is_staff and actor.org_id not in (voucher.enterprise_id, voucher.provider_id):
        raise Forbidden("this voucher belongs to another organisation")


def _review_target(uow, *, actor: Actor, voucher_id: int) -> tuple[Scheme, Voucher, rules.Settings]:
    s = uow.session
    scheme_id = s.exec(select(Voucher.scheme_id).where(Voucher.id == voucher_id)).first()
    if scheme_id is None:
        raise VoucherNotFound(f"voucher {voucher_id} not found", details={"voucher_id": voucher_id})
    scheme = schemes.get(s, scheme_id, lock=True)  # the scheme lock first, as in apply
    voucher = get(s, voucher_id, lock=True)
    settings = schemes.settings_of(s, scheme)
    if voucher.applied_by == actor.user_id:
        raise SelfApproval("the applicant cannot review their own voucher")
    if settings.review_scope == "city" and actor.org_city != voucher.city:
        raise Forbidden("this scheme limits reviewers to enterprises of their own city",
                        details={"voucher_city": voucher.city})
    return scheme, voucher, settings


def approve(uow, *, actor: Actor, voucher_id: int) -> Voucher:
    scheme, voucher, _ = _review_target(uow, actor=actor, voucher_id=voucher_id)
    _expire_due(uow, scheme, clock.today())
    if voucher.status != "reserved":
        raise InvalidState(f"only a reserved voucher can be issued; this one is {voucher.status}",
                           details={"status": voucher.status})
    voucher.status, voucher.reviewed_by, voucher.reviewed_at = "issued", actor.user_id, clock.now()
    uow.session.add(voucher)
    uow.commit()
    return voucher


def reject(uow, *, actor: Actor, voucher_id: int, reason: str) -> Voucher:
    scheme, voucher, settings = _review_target(uow, actor=actor, voucher_id=voucher_id)
    today = clock.today()
    _expire_due(uow, scheme, today)  # nothing past its window is promoted by the money this frees
    if voucher.status not in ("reserved", "waitlisted"):
        raise InvalidState(f"a {voucher.status} voucher cannot be rejected", details={"status": voucher.status})
    if voucher.reservation_id is not None and voucher.status == "reserved":
        ledger.void_pending(uow, reservation_id=voucher.reservation_id, key=f"voucher:{voucher.id}:release",
                            effective_date=today, ref=f"voucher:{voucher.id}", memo="voucher rejected")
    voucher.status, voucher.reason = "rejected", reason
    voucher.reviewed_by, voucher.reviewed_at, voucher.waitlist_reason = actor.user_id, clock.now(), None
    uow.session.add(voucher)
    promote_waitlist(uow, scheme, settings, today)
    uow.commit()
    return voucher


def release(uow, *, scheme: Scheme, voucher: Voucher, amount_used: int, key: str, on: dt.date,
            ref: str | None = None, memo: str = "claim approved") -> None:
    """Used by claims: post ``amount_used`` of the voucher's reservation to payable, free the rest
    (back to available, whatever account the reservation was taken from), promote the waitlist."""
    ledger.post_pending(uow, reservation_id=voucher.reservation_id, amount=amount_used,
                        destination=budget.account(scheme.id, "payable"), key=key,
                        rest_to=budget.account(scheme.id, "available"), effective_date=on,
                        ref=ref or f"voucher:{voucher.id}", memo=memo)
    promote_waitlist(uow, scheme, schemes.settings_of(uow.session, scheme), on)


def promote_waitlist(uow, scheme: Scheme, settings: rules.Settings, on: dt.date) -> list[Voucher]:
    """Oldest first. The queue stops at the first voucher the budget cannot cover; a voucher held
    back by its city's quota holds back only later vouchers of that city. Call with the scheme locked."""
    s = uow.session
    promoted = []
    blocked_cities: set[str] = set()
    waiting = list(s.exec(locked(select(Voucher).where(Voucher.scheme_id == scheme.id, Voucher.status == "waitlisted")
                                 .order_by(Voucher.applied_at, Voucher.id))))
    for voucher in waiting:
        if voucher.city in blocked_cities:
            continue
        value = _repriced_on_promotion(s, scheme, settings, voucher)
        if value <= 0:
            voucher.status, voucher.reason, voucher.waitlist_reason = "rejected", "caps exhausted while waiting", None
            s.add(voucher)
            continue
        if budget.read(s, scheme.id).available < value:
            voucher.waitlist_reason = "budget"
            s.add(voucher)
            break
        city_left = _city_left(s, scheme, settings, voucher.city)
        if city_left is not None and city_left < value:
            voucher.waitlist_reason = "city_quota"
            s.add(voucher)
            blocked_cities.add(voucher.city)
            continue
        voucher.face_value, voucher.status, voucher.waitlist_reason = value, "reserved", None
        s.add(voucher)
        s.flush()
        _reserve(uow, scheme, voucher, on)
        s.add(voucher)
        promoted.append(voucher)
    s.flush()
    return promoted


def _repriced_on_promotion(session, scheme, settings, voucher: Voucher) -> int:
    """Caps may have filled while the voucher waited: it never gets more than is left now."""
    enterprise = organisations.get(session, voucher.enterprise_id)
    contract = contracts.get(session, voucher.contract_id)
    fv = _price(session, scheme=scheme, settings=settings, contract=contract, enterprise=enterprise,
                exclude_voucher=voucher.id)
    value = min(voucher.face_value, to_fen(fv.face_value))
    if value != voucher.face_value:
        data = json.loads(voucher.breakdown_json)
        data["repriced_on_promotion"] = {"face_value": str(from_fen(value)), "binding": list(fv.binding)}
        data["face_value"] = str(from_fen(value))
        voucher.breakdown_json = json.dumps(data, ensure_ascii=False)
    return value


def _expire_due(uow, scheme: Scheme, today: dt.date) -> int:
    """Vouchers past the redemption window expire and release their reservation. Scheme locked."""
    s = uow.session
    due = list(s.exec(locked(select(Voucher).where(
        Voucher.scheme_id == scheme.id, Voucher.expires_on < today,
        sa.or_(Voucher.status.in_(EXPIRING_STATUSES),
               # a claim returned for rework and never corrected: its voucher lapses with the window
               sa.and_(Voucher.status == "redeemed",
                       Voucher.id.in_(select(Claim.voucher_id).where(Claim.status == "returned")))))
        .order_by(Voucher.id))))
    lapsed = [v.id for v in due if v.status == "redeemed"]
    if lapsed:
        for claim in s.exec(locked(select(Claim).where(Claim.voucher_id.in_(lapsed), Claim.status == "returned"))):
            claim.status = "lapsed"
            s.add(claim)
    for voucher in due:
        if voucher.status != "waitlisted" and voucher.reservation_id is not None:
            # back to available, also for money an objection held again from payable
            ledger.post_pending(uow, reservation_id=voucher.reservation_id, amount=0, destination="",
                                rest_to=budget.account(scheme.id, "available"), key=f"voucher:{voucher.id}:expire",
                                effective_date=today, kind="release", ref=f"voucher:{voucher.id}",
                                memo="voucher expired")
        voucher.status, voucher.waitlist_reason = "expired", None
        s.add(voucher)
    if due:
        s.flush()
        promote_waitlist(uow, scheme, schemes.settings_of(s, scheme), today)
    return len(due)


def expire(uow, *, scheme_id: int) -> int:
    """Expire one scheme's vouchers past their window (the job calls it once per scheme, each in its
    own transaction, so it never holds one scheme's lock while waiting for another's)."""
    today = clock.today()
    scheme = schemes.get(uow.session, scheme_id, lock=True)
    count = _expire_due(uow, scheme, today)
    uow.commit()
    return count


def cloud_scheme_ids(session) -> list[int]:
    return list(session.exec(select(Scheme.id).where(Scheme.kind == "cloud").order_by(Scheme.id)))


def expire_if_due(uow, voucher_id: int) -> None:
    """Read-time expiry: a voucher read after its window shows as expired, its money released."""
    s = uow.session
    voucher = get(s, voucher_id)
    if voucher.status in EXPIRING_STATUSES + ("redeemed",) and voucher.expires_on < clock.today():
        scheme = schemes.get(s, voucher.scheme_id, lock=True)
        _expire_due(uow, scheme, clock.today())
        uow.commit()


def list_page(session, *, actor: Actor, scheme_id: int | None, status: str | None, after: int,
              limit: int) -> list[Voucher]:
    return party_page(session, Voucher, actor=actor, after=after, limit=limit, scheme_id=scheme_id, status=status)


def breakdown_of(voucher: Voucher) -> dict:
    return json.loads(voucher.breakdown_json)


__all__ = ["Actor", "apply", "approve", "reject", "quote", "get", "expire", "expire_if_due", "promote_waitlist",
           "release", "list_page", "breakdown_of", "Decimal"]
