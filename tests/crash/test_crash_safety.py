"""The service is killed (SIGKILL) at random points of applications, voucher and claim approvals,
evidence uploads, payout batch approvals and statement imports, and its database connections are
cut from outside; a client that retries every request with its ``Idempotency-Key`` until it gets
an answer sees each piece of work done exactly once, nothing half-written, and the ledger intact.

The server is a real process (``serve.py``) on PostgreSQL that kills itself before a random SQL
statement, before a commit, or after the commit before its answer leaves; a thread terminates its
backends now and then. The run prints how often each happened.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from catalog import products
from ledger import service as ledger
from payouts.models import PayoutBatch
from schemes import budget
from schemes import service as schemes
from tests.support.world import row_count
from vouchers import contracts
from vouchers.models import Voucher
from yunquan.db import UowFactory

SEED = int(os.environ.get("YUNQUAN_CRASH_SEED", "14"))
RATE = 0.02          # chance of dying before each statement, commit and answer
PATIENCE = 180.0     # seconds a client retries one request: a bound in time, not in attempts (a loaded machine)
ENTERPRISES = 3
ROOT = Path(__file__).resolve().parents[2]


class Server:
    def __init__(self, url: str, evidence: Path, stderr: Path):
        self.url, self.evidence, self.stderr = url, evidence, stderr
        self.port, self.proc, self.starts = _free_port(), None, 0

    def ensure(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        self.starts += 1
        with open(self.stderr, "a") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "tests.crash.serve", self.url, str(self.port),
                                          str(self.evidence), str(SEED * 1000 + self.starts), str(RATE)],
                                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                                         start_new_session=True)  # its own group: stop() ends it and its server
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:  # died while starting (a kill at its first statement)
                    return self.ensure()
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the process serve.py forks the servers from, and the server
            self.proc.wait(10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """Sends a request until it gets an answer that is not a server error, always with the same
    Idempotency-Key, restarting the server whenever it is gone."""

    def __init__(self, server: Server):
        self.server, self.attempts = server, 0

    def send(self, method: str, path: str, token: str, *, json_body=None, form=None, key: str | None = None):
        key = key or uuid.uuid4().hex
        deadline, attempts = time.monotonic() + PATIENCE, 0
        while attempts == 0 or time.monotonic() < deadline:
            attempts += 1
            self.server.ensure()
            self.attempts += 1
            try:
                status, headers, body = self._once(method, path, token, json_body, form, key)
            except (urllib.error.URLError, ConnectionError, OSError, TimeoutError):
                continue  # killed mid-request: no answer at all
            if status < 500:
                return status, headers, body, key
        raise AssertionError(f"no answer to {method} {path} after {attempts} attempts in {PATIENCE:.0f} s")

    def _once(self, method, path, token, json_body, form, key):
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        data = None
        if json_body is not None:
            data, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            boundary = "yq" + uuid.uuid4().hex
            parts = []
            for name, value in form.items():
                if isinstance(value, tuple):
                    filename, content = value
                    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                                 f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                                 + content + b"\r\n")
                else:
                    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                                 f"{value}\r\n".encode())
            data = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(f"http://127.0.0.1:{self.server.port}/api/v1{path}", data=data,
                                         method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()


def cut_connections(url: str, stop: threading.Event, cuts: list[int], rng: random.Random) -> None:
    """Now and then, terminate the server's database sessions from outside."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    while not stop.wait(rng.uniform(0.2, 0.6)):
        with admin.connect() as c:
            cuts[0] += c.exec_driver_sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                         "WHERE application_name = 'yq-crash' AND datname = current_database() "
                                         "AND state <> 'idle'").scalar()
    admin.dispose()


@pytest.fixture
def pilot(db, world, tmp_path):
    if db.dialect.name != "postgresql":
        pytest.skip("killed processes and cut connections: the production database")
    uowf = UowFactory(db)
    authority = world.org("authority", city="广州")
    provider = world.org("provider", city="广州", provider_class="national_platform")
    provider_user, _ = world.user("provider", provider)
    reviewer_user, reviewer = world.user("reviewer", authority)
    admin_user, _ = world.user("admin")
    seller = products.Actor(provider_user, provider.id)
    today = dt.date.today()
    with uowf() as u:
        view = products.register(u, actor=seller, name="工业级CPE网关", item_kind="cpe_gateway", unit="台",
                                 unit_price=Decimal("1000.00"), scenario="数据采集", modules=["采集"],
                                 expected_effect="联网", standard={"kind": "per_unit", "amount": "300.00"},
                                 valid_from=today.replace(month=1, day=1), valid_to=today.replace(year=today.year + 1))
    with uowf() as u:
        products.submit(u, actor=seller, product_id=view.id)
    with uowf() as u:
        products.approve(u, actor=products.Actor(reviewer_user, authority.id, staff=True), product_id=view.id)
    with uowf() as u:
        scheme = schemes.create(u, actor_id=admin_user, kind="cloud", name="崩溃演练", year=today.year,
                                budget_fen=100_000_000, apply_from=today.replace(month=1, day=1),
                                apply_to=today.replace(month=12, day=31), redeem_from=today.replace(month=1, day=1),
                                redeem_to=today.replace(year=today.year + 1))
    cast = {"scheme": scheme.id, "reviewer": reviewer, "enterprises": [], "db": db, "tmp": tmp_path,
            "maker": world.token("finance_maker", authority), "checker": world.token("finance_checker", authority),
            "auditor": world.token("auditor", authority)}
    for n in range(ENTERPRISES):
        org = world.org("enterprise", city="佛山", name=f"企业{n}", bank_account=f"62220000{n:08d}")
        with uowf() as u:
            contract, _ = contracts.record(u, actor_id=provider_user, provider_id=provider.id, enterprise_id=org.id,
                                           signed_on=today, lines=[{"product_id": view.id, "quantity": Decimal(10),
                                                                    "unit_price": 100_000}])
        cast["enterprises"].append({"org": org, "token": world.token("enterprise", org), "contract": contract.id})
    return cast


