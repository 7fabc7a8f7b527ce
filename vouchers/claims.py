"""Claims (兑付): an enterprise redeems its issued voucher; a reviewer approves or returns it;
approved claims are publicised (公示) and then payable.

Status: ``submitted → publicity → payable → in_batch → paid``; ``submitted → returned → submitted``
(corrected and resubmitted); ``publicity → submitted`` (an objection); ``in_batch/paid → payable``
(the bank returned the payment, see ``reconciliation``).

Money, in the scheme's budget accounts, one journal per step in the transaction of the step:
- approval consumes the voucher's reservation: ``F`` to payable, ``V − F`` back to available
  (``applications.release``, which also promotes the waitlist);
- an objection re-reserves ``F`` from payable as a new pending reservation that the voucher then
  points at, so the next approval consumes it; what was released stays released.
Publicity ending moves no money (``F`` is in payable since approval): it is a status change, made
when a claim is read and when a batch is built.

Every change locks the scheme row first, then the claim and the voucher, as ``applications`` does.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import select

from catalog.models import Organisation
from kernel import clock
from kernel.tables import fetch
from kernel.errors import Forbidden, ValidationError
from kernel.money import from_fen, to_fen
from ledger import service as ledger
from ledger.models import LedgerReservation
from vouchers import applications, budget, contracts, evidence, rules, schemes
from vouchers.listing import party_page
from vouchers.applications import Actor
from vouchers.errors import (
    ClaimExists, ClaimNotFound, InvalidState, OutsideRedemptionWindow, SelfApproval, VoucherExpired,
    VoucherNotIssued,
)
from vouchers.models import Claim, Scheme, Voucher

C = Claim.__table__


@dataclass(frozen=True)
class PublicityPolicy:
    """The deployment's part of the publicity rule: ``days_override`` (a test setting; 0 ends
    publicity at approval) and holidays on top of each scheme's own list."""
    days_override: int | None = None
    holidays: tuple[str, ...] = ()


def payee_of(voucher: Voucher) -> int:
    """Who is paid for this voucher's claim. The enterprise, until order financing (POLICY.md §8)
    assigns vouchers to a financier: that issue changes this one function."""
    return voucher.enterprise_id


# --- reading -----------------------------------------------------------------------------------

def get(session, claim_id: int, *, lock: bool = False) -> Claim:
    return fetch(session, Claim, claim_id, lock=lock, missing=ClaimNotFound, what="claim")


def check_reader(claim: Claim, actor: Actor) -> None:
    if not actor.is_staff and actor.org_id not in (claim.enterprise_id, claim.provider_id):
        raise Forbidden("this claim belongs to another organisation")


def evidence_ids(claim: Claim) -> list[int]:
    return json.loads(claim.evidence_json)


def breakdown_of(claim: Claim) -> dict:
    return json.loads(claim.breakdown_json)


def _due(today: dt.date):
    return sa.and_(C.c.status == "publicity", C.c.payable_from <= today)


def publicity_due(session, *, today: dt.date, claim_id: int | None = None, scheme_id: int | None = None) -> bool:
    q = sa.select(C.c.id).where(_due(today)).limit(1)
    if claim_id is not None:
        q = q.where(C.c.id == claim_id)
    if scheme_id is not None:
        q = q.where(C.c.scheme_id == scheme_id)
    return session.execute(q).first() is not None


def end_publicity(uow, *, today: dt.date, claim_id: int | None = None, scheme_id: int | None = None) -> int:
    """Claims whose publicity is over become payable: a real status change, no money moves.
    The caller commits (``settle_publicity`` is the stand-alone use case)."""
    q = sa.update(C).where(_due(today)).values(status="payable")
    if claim_id is not None:
        q = q.where(C.c.id == claim_id)
    if scheme_id is not None:
        q = q.where(C.c.scheme_id == scheme_id)
    changed = uow.session.execute(q).rowcount
    if changed:
        uow.session.expire_all()
    return changed


def settle_publicity(uow, *, claim_id: int | None = None, scheme_id: int | None = None) -> int:
    changed = end_publicity(uow, today=clock.today(), claim_id=claim_id, scheme_id=scheme_id)
    uow.commit()
    return changed


