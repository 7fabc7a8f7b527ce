"""Tampering directly in the database is caught by verify, which names the journal."""
from __future__ import annotations

import datetime as dt

import pytest

from ledger import service as ledger
from ledger.service import Leg

DAY = dt.date(2026, 5, 1)


@pytest.fixture
def posted(uow_factory):
    """Ten journals moving money around four accounts."""
    with uow_factory() as u:
        ledger.open_account(u, code="funding", name="funding")
        for code in ("available", "reserved", "payable"):
            ledger.open_account(u, code=code, name=code, no_negative=True)
        ledger.post(u, key="fund", kind="fund", effective_date=DAY, legs=[Leg("funding", -1_000_00),
                                                                          Leg("available", 1_000_00)])
        for i in range(2, 11):
            ledger.post(u, key=f"j{i}", kind="reserve", effective_date=DAY,
                        legs=[Leg("available", -i * 100), Leg("reserved", i * 100)])
        u.commit()
    with uow_factory() as u:
        assert ledger.verify(u.session).ok
    return uow_factory


def tamper(engine, *statements):
    with engine.begin() as c:
        for sql in statements:
            c.exec_driver_sql(sql)


def verify(uow_factory):
    with uow_factory() as u:
        return ledger.verify(u.session)


def test_changed_amount_names_the_journal(posted, db):
    tamper(db, "UPDATE ledger_posting SET amount = amount + 1 WHERE journal_id = 5 AND idx = 0",
           "UPDATE ledger_posting SET amount = amount - 1 WHERE journal_id = 5 AND idx = 1")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 5 and "content" in r.problem


def test_changed_amount_that_unbalances_is_named(posted, db):
    tamper(db, "UPDATE ledger_posting SET amount = 1 WHERE journal_id = 7 AND idx = 1")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 7


def test_deleted_posting_names_the_journal(posted, db):
    tamper(db, "DELETE FROM ledger_posting WHERE journal_id = 4 AND idx = 1")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 4


def test_inserted_journal_at_the_end_is_named(posted, db):
    tamper(db, "INSERT INTO ledger_journal (id, key, kind, effective_date, memo, content_hash, prev_hash, hash, "
               "created_at) SELECT 11, 'forged', kind, effective_date, memo, content_hash, hash, hash, created_at "
               "FROM ledger_journal WHERE id = 10")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 11


def test_deleted_journal_names_the_gap(posted, db):
    tamper(db, "DELETE FROM ledger_posting WHERE journal_id = 6", "DELETE FROM ledger_journal WHERE id = 6")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 6 and "missing" in r.problem


def test_deleted_last_journal_is_caught_by_the_head(posted, db):
    tamper(db, "DELETE FROM ledger_posting WHERE journal_id = 10", "DELETE FROM ledger_journal WHERE id = 10")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 10


def test_reordered_journals_are_named(posted, db):
    # swap the contents of journals 3 and 8 (ids stay, so the chain order changes)
    cols = "kind, effective_date, memo, content_hash, prev_hash, hash"
    tamper(db,
           "CREATE TEMPORARY TABLE swap AS SELECT id, key, " + cols + " FROM ledger_journal WHERE id IN (3, 8)",
           "UPDATE ledger_journal SET key = 'tmp' || id WHERE id IN (3, 8)",
           "UPDATE ledger_journal SET (key, " + cols + ") = (SELECT key, " + cols + " FROM swap WHERE swap.id = 8) "
           "WHERE id = 3",
           "UPDATE ledger_journal SET (key, " + cols + ") = (SELECT key, " + cols + " FROM swap WHERE swap.id = 3) "
           "WHERE id = 8",
           "UPDATE ledger_posting SET idx = idx + 10 WHERE journal_id = 3",
           "UPDATE ledger_posting SET idx = idx + 20 WHERE journal_id = 8",
           "UPDATE ledger_posting SET journal_id = 11 - journal_id WHERE journal_id IN (3, 8)",
           "UPDATE ledger_posting SET idx = idx - 10 * (idx / 10) WHERE journal_id IN (3, 8)")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 3


def test_edited_stored_balance_is_named_by_account(posted, db):
    tamper(db, "UPDATE ledger_account SET balance = balance + 500 WHERE code = 'reserved'")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal is None and r.bad_accounts == ["reserved"]


def test_untouched_ledger_verifies(posted):
    r = verify(posted)
    assert r.ok and r.journals == 10 and r.first_bad_journal is None


def test_an_edited_reservation_is_named_and_cannot_drain_other_reservations(posted, db):
    from ledger.errors import LedgerInconsistent
    with posted() as u:
        mine = ledger.reserve(u, key="mine", source="available", hold="reserved", amount=100, effective_date=DAY)
        ledger.reserve(u, key="theirs", source="available", hold="reserved", amount=400, effective_date=DAY)
        u.commit()
    tamper(db, f"UPDATE ledger_reservation SET amount = 500 WHERE id = {mine.id}")
    r = verify(posted)
    assert not r.ok and r.bad_reservations == [mine.id]
    with posted() as u, pytest.raises(LedgerInconsistent):
        ledger.post_pending(u, reservation_id=mine.id, amount=500, destination="payable", key="drain",
                            effective_date=DAY)


def test_verify_sees_one_consistent_ledger_while_journals_keep_arriving(posted, db):
    """A journal committed while verify runs must not look like tampering."""
    from ledger import rules
    from yunquan.db import UowFactory
    real = rules.chain_hash
    fired = []

    def chain_hash_then_someone_posts(*args):
        if not fired:
            fired.append(1)
            with posted() as other:
                ledger.post(other, key="meanwhile", kind="reserve", effective_date=DAY,
                            legs=[Leg("available", -1), Leg("reserved", 1)])
                other.commit()
        return real(*args)
    rules.chain_hash = chain_hash_then_someone_posts
    try:
        with UowFactory(db).snapshot() as s:
            r = ledger.verify(s)
    finally:
        rules.chain_hash = real
    assert fired and r.ok and r.journals == 10
    assert verify(posted).journals == 11
