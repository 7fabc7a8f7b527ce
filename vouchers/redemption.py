"""Redeeming a cloud voucher (兑付): one kind of claim (``voucher``).

The enterprise submits what it was invoiced and what it paid, with its evidence; the claim comes
to ``F = min(V, floor_fen(V × P / A))`` (``rules.claim_amount``) and holds the money the voucher
reserved. From there the claim follows the shared review, publicity and payout (``claims``); this
kind keeps the voucher in step: ``redeemed`` while its claim is under review, in publicity and on
its way to the bank (its final amount set at approval), ``expired`` if its returned claim lapses.
It reads ``settled`` once the bank statement shows the money reached the payee, and ``redeemed``
again if the bank returns it: that is the claim's ``paid``, read through (``applications.effective_status``),
not written a second time on the voucher.
"""
from __future__ import annotations

import datetime as dt

from sqlmodel import select

from adapters.tables import locked
from claims import kinds
from claims import service as claims
from claims.models import Claim
from kernel import clock
from kernel.errors import Forbidden, InvalidState, ValidationError
from kernel.money import from_fen, to_fen
from parties.actors import Actor
from schemes import budget
from schemes import service as schemes
from schemes.models import Scheme
from vouchers import applications, contracts, expiry, rules
from vouchers.errors import (
    ClaimExists,
    OutsideRedemptionWindow,
    VoucherAlreadyAssigned,
    VoucherExpired,
    VoucherNotIssued,
)
from vouchers.models import Voucher, VoucherClaim
from vouchers.schemas import VoucherClaimFields

KIND = "voucher"


def payee_of(voucher: Voucher) -> int:
    """Who is paid for this voucher's claim: the enterprise, or the financier its payout is
    assigned to while an order-financing advance is outstanding (POLICY.md §7, §8)."""
    return voucher.assignee_org_id or voucher.enterprise_id


# --- order financing: the payout assigned to a financier ------------------------------------------

# A voucher whose payout can still be assigned: issued, or redeemed / settled with its claim not
# yet taken into a payout batch.
ASSIGNABLE_STATUSES = ("issued", "redeemed", "settled")


def _claim_ids(session, voucher_id: int) -> list[int]:
    return list(session.exec(select(VoucherClaim.claim_id).where(VoucherClaim.voucher_id == voucher_id)))


def check_assignable(session, voucher: Voucher, today: dt.date) -> None:
    """May this voucher's payout be assigned now? VOUCHER_EXPIRED, VOUCHER_NOT_ISSUED (also when
    its claim is in a payout batch or paid: that money is under way), VOUCHER_ALREADY_ASSIGNED."""
    status = applications.effective_status(session, voucher, today)
    if status == "expired":
        raise VoucherExpired(f"the voucher expired after {voucher.expires_on}",
                             details={"voucher_id": voucher.id, "expires_on": voucher.expires_on.isoformat()})
    if status not in ASSIGNABLE_STATUSES:
        raise VoucherNotIssued(f"only an issued voucher's payout can be assigned; this one is {status}",
                               details={"voucher_id": voucher.id, "status": status})
    claim = session.exec(select(Claim.id, Claim.status).where(Claim.id.in_(_claim_ids(session, voucher.id)))).first()
    if claim is not None and claim.status not in claims.PAYEE_OPEN_STATUSES:
        raise VoucherNotIssued(f"the voucher's claim is {claim.status}: its payout is under way already",
                               details={"voucher_id": voucher.id, "status": status, "claim_id": claim.id,
                                        "claim_status": claim.status})
    if voucher.assignee_org_id is not None:
        raise VoucherAlreadyAssigned("the voucher's payout is assigned to a financier already",
                                     details={"voucher_id": voucher.id, "assignee_org_id": voucher.assignee_org_id})


def assign_payout(uow, *, voucher_id: int, org_id: int) -> Voucher:
    """Pay this voucher's claim to ``org_id`` (a financier) from now on, also a claim already open
    and not yet in a payout batch. The caller has locked the voucher's scheme and commits."""
    s = uow.session
    voucher = applications.get(s, voucher_id, lock=True)
    check_assignable(s, voucher, clock.today())
    voucher.assignee_org_id = org_id
    s.add(voucher)
    s.flush()
    claims.change_payee(uow, claim_ids=_claim_ids(s, voucher.id), payee_org_id=org_id)
    return voucher


