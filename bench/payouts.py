"""Payout benchmark: 100,000 payable claims on SQLite → build and approve one batch → export the bank
file → import a statement that matches it; the time of each step and the memory it took.

    .venv/bin/python bench/payouts.py [--n 100000] [--database sqlite|postgresql]

Seeding is not timed: organisations, contracts, redeemed vouchers and payable claims are inserted
with SQLAlchemy Core, and the budget is funded and moved to payable by two journals, so the books
agree with the claims exactly as if every claim had been approved one by one (the per-claim
approval journals are the only thing skipped). The timed steps are the real services: the batch
(set-based INSERT … SELECT), its approval (one journal), the bank file (streamed in chunks to a
file), and the import (one pass over the statement's bytes for its hash and encoding, one that
parses and applies it, a journal per matched line
in chunks; bank transactions by COPY, payout lines and claims by UPDATE … FROM (VALUES …) on
PostgreSQL). Statements per line are counted for the batch, its approval and the import
(``benchdb.Statements``: an executemany counts once per row; COPY is not counted). Goals: the whole
run under 30 s on SQLite, memory flat (issue 6); the import of 100,000 lines on PostgreSQL at least
2× faster than at commit 67b36e6 (issue 15): run that commit's bench beside this one, alternately,
for the ratio (README.md, Benchmarks); a rate remembered from another run or another load says
nothing. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import tempfile
import time

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchdb import Statements, fresh_database, rss_mib  # noqa: E402
from parties.models import Organisation  # noqa: E402
from kernel import clock  # noqa: E402
from ledger import service as ledger  # noqa: E402
from schemes import budget  # noqa: E402
from payouts import batches as payouts  # noqa: E402
from payouts import reconciliation  # noqa: E402
from schemes import service as schemes  # noqa: E402
from claims.models import Claim  # noqa: E402
from vouchers.models import Contract, Voucher, VoucherClaim  # noqa: E402
from yunquan import users  # noqa: E402
from yunquan.bootstrap import bootstrap  # noqa: E402
from yunquan.db import UowFactory  # noqa: E402

bootstrap()

FACE, CONTRACT, PAID, FINAL = 300_000, 1_000_000, 950_000, 285_000  # fen: V, A, P, F = min(V, V·P/A)
ENTERPRISES = 1000
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


def seed(engine, n: int) -> tuple[int, int, int]:
    """Returns (scheme id, maker id, checker id)."""
    uowf = UowFactory(engine)
    O, K, V, C = Organisation.__table__, Contract.__table__, Voucher.__table__, Claim.__table__
    with engine.begin() as c:
        c.execute(sa.insert(O), [{"kind": kind, "name": name, "uscc": f"BENCH{i:013d}", "city": "佛山",
                                  "founded_on": dt.date(2015, 1, 1), "bank_name": "测试银行",
                                  "bank_account": f"6222{i:012d}", "created_at": NOW,
                                  "provider_class": "other" if kind == "provider" else None}
                                 for i, (kind, name) in enumerate(
                                     [("authority", "佛山市工信局"), ("provider", "粤云平台")]
                                     + [("enterprise", f"企业{j:04d}") for j in range(ENTERPRISES)])])
        ids = list(c.execute(sa.select(O.c.id).order_by(O.c.id)).scalars())
    authority, provider, enterprises = ids[0], ids[1], ids[2:]
    made = {}
    for role in ("admin", "finance_maker", "finance_checker"):
        with uowf() as u:
            made[role] = users.create_user(u, username=f"bench-{role}", roles=[role],
                                           org_id=None if role == "admin" else authority)[0].id
    with uowf() as u:
        scheme = schemes.create(u, actor_id=made["admin"], kind="cloud", name="基准", year=2026, budget_fen=n * FACE,
                                apply_from=dt.date(2026, 1, 1), apply_to=dt.date(2026, 12, 31),
                                redeem_from=dt.date(2026, 1, 1), redeem_to=dt.date(2026, 12, 31)).id
    step = 20_000
    for start in range(0, n, step):
        rows = range(start, min(n, start + step))
        with engine.begin() as c:
            c.execute(sa.insert(K), [{"id": i + 1, "provider_id": provider, "enterprise_id": enterprises[i % ENTERPRISES],
                                      "signed_on": dt.date(2026, 2, 1), "amount": CONTRACT,
                                      "created_by": made["admin"], "created_at": NOW} for i in rows])
            c.execute(sa.insert(V), [{"id": i + 1, "scheme_id": scheme, "contract_id": i + 1,
                                      "enterprise_id": enterprises[i % ENTERPRISES], "provider_id": provider,
                                      "city": "佛山", "status": "redeemed", "face_value": FACE, "final_amount": FINAL,
                                      "breakdown_json": "{}", "settings_version": 1, "applied_at": NOW,
                                      "applied_by": made["admin"], "expires_on": dt.date(2026, 12, 31)} for i in rows])
            c.execute(sa.insert(C), [{"id": i + 1, "kind": "voucher", "scheme_id": scheme, "city": "佛山",
                                      "enterprise_id": enterprises[i % ENTERPRISES], "provider_id": provider,
                                      "payee_org_id": enterprises[i % ENTERPRISES], "status": "payable",
                                      "final_amount": FINAL, "evidence_json": "[]", "lapses_on": dt.date(2026, 12, 31),
                                      "breakdown_json": '{"released": "150.00"}', "settings_version": 1,
                                      "submissions": 1, "approvals": 1, "objections": 0, "submitted_by": made["admin"],
                                      "submitted_at": NOW, "approved_on": dt.date(2026, 3, 2),
                                      "publicity_ends_on": dt.date(2026, 3, 2), "payable_from": dt.date(2026, 3, 2),
                                      "created_at": NOW} for i in rows])
            c.execute(sa.insert(VoucherClaim.__table__), [
                {"claim_id": i + 1, "voucher_id": i + 1, "contract_amount": CONTRACT, "face_value": FACE,
                 "invoice_amount": PAID, "paid_amount": PAID} for i in rows])
    with uowf() as u:  # what n approvals would have left: Σ F payable, Σ (V − F) back to available
        ledger.post(u, key="bench:approvals", kind="consume", effective_date=clock.today(), memo="bench seed",
                    legs=[(budget.account(scheme, "available"), -n * FINAL),
                          (budget.account(scheme, "payable"), n * FINAL)])
        u.commit()
    return scheme, made["finance_maker"], made["finance_checker"]


def timed(label: str, fn, results: list, engine=None, per: int | None = None):
    t = time.perf_counter()
    if engine is not None:
        with Statements(engine) as counted:
            out = fn()
    else:
        out = fn()
    elapsed = time.perf_counter() - t
    current, peak = rss_mib()
    results.append((label, elapsed, current, peak))
    statements = f"   {counted.n / per:.3f} statements per line" if engine is not None and per else ""
    print(f"  {label:<34} {elapsed:7.2f} s   RSS {current:6.0f} MiB (peak {peak:.0f} MiB){statements}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"))
    args = ap.parse_args()
    clock.set_clock(lambda: NOW)
    engine, drop = fresh_database(args.database)
    uowf = UowFactory(engine)
    work = tempfile.mkdtemp()
    bank_path, statement_path = os.path.join(work, "bank.csv"), os.path.join(work, "statement.csv")
    print(f"payout benchmark: {args.n:,} payable claims on {args.database}")
    t = time.perf_counter()
    scheme, maker, checker = seed(engine, args.n)
    print(f"  (seeding, not timed: {time.perf_counter() - t:.1f} s, RSS {rss_mib()[0]:.0f} MiB)")
    results: list = []

    def build():
        with uowf() as u:
            return payouts.build(u, actor_id=maker, scheme_id=scheme)

    batch = timed("build batch", build, results, engine, args.n)

    def approve():
        with uowf() as u:
            return payouts.approve(u, actor_id=checker, batch_id=batch.id)

    timed("approve batch (maker-checker)", approve, results, engine, args.n)

    def export():
        size = 0
        with open(bank_path, "wb") as out:
            for chunk in payouts.bank_file(uowf.reader, batch.id):
                out.write(chunk)
                size += len(chunk)
        return size

    size = timed("export bank file (streamed)", export, results)

    def bank_pays():
        """The bank's side, streamed line by line: it paid every line of the file."""
        with open(bank_path, encoding="utf-8-sig", newline="") as src, \
                open(statement_path, "w", encoding="utf-8", newline="") as dst:
            out = csv.writer(dst, lineterminator="\n")
            out.writerow(("bank_txn_id", "value_date", "reference", "payee_account", "amount"))
            for i, row in enumerate(csv.DictReader(src)):
                out.writerow((f"B{i:09d}", "2026-03-02", row["reference"], row["payee_account"], row["amount"]))

    timed("(bank side: write statement)", bank_pays, results)

    def import_statement():
        with open(statement_path, "rb") as f, uowf() as u:
            return reconciliation.import_statement(u, actor_id=maker, filename="statement.csv", stream=f)

    result = timed("import matching statement", import_statement, results, engine, args.n)

    def verify():
        with uowf.reader() as s:
            return ledger.verify(s)

    report = timed("(ledger verify)", verify, results)
    with uowf.reader() as s:
        b = budget.read(s, scheme)
    total = sum(r[1] for r in results if not r[0].startswith("("))
    print(f"  {'total of the timed steps':<34} {total:7.2f} s   (goal < 30 s on SQLite)")
    print(f"  batch: {batch.line_count:,} lines, total {batch.total / 100:,.2f}; bank file {size / 2 ** 20:.1f} MiB;"
          f" statement {os.path.getsize(statement_path) / 2 ** 20:.1f} MiB")
    print(f"  import: matched {result.counts['matched']:,}, missing {result.counts['missing']}; "
          f"budget disbursed {b.disbursed / 100:,.2f}, in transit {b.in_transit / 100:,.2f}; "
          f"verify ok={report.ok} over {report.journals:,} journals")
    rate = args.n / next(r[1] for r in results if r[0] == "import matching statement")
    print(f"  import rate {rate:,.0f} lines/s (load average now {os.getloadavg()[0]:.1f})")
    drop()


if __name__ == "__main__":
    main()
