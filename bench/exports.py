"""Export benchmark: 1,000,000 ledger postings as CSV and XLSX through ``reports.render``.

    .venv/bin/python bench/exports.py [--n 1000000] [--only csv,xlsx,csv-baseline,xlsx-baseline]

The postings are generated (journal id, date, kind, account code, account name in Chinese, signed
amount in fen, memo): no database, so the figures are the renderers'. Each run happens in a process
of its own, so each peak RSS is that export's alone, and is printed next to a baseline measured the
same way in the same run: the stdlib ``csv`` writer, and openpyxl's write-only workbook appending the
raw tuples (no formats, no checks), both writing to /dev/null. Goal (issue): peak memory under
200 MB for both exports, flat in the number of rows. Prints figures; asserts nothing.
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
    else:
        import openpyxl  # noqa: F401  (imported before the clock starts, like render above)
    before = rss_mib()[0]
    t = time.perf_counter()
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
        else:
            raise SystemExit(f"unknown export {what}")
    elapsed = time.perf_counter() - t
    current, peak = rss_mib()
    return {"what": what, "n": n, "seconds": elapsed, "rows_per_s": n / elapsed, "bytes": written,
            "rss_before": before, "rss_after": current, "peak": peak}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--only", default="csv-baseline,csv,xlsx-baseline,xlsx")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.n)))
        return
    print(f"{args.n:,} postings; each export in a fresh process (peak RSS is that export's own)")
    print(f"  {'export':<14} {'seconds':>8} {'rows/s':>10} {'output':>10} {'RSS before':>11} {'peak RSS':>9}")
    for what in args.only.split(","):
        out = subprocess.run([sys.executable, __file__, "--n", str(args.n), "--child", what],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        size = f"{r['bytes'] / 2 ** 20:.0f} MiB" if r["bytes"] else "(devnull)"
        print(f"  {what:<14} {r['seconds']:8.1f} {r['rows_per_s']:10,.0f} {size:>10} "
              f"{r['rss_before']:8.0f} MiB {r['peak']:5.0f} MiB", flush=True)
    print("goal: peak RSS under 200 MB for csv and xlsx")


if __name__ == "__main__":
    main()