def list_page(session, *, actor: Actor, scheme_id: int | None, status: str | None, after: int,
              limit: int) -> list[Claim]:
    return party_page(session, Claim, actor=actor, after=after, limit=limit, scheme_id=scheme_id, status=status)


def publicity_page(session, *, today: dt.date, scheme_id: int | None, after: int, limit: int) -> list[dict]:
    """公示名单: claims in publicity now, with what the public may know of them."""
    ent, prov, sch = Organisation.__table__.alias("ent"), Organisation.__table__.alias("prov"), Scheme.__table__
    q = (sa.select(C.c.id, ent.c.name.label("enterprise_name"), prov.c.name.label("provider_name"),
                   sch.c.name.label("scheme_name"), C.c.scheme_id, C.c.final_amount, C.c.approved_on,
                   C.c.publicity_ends_on)
         .join(ent, ent.c.id == C.c.enterprise_id).join(prov, prov.c.id == C.c.provider_id)
         .join(sch, sch.c.id == C.c.scheme_id)
         .where(C.c.status == "publicity", C.c.payable_from > today, C.c.id > after)
         .order_by(C.c.id).limit(limit))
    if scheme_id:
        q = q.where(C.c.scheme_id == scheme_id)
    return [dict(r._mapping) for r in session.execute(q)]


# --- submitting --------------------------------------------------------------------------------

def _check_amounts(invoice_amount: int, paid_amount: int) -> None:
    if invoice_amount <= 0:
        raise ValidationError("invoice_amount must be positive", field="invoice_amount")
    if paid_amount <= 0:
        raise ValidationError("paid_amount must be positive", field="paid_amount")
    if paid_amount > invoice_amount:
        # a payment proof for more than was invoiced is a mistake in one of the two documents
        raise ValidationError("paid_amount cannot exceed invoice_amount", field="paid_amount",
                              details={"invoice_amount": str(from_fen(invoice_amount)),
                                       "paid_amount": str(from_fen(paid_amount))})


def _check_redeemable(scheme: Scheme, voucher: Voucher, today: dt.date) -> None:
    if voucher.status == "expired" or (voucher.status in applications.EXPIRING_STATUSES
                                       and voucher.expires_on < today):
        raise VoucherExpired(f"the voucher expired after {voucher.expires_on}",
                             details={"voucher_id": voucher.id, "expires_on": voucher.expires_on.isoformat()})
    if voucher.status != "issued":
        raise VoucherNotIssued(f"only an issued voucher can be redeemed; this one is {voucher.status}",
                               details={"voucher_id": voucher.id, "status": voucher.status})
    if today < scheme.redeem_from:
        raise OutsideRedemptionWindow(f"claims are accepted from {scheme.redeem_from}",
                                      details={"redeem_from": scheme.redeem_from.isoformat(),
                                               "redeem_to": scheme.redeem_to.isoformat()})


def _held(session, voucher: Voucher) -> int:
    """What the voucher's open reservation holds (V, or F after an objection)."""
    res = session.get(LedgerReservation, voucher.reservation_id)
    if res is None or res.status != "pending":
        raise InvalidState("the voucher holds no reserved money", details={"voucher_id": voucher.id})
    return res.amount


def _price(session, *, scheme: Scheme, voucher: Voucher, contract_amount: int, invoice_amount: int,
           paid_amount: int) -> tuple[int, str]:
    settings = schemes.settings_of(session, scheme)
    held = _held(session, voucher)
    amount = rules.claim_amount(face_value=from_fen(voucher.face_value), contract_amount=from_fen(contract_amount),
                                paid_amount=from_fen(paid_amount), min_paid_ratio=settings.settle_min_paid_ratio,
                                held=from_fen(held))
    out = rules.claim_breakdown(amount, face_value=from_fen(voucher.face_value),
                                contract_amount=from_fen(contract_amount), invoice_amount=from_fen(invoice_amount),
                                paid_amount=from_fen(paid_amount), settings_version=scheme.settings_version,
                                min_paid_ratio=settings.settle_min_paid_ratio)
    return to_fen(amount.final_amount), json.dumps(out, ensure_ascii=False)