def test_every_request_retried_with_its_key_after_kills_and_cuts_is_done_exactly_once(pilot, record_property):
    db, scheme_id = pilot["db"], pilot["scheme"]
    url = db.url.render_as_string(hide_password=False)
    stderr = pilot["tmp"] / "server.log"
    server = Server(url, pilot["tmp"] / "evidence", stderr)
    client, stop, cuts = Client(server), threading.Event(), [0]
    cutter = threading.Thread(target=cut_connections, args=(url, stop, cuts, random.Random(SEED)), daemon=True)
    cutter.start()
    answers = []

    def send(*args, **kwargs):
        status, headers, body, key = client.send(*args, **kwargs)
        answers.append((args, kwargs, key, status, body))
        return status, json.loads(body)
    try:
        for e in pilot["enterprises"]:
            status, voucher = send("POST", "/vouchers", e["token"],
                                   json_body={"scheme_id": scheme_id, "contract_id": e["contract"]})
            assert status == 201 and voucher["status"] == "reserved", voucher
            e["voucher"] = voucher["id"]
        for e in pilot["enterprises"]:
            status, voucher = send("POST", f"/vouchers/{e['voucher']}/approve", pilot["reviewer"])
            assert status == 200 and voucher["status"] == "issued", voucher
        for n, e in enumerate(pilot["enterprises"]):
            ids = []
            for kind, head in (("invoice", b"%PDF-1.4\n"), ("payment_proof", b"\x89PNG\r\n\x1a\n"),
                               ("acceptance_report", b"\xff\xd8\xff\xe0")):
                status, ev = send("POST", "/evidence", e["token"],
                                  form={"kind": kind, "file": (f"{kind}.bin", head + f"{SEED}:{n}".encode())})
                assert status == 201, ev
                ids.append(ev["id"])
            status, claim = send("POST", f"/vouchers/{e['voucher']}/claims", e["token"],
                                 json_body={"invoice_amount": "9500.00", "paid_amount": "9500.00", "evidence_ids": ids})
            assert status == 201, claim
            e["claim"] = claim["id"]
        for e in pilot["enterprises"]:
            status, claim = send("POST", f"/claims/{e['claim']}/approve", pilot["reviewer"])
            assert status == 200 and claim["status"] == "publicity", claim
        status, batch = send("POST", "/payout-batches", pilot["maker"], json_body={"scheme_id": scheme_id})
        assert status == 201 and len(batch["lines"]) == ENTERPRISES, batch
        status, approved = send("POST", f"/payout-batches/{batch['id']}/approve", pilot["checker"])
        assert status == 200 and approved["status"] == "approved", approved
        today = dt.date.today().isoformat()
        rows = ["bank_txn_id,value_date,reference,payee_account,amount"] + [
            f"T{n},{today},{line['reference']},{line['payee_account']},{'-' if n == 0 else ''}{line['amount']}"
            for n, line in enumerate(batch["lines"])]
        status, recon = send("POST", "/reconciliations", pilot["maker"],
                             form={"statement": ("statement.csv", ("\n".join(rows) + "\n").encode())})
        assert status == 201 and recon["matched"] == ENTERPRISES - 1 and recon["returned"] == 1, recon
        stop.set()
        # every request again with its key: the first answer, replayed, and nothing more done
        for args, kwargs, key, status, body in answers:
            again_status, headers, again_body, _ = client.send(*args, **kwargs, key=key)
            assert (again_status, json.loads(again_body)) == (status, json.loads(body)), args
            assert headers.get("Idempotent-Replayed") == "true", args
    finally:
        stop.set()
        server.stop()
        cutter.join(10)
    with db.connect() as c:
        per_contract = c.execute(sa.select(Voucher.contract_id, sa.func.count()).group_by(Voucher.contract_id)).all()
        evidence_rows = c.exec_driver_sql("SELECT count(*) FROM evidence").scalar()
        statements = c.exec_driver_sql("SELECT count(*) FROM bank_statement").scalar()
    assert sorted(n for _, n in per_contract) == [1] * ENTERPRISES
    assert row_count(db, PayoutBatch) == 1 and evidence_rows == 3 * ENTERPRISES and statements == 1
    factory = UowFactory(db)
    with factory.reader() as s:
        b = budget.read(s, scheme_id)
    assert (b.available + b.reserved + b.payable + b.in_transit + b.disbursed) == b.total
    assert (b.payable, b.in_transit, b.disbursed) == (285_000, 0, 285_000 * (ENTERPRISES - 1))
    with factory.snapshot() as s:
        assert ledger.verify(s).ok
    kills = stderr.read_text().count("KILLED") if stderr.exists() else 0
    record_property("figure:crash safety requests", len(answers))
    record_property("figure:crash safety attempts", client.attempts)
    record_property("figure:crash safety SIGKILLs", kills)
    record_property("figure:crash safety connections cut", cuts[0])
    record_property("note:crash safety seed", str(SEED))
    assert kills > 0, "the server was never killed: raise RATE"
