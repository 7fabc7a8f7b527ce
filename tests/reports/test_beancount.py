"""The ledger as a Beancount file: an auditor's own tool (bean-check) must accept what we export,
and must refuse it when a journal in it does not balance."""
from __future__ import annotations

import datetime as dt
import pathlib
import subprocess
import sys
from decimal import Decimal

import pytest
from beancount import loader
from beancount.core import account as bc_account
from beancount.core.data import Balance, Open, Transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.beancount import Account, Journal, account_name, export

BEAN_CHECK = pathlib.Path(sys.executable).with_name("bean-check")
DAY = dt.date(2026, 3, 1)


def budget_ledger():
    accounts = [Account("scheme:3:funding", "scheme 3 appropriation"),
                Account("scheme:3:available", "scheme 3 available", True),
                Account("scheme:3:reserved", "scheme 3 reserved", True),
                Account("scheme:3:in_transit", "scheme 3 in_transit", True)]
    journals = [
        Journal(1, "scheme:3:fund", "fund", DAY, "a" * 64,
                [("scheme:3:funding", -5_000_000_00), ("scheme:3:available", 5_000_000_00)], memo="budget appropriation",
                ref="scheme:3"),
        Journal(2, "voucher:1:reserve", "reserve", DAY + dt.timedelta(days=1), "b" * 64,
                [("scheme:3:available", -55_000_00), ("scheme:3:reserved", 55_000_00)], ref="voucher:1"),
        Journal(3, "voucher:1:release", "release", DAY + dt.timedelta(days=9), "c" * 64,
                [("scheme:3:reserved", -1_234_56), ("scheme:3:available", 1_234_56)], memo="退回 \"余额\"", reverses=2),
    ]
    return accounts, journals


def bean_check(tmp_path, text: str) -> subprocess.CompletedProcess:
    path = tmp_path / "ledger.beancount"
    path.write_text(text, encoding="utf-8")
    return subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True)


def test_bean_check_passes_on_the_export_of_a_scheme_budget(tmp_path):
    text = "".join(export(*budget_ledger()))
    result = bean_check(tmp_path, text)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2026-03-11 balance Assets:Scheme:3:Available  4946234.56 ~ 0.00 CNY" in text
    assert "2026-03-11 balance Equity:Scheme:3:Funding  -5000000.00 ~ 0.00 CNY" in text


def test_bean_check_fails_when_a_journal_in_the_file_does_not_balance(tmp_path):
    accounts, journals = budget_ledger()
    journals[1] = Journal(2, "voucher:1:reserve", "reserve", DAY + dt.timedelta(days=1), "b" * 64,
                          [("scheme:3:available", -55_000_00), ("scheme:3:reserved", 55_000_01)])  # one fen too many
    result = bean_check(tmp_path, "".join(export(accounts, journals)))
    assert result.returncode != 0
    assert "does not balance" in (result.stdout + result.stderr).lower()


def test_bean_check_fails_when_a_balance_in_the_file_was_edited(tmp_path):
    text = "".join(export(*budget_ledger())).replace("4946234.56 ~", "4946234.57 ~")  # one fen more
    result = bean_check(tmp_path, text)
    assert result.returncode != 0 and "balance failed" in (result.stdout + result.stderr).lower()


def test_each_journal_is_one_transaction_carrying_its_id_key_and_hash():
    accounts, journals = budget_ledger()
    entries, errors, _ = loader.load_string("".join(export(accounts, journals)))
    assert errors == []
    txns = [e for e in entries if isinstance(e, Transaction)]
    assert [(int(t.meta["journal_id"]), t.meta["key"], t.meta["hash"]) for t in txns] == \
        [(j.id, j.key, j.hash) for j in journals]
    assert txns[2].narration == '退回 "余额"' and int(txns[2].meta["reverses"]) == 2
    opens = {e.account: e for e in entries if isinstance(e, Open)}
    assert opens["Assets:Scheme:3:Available"].meta["code"] == "scheme:3:available"
    assert opens["Assets:Scheme:3:Available"].meta["no_negative"] is True


def test_the_ledger_codes_read_as_beancount_names():
    assert account_name("scheme:3:available") == "Assets:Scheme:3:Available"
    assert account_name("scheme:12:in_transit") == "Assets:Scheme:12:In-transit"
    assert account_name("scheme:3:funding") == "Equity:Scheme:3:Funding"
    assert account_name("银行") == "Assets:XUE993B6E8A18C"
    assert account_name("in-transit") != account_name("in_transit")
    assert account_name("x") != account_name("X")


