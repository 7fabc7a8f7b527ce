"""A database guard in place of a foreign key: a bank transaction names a journal that exists.

``bank_txn.journal_id`` (the journal that moved a line's money) has no FOREIGN KEY. PostgreSQL checks
a foreign key once per row, which was half the time of a statement's COPY of 100,000 bank
transactions; this guard checks each INSERT or UPDATE statement's rows at once, from its transition
table, and refuses the statement all the same (``foreign_key_violation``). Journals are never
deleted and keep their ids (``ledger.guards``), so a check when the row is written is everything the
foreign key did. SQLite, in process, checks each row (a trigger per row costs it little).

Alembic does not compare triggers: the migration that introduced this calls ``install``. SQLite drops
a table's triggers when a migration rebuilds it: a later migration that rebuilds ``bank_txn`` must
call ``install`` again.
"""
from __future__ import annotations

import sqlalchemy as sa

_MESSAGE = "a bank transaction names journal %, which does not exist"
_EVENTS = ("INSERT", "UPDATE")

# The first journal the statement's rows name that does not exist: one index probe per row
# (``OFFSET 0`` keeps NOT EXISTS from becoming a hash anti-join that reads every journal, as in
# ``ledger.guards``).
JOURNAL_MISSING = ("SELECT min(t.journal_id) FROM new_txns t WHERE t.journal_id IS NOT NULL"
                   " AND NOT EXISTS (SELECT 1 FROM ledger_journal j WHERE j.id = t.journal_id OFFSET 0)")

_PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION bank_txn_names_journals() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        bad bigint;
    BEGIN
        {JOURNAL_MISSING} INTO bad;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION '{_MESSAGE}', bad USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END $$"""


def trigger_names() -> list[str]:
    return [f"bank_txn_names_journals_{event.lower()}" for event in _EVENTS]


def install(connection) -> None:
    """Create (or re-create) the guard, in the caller's transaction."""
    remove(connection)
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(_PG_FUNCTION))  # text(): the driver must not read RAISE's % as a placeholder
        for name, event in zip(trigger_names(), _EVENTS):
            # a trigger with a transition table has one event: one trigger for each
            connection.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {event} ON bank_txn REFERENCING NEW TABLE AS "
                                       f"new_txns FOR EACH STATEMENT EXECUTE FUNCTION bank_txn_names_journals()")
        return
    for name, event in zip(trigger_names(), _EVENTS):
        connection.exec_driver_sql(
            f"CREATE TRIGGER {name} BEFORE {event} ON bank_txn FOR EACH ROW WHEN NEW.journal_id IS NOT NULL AND "
            f"NOT EXISTS (SELECT 1 FROM ledger_journal WHERE id = NEW.journal_id) BEGIN SELECT RAISE(ABORT, "
            f"'{_MESSAGE.replace('%', 'named')}'); END")


def remove(connection) -> None:
    pg = connection.dialect.name == "postgresql"
    for name in trigger_names():
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (" ON bank_txn" if pg else ""))
    if pg:
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS bank_txn_names_journals()")
