"""The statement import alone, on PostgreSQL, timed on fresh copies of one seeded database: less
noise than ``bench/payouts.py``, and the way to compare two versions of the code (issue 15).

    .venv/bin/python bench/statement_import.py seed TAG [--n 100000]
    .venv/bin/python bench/statement_import.py run TAG [--repeat 3]

``seed`` builds database ``yq_tpl_TAG`` with ``bench/payouts.py``'s seed, builds, approves and
exports one batch, and writes the matching statement; it is the template of every run. ``run``
copies the template (``CREATE DATABASE … TEMPLATE``), checkpoints, imports the statement in a new
process's first transaction, and prints the wall time and the CPU time of Python and of the
database backend (from /proc: the server runs on this machine), then drops the copy. Both commands
run the code of the checkout they are started from (the current directory), so a second checkout
of another commit, with its own venv, runs the same two commands for a comparison; alternate the
runs, since a shared machine's speed drifts by ±20 % within minutes. ``drop TAG`` removes the
template and the files. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import resource
import subprocess
import sys
import tempfile
import time

import sqlalchemy as sa

CHECKOUT = os.getcwd()  # the code measured: the checkout the command is started from
sys.path.insert(0, CHECKOUT)

from yunquan.db import UowFactory, make_engine  # noqa: E402
from yunquan.schema import upgrade  # noqa: E402

PG = os.environ.get("YUNQUAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WORK = os.path.join(tempfile.gettempdir(), "yq_statement_import")


def _url(name: str) -> str:
    return sa.engine.make_url(PG).set(database=name).render_as_string(hide_password=False)


def _admin():
    return sa.create_engine(PG, isolation_level="AUTOCOMMIT")


def _payouts_bench():
    spec = importlib.util.spec_from_file_location("bench_payouts", os.path.join(CHECKOUT, "bench", "payouts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seed(tag: str, n: int) -> None:
    bp = _payouts_bench()
    from kernel import clock
    from payouts import batches
    clock.set_clock(lambda: bp.NOW)
    template = f"yq_tpl_{tag}"
    with _admin().connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        c.exec_driver_sql(f'CREATE DATABASE "{template}"')
    engine = make_engine(_url(template))
    upgrade(engine)
    uowf = UowFactory(engine)
    scheme, maker, checker = bp.seed(engine, n)
    with uowf() as u:
        batch = batches.build(u, actor_id=maker, scheme_id=scheme)
    with uowf() as u:
        batches.approve(u, actor_id=checker, batch_id=batch.id)
    os.makedirs(WORK, exist_ok=True)
    bank_file = os.path.join(WORK, f"bank_{tag}.csv")
    with open(bank_file, "wb") as out:
        for chunk in batches.bank_file(uowf.reader, batch.id):
            out.write(chunk)
    with open(bank_file, encoding="utf-8-sig", newline="") as src, \
            open(os.path.join(WORK, f"statement_{tag}.csv"), "w", encoding="utf-8", newline="") as dst:
        out = csv.writer(dst, lineterminator="\n")
        out.writerow(("bank_txn_id", "value_date", "reference", "payee_account", "amount"))
        for i, row in enumerate(csv.DictReader(src)):
            out.writerow((f"B{i:09d}", "2026-03-02", row["reference"], row["payee_account"], row["amount"]))
    with open(os.path.join(WORK, f"maker_{tag}"), "w") as f:
        f.write(str(maker))
    engine.dispose()
    print(f"seeded {template}: {n:,} lines sent, statement in {WORK}")


def _backend_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_once(tag: str) -> None:
    """One import in this (new) process."""
    bp = _payouts_bench()
    from kernel import clock
    from payouts import reconciliation
    clock.set_clock(lambda: bp.NOW)
    copy = f"yq_run_{tag}"
    admin = _admin()
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        c.exec_driver_sql(f'CREATE DATABASE "{copy}" TEMPLATE "yq_tpl_{tag}"')
        c.exec_driver_sql("CHECKPOINT")
    engine = make_engine(_url(copy))
    with open(os.path.join(WORK, f"maker_{tag}")) as f:
        maker = int(f.read())
    with open(os.path.join(WORK, f"statement_{tag}.csv"), "rb") as stream, UowFactory(engine)() as u:
        backend = u.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        wall, cpu, db_cpu = time.perf_counter(), time.process_time(), _backend_cpu(backend)
        result = reconciliation.import_statement(u, actor_id=maker, filename="statement.csv", stream=stream)
        db_cpu = _backend_cpu(backend) - db_cpu
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    print(f"{tag}: import {wall:5.1f} s   Python CPU {cpu:5.1f} s   database CPU {db_cpu:5.1f} s   "
          f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB   "
          f"matched {result.counts['matched']:,}   load average {os.getloadavg()[0]:.1f}", flush=True)


def drop(tag: str) -> None:
    with _admin().connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "yq_tpl_{tag}" WITH (FORCE)')
    for name in (f"bank_{tag}.csv", f"statement_{tag}.csv", f"maker_{tag}"):
        path = os.path.join(WORK, name)
        if os.path.exists(path):
            os.remove(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=("seed", "run", "run-once", "drop"))
    ap.add_argument("tag")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    if args.command == "seed":
        seed(args.tag, args.n)
    elif args.command == "run":
        for _ in range(args.repeat):  # each import in a process of its own, as a server worker would
            subprocess.run([sys.executable, __file__, "run-once", args.tag], check=True)
    elif args.command == "run-once":
        run_once(args.tag)
    else:
        drop(args.tag)


if __name__ == "__main__":
    main()
