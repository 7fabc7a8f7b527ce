"""A scheme's budget, and every journal that moves its money: this module is the only writer.

A scheme's budget is six ledger accounts: ``funding`` holds minus the total; the five parts
``available``, ``reserved``, ``payable``, ``in_transit`` and ``disbursed`` are protected from going
negative by the ledger itself. Every journal sums to zero, so
``total = available + reserved + payable + in_transit + disbursed`` holds at every moment.

Each movement below is one function posting one journal (or one batch of them), named for the
business event; its docstring says which part rises and which falls. ``Movement`` is the journal's
``kind``: why the money moved. Keys are derived from the domain object by the caller, so a replay
returns the journal already posted. Money held for a voucher or a claim is a two-phase ledger
reservation: ``reserve`` or ``hold`` open it, ``consume`` or ``release`` close it exactly once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple, Sequence

from ledger import service as ledger
from ledger.service import JournalSpec, Leg

PARTS = ("available", "reserved", "payable", "in_transit", "disbursed")


class Movement(str, Enum):
    """Why a scheme's money moved: the ``kind`` of its journal."""
    FUND = "fund"            # funding → available: the appropriation
    RESERVE = "reserve"      # available → reserved: a voucher applied for, a claim submitted
    CONSUME = "consume"      # reserved → payable (what was approved) and → available (the rest)
    RELEASE = "release"      # reserved → available: rejected, expired, lapsed
    HOLD = "hold"            # payable → reserved: an objection puts an approved claim back on hold
    PAY_OUT = "payout"       # payable → in_transit: a payout batch approved
    DISBURSE = "disburse"    # in_transit → disbursed: the bank statement shows the payment
    RETURN = "return"        # disbursed (or in_transit) → payable: the bank returned the payment


def account(scheme_id: int, part: str) -> str:
    return f"scheme:{scheme_id}:{part}"


PARTS_ZH = {"funding": "预算拨款", "available": "可用额度", "reserved": "预留额度", "payable": "应付",
            "in_transit": "在途", "disbursed": "已拨付"}


def chinese_account_names(session, codes: list[str]) -> dict[str, str]:
    """``scheme:3:available`` -> "梅州 2026 上云券 可用额度" (the scheme's name and the part), for
    ``ledger.naming``; codes of other accounts are left out."""
    import sqlalchemy as sa

    from schemes.models import Scheme
    wanted: dict[str, tuple[int, str]] = {}
    for code in codes:
        parts = code.split(":")
        if len(parts) == 3 and parts[0] == "scheme" and parts[1].isdigit() and parts[2] in PARTS_ZH:
            wanted[code] = (int(parts[1]), parts[2])
    if not wanted:
        return {}
    ids = sorted({scheme_id for scheme_id, _ in wanted.values()})
    names = dict(session.execute(sa.select(Scheme.id, Scheme.name).where(Scheme.id.in_(ids))).all())
    return {code: f"{names.get(scheme_id) or f'资金计划 {scheme_id}'} {PARTS_ZH[part]}"
            for code, (scheme_id, part) in wanted.items()}


@dataclass(frozen=True)
class Budget:
    total: int
    available: int
    reserved: int
    payable: int
    in_transit: int
    disbursed: int


def read(session, scheme_id: int) -> Budget:
    codes = [account(scheme_id, p) for p in ("funding",) + PARTS]
    b = ledger.balances(session, codes)
    return Budget(-b[codes[0]], *(b[account(scheme_id, p)] for p in PARTS))


def history(session, scheme_id: int, *, points: int = 60) -> list[tuple[dt.date, Budget]]:
    """The budget at the end of each day its money moved (the latest ``points`` such days): what a
    chart of available / reserved / payable / in transit / disbursed over time draws."""
    running: dict[str, int] = {}
    days: list[tuple[dt.date, Budget]] = []
    moves = ledger.daily_movements(session, prefix=account(scheme_id, ""))
    for i, (day, code, amount) in enumerate(moves):
        running[code] = running.get(code, 0) + amount
        if i + 1 == len(moves) or moves[i + 1][0] != day:
            days.append((day, Budget(-running.get(account(scheme_id, "funding"), 0),
                                     *(running.get(account(scheme_id, p), 0) for p in PARTS))))
    return days[-points:]


def held(session, reservation_id: int | None) -> int | None:
    """What a reservation holds now; None if there is none or it is closed."""
    res = ledger.reservation(session, reservation_id) if reservation_id else None
    return res.amount if res is not None and res.status == "pending" else None


