"""Anchors: the ledger head copied outside the database after the commits that matter, and checked
by verify. Payout batch approvals are covered in tests/claims/test_payouts.py, the CLI in test_cli.py."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from ledger import service as ledger
from ledger.errors import PeriodAlreadyClosed
from ledger.service import Leg
from tests.support.world import auth
from yunquan.db import UowFactory

DAY = dt.date(2026, 5, 4)


def post_some(factory, n: int = 3) -> None:
    with factory() as u:
        ledger.open_account(u, code="budget", name="budget")
        ledger.open_account(u, code="cash", name="cash", no_negative=True)
        for i in range(1, n + 1):
            ledger.post(u, key=f"k{i}", kind="move", effective_date=DAY, legs=[Leg("budget", -i), Leg("cash", i)])
        u.commit()


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def cut_off_the_last_journal(engine, journal: int) -> None:
    """Delete the newest journal with its postings and chain entry, wind the head back, fix balances:
    what the chain alone cannot see. The guards must be dropped first."""
    with engine.begin() as c:
        seq, digest = c.exec_driver_sql(f"SELECT seq, hash FROM ledger_chain WHERE entry_type = 'journal' "
                                        f"AND subject = '{journal - 1}'").one()
        last_posting = c.exec_driver_sql(f"SELECT max(id) FROM ledger_posting WHERE journal_id = {journal - 1}").scalar()
        c.exec_driver_sql(f"UPDATE ledger_account SET balance = balance - a.amount FROM "
                          f"(SELECT account_id, amount FROM ledger_posting WHERE journal_id = {journal}) AS a "
                          f"WHERE ledger_account.id = a.account_id")
        c.exec_driver_sql(f"DELETE FROM ledger_chain WHERE entry_type = 'journal' AND subject = '{journal}'")
        c.exec_driver_sql(f"DELETE FROM ledger_posting WHERE journal_id = {journal}")
        c.exec_driver_sql(f"DELETE FROM ledger_journal WHERE id = {journal}")
        c.exec_driver_sql(f"UPDATE ledger_head SET seq = {seq}, hash = '{digest}', journal_seq = {journal - 1}, "
                          f"posting_seq = {last_posting}")


def test_closing_a_period_anchors_the_head_it_committed_in_a_folder_made_for_it(db, tmp_path, frozen_clock):
    frozen_clock("2026-06-02T10:00:00+08:00")
    path = tmp_path / "not" / "there" / "anchors.jsonl"
    factory = UowFactory(db, anchors=str(path))
    post_some(factory)
    with factory() as u:
        ledger.close_period(u, month="2026-05", closed_by="admin")
    with factory.reader() as s:
        seq, digest = ledger.head(s)
        r = ledger.verify(s, anchors=str(path))
    assert lines(path) == [{"seq": seq, "head_hash": digest, "at": "2026-06-02T02:00:00Z"}]
    assert r.ok and r.anchors_checked == 1


def test_a_refused_or_rolled_back_change_anchors_nothing(db, tmp_path, frozen_clock):
    frozen_clock("2026-06-02T10:00:00+08:00")
    path = tmp_path / "anchors.jsonl"
    factory = UowFactory(db, anchors=str(path))
    post_some(factory)
    with factory() as u:
        ledger.close_period(u, month="2026-05", closed_by="admin")
    with factory() as u, pytest.raises(PeriodAlreadyClosed):
        ledger.close_period(u, month="2026-05", closed_by="admin")
    with factory() as u:  # leaves without committing
        ledger.post(u, key="never", kind="move", effective_date=dt.date(2026, 6, 1),
                    legs=[Leg("budget", -1), Leg("cash", 1)])
        ledger.anchor_after_commit(u)
    assert len(lines(path)) == 1


def test_a_bare_unit_of_work_factory_writes_no_anchors(uow_factory, tmp_path, frozen_clock, anchors_file):
    frozen_clock("2026-06-02T10:00:00+08:00")
    post_some(uow_factory)
    with uow_factory() as u:
        ledger.close_period(u, month="2026-05", closed_by="admin")
    assert not anchors_file.exists() and not (tmp_path / "var").exists()


def test_a_missing_anchors_file_is_no_failure(uow_factory, tmp_path):
    post_some(uow_factory)
    with uow_factory.snapshot() as s:
        r = ledger.verify(s, anchors=str(tmp_path / "never-written.jsonl"))
    assert r.ok and r.anchors_checked == 0 and r.checked_at is not None


def test_every_anchor_is_checked_even_two_naming_one_head(uow_factory, tmp_path):
    path = tmp_path / "anchors.jsonl"
    with uow_factory.reader() as s:
        ledger.anchor(s, path)  # the empty ledger: seq 0 and the genesis hash
    post_some(uow_factory)
    with uow_factory.reader() as s:
        ledger.anchor(s, path)
        ledger.anchor(s, path)
    with uow_factory.snapshot() as s:
        r = ledger.verify(s, anchors=str(path))
    assert [a["seq"] for a in lines(path)] == [0, 5, 5]
    assert r.ok and r.anchors_checked == 3


@pytest.mark.parametrize("garbage", [
    "not json at all",
    '{"seq": 3, "head_hash": "abc", "at": "2026-06-02T02:00:00Z"}',
    '{"seq": "3", "head_hash": "' + "a" * 64 + '", "at": "2026-06-02T02:00:00Z"}',
    '{"head_hash": "' + "a" * 64 + '"}',
    '["seq", 3]',
])
def test_a_garbled_anchor_line_fails_verify_naming_the_line(uow_factory, tmp_path, garbage):
    path = tmp_path / "anchors.jsonl"
    post_some(uow_factory)
    with uow_factory.reader() as s:
        ledger.anchor(s, path)
    with path.open("a") as f:
        f.write(garbage + "\n")
    with uow_factory.snapshot() as s:
        r = ledger.verify(s, anchors=str(path))
    assert not r.ok and "line 2" in r.problem and r.journals == 3


def test_an_anchors_file_that_cannot_be_read_fails_verify(uow_factory, tmp_path):
    post_some(uow_factory)
    (tmp_path / "anchors.jsonl").mkdir()
    with uow_factory.snapshot() as s:
        r = ledger.verify(s, anchors=str(tmp_path / "anchors.jsonl"))
    assert not r.ok and "cannot be read" in r.problem


def test_an_anchored_head_the_chain_no_longer_has_fails_verify_over_the_api(client, world, uow_factory, unguarded,
                                                                            anchors_file):
    post_some(uow_factory)
    with uow_factory.reader() as s:
        ledger.anchor(s, anchors_file)
    auditor = world.token("auditor")
    before = client.get("/api/v1/ledger/verify", headers=auth(auditor)).json
    assert before["ok"] is True and before["anchors_checked"] == 1 and before["checked_at"].endswith("Z")
    cut_off_the_last_journal(unguarded, 3)
    with uow_factory.snapshot() as s:
        assert ledger.verify(s).ok  # without the anchors nothing looks wrong
    after = client.get("/api/v1/ledger/verify", headers=auth(auditor)).json
    assert after["ok"] is False and after["journals"] == 2 and after["anchors_checked"] == 0
    assert "anchor on line 1" in after["problem"]


def test_closing_a_period_over_the_api_anchors_it_and_the_trial_balance_shows_both_heads(client, world, uow_factory,
                                                                                        anchors_file, frozen_clock):
    frozen_clock("2026-06-02T10:00:00+08:00")
    post_some(uow_factory)
    admin = world.token("admin")
    with uow_factory.reader() as s:
        closing_head = ledger.head(s)
    assert client.post("/api/v1/ledger/periods/2026-05/close", headers=auth(admin)).status_code == 200
    with uow_factory() as u:
        ledger.post(u, key="june", kind="move", effective_date=dt.date(2026, 6, 1),
                    legs=[Leg("budget", -7), Leg("cash", 7)])
        u.commit()
    with uow_factory.reader() as s:
        now_head = ledger.head(s)
    [anchor] = lines(anchors_file)
    assert anchor["seq"] == closing_head[0] + 1  # the close is itself a chain entry
    tb = client.get("/api/v1/ledger/trial-balance", headers=auth(admin)).json
    assert tb["head_hash"] == now_head[1]
    assert tb["closed_period"] == {"month": "2026-05", "head_hash": closing_head[1]}
    assert client.get("/api/v1/ledger/trial-balance?as_of=2026-05-31", headers=auth(admin)).json[
        "closed_period"]["month"] == "2026-05"
    assert client.get("/api/v1/ledger/trial-balance?as_of=2026-05-30", headers=auth(admin)).json[
        "closed_period"] is None
    r = client.get("/api/v1/ledger/verify", headers=auth(world.token("auditor"))).json
    assert r["ok"] is True and r["anchors_checked"] == 1
