"""What a newcomer does first, run as they run it: the README's examples as printed against a fresh
demo served by ``yunquan serve``, the demo's claim that can be paid on day one, ``demo --reset``,
and ``scripts/demo.sh`` when the port is taken."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
YUNQUAN = shutil.which("yunquan", path=str(Path(sys.executable).parent)) or "yunquan"


def environment(cwd: Path, db_url: str) -> dict[str, str]:
    """As in a fresh clone: the demo's files under the folder's own var/."""
    env = {k: v for k, v in os.environ.items() if k != "YUNQUAN_DEMO_TOKENS"}
    return env | {"YUNQUAN_DATABASE_URL": db_url, "YUNQUAN_EVIDENCE_DIR": str(cwd / "var" / "evidence")}


def run(cwd: Path, db_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = environment(cwd, db_url)
    out = subprocess.run([YUNQUAN, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readme_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- readme-examples -->(.*?)<!-- /readme-examples -->", text, re.S)
    assert section, "README.md marks the examples that run as printed"
    return re.findall(r"```bash\n(.*?)```", section.group(1), re.S)


@pytest.fixture
def demo_server(tmp_path):
    """A fresh demo in its own folder (as a clone would be), served on a free port."""
    url = f"sqlite:///{tmp_path / 'yunquan.db'}"
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    run(tmp_path, url, "init-db")
    demo = run(tmp_path, url, "demo").stdout
    port = free_port()
    env = environment(tmp_path, url)
    proc = subprocess.Popen([YUNQUAN, "serve", "--port", str(port), "--workers", "1"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield tmp_path, url, port, demo
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_readme_examples_run_as_printed_through_a_whole_payout_cycle(demo_server):
    folder, url, port, demo = demo_server
    assert "a claim past publicity, ready for a payout batch:" in demo and ": payable" in demo
    blocks = readme_blocks()
    assert len(blocks) == 2 and "--data-urlencode q=网关" in blocks[0]
    outputs = []
    for block in blocks:
        script = block.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        env = environment(folder, url)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
        outputs.append(done.stdout)
    examples, cycle = outputs
    assert '"ok":true' in examples and "网关" in examples
    assert (folder / "trial-balance.pdf").read_bytes().startswith(b"%PDF")
    answers = [json.loads(line) for line in cycle.splitlines() if line.startswith("{")]
    batch, approved, reconciliation, read_batch, voucher = answers
    assert (batch["status"], batch["total"]) == ("draft", "43000.00")
    assert approved["status"] == "approved"
    assert (reconciliation["matched"], reconciliation["missing"]) == (1, 0)
    assert read_batch["status"] == "reconciled" and voucher["status"] == "settled"
    bank_file = (folder / "bank-file.csv").read_bytes()
    assert bank_file.startswith(b"\xef\xbb\xbfreference,payee_name,payee_account,payee_bank,amount,purpose")
    assert (folder / "bank-file.xlsx").read_bytes().startswith(b"PK")
    assert "交易流水号,交易日期,参考号,收款账号,金额" in (folder / "statement.csv").read_text(encoding="utf-8")
    assert "ok: ledger intact" in run(folder, url, "ledger", "verify").stdout


def test_demo_reset_starts_from_an_empty_database_and_refuses_a_database_that_is_not_a_demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'yunquan.db'}"
    run(tmp_path, url, "init-db")
    run(tmp_path, url, "demo")
    run(tmp_path, url, "demo")  # twice: more tokens, nothing else
    again = run(tmp_path, url, "demo", "--reset").stdout
    assert "database emptied" in again and "claim 2 of 43000.00" in again
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM api_token")).scalar_one() == 13  # one per demo user
        assert c.execute(sa.text("SELECT min(id), count(*) FROM claim")).one() == (1, 2)
    run(tmp_path, url, "create-user", "--username", "root", "--role", "admin")
    refused = run(tmp_path, url, "demo", "--reset", check=False)
    assert refused.returncode != 0 and "root" in refused.stderr and "not a demo database" in refused.stderr
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM app_user WHERE username = 'root'")).scalar_one() == 1
    assert "database emptied" in run(tmp_path, url, "demo", "--reset", "--force").stdout
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM app_user WHERE username = 'root'")).scalar_one() == 0
    assert "ok: ledger intact" in run(tmp_path, url, "ledger", "verify").stdout
    none = run(tmp_path, url, "demo-statement", "1", check=False)  # no batch approved yet
    assert none.returncode != 0 and "no payment sent to the bank" in none.stderr


def test_the_demo_script_says_the_port_is_taken_and_leaves_the_database_alone(tmp_path):
    db = tmp_path / "untouched.db"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = os.environ | {"YUNQUAN_DATABASE_URL": f"sqlite:///{db}", "PORT": str(port)}
        done = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], env=env, capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 1
    assert f"already listening on 127.0.0.1:{port}" in done.stderr and "Nothing was changed" in done.stderr
    assert not db.exists()
