"""Concurrent writers never overdraw a protected account and never fork the chain.

Runs on both databases; on PostgreSQL the workers really run in parallel and serialise on the
ledger head row lock (SELECT … FOR UPDATE), on SQLite on BEGIN IMMEDIATE.
"""
from __future__ import annotations

import datetime as dt
import threading

from ledger import service as ledger
from ledger.errors import NegativeBalance
from ledger.service import Leg

DAY = dt.date(2026, 5, 1)
WORKERS = 20


def test_twenty_concurrent_reservations_on_half_the_money_never_overdraw(uow_factory):
    with uow_factory() as u:
        ledger.open_account(u, code="funding", name="funding")
        ledger.open_account(u, code="available", name="available", no_negative=True)
        ledger.open_account(u, code="reserved", name="reserved", no_negative=True)
        ledger.post(u, key="fund", kind="fund", effective_date=DAY,
                    legs=[Leg("funding", -10 * 1_000_00), Leg("available", 10 * 1_000_00)])
        u.commit()

    barrier = threading.Barrier(WORKERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int):
        barrier.wait()
        try:
            def reserve(u):
                ledger.reserve(u, key=f"w{i}", source="available", hold="reserved", amount=1_000_00,
                               effective_date=DAY)
                u.commit()
            uow_factory.run(reserve)
            result = "reserved"
        except NegativeBalance:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert sorted(outcomes) == ["refused"] * 10 + ["reserved"] * 10
    with uow_factory() as u:
        assert ledger.balances(u.session, ["available", "reserved"]) == {"available": 0, "reserved": 10 * 1_000_00}
        report = ledger.verify(u.session)
    assert report.ok and report.journals == 11
