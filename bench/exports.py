"""Export benchmark: 1,000,000 ledger postings as CSV and XLSX through ``reports``.

    .venv/bin/python bench/exports.py [--n 1000000] [--only csv,xlsx,csv-baseline,xlsx-baseline]
    .venv/bin/python bench/exports.py --source db [--n 1000000]

Generated rows (the default): the postings are generated (journal id, date, kind, account code,
account name in Chinese, signed amount in fen, memo): no database, so the figures are the renderers'.
Each run happens in a process of its own, so each peak RSS is that export's alone, and is printed next
to a baseline measured the same way in the same run: the stdlib ``csv`` writer, and openpyxl's
write-only workbook appending the raw tuples (no formats, no checks), both writing to /dev/null.

``--source db``: a SQLite ledger of ``n`` journals (each two postings, one on ``scheme:1:available``,
written with Core inserts; the chain entries carry placeholder hashes, which exports only copy) read
back through the reports as a user asks for them: the account statement of ``scheme:1:available``
(``n`` postings, streamed out of the database by ``ledger.service.account_postings``) as CSV and XLSX,
and the whole ledger as Beancount (``2n`` postings).

Goal (issue): peak memory under 200 MB for both exports, flat in the number of rows. Prints figures;
asserts nothing.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

START = dt.date(2026, 1, 1)
NAMES = ["佛山市南海区智能制造有限公司 可用额度", "广州市黄埔区工业互联网有限公司 预留", "深圳市宝安区精密制造有限公司 应付",
         "东莞市松山湖数字化转型有限公司 在途", "珠海市高新区云服务有限公司 已拨付"]
PARTS = ["available", "reserved", "payable", "in_transit", "disbursed"]


def postings(n: int):
    """n postings, two per journal, summing to zero per journal."""
    for i in range(n):
        j = i // 2 + 1
        amount = (j * 7919) % 10_000_000 + 1
        part = j % 5
        yield (j, START + dt.timedelta(days=j % 365), "reserve", f"scheme:{j % 40}:{PARTS[part]}", NAMES[part],
               amount if i % 2 else -amount, f"voucher:{j}:reserve 服务券预留")


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process, MiB (as bench/benchdb.py measures it)."""
    with open("/proc/self/statm") as f:
        current = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def document(n: int):
    from reports.document import Column, Kind, Report, Table
    columns = [Column("分录号", Kind.INT), Column("记账日期", Kind.DATE), Column("类型"), Column("账户代码"),
               Column("账户名称", weight=2), Column("金额（元）", Kind.MONEY), Column("摘要", weight=2)]
    return Report(title="账本分录明细", meta=[("记录数", str(n))], tables=[Table(columns, postings(n))])


def run(what: str, n: int) -> dict:
    """One export in this process; returns its figures."""
    if what in ("csv", "xlsx"):
        from reports import render
    elif what.startswith("db-"):
        import reports.service  # noqa: F401  (the app's modules load before the clock starts)
        import yunquan.db  # noqa: F401
    else:
        import openpyxl  # noqa: F401  (imported before the clock starts, like render above)
    before = rss_mib()[0]
    t = time.perf_counter()
    cpu = time.process_time()
    written = 0
    with open(os.devnull, "wb") as sink:
        if what == "csv":
            for chunk in render.csv(document(n)):
                written += len(chunk)
                sink.write(chunk)
        elif what == "xlsx":
            for chunk in render.xlsx(document(n)):
                written += len(chunk)
                sink.write(chunk)
        elif what == "csv-baseline":
            with open(os.devnull, "w", encoding="utf-8", newline="") as text_sink:
                writer = csv.writer(text_sink)
                writer.writerow(["分录号", "记账日期", "类型", "账户代码", "账户名称", "金额（分）", "摘要"])
                writer.writerows(postings(n))
        elif what == "xlsx-baseline":
            from openpyxl import Workbook
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("postings")
            ws.append(["分录号", "记账日期", "类型", "账户代码", "账户名称", "金额（分）", "摘要"])
            for row in postings(n):
                ws.append(row)
            wb.save(sink)
        elif what.startswith("db-"):
            written = export_from_db(what, sink)
        else:
            raise SystemExit(f"unknown export {what}")
    elapsed = time.perf_counter() - t
    cpu = time.process_time() - cpu  # on a shared machine the CPU time says more than the clock
    current, peak = rss_mib()
    rows = 2 * n if what == "db-beancount" else n
    return {"what": what, "n": rows, "seconds": elapsed, "rows_per_s": rows / elapsed, "cpu": cpu,
            "rows_per_cpu_s": rows / cpu, "bytes": written,
            "rss_before": before, "rss_after": current, "peak": peak}


DB_ENV = "YUNQUAN_BENCH_EXPORT_DB"


