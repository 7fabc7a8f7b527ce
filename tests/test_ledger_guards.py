"""The guards as a client that bypasses the application meets them: raw SQL on its own connection."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import guards
from payouts import guards as payouts_guards
from ledger import service as ledger
from ledger.service import Leg

DAY = dt.date(2026, 5, 1)


@pytest.fixture
def two_journals(uow_factory):
    with uow_factory() as u:
        ledger.open_account(u, code="budget", name="budget")
        ledger.open_account(u, code="cash", name="cash")
        ledger.post(u, key="k1", kind="move", effective_date=DAY, legs=[Leg("budget", -5), Leg("cash", 5)])
        ledger.post(u, key="k2", kind="move", effective_date=DAY, legs=[Leg("budget", -7), Leg("cash", 7)])
        u.commit()
    return uow_factory


FORGED_JOURNAL = ("INSERT INTO ledger_journal (id, key, kind, effective_date, memo, content_hash, created_at) "
                  "SELECT 3, 'forged', kind, effective_date, memo, content_hash, created_at FROM ledger_journal "
                  "WHERE id = 2")


def posting(pid: int, journal: int, idx: int, account: int, amount: int) -> str:
    return (f"INSERT INTO ledger_posting (id, journal_id, idx, account_id, amount) "
            f"VALUES ({pid}, {journal}, {idx}, {account}, {amount})")


MOVE_HEAD = "UPDATE ledger_head SET journal_seq = 3"  # publish journal 3, as post_batch does last


def test_an_unbalanced_journal_written_with_raw_sql_is_refused_when_the_head_moves_over_it(two_journals, db):
    with db.connect() as c:
        c.begin()
        c.exec_driver_sql(FORGED_JOURNAL)
        c.exec_driver_sql(posting(10, 3, 0, 1, -5))
        c.exec_driver_sql(posting(11, 3, 1, 2, 4))  # accepted: postings may follow one another
        with pytest.raises(sa.exc.IntegrityError, match="journal 3 has 2 posting.*summing to -1 fen|"
                                                        "the head passes only journals of two or more"):
            c.exec_driver_sql(MOVE_HEAD)
    with two_journals.snapshot() as s:
        assert ledger.verify(s).ok


def test_a_journal_of_one_posting_written_with_raw_sql_is_refused_when_the_head_moves_over_it(two_journals, db):
    with db.connect() as c:
        c.begin()
        c.exec_driver_sql(FORGED_JOURNAL)
        c.exec_driver_sql(posting(10, 3, 0, 1, 1))
        with pytest.raises(sa.exc.IntegrityError, match="needs two or more|journals of two or more postings"):
            c.exec_driver_sql(MOVE_HEAD)


def test_a_journal_the_head_never_passes_is_refused_at_commit(two_journals, db, dialect):
    if dialect != "postgresql":
        pytest.skip("SQLite has no deferred triggers; verify names such a journal (next test)")
    for postings in ([], [posting(10, 3, 0, 1, -5), posting(11, 3, 1, 2, 4)],
                     [posting(10, 3, 0, 1, -5), posting(11, 3, 1, 2, 5)]):
        with db.connect() as c:
            c.begin()
            c.exec_driver_sql(FORGED_JOURNAL)
            for sql in postings:
                c.exec_driver_sql(sql)
            with pytest.raises(sa.exc.IntegrityError, match="journal 3 was written but the head never passed it"):
                c.commit()
    with two_journals.snapshot() as s:
        assert ledger.verify(s).ok


def test_checking_constraints_at_once_lets_no_journal_through(two_journals, db, dialect):
    """``SET CONSTRAINTS ALL IMMEDIATE`` runs the COMMIT check after each statement: the journal is
    refused as soon as it is written, before any posting could follow it."""
    if dialect != "postgresql":
        pytest.skip("PostgreSQL's deferred check")
    with db.connect() as c:
        c.begin()
        c.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(sa.exc.IntegrityError, match="the head never passed it"):
            c.exec_driver_sql(FORGED_JOURNAL)


def test_a_balanced_journal_written_with_raw_sql_passes_the_guards_and_verify_names_it(two_journals, db):
    with db.begin() as c:
        c.exec_driver_sql(FORGED_JOURNAL)
        c.exec_driver_sql(posting(10, 3, 0, 1, -1))
        c.exec_driver_sql(posting(11, 3, 1, 2, 1))
        c.exec_driver_sql(MOVE_HEAD)
    with two_journals.snapshot() as s:
        r = ledger.verify(s)
    assert not r.ok and r.first_bad_journal == 3  # the head moved without the chain: verify finds it


def test_a_journal_numbered_at_or_below_the_head_is_refused_at_once(two_journals, db):
    """Such a journal would never be checked: the head has already passed its number."""
    with db.connect() as c:
        c.begin()
        c.exec_driver_sql("UPDATE ledger_head SET journal_seq = 5")  # the head passes empty numbers 3 to 5
        with pytest.raises(sa.exc.IntegrityError, match="journal 3 is numbered at or below the ledger head|"
                                                        "a journal is numbered past the ledger head"):
            c.exec_driver_sql(FORGED_JOURNAL)


def test_a_journal_needs_the_ledger_head(db):
    with db.connect() as c:
        c.begin()
        with pytest.raises(sa.exc.IntegrityError, match="needs the ledger head|numbered past the ledger head"):
            c.exec_driver_sql("INSERT INTO ledger_journal (id, key, kind, effective_date, memo, content_hash, "
                              "created_at) VALUES (1, 'first', 'move', '2026-05-01', '', 'x', '2026-05-01 00:00:00')")


def test_a_posting_for_a_journal_already_written_is_refused_at_once(two_journals, db):
    with db.connect() as c:
        c.begin()
        with pytest.raises(sa.exc.IntegrityError, match="ledger guard"):
            c.exec_driver_sql(posting(10, 2, 2, 1, 3))


def test_a_posting_for_a_journal_that_does_not_exist_is_refused_at_once(two_journals, db, dialect):
    with db.connect() as c:
        c.begin()
        with pytest.raises(sa.exc.IntegrityError, match="journal 99, which does not exist" if dialect == "postgresql"
                           else "ledger guard: a posting joins only a new journal that exists"):
            c.exec_driver_sql(posting(10, 99, 0, 1, 3))  # numbered past the head: only existence refuses it


def test_a_posting_on_an_account_that_does_not_exist_is_refused_at_once(two_journals, db, dialect):
    with db.connect() as c:
        c.begin()
        c.exec_driver_sql(FORGED_JOURNAL)
        with pytest.raises(sa.exc.IntegrityError, match="account 999, which does not exist" if dialect == "postgresql"
                           else "on an account that exists"):
            c.exec_driver_sql(posting(10, 3, 0, 999, 3))


def test_the_migrated_schema_has_every_guard_and_reinstalling_is_harmless(db):
    with db.begin() as c:
        assert guards.missing(c) == []
        guards.install(c)
        assert guards.missing(c) == []
        guards.remove(c)
        assert len(guards.missing(c)) == len(guards.trigger_names(db.dialect.name))
        guards.install(c)
        assert guards.missing(c) == []


@pytest.mark.parametrize("query, rows", [(guards.JOURNAL_MISSING, "new_postings"),
                                         (payouts_guards.JOURNAL_MISSING, "new_txns")])
def test_the_check_that_journals_exist_probes_each_new_row_however_many_journals_there_are(db, dialect, query, rows):
    """A join would read every journal ever written for each statement: a cost that grows with the
    ledger. The plan must stay one index probe per new row with 50,000 journals written."""
    if dialect != "postgresql":
        pytest.skip("SQLite checks each row in its trigger")
    with db.connect() as c:
        c.begin()
        c.exec_driver_sql("SET LOCAL session_replication_role = replica")  # many journals, quickly, no guards
        c.exec_driver_sql("INSERT INTO ledger_journal (id, key, kind, effective_date, memo, content_hash, created_at)"
                          " SELECT g, 'k' || g, 'move', '2026-05-01', '', 'x', now() FROM generate_series(1, 50000) g")
        # the transition table of a statement of 2,000 new rows, as a table of the same name
        c.exec_driver_sql(f"CREATE TEMP TABLE {rows} ON COMMIT DROP AS "
                          "SELECT g::bigint AS journal_id FROM generate_series(20001, 22000) g")
        plan = "\n".join(c.exec_driver_sql(f"EXPLAIN {query}").scalars())
        c.rollback()
    assert "SubPlan" in plan and "Index Only Scan using pk_ledger_journal" in plan, plan
    assert "Seq Scan on ledger_journal" not in plan, plan


def test_the_guards_plan_afresh_as_the_ledger_grows_within_one_session(two_journals, db, dialect):
    """PL/pgSQL keeps a statement's plan for the session: a plan made while the journals were one
    page scans them, seconds per statement at 100,000 journals. The guards' checks that read the
    journals and postings are planned at each call: after the ledger grows, they probe the index."""
    if dialect != "postgresql":
        pytest.skip("PostgreSQL's plans")
    with db.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE ledger_journal, ledger_posting")  # a new ledger: a page each, and known to be
    with db.connect() as c:
        plans: list[str] = []
        c.connection.dbapi_connection.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
        with c.begin():  # the guards run once on the small ledger: this session's plans are made
            c.exec_driver_sql(FORGED_JOURNAL)
            c.exec_driver_sql(posting(10, 3, 0, 1, -1))
            c.exec_driver_sql(posting(11, 3, 1, 2, 1))
            c.exec_driver_sql(MOVE_HEAD)
        # 20,000 journals, quickly, from another session (in this one, changing the replication role
        # would drop the plans this test is about)
        with db.connect() as other, other.begin():
            other.exec_driver_sql("SET LOCAL session_replication_role = replica")
            other.exec_driver_sql("INSERT INTO ledger_journal (id, key, kind, effective_date, memo, content_hash, "
                                  "created_at) SELECT g, 'k' || g, 'move', '2026-05-01', '', 'x', now() "
                                  "FROM generate_series(4, 20003) g")
            other.exec_driver_sql("INSERT INTO ledger_posting (id, journal_id, idx, account_id, amount) "
                                  "SELECT 100 + 2 * g + i, g, i, i + 1, CASE i WHEN 0 THEN -1 ELSE 1 END "
                                  "FROM generate_series(4, 20003) g, generate_series(0, 1) i")
            other.exec_driver_sql("UPDATE ledger_head SET journal_seq = 20003")
        c.exec_driver_sql("LOAD 'auto_explain'")
        for setting in ("log_min_duration = 0", "log_nested_statements = on", "log_level = notice"):
            c.exec_driver_sql(f"SET auto_explain.{setting}")
        c.commit()  # the settings stay for the session
        c.begin()  # a journal on the grown ledger: the guards' checks run, their plans are shown
        c.exec_driver_sql(FORGED_JOURNAL.replace("SELECT 3,", "SELECT 20004,").replace("'forged'", "'forged2'"))
        c.exec_driver_sql(posting(50000, 20004, 0, 1, -1) + ", (50001, 20004, 1, 2, 1)")
        c.exec_driver_sql("UPDATE ledger_head SET journal_seq = 20004")
        c.rollback()
    nested = [p for p in plans if "ledger_journal j" in p]
    assert nested, plans  # the guards' checks were seen
    assert not [p for p in nested if "Seq Scan on ledger_journal" in p or "Seq Scan on ledger_posting" in p], nested
