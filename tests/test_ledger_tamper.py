"""Tampering directly in the database.

With the guards in place the database itself refuses it. Someone who can drop the guards can
change rows, but then ``verify`` names what changed (the journal, account, reservation or period),
and what even a consistent rewrite of the chain cannot hide, cutting off its newest entries and
winding the head back, the anchors kept outside the database reveal.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

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


def refused(engine, *statements) -> bool:
    """Whether the database refuses the statements (at once or at COMMIT); nothing of them stays."""
    try:
        tamper(engine, *statements)
    except sa.exc.IntegrityError as exc:
        assert "ledger guard" in str(exc) or "CHECK" in str(exc).upper() or "constraint" in str(exc).lower()
        return True
    return False


def verify(uow_factory, **kwargs):
    with uow_factory() as u:
        return ledger.verify(u.session, **kwargs)


def long_ago(engine) -> str:
    """A timestamp literal as each database stores one."""
    return "'2020-01-01 00:00:00+00'" if engine.dialect.name == "postgresql" else "'2020-01-01 00:00:00.000000'"


# --- tampering the guards refuse ------------------------------------------------------------------

EDITS = {
    "changed amount": ["UPDATE ledger_posting SET amount = amount + 1 WHERE journal_id = 5 AND idx = 0",
                       "UPDATE ledger_posting SET amount = amount - 1 WHERE journal_id = 5 AND idx = 1"],
    "unbalancing amount": ["UPDATE ledger_posting SET amount = 1 WHERE journal_id = 7 AND idx = 1"],
    "deleted posting": ["DELETE FROM ledger_posting WHERE journal_id = 4 AND idx = 1"],
    "reordered postings": ["UPDATE ledger_posting SET idx = 9 WHERE journal_id = 5 AND idx = 0"],
    "deleted journal": ["DELETE FROM ledger_posting WHERE journal_id = 6", "DELETE FROM ledger_journal WHERE id = 6"],
    "deleted last journal": ["DELETE FROM ledger_posting WHERE journal_id = 10",
                             "DELETE FROM ledger_journal WHERE id = 10"],
    "edited memo": ["UPDATE ledger_journal SET memo = 'edited' WHERE id = 2"],
    "reordered journals": ["UPDATE ledger_journal SET key = 'tmp' || id WHERE id IN (3, 8)"],
    "changed timestamp": ["UPDATE ledger_journal SET created_at = {long_ago} WHERE id = 4"],
    "edited chain entry": ["UPDATE ledger_chain SET content_hash = hash WHERE seq = 7"],
    "deleted chain entry": ["DELETE FROM ledger_chain WHERE seq = 14"],
    "wound-back head": ["UPDATE ledger_head SET seq = seq - 1, journal_seq = journal_seq - 1"],
    "head pointed elsewhere": ["UPDATE ledger_head SET hash = '" + "f" * 64 + "'"],
    "flipped no-negative flag": ["UPDATE ledger_account SET no_negative = false WHERE code = 'available'"],
    "renamed account": ["UPDATE ledger_account SET name = 'slush fund' WHERE code = 'funding'"],
    "recoded account": ["UPDATE ledger_account SET code = 'elsewhere' WHERE code = 'payable'"],
    "deleted account": ["DELETE FROM ledger_account WHERE code = 'payable'"],
    "balanced pair added to an old journal": [
        "INSERT INTO ledger_posting (id, journal_id, idx, account_id, amount) VALUES (100, 3, 2, 2, 1)",
        "INSERT INTO ledger_posting (id, journal_id, idx, account_id, amount) VALUES (101, 3, 3, 3, -1)"],
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_with_the_guards_in_place_the_database_refuses_tampering(posted, db, edit):
    statements = [sql.format(long_ago=long_ago(db)) for sql in EDITS[edit]]
    assert refused(db, *statements)
    assert verify(posted).ok


def test_with_the_guards_in_place_truncating_the_ledger_is_refused(posted, db, dialect):
    if dialect == "postgresql":
        assert refused(db, "TRUNCATE ledger_chain, ledger_posting, ledger_journal CASCADE")
    assert refused(db, "DELETE FROM ledger_chain")
    assert verify(posted).journals == 10


def test_a_reservation_keeps_what_it_holds_and_closes_once_whatever_the_client(posted, db):
    with posted() as u:
        mine = ledger.reserve(u, key="mine", source="available", hold="reserved", amount=500, effective_date=DAY)
        u.commit()
    assert refused(db, f"UPDATE ledger_reservation SET amount = 400 WHERE id = {mine.id}")
    assert refused(db, f"UPDATE ledger_reservation SET hold_account_id = 4 WHERE id = {mine.id}")
    assert refused(db, f"UPDATE ledger_reservation SET posted_amount = 100 WHERE id = {mine.id}")
    assert refused(db, f"DELETE FROM ledger_reservation WHERE id = {mine.id}")
    with posted() as u:
        ledger.post_pending(u, reservation_id=mine.id, amount=300, destination="payable", key="mine:post",
                            effective_date=DAY)
        u.commit()
    assert refused(db, f"UPDATE ledger_reservation SET posted_amount = 200 WHERE id = {mine.id}")
    assert refused(db, f"UPDATE ledger_reservation SET status = 'pending', close_journal_id = NULL "
                       f"WHERE id = {mine.id}")
    assert refused(db, f"UPDATE ledger_reservation SET status = 'voided' WHERE id = {mine.id}")
    assert verify(posted).ok


def test_with_the_guards_in_place_a_period_close_cannot_be_deleted_or_moved(posted, db, frozen_clock):
    frozen_clock("2026-06-02T10:00:00+08:00")
    with posted() as u:
        ledger.close_period(u, month="2026-05", closed_by="admin")
    assert refused(db, "DELETE FROM ledger_period WHERE month = '2026-05'")
    assert refused(db, "UPDATE ledger_period SET month = '2026-04'")
    assert verify(posted).ok


def refusal(engine, *statements) -> str:
    with pytest.raises(sa.exc.IntegrityError) as exc:
        tamper(engine, *statements)
    return str(exc.value)


def test_the_database_refuses_rows_its_checks_forbid(posted, db):
    assert "entry_type_known" in refusal(
        db, "INSERT INTO ledger_chain (seq, entry_type, subject, content_hash, prev_hash, hash) "
            "VALUES (99, 'gift', '1', 'x', 'x', 'x')")
    assert "amount_nonzero" in refusal(
        db, "INSERT INTO ledger_journal (id, key, kind, effective_date, memo, content_hash, created_at) "
            "SELECT 11, 'zero', kind, effective_date, memo, content_hash, created_at FROM ledger_journal WHERE id = 10",
        "INSERT INTO ledger_posting (id, journal_id, idx, account_id, amount) VALUES (100, 11, 0, 2, 0)")
    with posted() as u:
        mine = ledger.reserve(u, key="mine", source="available", hold="reserved", amount=500, effective_date=DAY)
        u.commit()
    copy = ("INSERT INTO ledger_reservation (key, source_account_id, hold_account_id, amount, status, posted_amount, "
            "open_journal_id, created_at) SELECT '{key}', 2, 3, {amount}, '{status}', {posted}, open_journal_id, "
            f"created_at FROM ledger_reservation WHERE id = {mine.id}")
    assert "amount_positive" in refusal(db, copy.format(key="a", amount=-5, status="pending", posted=0))
    assert "status_known" in refusal(db, copy.format(key="b", amount=5, status="lost", posted=0))
    assert "posted_within_amount" in refusal(db, copy.format(key="c", amount=5, status="posted", posted=6))
    assert verify(posted).ok


def test_an_edited_balance_passes_the_guards_but_verify_names_the_account(posted, db):
    """The balance is the one column a client may change (it is a cache); verify recomputes it."""
    assert not refused(db, "UPDATE ledger_account SET balance = balance + 500 WHERE code = 'reserved'")
    r = verify(posted)
    assert not r.ok and r.bad_accounts == ["reserved"]


def test_a_journal_slipped_in_behind_the_ledger_is_refused_at_commit_or_named_by_verify(posted, db, dialect):
    """PostgreSQL refuses a journal without postings at COMMIT; SQLite cannot check at commit, and
    verify names it."""
    forged = ("INSERT INTO ledger_journal (id, key, kind, effective_date, memo, content_hash, created_at) "
              "SELECT 11, 'forged', kind, effective_date, memo, content_hash, created_at FROM ledger_journal "
              "WHERE id = 10")
    if dialect == "postgresql":
        assert refused(db, forged)
        assert verify(posted).ok
    else:
        assert not refused(db, forged)
        r = verify(posted)
        assert not r.ok and r.first_bad_journal == 11


# --- with the guards dropped, verify names it --------------------------------------------------

def test_changed_amount_names_the_journal(posted, unguarded):
    tamper(unguarded, "UPDATE ledger_posting SET amount = amount + 1 WHERE journal_id = 5 AND idx = 0",
           "UPDATE ledger_posting SET amount = amount - 1 WHERE journal_id = 5 AND idx = 1")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 5 and "content" in r.problem


def test_changed_amount_that_unbalances_is_named(posted, unguarded):
    tamper(unguarded, "UPDATE ledger_posting SET amount = 1 WHERE journal_id = 7 AND idx = 1")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 7


def test_deleted_posting_names_the_journal(posted, unguarded):
    tamper(unguarded, "DELETE FROM ledger_posting WHERE journal_id = 4 AND idx = 1")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 4


def test_inserted_journal_at_the_end_is_named(posted, unguarded):
    tamper(unguarded, "INSERT INTO ledger_journal (id, key, kind, effective_date, memo, content_hash, created_at) "
                      "SELECT 11, 'forged', kind, effective_date, memo, content_hash, created_at "
                      "FROM ledger_journal WHERE id = 10")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 11


def test_deleted_journal_names_the_gap(posted, unguarded):
    tamper(unguarded, "DELETE FROM ledger_posting WHERE journal_id = 6", "DELETE FROM ledger_journal WHERE id = 6")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 6 and "missing" in r.problem


def test_deleted_last_journal_is_caught_by_the_head(posted, unguarded):
    tamper(unguarded, "DELETE FROM ledger_posting WHERE journal_id = 10", "DELETE FROM ledger_journal WHERE id = 10")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 10


def test_reordered_journals_are_named(posted, unguarded):
    # swap the contents of journals 3 and 8 (ids stay, so the chain order changes)
    cols = "kind, effective_date, memo, content_hash"
    tamper(unguarded,
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


def test_edited_stored_balance_is_named_by_account(posted, unguarded):
    tamper(unguarded, "UPDATE ledger_account SET balance = balance + 500 WHERE code = 'reserved'")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal is None and r.bad_accounts == ["reserved"]


def test_untouched_ledger_verifies(posted):
    r = verify(posted)
    assert r.ok and r.journals == 10 and r.first_bad_journal is None


def test_an_edited_reservation_is_named_and_cannot_drain_other_reservations(posted, unguarded):
    from ledger.errors import LedgerInconsistent
    with posted() as u:
        mine = ledger.reserve(u, key="mine", source="available", hold="reserved", amount=100, effective_date=DAY)
        ledger.reserve(u, key="theirs", source="available", hold="reserved", amount=400, effective_date=DAY)
        u.commit()
    tamper(unguarded, f"UPDATE ledger_reservation SET amount = 500 WHERE id = {mine.id}")
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


# --- more of what the chain covers, guards dropped ---------------------------------------------

def test_an_edited_memo_names_the_journal(posted, unguarded):
    tamper(unguarded, "UPDATE ledger_journal SET memo = 'edited' WHERE id = 2")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 2 and "content" in r.problem


def test_a_memo_turned_from_empty_to_null_is_named(posted, unguarded, dialect):
    """The idempotency hash reads NULL and '' alike; the chain does not. (memo is NOT NULL, so the
    reference column, NULL on these journals, stands in for it.)"""
    tamper(unguarded, "UPDATE ledger_journal SET ref = '' WHERE id = 3")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 3 and "content does not match the chain" in r.problem


def test_a_changed_timestamp_names_the_journal(posted, unguarded):
    tamper(unguarded, f"UPDATE ledger_journal SET created_at = {long_ago(unguarded)} WHERE id = 4")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 4 and "content" in r.problem


def test_reordered_postings_name_the_journal(posted, unguarded):
    tamper(unguarded, "UPDATE ledger_posting SET idx = 9 WHERE journal_id = 5 AND idx = 0",
           "UPDATE ledger_posting SET idx = 0 WHERE journal_id = 5 AND idx = 1",
           "UPDATE ledger_posting SET idx = 1 WHERE journal_id = 5 AND idx = 9")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 5


def test_a_balanced_pair_added_to_an_old_journal_names_it(posted, unguarded):
    tamper(unguarded,
           "INSERT INTO ledger_posting (id, journal_id, idx, account_id, amount) VALUES (100, 3, 2, 2, 1)",
           "INSERT INTO ledger_posting (id, journal_id, idx, account_id, amount) VALUES (101, 3, 3, 3, -1)")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 3 and "content" in r.problem


def test_a_deleted_chain_entry_names_the_journal_after_the_gap(posted, unguarded):
    tamper(unguarded, "DELETE FROM ledger_chain WHERE entry_type = 'journal' AND subject = '6'")
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 6 and "missing" in r.problem


def test_a_rehashed_journal_still_breaks_the_link_to_the_next(posted, unguarded):
    """Editing a journal and recomputing its hashes is not enough: the next entry names the old hash."""
    from ledger import rules
    from ledger.models import LedgerChain, LedgerJournal, LedgerPosting
    J, P, C = LedgerJournal.__table__, LedgerPosting.__table__, LedgerChain.__table__
    edited = rules.content_hash("reserve", DAY, "edited", None, None, [("available", -200), ("reserved", 200)])
    tamper(unguarded, f"UPDATE ledger_journal SET memo = 'edited', content_hash = '{edited}' WHERE id = 2")
    with unguarded.begin() as c:
        j = c.execute(sa.select(J).where(J.c.id == 2)).one()
        legs = [tuple(p) for p in c.execute(sa.select(P.c.id, P.c.journal_id, P.c.idx, P.c.account_id, P.c.amount)
                                            .where(P.c.journal_id == 2).order_by(P.c.idx))]
        entry = c.execute(sa.select(C).where(C.c.entry_type == "journal", C.c.subject == "2")).one()
        content = rules.journal_content(2, j.key, j.kind, j.effective_date, j.memo, j.ref, j.reverses_id,
                                        j.content_hash, j.created_at, legs)
        c.execute(C.update().where(C.c.seq == entry.seq).values(
            content_hash=content, hash=rules.chain_hash(entry.prev_hash, entry.seq, "journal", "2", content)))
    r = verify(posted)
    assert not r.ok and r.first_bad_journal == 3 and "predecessor" in r.problem


def test_a_flipped_no_negative_flag_names_the_account(posted, unguarded):
    tamper(unguarded, "UPDATE ledger_account SET no_negative = false WHERE code = 'available'")
    r = verify(posted)
    assert not r.ok and r.bad_accounts == ["available"] and r.first_bad_journal is None


def test_a_renamed_account_names_the_account(posted, unguarded):
    tamper(unguarded, "UPDATE ledger_account SET name = 'slush fund' WHERE code = 'funding'")
    r = verify(posted)
    assert not r.ok and r.bad_accounts == ["funding"]


def test_an_account_the_chain_never_opened_is_named(posted, unguarded, dialect):
    tamper(unguarded, "INSERT INTO ledger_account (code, name, no_negative, balance, created_at) "
                      f"VALUES ('side pocket', 'side pocket', false, 0, {long_ago(unguarded)})")
    r = verify(posted)
    assert not r.ok and r.bad_accounts == ["side pocket"] and "not in the chain" in r.problem


def test_an_edited_reservation_outcome_names_the_reservation(posted, unguarded):
    with posted() as u:
        mine = ledger.reserve(u, key="mine", source="available", hold="reserved", amount=500, effective_date=DAY)
        ledger.post_pending(u, reservation_id=mine.id, amount=300, destination="payable", key="mine:post",
                            effective_date=DAY)
        u.commit()
    tamper(unguarded, f"UPDATE ledger_reservation SET posted_amount = 200 WHERE id = {mine.id}")
    r = verify(posted)
    assert not r.ok and r.bad_reservations == [mine.id] and r.first_bad_journal is None


def test_a_reservation_reopened_behind_the_ledger_is_named(posted, unguarded):
    with posted() as u:
        mine = ledger.reserve(u, key="mine", source="available", hold="reserved", amount=500, effective_date=DAY)
        ledger.void_pending(u, reservation_id=mine.id, key="mine:void", effective_date=DAY)
        u.commit()
    tamper(unguarded, f"UPDATE ledger_reservation SET status = 'pending', close_journal_id = NULL WHERE id = {mine.id}")
    r = verify(posted)
    assert not r.ok and r.bad_reservations == [mine.id]


def test_a_deleted_period_close_is_caught(posted, unguarded, frozen_clock):
    frozen_clock("2026-06-02T10:00:00+08:00")
    with posted() as u:
        ledger.close_period(u, month="2026-05", closed_by="admin")
    tamper(unguarded, "DELETE FROM ledger_period WHERE month = '2026-05'")
    r = verify(posted)
    assert not r.ok and "period 2026-05 is missing" in r.problem


def test_a_period_close_the_chain_never_saw_is_caught(posted, unguarded):
    tamper(unguarded, "INSERT INTO ledger_period (month, closed_at, closed_by, head_seq, head_hash) "
                      f"SELECT '2026-04', {long_ago(unguarded)}, 'admin', seq, hash FROM ledger_head")
    r = verify(posted)
    assert not r.ok and "period 2026-04 is not in the chain" in r.problem


def _cut_off_the_last_two_journals(engine):
    """What someone with the database and no scruples does: delete journals 9 and 10, their postings and
    chain entries, wind the head back to journal 8's entry and put the balances back. The chain that
    is left is perfectly consistent."""
    with engine.begin() as c:
        seq, digest = c.exec_driver_sql("SELECT seq, hash FROM ledger_chain WHERE entry_type = 'journal' "
                                        "AND subject = '8'").one()
        last_posting = c.exec_driver_sql("SELECT max(id) FROM ledger_posting WHERE journal_id = 8").scalar()
    tamper(engine,
           "DELETE FROM ledger_chain WHERE entry_type = 'journal' AND subject IN ('9', '10')",
           "DELETE FROM ledger_posting WHERE journal_id IN (9, 10)",
           "DELETE FROM ledger_journal WHERE id IN (9, 10)",
           f"UPDATE ledger_head SET seq = {seq}, hash = '{digest}', journal_seq = 8, posting_seq = {last_posting}",
           "UPDATE ledger_account SET balance = balance + 1900 WHERE code = 'available'",
           "UPDATE ledger_account SET balance = balance - 1900 WHERE code = 'reserved'")


def test_cutting_off_the_newest_journals_is_caught_only_by_the_anchors(posted, unguarded, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    with posted() as u:
        ledger.anchor(u.session, anchors)
    _cut_off_the_last_two_journals(unguarded)
    blind = verify(posted)
    assert blind.ok and blind.journals == 8  # the chain alone cannot tell
    r = verify(posted, anchors=str(anchors))
    assert not r.ok and r.anchors_checked == 0 and "anchor on line 1" in r.problem and "removed" in r.problem


def test_a_chain_rebuilt_after_an_edit_is_caught_only_by_the_anchors(posted, unguarded, tmp_path):
    """Rename an account and rehash every entry from there on: a consistent chain again, except that
    the anchored seq now has another hash."""
    from ledger import rules
    from ledger.models import LedgerAccount, LedgerChain
    A, C = LedgerAccount.__table__, LedgerChain.__table__
    anchors = tmp_path / "anchors.jsonl"
    with posted() as u:
        ledger.anchor(u.session, anchors)
    tamper(unguarded, "UPDATE ledger_account SET name = 'slush fund' WHERE code = 'funding'")
    with unguarded.begin() as c:
        funding = c.execute(sa.select(A).where(A.c.code == "funding")).one()
        prev = rules.GENESIS_HASH
        for entry in c.execute(sa.select(C).order_by(C.c.seq)).all():
            content = entry.content_hash
            if entry.entry_type == "account" and entry.subject == str(funding.id):
                content = rules.account_content(funding.id, funding.code, funding.name, funding.no_negative,
                                                funding.created_at)
            digest = rules.chain_hash(prev, entry.seq, entry.entry_type, entry.subject, content)
            c.execute(C.update().where(C.c.seq == entry.seq).values(content_hash=content, prev_hash=prev,
                                                                     hash=digest))
            prev = digest
        c.exec_driver_sql(f"UPDATE ledger_head SET hash = '{prev}'")
    assert verify(posted).ok  # the chain alone cannot tell
    r = verify(posted, anchors=str(anchors))
    assert not r.ok and "anchor on line 1" in r.problem and "rewritten" in r.problem