def build_db(n: int) -> str:
    """A SQLite ledger of ``n`` two-leg journals between a scheme's available and reserved accounts,
    dated over 2026, each with its chain entry (placeholder hashes: an export copies them, nothing here
    verifies them); returns its URL. Written as the ledger writes: journals and postings first, then
    the head moved past them, which the database guards require."""
    import tempfile

    import sqlalchemy as sa

    from ledger.models import LedgerAccount, LedgerChain, LedgerHead, LedgerJournal, LedgerPosting
    from ledger.service import open_account
    from yunquan.db import UowFactory, make_engine
    from yunquan.schema import upgrade
    url = f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'exports.db')}"
    engine = make_engine(url)
    upgrade(engine)
    A, J, P, C, H = (m.__table__ for m in (LedgerAccount, LedgerJournal, LedgerPosting, LedgerChain, LedgerHead))
    with UowFactory(engine)() as u:  # the accounts through the ledger: their chain entries come first
        ids = [open_account(u, code=f"scheme:1:{part}", name=f"scheme 1 {part}") for part in PARTS[:2]]
        u.commit()
    now = dt.datetime.now(dt.timezone.utc)
    batch, balance, seq = 20_000, 0, len(ids)
    for lo in range(0, n, batch):
        jrows, prows, crows = [], [], []
        for j in range(lo + 1, min(n, lo + batch) + 1):
            amount = (j * 7919) % 10_000_000 + 1
            amount = amount if j % 3 else -amount
            balance += amount
            seq += 1
            jrows.append({"id": j, "key": f"voucher:{j}:reserve", "kind": "reserve",
                          "effective_date": START + dt.timedelta(days=j * 365 // (n + 1)), "memo": f"服务券预留 {j}",
                          "ref": f"voucher:{j}", "reverses_id": None, "content_hash": "0" * 64, "created_at": now})
            prows += [{"id": 2 * j - 1, "journal_id": j, "idx": 0, "account_id": ids[0], "amount": amount},
                      {"id": 2 * j, "journal_id": j, "idx": 1, "account_id": ids[1], "amount": -amount}]
            crows.append({"seq": seq, "entry_type": "journal", "subject": str(j), "content_hash": "0" * 64,
                          "prev_hash": "0" * 64, "hash": f"{j:064x}"})
        with engine.begin() as c:
            c.execute(sa.insert(J), jrows)
            c.execute(sa.insert(P), prows)
            c.execute(sa.insert(C), crows)
            c.execute(sa.update(H).where(H.c.id == 1).values(seq=seq, hash=f"{j:064x}", journal_seq=j,
                                                             posting_seq=2 * j))
    with engine.begin() as c:
        c.execute(sa.update(A).where(A.c.id == ids[0]).values(balance=balance))
        c.execute(sa.update(A).where(A.c.id == ids[1]).values(balance=-balance))
    engine.dispose()
    return url


def export_from_db(what: str, sink) -> int:
    from kernel import clock
    from reports import service
    from yunquan.db import UowFactory, make_engine
    factory = UowFactory(make_engine(os.environ[DB_ENV]))
    written = 0
    with factory.snapshot() as s:
        if what == "db-beancount":
            chunks = service.beancount_lines(s)
        else:
            doc = service.account_statement(s, account="scheme:1:available", now=clock.now())
            chunks = service.render_as(doc, what.rsplit("-", 1)[1])
        for chunk in chunks:
            written += len(chunk)
            sink.write(chunk)
    return written


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--only", default=None)
    ap.add_argument("--source", choices=("generated", "db"), default="generated")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.n)))
        return
    env = dict(os.environ)
    if args.source == "db":
        only = args.only or "db-account-csv,db-account-xlsx,db-beancount"
        t = time.perf_counter()
        env[DB_ENV] = build_db(args.n)
        print(f"SQLite ledger of {args.n:,} journals ({2 * args.n:,} postings) built in "
              f"{time.perf_counter() - t:.0f} s; the account statement has {args.n:,} rows, "
              f"the Beancount file {2 * args.n:,} postings")
    else:
        only = args.only or "csv-baseline,csv,xlsx-baseline,xlsx"
        print(f"{args.n:,} postings; each export in a fresh process (peak RSS is that export's own)")
    print(f"  {'export':<16} {'seconds':>8} {'rows/s':>10} {'CPU s':>7} {'rows/CPU s':>10} {'output':>10} "
          f"{'RSS before':>11} {'peak RSS':>9}")
    for what in only.split(","):
        out = subprocess.run([sys.executable, __file__, "--n", str(args.n), "--child", what],
                             capture_output=True, text=True, check=True, env=env)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        size = f"{r['bytes'] / 2 ** 20:.0f} MiB" if r["bytes"] else "(devnull)"
        print(f"  {what:<16} {r['seconds']:8.1f} {r['rows_per_s']:10,.0f} {r['cpu']:7.1f} {r['rows_per_cpu_s']:10,.0f} "
              f"{size:>10} "
              f"{r['rss_before']:8.0f} MiB {r['peak']:5.0f} MiB", flush=True)
    print("goal: peak RSS under 200 MB for csv and xlsx")


if __name__ == "__main__":
    main()