def end_assignment(uow, *, voucher_id: int) -> Voucher:
    """The advance is repaid: the enterprise is paid again, also for a claim not yet in a payout
    batch (one already in a batch is paid as its batch line says). The caller has locked the
    voucher's scheme and commits."""
    s = uow.session
    voucher = applications.get(s, voucher_id, lock=True)
    voucher.assignee_org_id = None
    s.add(voucher)
    s.flush()
    claims.change_payee(uow, claim_ids=_claim_ids(s, voucher.id), payee_org_id=voucher.enterprise_id)
    return voucher


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
    if voucher.status == "expired" or (voucher.status in expiry.EXPIRING_STATUSES and voucher.expires_on < today):
        raise VoucherExpired(f"the voucher expired after {voucher.expires_on}",
                             details={"voucher_id": voucher.id, "expires_on": voucher.expires_on.isoformat()})
    if voucher.status != "issued":
        raise VoucherNotIssued(f"only an issued voucher can be redeemed; this one is {voucher.status}",
                               details={"voucher_id": voucher.id, "status": voucher.status})
    if today < scheme.redeem_from:
        raise OutsideRedemptionWindow(f"claims are accepted from {scheme.redeem_from}",
                                      details={"redeem_from": scheme.redeem_from.isoformat(),
                                               "redeem_to": scheme.redeem_to.isoformat()})


def _price(session, *, scheme: Scheme, voucher: Voucher, held: int | None, contract_amount: int,
           invoice_amount: int, paid_amount: int) -> tuple[int, dict]:
    if held is None:
        raise InvalidState("the voucher holds no reserved money", details={"voucher_id": voucher.id})
    settings = schemes.settings_of(session, scheme)
    rules.check_invoice(invoice_amount=from_fen(invoice_amount), contract_amount=from_fen(contract_amount))
    amount = rules.claim_amount(face_value=from_fen(voucher.face_value), contract_amount=from_fen(contract_amount),
                                paid_amount=from_fen(paid_amount), min_paid_ratio=settings.settle_min_paid_ratio,
                                held=from_fen(held))
    out = rules.claim_breakdown(amount, face_value=from_fen(voucher.face_value),
                                contract_amount=from_fen(contract_amount), invoice_amount=from_fen(invoice_amount),
                                paid_amount=from_fen(paid_amount), settings_version=scheme.settings_version,
                                min_paid_ratio=settings.settle_min_paid_ratio)
    return to_fen(amount.final_amount), out


def submit(uow, *, actor: Actor, voucher_id: int, invoice_amount: int, paid_amount: int,
           evidence_ids: list[int]) -> Claim:
    """Redeem an issued voucher. A voucher whose claim was returned for rework is corrected with
    the same call (the claim keeps its id); any other second claim is CLAIM_EXISTS."""
    s = uow.session
    voucher = applications.get(s, voucher_id)
    if actor.org_id != voucher.enterprise_id:
        raise Forbidden("only the voucher's enterprise may claim it")
    _check_amounts(invoice_amount, paid_amount)
    today = clock.today()
    scheme = schemes.lock(uow, voucher.scheme_id, today=today)
    voucher = applications.get(s, voucher_id, lock=True)
    existing = s.exec(select(Claim.id, Claim.status).join(VoucherClaim, VoucherClaim.claim_id == Claim.id)
                      .where(VoucherClaim.voucher_id == voucher_id)).first()
    if existing is not None:
        if existing.status == "returned":
            return resubmit(uow, actor=actor, claim_id=existing.id, invoice_amount=invoice_amount,
                            paid_amount=paid_amount, evidence_ids=evidence_ids)
        if existing.status == "lapsed":
            raise VoucherExpired(f"the redemption window closed on {voucher.expires_on}; the claim lapsed",
                                 details={"voucher_id": voucher.id, "expires_on": voucher.expires_on.isoformat()})
        raise ClaimExists("this voucher has a claim already",
                          details={"claim_id": existing.id, "status": existing.status})
    _check_redeemable(scheme, voucher, today)
    contract = contracts.get(s, voucher.contract_id)
    final, breakdown = _price(s, scheme=scheme, voucher=voucher, held=budget.held(s, voucher.reservation_id),
                              contract_amount=contract.amount, invoice_amount=invoice_amount,
                              paid_amount=paid_amount)
    claim = claims.open_claim(uow, kind=KIND, scheme=scheme, enterprise_id=voucher.enterprise_id,
                              provider_id=voucher.provider_id, payee_org_id=payee_of(voucher), city=voucher.city,
                              final_amount=final, breakdown=breakdown, settings_version=scheme.settings_version,
                              submitted_by=actor.user_id, reservation_id=voucher.reservation_id,
                              lapses_on=voucher.expires_on, evidence_ids=evidence_ids)
    s.add(VoucherClaim(claim_id=claim.id, voucher_id=voucher.id, contract_amount=contract.amount,
                       face_value=voucher.face_value, invoice_amount=invoice_amount, paid_amount=paid_amount))
    voucher.status = "redeemed"  # a redeemed voucher no longer expires: its claim holds the money
    s.add(voucher)
    uow.commit()
    return claim


