"""Ledger benchmark: bulk posting through the service vs a raw SQLAlchemy Core baseline, and verify.

    .venv/bin/python bench/ledger.py [--n 100000] [--batch 1000] [--databases sqlite,postgresql]

Both sides write the same rows (journals, postings, chain entries) in the same batches, one
transaction per batch, on a fresh database each, under the same database guards; the service also
validates, checks idempotency, locks, enforces balance limits, updates balances and hashes the chain. Goals (issue 3): service >= 30 % of the baseline,
verify >= 100,000 journals/s. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from ledger import rules, service as ledger  # noqa: E402
from ledger.models import LedgerChain, LedgerHead, LedgerJournal, LedgerPosting  # noqa: E402
from ledger.service import JournalSpec, Leg  # noqa: E402
from benchdb import fresh_database, rss_mib  # noqa: E402
from yunquan.db import UowFactory  # noqa: E402

DAY = dt.date(2026, 5, 1)


def specs(n: int) -> list[JournalSpec]:
    accounts = [f"acct:{i}" for i in range(10)]
    return [JournalSpec(key=f"j{i}", kind="move", effective_date=DAY,
                        legs=(Leg("source", -(i % 997 + 1)), Leg(accounts[i % 10], i % 997 + 1)))
            for i in range(n)]


def open_accounts(uowf: UowFactory) -> None:
    with uowf() as u:
        ledger.open_account(u, code="source", name="source")
        for i in range(10):
            ledger.open_account(u, code=f"acct:{i}", name=f"acct {i}", no_negative=True)
        u.commit()


def run_service(engine, journals, batch) -> float:
    uowf = UowFactory(engine)
    open_accounts(uowf)
    t = time.perf_counter()
    for i in range(0, len(journals), batch):
        with uowf() as u:
            ledger.post_batch(u, journals[i:i + batch])
            u.commit()
    return time.perf_counter() - t


def run_core(engine, journals, batch) -> float:
    """The floor: the same rows, precomputed, inserted with executemany."""
    uowf = UowFactory(engine)
    open_accounts(uowf)
    with engine.connect() as c:
        ids = dict(c.execute(sa.text("SELECT code, id FROM ledger_account")).all())
    now = dt.datetime.now(dt.timezone.utc)
    jrows, prows, crows = [], [], []
    h = rules.GENESIS_HASH
    seq = len(ids)  # the accounts' chain entries come first
    for jid, spec in enumerate(journals, start=1):
        seq += 1
        jrows.append({"id": jid, "key": spec.key, "kind": spec.kind, "effective_date": spec.effective_date,
                      "memo": "", "ref": None, "reverses_id": None, "content_hash": h, "created_at": now})
        for idx, leg in enumerate(spec.legs):
            prows.append({"id": len(prows) + 1, "journal_id": jid, "idx": idx, "account_id": ids[leg.account],
                          "amount": leg.amount})
        crows.append({"seq": seq, "entry_type": "journal", "subject": str(jid), "content_hash": h, "prev_hash": h,
                      "hash": h})
    J, P, C, H = (LedgerJournal.__table__, LedgerPosting.__table__, LedgerChain.__table__,
                  LedgerHead.__table__)
    t = time.perf_counter()
    for i in range(0, len(jrows), batch):
        with engine.begin() as c:
            c.execute(sa.insert(J), jrows[i:i + batch])
            c.execute(sa.insert(P), prows[2 * i:2 * (i + batch)])
            c.execute(sa.insert(C), crows[i:i + batch])
            c.execute(sa.update(H).where(H.c.id == 1).values(journal_seq=min(i + batch, len(jrows))))
    return time.perf_counter() - t


def run_verify(engine) -> tuple[float, int, bool]:
    with UowFactory(engine).reader() as s:
        t = time.perf_counter()
        report = ledger.verify(s)
        return time.perf_counter() - t, report.journals, report.ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--databases", default="sqlite,postgresql")
    args = ap.parse_args()
    journals = specs(args.n)
    print(f"ledger benchmark: {args.n} two-leg journals, batches of {args.batch}")
    for kind in args.databases.split(","):
        engine, drop = fresh_database(kind)
        core_s = run_core(engine, journals, args.batch)
        engine2, drop2 = fresh_database(kind)
        service_s = run_service(engine2, journals, args.batch)
        post_rss = rss_mib()[1]
        verify_s, count, ok = run_verify(engine2)
        verify_rss = rss_mib()[1]
        n = args.n
        print(f"\n[{kind}]")
        print(f"  core executemany baseline : {n / core_s:>10,.0f} journals/s ({core_s:.2f} s)")
        print(f"  ledger service post_batch : {n / service_s:>10,.0f} journals/s ({service_s:.2f} s)")
        print(f"  ratio service / baseline  : {core_s / service_s:>10.0%}   (goal >= 30%)")
        print(f"  verify                    : {count / verify_s:>10,.0f} journals/s ({verify_s:.2f} s, ok={ok})"
              f"   (goal >= 100,000/s)")
        print(f"  peak RSS of this process  : {post_rss:.0f} MiB after posting, {verify_rss:.0f} MiB after verify"
              f" (the input journals alone are held in memory by the benchmark)")
        drop()
        drop2()


if __name__ == "__main__":
    main()
