"""Voucher applications and reads over HTTP, against PostgreSQL's own commit rate measured in the
same run.

    .venv/bin/python bench/http_load.py [--applicants 2000] [--clients 16] [--seconds 30] [--reads 4000]

1. A fresh PostgreSQL database: one cloud scheme whose budget covers every applicant, one
   provider, one product, ``applicants`` enterprises each with a user and a contract (through the
   services; not timed).
2. ``raw commit rate``: ``clients`` threads each posting one two-leg journal per transaction
   through the ledger (the unit of commit of an application), on another fresh database.
3. The server: gunicorn with 2 sync workers (``yunquan.app:create_app()``, no access log) on
   127.0.0.1, started by this script and stopped at the end.
4. The load generator: ``clients`` threads on loopback, each with its own keep-alive connection,
   taking work from a shared, bounded list and stopping at ``seconds``: ``GET /healthz``,
   ``POST /api/v1/vouchers`` (every applicant once: applications on one scheme), ``GET
   /api/v1/vouchers/{id}`` and ``GET /api/openapi.json``. Each endpoint runs on its own, one after
   the other, so their figures do not mix.
5. Afterwards: errors (anything but the expected status), ``ledger verify``, and the budget's parts
   adding up.

Prints req/s, p50 and p99 per endpoint, and the ratios the issue asks for: applications / raw
commit rate, voucher reads / ``/healthz``. The load generator shares the machine's cores with the
server and the database: read the ratios, not the rates.
"""
from __future__ import annotations

import os
import sys

# Not "bench/http.py": a script of that name shadows the standard library's ``http`` package for
# every script in this folder (Python puts the script's folder first on the path).
import http.client  # noqa: E402

_HERE = os.path.abspath(os.path.dirname(__file__))
sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.join(_HERE, ".."))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from decimal import Decimal  # noqa: E402

from benchdb import fresh_database  # noqa: E402
from catalog import products  # noqa: E402
from ledger import service as ledger  # noqa: E402
from parties import service as organisations  # noqa: E402
from parties.rules import uscc_check_digit  # noqa: E402
from schemes import budget  # noqa: E402
from schemes import service as schemes  # noqa: E402
from vouchers import contracts  # noqa: E402
from yunquan import users  # noqa: E402
from yunquan.bootstrap import bootstrap  # noqa: E402
from yunquan.db import UowFactory, make_engine  # noqa: E402

import importlib.util  # noqa: E402

bootstrap()
_spec = importlib.util.spec_from_file_location("bench_ledger", os.path.join(os.path.dirname(__file__), "ledger.py"))
bench_ledger = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ledger)

ROOT = os.path.join(os.path.dirname(__file__), "..")


def uscc(n: int) -> str:
    first17 = f"91440600MB{n:07d}"
    return first17 + uscc_check_digit(first17)


def seed(uowf: UowFactory, n: int) -> dict:
    today = dt.date.today()
    with uowf() as u:
        authority = organisations.register(u, kind="authority", name="厅", uscc=uscc(9_000_001), city="广州")
    with uowf() as u:
        provider = organisations.register(u, kind="provider", name="平台", uscc=uscc(9_000_002), city="广州",
                                          provider_class="national_platform")
    with uowf() as u:
        admin, _ = users.create_user(u, username="admin", roles=["admin"], org_id=None)
    with uowf() as u:
        maker, _ = users.create_user(u, username="maker", roles=["provider"], org_id=provider.id)
    with uowf() as u:
        reviewer, reviewer_token = users.create_user(u, username="reviewer", roles=["reviewer"],
                                                     org_id=authority.id)
    as_provider = products.Actor(maker.id, provider.id)
    with uowf() as u:
        pid = products.register(u, actor=as_provider, name="网关", item_kind="cpe_gateway", unit="台",
                                unit_price=Decimal("1000.00"), scenario="s", modules=["m"], expected_effect="e",
                                standard={"kind": "per_unit", "amount": "300.00"},
                                valid_from=dt.date(today.year - 1, 1, 1), valid_to=dt.date(today.year + 1, 12, 31)).id
    with uowf() as u:
        products.submit(u, actor=as_provider, product_id=pid)
    with uowf() as u:
        products.approve(u, actor=products.Actor(reviewer.id, authority.id, staff=True), product_id=pid)
    with uowf() as u:
        scheme = schemes.create(u, actor_id=admin.id, kind="cloud", name="http bench", year=today.year,
                                budget_fen=n * 3_000_00, apply_from=today - dt.timedelta(days=30),
                                apply_to=today + dt.timedelta(days=30), redeem_from=today - dt.timedelta(days=30),
                                redeem_to=today + dt.timedelta(days=365),
                                settings={"provider_quota_major": "999999999.00"})
    applicants = []
    for i in range(n):
        with uowf() as u:
            ent = organisations.register(u, kind="enterprise", name=f"企业{i}", uscc=uscc(i), city="佛山",
                                         founded_on=dt.date(2015, 1, 1), prior_year_revenue=100_000_00)
        with uowf() as u:
            _, token = users.create_user(u, username=f"e{i}", roles=["enterprise"], org_id=ent.id)
        with uowf() as u:
            contract, _ = contracts.record(u, actor_id=maker.id, provider_id=provider.id, enterprise_id=ent.id,
                                           signed_on=today - dt.timedelta(days=1),
                                           lines=[{"product_id": pid, "quantity": Decimal(10),
                                                   "unit_price": 1000_00}])
        applicants.append((token, contract.id))
    return {"scheme": scheme.id, "applicants": applicants, "reviewer_token": reviewer_token}


