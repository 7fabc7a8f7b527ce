"""The shadow model: what the service must answer, predicted from POLICY.md alone, in the spirit of
TigerBeetle's auditor. It holds a scheme's five budget parts and every voucher and claim, and for
each operation, applied in the order the service serialised it (the scheme lock), says whether it
is accepted and what changes; the workload compares each prediction with the service's answer and,
at the end, every balance and status. Integers are fen.

To model a new operation (loans, rewards, talent claims), add a method ``op_<name>`` that returns
the predicted outcome (``"ok"`` or an error code) and applies the change when it is accepted.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from claims.rules import publicity  # the working-day calendar of POLICY.md §6 (weekends skipped)

MIN_PAID_TENTHS = 9  # P must be at least 90 % of the contract amount


@dataclass
class Voucher:
    id: int
    contract: int
    amount: int       # the contract amount A
    face: int         # V
    status: str       # waitlisted | reserved | issued | redeemed | settled | rejected


@dataclass
class Claim:
    id: int
    voucher: int
    final: int        # F
    held: int         # what its reservation holds while under review
    status: str       # submitted | returned | publicity | payable | in_batch | paid
    payable_from: dt.date | None = None


@dataclass
class Model:
    total: int
    available: int
    publicity_days: int = 5  # the scheme's publicity_working_days
    reserved: int = 0
    payable: int = 0
    in_transit: int = 0
    disbursed: int = 0
    vouchers: dict[int, Voucher] = field(default_factory=dict)
    claims: dict[int, Claim] = field(default_factory=dict)
    queue: list[int] = field(default_factory=list)  # waitlisted vouchers, oldest first

    def parts(self) -> dict[str, int]:
        return {"available": self.available, "reserved": self.reserved, "payable": self.payable,
                "in_transit": self.in_transit, "disbursed": self.disbursed}

    # --- vouchers -----------------------------------------------------------------------------
    def op_apply(self, *, contract: int, amount: int, face: int, voucher_id: int | None, **_) -> str:
        if any(v.contract == contract and v.status != "rejected" for v in self.vouchers.values()):
            return "DUPLICATE_FUNDING"
        v = Voucher(voucher_id, contract, amount, face, "waitlisted")
        self.vouchers[v.id] = v
        if self.queue or self.available < face:
            self.queue.append(v.id)
            return "waitlisted"
        self._reserve(v)
        return "reserved"

    def op_approve_voucher(self, *, voucher: int, **_) -> str:
        v = self.vouchers[voucher]
        if v.status != "reserved":
            return "INVALID_STATE"
        v.status = "issued"
        return "ok"

    def op_reject_voucher(self, *, voucher: int, **_) -> str:
        v = self.vouchers[voucher]
        if v.status not in ("reserved", "waitlisted"):
            return "INVALID_STATE"
        if v.status == "reserved":
            self.reserved -= v.face
            self.available += v.face
        else:
            self.queue.remove(v.id)
        v.status = "rejected"
        self._promote()
        return "ok"

    def _reserve(self, v: Voucher) -> None:
        self.available -= v.face
        self.reserved += v.face
        v.status = "reserved"

    def _promote(self) -> None:
        """Oldest first; the queue stops at the first voucher the budget cannot cover."""
        while self.queue and self.vouchers[self.queue[0]].face <= self.available:
            self._reserve(self.vouchers[self.queue.pop(0)])

    # --- claims -------------------------------------------------------------------------------
    def _final(self, v: Voucher, paid: int, held: int) -> int | str:
        if 10 * paid < MIN_PAID_TENTHS * v.amount:
            return "CLAIM_UNDERPAID"
        return min(v.face, v.face * paid // v.amount, held)

    def op_claim(self, *, voucher: int, paid: int, claim_id: int | None, **_) -> str:
        v = self.vouchers[voucher]
        existing = next((c for c in self.claims.values() if c.voucher == voucher), None)
        if existing is not None:
            if existing.status != "returned":
                return "CLAIM_EXISTS"
            final = self._final(v, paid, existing.held)
            if isinstance(final, str):
                return final
            existing.final, existing.status = final, "submitted"
            return "ok"
        if v.status != "issued":
            return "VOUCHER_NOT_ISSUED"
        final = self._final(v, paid, v.face)
        if isinstance(final, str):
            return final
        self.claims[claim_id] = Claim(claim_id, voucher, final, v.face, "submitted")
        v.status = "redeemed"
        return "ok"

    def status_of(self, claim: Claim, today: dt.date) -> str:
        if claim.status == "publicity" and claim.payable_from <= today:
            return "payable"
        return claim.status

    def op_approve_claim(self, *, claim: int, today: dt.date, **_) -> str:
        c = self.claims[claim]
        if c.status != "submitted":
            return "INVALID_STATE"
        self.reserved -= c.held
        self.payable += c.final
        self.available += c.held - c.final
        c.held = 0
        c.status, c.payable_from = "publicity", publicity(today, self.publicity_days).payable_from
        # the voucher stays redeemed: it settles when the bank pays its claim
        self._promote()
        return "ok"

    def op_return_claim(self, *, claim: int, **_) -> str:
        c = self.claims[claim]
        if c.status != "submitted":
            return "INVALID_STATE"
        c.status = "returned"
        return "ok"

    def op_object(self, *, claim: int, today: dt.date, **_) -> str:
        c = self.claims[claim]
        if self.status_of(c, today) != "publicity":
            return "INVALID_STATE"
        self.payable -= c.final
        self.reserved += c.final
        c.held, c.status, c.payable_from = c.final, "submitted", None
        self.vouchers[c.voucher].status = "redeemed"
        return "ok"

    # --- payouts ------------------------------------------------------------------------------
    def payable_claims(self, today: dt.date) -> list[int]:
        return sorted(c.id for c in self.claims.values() if self.status_of(c, today) == "payable")

    def op_build_batch(self, *, today: dt.date, **_) -> str:
        ids = self.payable_claims(today)
        if not ids:
            return "NOTHING_TO_PAY"
        for cid in ids:
            self.claims[cid].status = "in_batch"
        return "ok"

    def op_approve_batch(self, *, claims: list[int], **_) -> str:
        total = sum(self.claims[c].final for c in claims)
        self.payable -= total
        self.in_transit += total
        return "ok"

    def op_statement(self, *, paid: list[int], returned: list[int], **_) -> str:
        for cid in paid:
            c = self.claims[cid]
            self.in_transit -= c.final
            self.disbursed += c.final
            c.status = "paid"
            self.vouchers[c.voucher].status = "settled"
        for cid in returned:
            c = self.claims[cid]
            self.in_transit -= c.final
            self.payable += c.final
            c.status = "payable"
            self.vouchers[c.voucher].status = "redeemed"
        return "ok"

    def check_invariants(self) -> None:
        parts = self.parts()
        assert all(v >= 0 for v in parts.values()), parts
        assert sum(parts.values()) == self.total, parts
