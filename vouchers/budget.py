"""A scheme's budget is six ledger accounts; every movement between them is a journal.

``funding`` holds minus the total; the five parts are protected from going negative by the
ledger itself, and since every journal sums to zero,
``total = available + reserved + payable + in_transit + disbursed`` holds at every moment.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledger import service as ledger

PARTS = ("available", "reserved", "payable", "in_transit", "disbursed")


def account(scheme_id: int, part: str) -> str:
    return f"scheme:{scheme_id}:{part}"


@dataclass(frozen=True)
class Budget:
    total: int
    available: int
    reserved: int
    payable: int
    in_transit: int
    disbursed: int


def open_budget(uow, *, scheme_id: int, total: int, on: dt.date) -> None:
    ledger.open_account(uow, code=account(scheme_id, "funding"), name=f"scheme {scheme_id} appropriation")
    for part in PARTS:
        ledger.open_account(uow, code=account(scheme_id, part), name=f"scheme {scheme_id} {part}", no_negative=True)
    ledger.post(uow, key=f"scheme:{scheme_id}:fund", kind="fund", effective_date=on, ref=f"scheme:{scheme_id}",
                memo="budget appropriation",
                legs=[(account(scheme_id, "funding"), -total), (account(scheme_id, "available"), total)])


def read(session, scheme_id: int) -> Budget:
    codes = [account(scheme_id, p) for p in ("funding",) + PARTS]
    b = ledger.balances(session, codes)
    return Budget(-b[codes[0]], *(b[account(scheme_id, p)] for p in PARTS))
