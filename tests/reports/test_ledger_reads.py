"""The ledger read whole for reports and exports: pages of journals and of one account's postings in
date order, across page boundaries and journals posted out of date order."""
from __future__ import annotations

import datetime as dt

import pytest

from ledger import service as ledger

DAYS = [dt.date(2026, 3, d) for d in (5, 1, 5, 3, 1, 9, 3, 5, 2)]  # posted in this order


@pytest.fixture
def posted(uow_factory):
    with uow_factory() as u:
        for code in ("bank", "a", "b"):
            ledger.open_account(u, code=code, name=code)
        for i, day in enumerate(DAYS, start=1):
            target = "a" if i % 3 else "b"
            ledger.post(u, key=f"k{i}", kind="move", effective_date=day, memo=f"第{i}笔", ref=f"r:{i}",
                        legs=[("bank", -i * 100), (target, i * 100)])
        u.commit()
    with uow_factory.snapshot() as s:
        yield s


def test_journals_come_in_date_order_then_id_whatever_the_page_size(posted):
    expected = sorted(range(1, len(DAYS) + 1), key=lambda i: (DAYS[i - 1], i))
    for chunk in (1, 2, 4, 100):
        got = list(ledger.journals_in_date_order(posted, chunk=chunk))
        assert [j.id for j in got] == expected, chunk
    first = next(j for j in got if j.id == 3)
    assert first.memo == "第3笔" and first.ref == "r:3" and first.legs == (ledger.Leg("bank", -300), ledger.Leg("b", 300))
    assert len(first.hash) == 64


def test_an_accounts_postings_in_a_period_come_in_date_order_and_add_up_to_its_turnover(posted):
    start, end = dt.date(2026, 3, 2), dt.date(2026, 3, 5)
    expected = sorted(((DAYS[i - 1], i) for i in range(1, len(DAYS) + 1)
                       if i % 3 and start <= DAYS[i - 1] <= end))
    for chunk in (1, 2, 50):
        got = list(ledger.account_postings(posted, "a", start=start, end=end, chunk=chunk))
        assert [(p.effective_date, p.journal_id) for p in got] == expected
    moved = ledger.account_turnover(posted, "a", start=start, end=end)
    assert moved.debit == sum(p.amount for p in got) and moved.credit == 0 and moved.postings == len(expected)
    bank = ledger.account_turnover(posted, "bank")
    assert bank.credit == sum(i * 100 for i in range(1, len(DAYS) + 1)) and bank.debit == 0


def test_accounts_are_listed_by_code_and_an_unknown_code_is_simply_absent(posted):
    assert [a.code for a in ledger.accounts(posted)] == ["a", "b", "bank"]
    assert ledger.accounts(posted, ["a", "nope"]) == [ledger.AccountInfo("a", "a", False)]