def test_an_empty_ledger_exports_a_file_that_says_so_and_checks(tmp_path):
    text = "".join(export([Account("scheme:1:available", "可用")], [], as_of=dt.date(2026, 12, 31)))
    assert "没有分录" in text and "2027-01-01 balance Assets:Scheme:1:Available  0.00 ~ 0.00 CNY" in text
    assert bean_check(tmp_path, text).returncode == 0


def test_journals_out_of_date_order_or_after_as_of_are_refused():
    accounts, journals = budget_ledger()
    with pytest.raises(ValueError, match="date order"):
        list(export(accounts, [journals[1], journals[0]]))
    with pytest.raises(ValueError, match="as_of"):
        list(export(accounts, journals, as_of=DAY))
    with pytest.raises(ValueError, match="not among the accounts"):
        list(export(accounts[:1], journals))


def test_the_export_is_a_stream_that_reads_each_journal_only_when_it_writes_it():
    accounts, journals = budget_ledger()
    taken = []

    def feed():
        for j in journals:
            taken.append(j.id)
            yield j

    lines = export(accounts, feed())
    assert taken == []
    for line in lines:
        if line.startswith("  journal_id:"):
            assert taken == list(range(1, int(line.split(":")[1]) + 1))
    assert taken == [1, 2, 3]


# --- properties --------------------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)  # control characters too
CODE_PART = st.one_of(st.sampled_from(["scheme", "available", "in_transit", "funding", "3", "x", "X", "in-transit", ""]),
                      st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=":"), max_size=8))
CODES = st.lists(CODE_PART, min_size=1, max_size=4).map(":".join)


@given(st.lists(CODES, min_size=1, max_size=30, unique=True))
def test_account_names_are_valid_beancount_names_and_never_collide(codes):
    names = [account_name(c) for c in codes]
    assert len(set(names)) == len(codes)
    assert all(bc_account.is_valid(n) for n in names)


@st.composite
def ledgers(draw):
    codes = draw(st.lists(CODES, min_size=2, max_size=8, unique=True))
    accounts = [Account(c, draw(TEXT), draw(st.booleans())) for c in codes]
    n = draw(st.integers(min_value=0, max_value=12))
    offsets = sorted(draw(st.lists(st.integers(0, 400), min_size=n, max_size=n)))
    journals = []
    for i, offset in enumerate(offsets, start=1):
        legs_accounts = draw(st.lists(st.sampled_from(codes), min_size=2, max_size=min(4, len(codes)), unique=True))
        amounts = [draw(st.integers(-10**12, 10**12).filter(bool)) for _ in legs_accounts[:-1]]
        last = -sum(amounts)
        if last == 0:
            amounts[0] += 1
            last = -1
        journals.append(Journal(i, draw(TEXT) or f"k{i}", draw(st.sampled_from(["fund", "reserve", "post"])),
                                DAY + dt.timedelta(days=offset), draw(st.text("0123456789abcdef", min_size=64, max_size=64)),
                                list(zip(legs_accounts, amounts + [last])), memo=draw(TEXT),
                                ref=draw(st.none() | TEXT)))
    return accounts, journals


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_random_balanced_ledgers_export_to_files_that_beancount_accepts_with_our_balances(ledger):
    accounts, journals = ledger
    entries, errors, _ = loader.load_string("".join(export(accounts, journals)))
    assert errors == []
    txns = [e for e in entries if isinstance(e, Transaction)]
    assert len(txns) == len(journals)
    assert sorted((int(t.meta["journal_id"]), t.meta["key"], t.meta["hash"]) for t in txns) == \
        [(j.id, j.key, j.hash) for j in journals]
    expected = {account_name(a.code): 0 for a in accounts}
    for j in journals:
        for code, amount in j.legs:
            expected[account_name(code)] += amount
    asserted = {e.account: e.amount.number for e in entries if isinstance(e, Balance)}
    with_children = {name: sum(fen for other, fen in expected.items() if other == name or other.startswith(name + ":"))
                     for name in expected}
    assert asserted == {name: Decimal(fen).scaleb(-2) for name, fen in with_children.items()}
    names = {e.account: e.meta for e in entries if isinstance(e, Open)}
    assert {(m["code"], m["name"]) for m in names.values()} == {(a.code, a.name) for a in accounts}
