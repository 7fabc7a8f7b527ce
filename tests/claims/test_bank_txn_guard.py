"""``bank_txn.statement_id`` and ``bank_txn.journal_id`` have no foreign keys: a guard
(``payouts.guards``) refuses a bank transaction naming a statement or a journal that does not exist,
as the keys did, and a bank statement is never deleted, for any client of the database."""
from __future__ import annotations

import sqlalchemy as sa
import pytest

from payouts import guards as payouts_guards

from tests.test_ledger_guards import two_journals  # noqa: F401  (a fixture: journals 1 and 2)

STATEMENT = ("INSERT INTO bank_statement (id, filename, sha256, encoding, lines, matched, amount_mismatch, "
             "unknown_reference, returned, duplicate, missing, imported_by, imported_at) "
             "VALUES (1, 's.csv', 'x', 'utf-8', 2, 0, 0, 0, 0, 0, 0, 1, '2026-05-01 00:00:00+00')")


def txn(bank_txn_id: str, journal, statement: int = 1) -> str:
    return ("INSERT INTO bank_txn (bank_txn_id, statement_id, line_no, value_date, reference, payee_account, "
            f"amount, outcome, journal_id) VALUES ('{bank_txn_id}', {statement}, 2, '2026-05-01', 'R', '6222', 5, "
            f"'matched', {journal})")


def test_a_bank_transaction_naming_a_journal_that_does_not_exist_is_refused(two_journals, db):  # noqa: F811
    with db.begin() as c:
        c.exec_driver_sql(STATEMENT)
        c.exec_driver_sql(txn("B1", 2))      # a journal that exists
        c.exec_driver_sql(txn("B2", "NULL"))  # no journal: a line that moved nothing
    for statement in (txn("B3", 99), "UPDATE bank_txn SET journal_id = 99 WHERE bank_txn_id = 'B2'"):
        with db.connect() as c, pytest.raises(sa.exc.IntegrityError, match="journal"):
            with c.begin():
                c.exec_driver_sql(statement)
    with db.connect() as c:
        rows = c.exec_driver_sql("SELECT bank_txn_id, journal_id FROM bank_txn ORDER BY bank_txn_id").all()
    assert [tuple(r) for r in rows] == [("B1", 2), ("B2", None)]


def test_a_copy_of_many_bank_transactions_is_refused_whole_for_one_missing_journal(two_journals, db, dialect):  # noqa: F811
    """PostgreSQL checks a statement's rows at once: one bad row refuses them all."""
    if dialect != "postgresql":
        pytest.skip("the statement-level check is PostgreSQL's; SQLite checks each row")
    with db.begin() as c:
        c.exec_driver_sql(STATEMENT)
    with db.connect() as c, pytest.raises(sa.exc.IntegrityError, match="journal 99, which does not exist"):
        with c.begin():
            c.exec_driver_sql("INSERT INTO bank_txn (bank_txn_id, statement_id, line_no, value_date, reference, "
                              "payee_account, amount, outcome, journal_id) "
                              "SELECT 'C' || g, 1, g, '2026-05-01', 'R', '6222', 5, 'matched', "
                              "CASE WHEN g = 500 THEN 99 ELSE 1 END FROM generate_series(1, 1000) g")
    with db.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM bank_txn").scalar_one() == 0


def test_a_bank_transaction_naming_a_statement_that_does_not_exist_is_refused(two_journals, db):  # noqa: F811
    with db.begin() as c:
        c.exec_driver_sql(STATEMENT)
        c.exec_driver_sql(txn("B1", 2))
    for statement in (txn("B2", 2, statement=7), "UPDATE bank_txn SET statement_id = 7 WHERE bank_txn_id = 'B1'"):
        with db.connect() as c, pytest.raises(sa.exc.IntegrityError, match="statement"):
            with c.begin():
                c.exec_driver_sql(statement)
    with db.connect() as c:
        rows = c.exec_driver_sql("SELECT bank_txn_id, statement_id FROM bank_txn").all()
    assert [tuple(r) for r in rows] == [("B1", 1)]


def test_a_bank_statement_is_never_deleted(two_journals, db, dialect):  # noqa: F811
    """What the bank said stays on record, and no bank transaction is left naming a statement gone."""
    with db.begin() as c:
        c.exec_driver_sql(STATEMENT)
    refusals = ["DELETE FROM bank_statement WHERE id = 1"]
    if dialect == "postgresql":
        refusals.append("TRUNCATE bank_statement CASCADE")
    for statement in refusals:
        with db.connect() as c, pytest.raises(sa.exc.IntegrityError, match="bank statements are never deleted"):
            with c.begin():
                c.exec_driver_sql(statement)
    with db.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM bank_statement").scalar_one() == 1


def test_the_migrated_schema_has_every_bank_guard(db):
    with db.connect() as c:
        if db.dialect.name == "postgresql":
            present = set(c.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
        else:
            present = set(c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
    assert {name for name, _ in payouts_guards.trigger_names(db.dialect.name)} <= present
