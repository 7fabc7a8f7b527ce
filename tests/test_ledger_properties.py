"""Ledger invariants over random journal sequences (hypothesis)."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import service as ledger
from ledger.errors import NegativeBalance
from ledger.service import Leg
from tests.conftest import _wipe

ACCOUNTS = ["a", "b", "c", "d"]          # protected: never below zero
FREE = ["source"]                         # may go negative (the budget appropriation side)
DAY = dt.date(2026, 5, 1)

journal = st.builds(
    lambda src, dst, amount: (src, dst, amount),
    st.sampled_from(ACCOUNTS + FREE), st.sampled_from(ACCOUNTS + FREE), st.integers(1, 50_000),
).filter(lambda j: j[0] != j[1])

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _open(uow_factory):
    _wipe(uow_factory.engine)
    with uow_factory() as u:
        for code in ACCOUNTS:
            ledger.open_account(u, code=code, name=code, no_negative=True)
        ledger.open_account(u, code="source", name="source")
        u.commit()


@SETTINGS
@given(journals=st.lists(journal, min_size=1, max_size=25), keys=st.lists(st.integers(0, 8), min_size=25, max_size=25))
def test_balances_are_the_sums_of_postings_and_protected_accounts_never_go_negative(uow_factory, journals, keys):
    _open(uow_factory)
    expected = dict.fromkeys(ACCOUNTS + FREE, 0)
    posted_keys: dict[str, tuple] = {}
    for i, (src, dst, amount) in enumerate(journals):
        key = f"k{keys[i]}"  # keys repeat on purpose: a replay must never post twice
        with uow_factory() as u:
            try:
                ledger.post(u, key=key, kind="move", effective_date=DAY, legs=[Leg(src, -amount), Leg(dst, amount)])
                u.commit()
            except NegativeBalance:
                assert expected[src] - amount < 0 and src in ACCOUNTS
                continue
            except ledger.IdempotencyMismatch:
                assert key in posted_keys and posted_keys[key] != (src, dst, amount)
                continue
        if key in posted_keys:
            assert posted_keys[key] == (src, dst, amount)  # replay: nothing moved
            continue
        posted_keys[key] = (src, dst, amount)
        expected[src] -= amount
        expected[dst] += amount
    with uow_factory() as u:
        assert ledger.balances(u.session, ACCOUNTS + FREE) == expected
        assert all(ledger.balance(u.session, code) >= 0 for code in ACCOUNTS)
        report = ledger.verify(u.session)
        assert report.ok and report.journals == len(posted_keys)


@SETTINGS
@given(journals=st.lists(journal, min_size=2, max_size=15))
def test_batch_posting_equals_posting_one_by_one(uow_factory, frozen_clock, journals):
    """The bulk path and the single path are the same code: same balances, same head hash (at the
    same time: the chain covers when each row was written)."""
    frozen_clock("2026-05-01T10:00:00+08:00")
    specs = [ledger.JournalSpec(key=f"j{i}", kind="move", effective_date=DAY,
                                legs=(Leg("source", -amount), Leg(dst if dst != "source" else "a", amount)))
             for i, (_, dst, amount) in enumerate(journals)]
    _open(uow_factory)
    with uow_factory() as u:
        ledger.post_batch(u, specs)
        u.commit()
    with uow_factory() as u:
        batch_head, batch = ledger.verify(u.session).head_hash, ledger.balances(u.session, ACCOUNTS + FREE)
    _open(uow_factory)
    for spec in specs:
        with uow_factory() as u:
            ledger.post_batch(u, [spec])
            u.commit()
    with uow_factory() as u:
        assert ledger.verify(u.session).head_hash == batch_head
        assert ledger.balances(u.session, ACCOUNTS + FREE) == batch


def _field(limit: int):
    """Text around a field's limit, sometimes with a control character, sometimes empty or None."""
    return st.one_of(st.none(), st.text(st.sampled_from("ab名\x1f\x1e\n\x00"), max_size=3),
                     st.integers(limit - 1, limit + 1).map(lambda n: "x" * n))


@settings(max_examples=300, deadline=None)
@given(key=_field(200), kind=_field(40), memo=_field(500), ref=_field(120), account=_field(120))
def test_the_quick_check_of_a_journal_text_passes_only_what_each_field_check_passes(key, kind, memo, ref, account):
    """``validate`` checks every text field at once and names a field only when that check fails:
    whatever the quick check lets through, the field-by-field check must let through too."""
    from ledger import rules
    from ledger.errors import InvalidJournal
    spec = rules.JournalSpec(key=key, kind=kind, effective_date=dt.date(2026, 5, 1), memo=memo, ref=ref,
                             legs=(rules.Leg(account, -1), rules.Leg("other", 1)))
    try:
        for name, value, limit, required in (("key", key, 200, True), ("kind", kind, 40, True),
                                             ("memo", memo, 500, False), ("ref", ref, 120, False),
                                             ("account", account, 120, True)):
            rules._text(name, value, limit, required=required)
        each = None
    except InvalidJournal as e:
        each = str(e)
    if rules._plain(spec):
        assert each is None
    try:
        rules.validate(spec)
        whole = None
    except InvalidJournal as e:
        whole = str(e)
    assert whole == each