def _locked(uow, claim_id: int) -> tuple[Scheme, Claim, Voucher]:
    s = uow.session
    claim = get(s, claim_id)
    scheme = schemes.get(s, claim.scheme_id, lock=True)
    return scheme, get(s, claim_id, lock=True), applications.get(s, claim.voucher_id, lock=True)


def submit(uow, *, actor: Actor, voucher_id: int, invoice_amount: int, paid_amount: int,
           evidence_ids: list[int]) -> Claim:
    """Redeem an issued voucher. A voucher whose claim was returned for rework is corrected with
    the same call (the claim keeps its id); any other second claim is CLAIM_EXISTS."""
    s = uow.session
    voucher = applications.get(s, voucher_id)
    if actor.org_id != voucher.enterprise_id:
        raise Forbidden("only the voucher's enterprise may claim it")
    _check_amounts(invoice_amount, paid_amount)
    scheme = schemes.get(s, voucher.scheme_id, lock=True)
    voucher = applications.get(s, voucher_id, lock=True)
    existing = s.exec(select(Claim.id, Claim.status).where(Claim.voucher_id == voucher_id)).first()
    if existing is not None:
        if existing.status == "returned":
            return resubmit(uow, actor=actor, claim_id=existing.id, invoice_amount=invoice_amount,
                            paid_amount=paid_amount, evidence_ids=evidence_ids)
        raise ClaimExists("this voucher has a claim already",
                          details={"claim_id": existing.id, "status": existing.status})
    today = clock.today()
    _check_redeemable(scheme, voucher, today)
    contract = contracts.get(s, voucher.contract_id)
    final, breakdown = _price(s, scheme=scheme, voucher=voucher, contract_amount=contract.amount,
                              invoice_amount=invoice_amount, paid_amount=paid_amount)
    claim = Claim(voucher_id=voucher.id, scheme_id=scheme.id, enterprise_id=voucher.enterprise_id,
                  provider_id=voucher.provider_id, payee_org_id=payee_of(voucher), status="submitted",
                  contract_amount=contract.amount, face_value=voucher.face_value, invoice_amount=invoice_amount,
                  paid_amount=paid_amount, final_amount=final, evidence_json="[]", breakdown_json=breakdown,
                  settings_version=scheme.settings_version, submitted_by=actor.user_id, submitted_at=clock.now())
    s.add(claim)
    s.flush()
    claim.evidence_json = json.dumps(evidence.bind(s, evidence_ids=evidence_ids, org_id=voucher.enterprise_id,
                                                   claim_id=claim.id))
    voucher.status = "redeemed"  # a redeemed voucher no longer expires
    s.add_all([claim, voucher])
    uow.commit()
    return claim


def resubmit(uow, *, actor: Actor, claim_id: int, invoice_amount: int, paid_amount: int,
             evidence_ids: list[int]) -> Claim:
    """A returned claim, corrected: new amounts and evidence, priced again, back to review."""
    s = uow.session
    claim = get(s, claim_id)
    if actor.org_id != claim.enterprise_id:
        raise Forbidden("only the claim's enterprise may resubmit it")
    _check_amounts(invoice_amount, paid_amount)
    scheme, claim, voucher = _locked(uow, claim_id)
    if claim.status != "returned":
        raise InvalidState(f"only a returned claim can be resubmitted; this one is {claim.status}",
                           details={"status": claim.status})
    if voucher.expires_on < clock.today():
        raise VoucherExpired(f"the redemption window closed on {voucher.expires_on}; the claim lapses",
                             details={"voucher_id": voucher.id, "expires_on": voucher.expires_on.isoformat()})
    final, breakdown = _price(s, scheme=scheme, voucher=voucher, contract_amount=claim.contract_amount,
                              invoice_amount=invoice_amount, paid_amount=paid_amount)
    claim.evidence_json = json.dumps(evidence.bind(s, evidence_ids=evidence_ids, org_id=claim.enterprise_id,
                                                   claim_id=claim.id))
    claim.invoice_amount, claim.paid_amount, claim.final_amount = invoice_amount, paid_amount, final
    claim.breakdown_json, claim.settings_version = breakdown, scheme.settings_version
    claim.status, claim.submissions = "submitted", claim.submissions + 1
    claim.submitted_by, claim.submitted_at = actor.user_id, clock.now()
    s.add(claim)
    uow.commit()
    return claim