def fund(uow, *, scheme_id: int, total: int, on: dt.date) -> None:
    """Open the six accounts and appropriate ``total``: funding falls, available rises."""
    ledger.open_account(uow, code=account(scheme_id, "funding"), name=f"scheme {scheme_id} appropriation")
    for part in PARTS:
        ledger.open_account(uow, code=account(scheme_id, part), name=f"scheme {scheme_id} {part}", no_negative=True)
    ledger.post(uow, key=f"scheme:{scheme_id}:fund", kind=Movement.FUND.value, effective_date=on,
                ref=f"scheme:{scheme_id}", memo="budget appropriation",
                legs=[(account(scheme_id, "funding"), -total), (account(scheme_id, "available"), total)])


def reserve(uow, *, scheme_id: int, amount: int, key: str, ref: str, on: dt.date, memo: str) -> int:
    """Hold ``amount`` for a voucher or a claim: available falls, reserved rises. Returns the
    reservation's id; ``consume`` or ``release`` closes it."""
    return ledger.reserve(uow, key=key, kind=Movement.RESERVE.value, source=account(scheme_id, "available"),
                          hold=account(scheme_id, "reserved"), amount=amount, effective_date=on, ref=ref,
                          memo=memo).id


def consume(uow, *, scheme_id: int, reservation_id: int, amount: int, key: str, ref: str, on: dt.date,
            memo: str) -> int:
    """A claim approved for ``amount`` of what its reservation holds: reserved falls by the whole
    reservation, payable rises by ``amount`` and available by the rest (whatever the reservation was
    taken from: money an objection held back from payable is freed, not spent twice). Returns the
    rest freed."""
    res = ledger.post_pending(uow, reservation_id=reservation_id, amount=amount, kind=Movement.CONSUME.value,
                              destination=account(scheme_id, "payable"), rest_to=account(scheme_id, "available"),
                              key=key, effective_date=on, ref=ref, memo=memo)
    return res.amount - amount


def release(uow, *, scheme_id: int, reservation_id: int, key: str, ref: str, on: dt.date, memo: str) -> int:
    """Give back everything a reservation holds (rejected, expired, lapsed): reserved falls,
    available rises. Returns the amount freed."""
    res = ledger.post_pending(uow, reservation_id=reservation_id, amount=0, destination="",
                              kind=Movement.RELEASE.value, rest_to=account(scheme_id, "available"), key=key,
                              effective_date=on, ref=ref, memo=memo)
    return res.amount


def hold(uow, *, scheme_id: int, amount: int, key: str, ref: str, on: dt.date, memo: str) -> int:
    """An objection sends an approved claim back to review: payable falls, reserved rises, as a new
    reservation the next approval consumes. Returns the reservation's id."""
    return ledger.reserve(uow, key=key, kind=Movement.HOLD.value, source=account(scheme_id, "payable"),
                          hold=account(scheme_id, "reserved"), amount=amount, effective_date=on, ref=ref,
                          memo=memo).id


def pay_out(uow, *, scheme_id: int, amount: int, key: str, ref: str, on: dt.date, memo: str) -> None:
    """A payout batch approved: payable falls, in_transit rises by the batch total."""
    ledger.post(uow, key=key, kind=Movement.PAY_OUT.value, effective_date=on, ref=ref, memo=memo,
                legs=[(account(scheme_id, "payable"), -amount), (account(scheme_id, "in_transit"), amount)])


class BankOutcome(NamedTuple):
    """What a bank statement line did to one payment: ``disbursed`` (in_transit falls, disbursed
    rises) or ``returned`` (``from_part``, disbursed or in_transit if it was never matched, falls;
    payable rises, so the next batch pays it again)."""
    scheme_id: int
    amount: int
    returned: bool
    from_part: str
    key: str
    ref: str
    memo: str


_DISBURSE, _RETURN = Movement.DISBURSE.value, Movement.RETURN.value  # read once: an enum's .value is a descriptor call


def settle_bank_lines(uow, outcomes: Sequence[BankOutcome], *, on: dt.date) -> list[int]:
    """Post one journal per outcome, all in one batch (a statement has thousands of lines); returns
    the journal ids in order."""
    specs = []
    for o in outcomes:
        source, destination = (o.from_part, "payable") if o.returned else ("in_transit", "disbursed")
        specs.append(JournalSpec(key=o.key, kind=_RETURN if o.returned else _DISBURSE,
                                 effective_date=on, ref=o.ref, memo=o.memo,
                                 legs=(Leg(account(o.scheme_id, source), -o.amount),
                                       Leg(account(o.scheme_id, destination), o.amount))))
    return [j.id for j in ledger.post_batch(uow, specs)] if specs else []