def resubmit(uow, *, actor: Actor, claim_id: int, invoice_amount: int, paid_amount: int,
             evidence_ids: list[int]) -> Claim:
    """A returned claim, corrected: new amounts and evidence, priced again, back to review."""
    s = uow.session
    claims.own_claim(s, claim_id, actor=actor, kind=KIND)
    _check_amounts(invoice_amount, paid_amount)
    scheme, claim = claims.lock_claim(uow, claim_id)
    detail = s.exec(locked(select(VoucherClaim).where(VoucherClaim.claim_id == claim.id))).one()
    voucher = applications.get(s, detail.voucher_id, lock=True)
    if claim.status == "lapsed" or (claim.status == "returned" and voucher.expires_on < clock.today()):
        raise VoucherExpired(f"the redemption window closed on {voucher.expires_on}; the claim lapses",
                             details={"voucher_id": voucher.id, "expires_on": voucher.expires_on.isoformat()})
    claims.require(claim, "returned", "resubmitted")
    final, breakdown = _price(s, scheme=scheme, voucher=voucher, held=budget.held(s, claim.reservation_id),
                              contract_amount=detail.contract_amount, invoice_amount=invoice_amount,
                              paid_amount=paid_amount)
    claims.resubmit(uow, claim=claim, final_amount=final, breakdown=breakdown,
                    settings_version=scheme.settings_version, submitted_by=actor.user_id, evidence_ids=evidence_ids)
    detail.invoice_amount, detail.paid_amount = invoice_amount, paid_amount
    s.add(detail)
    uow.commit()
    return claim


class VoucherRedemption(kinds.ClaimKind):
    """The claim kind of a voucher's redemption."""
    code = KIND

    def _voucher(self, uow, claim: Claim) -> Voucher:
        s = uow.session
        voucher_id = s.exec(select(VoucherClaim.voucher_id).where(VoucherClaim.claim_id == claim.id)).one()
        return applications.get(s, voucher_id, lock=True)

    def on_approved(self, uow, claim, *, on):
        voucher = self._voucher(uow, claim)
        # redeemed still: the amount is decided, the money has not reached anyone yet
        voucher.status, voucher.final_amount = "redeemed", claim.final_amount
        uow.session.add(voucher)

    def on_objected(self, uow, claim, *, on):
        voucher = self._voucher(uow, claim)
        voucher.status = "redeemed"  # final_amount stays: it is what the voucher still holds
        uow.session.add(voucher)

    def on_lapsed(self, uow, claim, *, on):
        voucher = self._voucher(uow, claim)
        voucher.status, voucher.waitlist_reason = "expired", None
        uow.session.add(voucher)

    def details(self, session, rows):
        found = session.exec(select(VoucherClaim).where(VoucherClaim.claim_id.in_([c.id for c in rows]))).all()
        dump = VoucherClaimFields().dump
        return {d.claim_id: dump(d) for d in found}
