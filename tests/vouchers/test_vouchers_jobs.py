"""The expiry job, and all-or-nothing application: a crash between the voucher row and its journal."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from ledger.models import LedgerJournal
from tests.support.pilot import WORKED_LINES
from tests.support.world import row_count as count
from vouchers.models import Voucher

YUNQUAN = str(Path(sys.executable).parent / "yunquan")


def test_the_expire_job_releases_money_and_promotes_nobody_after_the_window(pilot, db):
    s = pilot.scheme("60000.00", redeem_to="2026-03-31")
    first = pilot.apply("南海陶瓷", s["id"], pilot.contract("南海陶瓷", WORKED_LINES)["id"]).json
    second = pilot.apply("大岭山家具", s["id"], pilot.contract("大岭山家具", WORKED_LINES)["id"]).json
    assert (first["status"], second["status"]) == ("reserved", "waitlisted")
    env = os.environ | {"YUNQUAN_DATABASE_URL": db.url.render_as_string(hide_password=False),
                        "YUNQUAN_FROZEN_NOW": "2026-04-01T09:00:00+08:00"}
    out = subprocess.run([YUNQUAN, "vouchers", "expire"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "expired 2 voucher(s)" in out.stdout, out.stderr
    assert pilot.budget(s["id"])["available"] == "60000.00"
    with db.connect() as c:
        assert set(c.execute(sa.select(Voucher.status)).scalars()) == {"expired"}
    assert pilot.verify()["ok"] is True


def test_a_crash_after_the_voucher_row_leaves_no_voucher_and_no_journal(pilot, db, monkeypatch):
    s = pilot.scheme()
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    journals = count(db, LedgerJournal)
    from ledger import service as ledger

    def crash(*args, **kwargs):
        raise RuntimeError("power cut between the state change and the journal")
    monkeypatch.setattr(ledger, "reserve", crash)
    r = pilot.apply("南海陶瓷", s["id"], c["id"])
    assert r.status_code == 500 and r.json["code"] == "INTERNAL_ERROR"
    assert count(db, Voucher) == 0 and count(db, LedgerJournal) == journals
    monkeypatch.undo()
    assert pilot.apply("南海陶瓷", s["id"], c["id"]).json["status"] == "reserved"
    assert pilot.verify()["ok"] is True


def test_a_crash_in_rejection_keeps_the_voucher_reserved_and_the_money_held(pilot, db, monkeypatch):
    s = pilot.scheme()
    v = pilot.apply("南海陶瓷", s["id"], pilot.contract("南海陶瓷", WORKED_LINES)["id"]).json
    from schemes import service as schemes

    def crash(*args, **kwargs):
        raise RuntimeError("crash after the release journal, before the waitlist")
    monkeypatch.setattr(schemes, "money_freed", crash)
    r = pilot.call("POST", f"/vouchers/{v['id']}/reject", pilot.reviewer, json={"reason": "x"})
    assert r.status_code == 500
    assert pilot.ok("GET", f"/vouchers/{v['id']}", pilot.auditor)["status"] == "reserved"
    assert pilot.budget(s["id"])["reserved"] == "55000.00"
    assert pilot.verify()["ok"] is True
