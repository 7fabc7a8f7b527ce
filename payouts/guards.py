"""Database guards in place of foreign keys: a bank transaction names a statement and a journal that
exist, and a statement, once imported, stays.

``bank_txn.statement_id`` and ``bank_txn.journal_id`` have no FOREIGN KEY. PostgreSQL checks a
foreign key once per row (the two took more than half the time of a statement's COPY of 100,000
bank transactions); this guard checks each INSERT or UPDATE statement's rows at once, from its
transition table, and refuses the statement all the same (``foreign_key_violation``). Journals are
never deleted and keep their ids (``ledger.guards``), nor are bank statements (this guard: they are
the record of what the bank said), so a check when the row is written is everything the foreign
keys did. SQLite, in process, checks each row (a trigger per row costs it little).

Alembic does not compare triggers: the migrations that changed this call ``install``. SQLite drops
a table's triggers when a migration rebuilds it: a later migration that rebuilds ``bank_txn`` or
``bank_statement`` must call ``install`` again.
"""
from __future__ import annotations

import sqlalchemy as sa

_EVENTS = ("INSERT", "UPDATE")
_KEPT = "bank statements are never deleted: they record what the bank said"

# The first journal the statement's rows name that does not exist: one index probe per row
# (``OFFSET 0`` keeps NOT EXISTS from becoming a hash anti-join that reads every journal, as in
# ``ledger.guards``).
JOURNAL_MISSING = ("SELECT min(t.journal_id) FROM new_txns t WHERE t.journal_id IS NOT NULL"
                   " AND NOT EXISTS (SELECT 1 FROM ledger_journal j WHERE j.id = t.journal_id OFFSET 0)")
# The same for statements: a statement's rows name one or a few, so one probe for each.
STATEMENT_MISSING = ("SELECT min(t.statement_id) FROM (SELECT DISTINCT statement_id FROM new_txns) t"
                     " WHERE NOT EXISTS (SELECT 1 FROM bank_statement s WHERE s.id = t.statement_id OFFSET 0)")

_PG_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION bank_txn_names_existing_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        bad bigint;
    BEGIN
        EXECUTE $q${STATEMENT_MISSING}$q$ INTO bad;  -- planned afresh each time, as in ledger.guards
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'a bank transaction names statement %, which does not exist', bad
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        EXECUTE $q${JOURNAL_MISSING}$q$ INTO bad;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'a bank transaction names journal %, which does not exist', bad
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END $$""",
    # class 23 (integrity constraint violation), as the ledger's guards
    f"""CREATE OR REPLACE FUNCTION bank_statement_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_KEPT} (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END $$""",
]
_PG_FUNCTION_NAMES = ("bank_txn_names_existing_rows()", "bank_statement_kept()")
# SQLite's row trigger: what the PostgreSQL function checks, for one row
_SQLITE_BAD_ROW = ("NOT EXISTS (SELECT 1 FROM bank_statement WHERE id = NEW.statement_id) OR (NEW.journal_id IS NOT "
                   "NULL AND NOT EXISTS (SELECT 1 FROM ledger_journal WHERE id = NEW.journal_id))")


def trigger_names(dialect: str) -> list[tuple[str, str]]:
    """(trigger, table) for every guard of this module on this dialect."""
    names = [(f"bank_txn_names_existing_rows_{event.lower()}", "bank_txn") for event in _EVENTS]
    names.append(("bank_statement_no_delete", "bank_statement"))
    if dialect == "postgresql":
        names.append(("bank_statement_no_truncate", "bank_statement"))
    return names


def install(connection) -> None:
    """Create (or re-create) the guards, in the caller's transaction."""
    remove(connection)
    dialect = connection.dialect.name
    rows = [name for name, table in trigger_names(dialect) if table == "bank_txn"]
    if dialect == "postgresql":
        for function in _PG_FUNCTIONS:
            connection.execute(sa.text(function))  # text(): the driver must not read RAISE's % as a placeholder
        for name, event in zip(rows, _EVENTS):
            # a trigger with a transition table has one event: one trigger for each
            connection.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {event} ON bank_txn REFERENCING NEW TABLE AS "
                                       f"new_txns FOR EACH STATEMENT EXECUTE FUNCTION bank_txn_names_existing_rows()")
        connection.exec_driver_sql("CREATE TRIGGER bank_statement_no_delete BEFORE DELETE ON bank_statement "
                                   "FOR EACH ROW EXECUTE FUNCTION bank_statement_kept()")
        connection.exec_driver_sql("CREATE TRIGGER bank_statement_no_truncate BEFORE TRUNCATE ON bank_statement "
                                   "FOR EACH STATEMENT EXECUTE FUNCTION bank_statement_kept()")
        return
    for name, event in zip(rows, _EVENTS):
        connection.exec_driver_sql(
            f"CREATE TRIGGER {name} BEFORE {event} ON bank_txn FOR EACH ROW WHEN {_SQLITE_BAD_ROW} "
            "BEGIN SELECT RAISE(ABORT, 'a bank transaction names a statement or a journal that does not exist'); END")
    connection.exec_driver_sql(f"CREATE TRIGGER bank_statement_no_delete BEFORE DELETE ON bank_statement "
                               f"BEGIN SELECT RAISE(ABORT, '{_KEPT}'); END")


def remove(connection) -> None:
    """Drop the guards (tests that must empty the tables on SQLite)."""
    pg = connection.dialect.name == "postgresql"
    for name, table in trigger_names(connection.dialect.name):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if pg else ""))
    if pg:
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS " + ", ".join(_PG_FUNCTION_NAMES))