def raw_commit_rate(clients: int, seconds: float, count: int) -> float:
    """Journals per second, ``clients`` threads each committing one journal per transaction."""
    first, drop = fresh_database("postgresql")
    engine = make_engine(first.url.render_as_string(hide_password=False), pool_size=clients + 2)
    try:
        uowf = UowFactory(engine)
        bench_ledger.open_accounts(uowf)
        specs = iter(bench_ledger.specs(count))
        lock = threading.Lock()
        done = [0]
        stop = time.perf_counter() + seconds

        def worker():
            while time.perf_counter() < stop:
                with lock:
                    spec = next(specs, None)
                if spec is None:
                    return
                uowf.run(lambda u: (ledger.post_batch(u, [spec]), u.commit()))
                with lock:
                    done[0] += 1
        t = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return done[0] / (time.perf_counter() - t)
    finally:
        engine.dispose()
        drop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, workdir: str) -> subprocess.Popen:
    env = {**os.environ, "YUNQUAN_DATABASE_URL": url, "YUNQUAN_LEDGER_ANCHORS": os.path.join(workdir, "anchors"),
           "YUNQUAN_EVIDENCE_DIR": os.path.join(workdir, "evidence"),
           "YUNQUAN_ID_KEY_FILE": os.path.join(workdir, "id.key"), "PYTHONPATH": ROOT}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                             "--timeout", "120", "yunquan.app:create_app()"], env=env, cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start: " + proc.stderr.read().decode()[-2000:])


def drive(port: int, work: list, *, clients: int, seconds: float) -> dict:
    """Run ``work`` ([(method, path, headers, body, expected status)]) from ``clients`` threads
    until it is done or ``seconds`` pass; latency of every request."""
    lock = threading.Lock()
    items = iter(work)
    latencies: list[float] = []
    errors: list[str] = []
    answers: list[dict] = []
    stop = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop:
            with lock:
                item = next(items, None)
            if item is None:
                break
            method, path, headers, body, expected = item
            t = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
                ok = r.status == expected
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok, data = False, repr(exc).encode()
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                if ok:
                    if method == "POST":
                        answers.append(json.loads(data))
                else:
                    errors.append(data[:200].decode(errors="replace"))
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")
    return {"n": len(latencies), "rate": len(latencies) / wall, "p50": pct(0.50), "p99": pct(0.99),
            "errors": errors, "answers": answers}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--applicants", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--reads", type=int, default=4000)
    args = ap.parse_args()
    print(f"HTTP benchmark on PostgreSQL: gunicorn 2 workers, {args.clients} clients on loopback; "
          f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    engine, drop = fresh_database("postgresql")
    workdir = tempfile.mkdtemp()
    proc = None
    try:
        uowf = UowFactory(engine)
        t = time.perf_counter()
        ctx = seed(uowf, args.applicants)
        print(f"  (seeded {args.applicants} applicants in {time.perf_counter() - t:.0f} s)", flush=True)
        commit_rate = raw_commit_rate(args.clients, args.seconds, max(args.applicants * 2, 2000))
        print(f"  raw commit rate ({args.clients} threads, 1 journal per transaction): {commit_rate:,.0f} /s", flush=True)
        port = free_port()
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        proc = start_server(url, port, workdir)
        auth = {"Authorization": f"Bearer {ctx['reviewer_token']}"}
        results = {}
        results["GET /healthz"] = drive(port, [("GET", "/healthz", {}, None, 200)] * args.reads,
                                        clients=args.clients, seconds=args.seconds)
        apply_work = [("POST", "/api/v1/vouchers",
                       {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                       json.dumps({"scheme_id": ctx["scheme"], "contract_id": cid}), 201)
                      for token, cid in ctx["applicants"]]
        results["POST /api/v1/vouchers"] = drive(port, apply_work, clients=args.clients, seconds=args.seconds)
        ids = [a["id"] for a in results["POST /api/v1/vouchers"]["answers"]] or [1]
        read_work = [("GET", f"/api/v1/vouchers/{ids[i % len(ids)]}", auth, None, 200) for i in range(args.reads)]
        results["GET /api/v1/vouchers/{id}"] = drive(port, read_work, clients=args.clients, seconds=args.seconds)
        results["GET /api/openapi.json"] = drive(port, [("GET", "/api/openapi.json", {}, None, 200)] * 200,
                                                 clients=args.clients, seconds=args.seconds)
        print(f"\n  {'endpoint':<28} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name, r in results.items():
            print(f"  {name:<28} {r['n']:>8,} {r['rate']:>8,.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} "
                  f"{len(r['errors']):>7}")
        apply_rate = results["POST /api/v1/vouchers"]["rate"]
        read_rate = results["GET /api/v1/vouchers/{id}"]["rate"]
        health = results["GET /healthz"]["rate"]
        print(f"\n  applications / raw commit rate : {apply_rate / commit_rate:6.0%}   (goal >= 40 %)")
        print(f"  voucher reads / /healthz       : {read_rate / health:6.0%}   (goal >= 30 %)")
        for name, r in results.items():
            for e in r["errors"][:3]:
                print(f"  error on {name}: {e}")
        with UowFactory(engine).reader() as s:
            report = ledger.verify(s)
            b = budget.read(s, ctx["scheme"])
        parts = (b.available, b.reserved, b.payable, b.in_transit, b.disbursed)
        print(f"  afterwards: ledger verify ok={report.ok}; budget parts add up: {sum(parts) == b.total} "
              f"(reserved {b.reserved / 100:,.2f} for {len(results['POST /api/v1/vouchers']['answers'])} vouchers)")
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        drop()


if __name__ == "__main__":
    main()
