"""Ledger accounts have Chinese names where they are listed: the scheme's name and the part of its
budget (梅州 2026 上云券 可用额度); the stored ledger name, part of the hash chain, stays as it was."""
from __future__ import annotations

from ledger import naming
from tests.support.pilot import Pilot


def test_the_trial_balance_names_each_budget_account_in_chinese(client, world):
    pilot = Pilot(client, world)
    scheme = pilot.scheme(name="梅州 2026 上云券")
    out = pilot.ok("GET", "/ledger/trial-balance", pilot.auditor)
    rows = {row["account"]: row for row in out["rows"]}
    sid = scheme["id"]
    assert rows[f"scheme:{sid}:available"]["name_zh"] == "梅州 2026 上云券 可用额度"
    assert rows[f"scheme:{sid}:funding"]["name_zh"] == "梅州 2026 上云券 预算拨款"
    assert {rows[f"scheme:{sid}:{p}"]["name_zh"].rsplit(" ", 1)[1]
            for p in ("reserved", "payable", "in_transit", "disbursed")} == {"预留额度", "应付", "在途", "已拨付"}
    assert rows[f"scheme:{sid}:available"]["name"] == f"scheme {sid} available"


def test_an_account_no_namer_knows_keeps_its_ledger_name(uow_factory):
    with uow_factory.snapshot() as s:
        assert naming.chinese_names(s, ["loan:1:principal", "scheme:x:available", "scheme:1:nowhere"]) == {}