# --- review --------------------------------------------------------------------------------------

def _reviewable(uow, actor: Actor, claim_id: int) -> tuple[Scheme, Claim, Voucher, rules.Settings]:
    scheme, claim, voucher = _locked(uow, claim_id)
    settings = schemes.settings_of(uow.session, scheme)
    if settings.review_scope == "city" and actor.org_city != voucher.city:
        raise Forbidden("this scheme limits reviewers to enterprises of their own city",
                        details={"claim_city": voucher.city})
    return scheme, claim, voucher, settings


def _require(claim: Claim, status: str, action: str) -> None:
    if claim.status != status:
        raise InvalidState(f"only a {status} claim can be {action}; this one is {claim.status}",
                           details={"status": claim.status, "expected": status})


def approve(uow, *, actor: Actor, claim_id: int, policy: PublicityPolicy = PublicityPolicy()) -> Claim:
    """Approve for publicity: consume the voucher's reservation, ``F`` payable, the rest freed."""
    scheme, claim, voucher, settings = _reviewable(uow, actor, claim_id)
    if claim.submitted_by == actor.user_id:
        raise SelfApproval("the user who submitted a claim cannot approve it")
    _require(claim, "submitted", "approved")
    today = clock.today()
    days = settings.publicity_working_days if policy.days_override is None else policy.days_override
    pub = rules.publicity(today, days, tuple(settings.holidays) + tuple(policy.holidays))
    claim.approvals += 1
    claim.status, claim.reviewed_by, claim.reviewed_at = "publicity", actor.user_id, clock.now()
    claim.approved_on, claim.publicity_ends_on, claim.payable_from = pub.approved_on, pub.ends_on, pub.payable_from
    claim.objection_reason = None
    voucher.status, voucher.final_amount = "settled", claim.final_amount
    s = uow.session
    s.add_all([claim, voucher])
    s.flush()
    applications.release(uow, scheme=scheme, voucher=voucher, amount_used=claim.final_amount,
                         key=f"claim:{claim.id}:approve:{claim.approvals}", on=today, ref=f"claim:{claim.id}")
    uow.commit()
    return claim


def return_for_rework(uow, *, actor: Actor, claim_id: int, reason: str) -> Claim:
    _, claim, _, _ = _reviewable(uow, actor, claim_id)
    _require(claim, "submitted", "returned")
    claim.status, claim.return_reason = "returned", reason
    claim.reviewed_by, claim.reviewed_at = actor.user_id, clock.now()
    uow.session.add(claim)
    uow.commit()
    return claim


def object_to(uow, *, actor: Actor, claim_id: int, reason: str) -> Claim:
    """An objection during publicity: the claim goes back to review and its money back on hold."""
    scheme, claim, voucher, _ = _reviewable(uow, actor, claim_id)
    today = clock.today()
    if claim.status == "publicity" and claim.payable_from <= today:
        raise InvalidState(f"publicity ended on {claim.publicity_ends_on}; the claim is payable",
                           details={"status": "payable", "publicity_ends_on": claim.publicity_ends_on.isoformat()})
    _require(claim, "publicity", "objected to")
    claim.objections += 1
    claim.status, claim.objection_reason = "submitted", reason
    claim.approved_on = claim.publicity_ends_on = claim.payable_from = None
    voucher.status = "redeemed"  # final_amount stays: it is what the voucher still holds
    s = uow.session
    s.add_all([claim, voucher])
    s.flush()
    res = ledger.reserve(uow, key=f"claim:{claim.id}:object:{claim.objections}",
                         source=budget.account(scheme.id, "payable"), hold=budget.account(scheme.id, "reserved"),
                         amount=claim.final_amount, effective_date=today, ref=f"claim:{claim.id}",
                         memo="objection during publicity")
    voucher.reservation_id = res.id
    s.add(voucher)
    uow.commit()
    return claim


__all__ = ["PublicityPolicy", "submit", "resubmit", "approve", "return_for_rework", "object_to", "get",
           "check_reader", "list_page", "publicity_page", "end_publicity", "settle_publicity", "publicity_due",
           "payee_of", "evidence_ids", "breakdown_of", "ClaimNotFound"]
