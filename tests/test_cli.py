"""The bootstrap commands of API.md, run as a user runs them: the installed ``yunquan`` command."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

YUNQUAN = shutil.which("yunquan", path=str(Path(sys.executable).parent)) or "yunquan"


def run(db_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = os.environ | {"YUNQUAN_DATABASE_URL": db_url}
    out = subprocess.run([YUNQUAN, *args], env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert out.returncode == 0, out.stderr
    return out


@pytest.fixture
def url(db):
    return db.url.render_as_string(hide_password=False)


def test_init_db_creates_the_schema_on_a_new_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    out = run(url, "init-db")
    assert "database ready" in out.stdout
    assert "ok: ledger intact" in run(url, "ledger", "verify").stdout


def test_create_user_prints_a_token_on_the_last_line_that_the_api_accepts(url, db):
    out = run(url, "create-user", "--username", "root", "--role", "admin")
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("yq_")
    from yunquan.app import create_app
    client = create_app({"ENGINE": db}).test_client()
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).json["username"] == "root"


def test_create_user_refuses_a_role_without_its_organisation(url):
    out = run(url, "create-user", "--username", "rev", "--role", "reviewer", check=False)
    assert out.returncode == 2 and "VALIDATION_ERROR" in out.stderr


def test_demo_prints_tokens_and_can_run_twice(url):
    first = run(url, "demo").stdout
    assert "admin" in first and "yq_" in first
    assert "worked example, amount 200000.00" in first and "face value 55000.00" in first
    second = run(url, "demo").stdout
    tokens = [line.split()[-1] for line in second.splitlines() if line.strip().startswith("auditor ")]
    assert tokens and tokens[0] not in first  # a fresh token; the old one stays valid
    # the worked example's 55,000.00 reserved; the furniture maker's claim of 43,000.00 payable
    assert "(0 new)" in second and "cloud budget: available 49902000.00, reserved 55000.00" in second
    assert "ok: ledger intact" in run(url, "ledger", "verify").stdout


def test_ledger_verify_fails_with_exit_1_and_names_the_journal(url, uow_factory, unguarded):
    import datetime as dt

    from ledger import service as ledger
    with uow_factory() as u:
        ledger.open_account(u, code="x", name="x")
        ledger.open_account(u, code="y", name="y")
        ledger.post(u, key="k1", kind="t", effective_date=dt.date(2026, 1, 5), legs=[("x", -5), ("y", 5)])
        ledger.post(u, key="k2", kind="t", effective_date=dt.date(2026, 1, 5), legs=[("x", -7), ("y", 7)])
        u.commit()
    assert "journals: 2" in run(url, "ledger", "verify").stdout
    with unguarded.begin() as c:  # someone who can drop the guards first
        c.exec_driver_sql("UPDATE ledger_journal SET memo = 'edited' WHERE id = 2")
    out = run(url, "ledger", "verify", check=False)
    assert out.returncode == 1 and "first_bad_journal: 2" in out.stdout


def test_trial_balance_and_close_period(url, uow_factory):
    import datetime as dt

    from ledger import service as ledger
    with uow_factory() as u:
        ledger.open_account(u, code="budget", name="预算")
        ledger.open_account(u, code="cash", name="资金")
        ledger.post(u, key="k1", kind="t", effective_date=dt.date(2025, 1, 5), legs=[("budget", -12_34), ("cash", 12_34)])
        u.commit()
    out = run(url, "ledger", "trial-balance").stdout
    assert "12.34" in out and "balanced" in out
    assert "closed" in run(url, "ledger", "close-period", "2025-01").stdout
    again = run(url, "ledger", "close-period", "2025-01", check=False)
    assert again.returncode == 2 and "PERIOD_ALREADY_CLOSED" in again.stderr


def test_ledger_anchor_appends_the_committed_head_and_verify_checks_it(url, uow_factory, anchors_file):
    import datetime as dt
    from ledger import service as ledger
    with uow_factory() as u:
        ledger.open_account(u, code="x", name="x")
        ledger.open_account(u, code="y", name="y")
        ledger.post(u, key="k1", kind="t", effective_date=dt.date(2026, 1, 5), legs=[("x", -5), ("y", 5)])
        u.commit()
        seq, head_hash = ledger.head(u.session)
    printed = json.loads(run(url, "ledger", "anchor").stdout.strip().splitlines()[-1])
    assert (printed["seq"], printed["head_hash"]) == (seq, head_hash) == (3, head_hash)
    assert [json.loads(line) for line in anchors_file.read_text().splitlines()] == [printed]
    out = run(url, "ledger", "verify").stdout
    assert "anchors_checked: 1" in out and "ok: ledger intact" in out


def test_ledger_verify_exits_1_when_the_head_was_wound_back_past_an_anchor(url, uow_factory, unguarded, anchors_file):
    import datetime as dt
    from ledger import service as ledger
    from tests.test_ledger_anchors import cut_off_the_last_journal
    with uow_factory() as u:
        ledger.open_account(u, code="x", name="x")
        ledger.open_account(u, code="y", name="y")
        ledger.post(u, key="k1", kind="t", effective_date=dt.date(2026, 1, 5), legs=[("x", -5), ("y", 5)])
        ledger.post(u, key="k2", kind="t", effective_date=dt.date(2026, 1, 5), legs=[("x", -7), ("y", 7)])
        u.commit()
    run(url, "ledger", "anchor")
    cut_off_the_last_journal(unguarded, 2)
    out = run(url, "ledger", "verify", check=False)
    assert out.returncode == 1 and "journals: 1" in out.stdout and "anchor on line 1" in out.stdout


def test_trial_balance_prints_the_chain_head_and_the_head_the_last_period_closed_on(url, uow_factory):
    import datetime as dt
    from ledger import service as ledger
    with uow_factory() as u:
        ledger.open_account(u, code="budget", name="预算")
        ledger.open_account(u, code="cash", name="资金")
        ledger.post(u, key="k1", kind="t", effective_date=dt.date(2025, 1, 5), legs=[("budget", -1), ("cash", 1)])
        u.commit()
        _, before_close = ledger.head(u.session)
    assert "closed_period: none" in run(url, "ledger", "trial-balance").stdout
    run(url, "ledger", "close-period", "2025-01")
    with uow_factory.reader() as s:
        _, now = ledger.head(s)
    out = run(url, "ledger", "trial-balance").stdout
    assert f"head_hash: {now}" in out and f"closed_period: 2025-01 head_hash: {before_close}" in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_http(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    run(url, "init-db")
    port = _free_port()
    env = os.environ | {"YUNQUAN_DATABASE_URL": url}
    proc = subprocess.Popen([YUNQUAN, "serve", "--port", str(port), "--workers", "1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2) as r:
                    spec = json.load(r)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert spec["info"]["title"].startswith("yunquan")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_revoke_token_locks_a_user_out_and_issue_token_lets_them_back_in(url, db):
    from yunquan.app import create_app
    token = run(url, "create-user", "--username", "clerk", "--role", "admin").stdout.strip().splitlines()[-1]
    client = create_app({"ENGINE": db}).test_client()
    me = lambda t: client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {t}"}).status_code  # noqa: E731
    assert me(token) == 200
    assert "revoked 1 token(s) of clerk" in run(url, "revoke-token", "--username", "clerk").stdout
    assert me(token) == 401
    fresh = run(url, "issue-token", "--username", "clerk").stdout.strip().splitlines()[-1]
    assert fresh.startswith("yq_") and me(fresh) == 200 and me(token) == 401
    assert run(url, "revoke-token", "--username", "nobody", check=False).returncode == 2
