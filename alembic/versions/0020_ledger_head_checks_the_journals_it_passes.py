"""ledger: the head checks the journals it passes. A journal's postings are checked (two or more,
summing to zero) when the head moves over it, once per batch for all the journals it passes, and at
COMMIT only that no journal lies past the head; a journal is written past the head. PostgreSQL used
to check each journal on its own at COMMIT (a deferred trigger per journal, about a tenth of a
100,000-line statement import). SQLite, which had no balance guard, gets the move's check too.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 21:00:00
"""
import sqlalchemy as sa
from alembic import op

from ledger import guards

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# The guard this replaces, as 0005 installed it (PostgreSQL only), for the downgrade.
_OLD_FUNCTION = """CREATE OR REPLACE FUNCTION ledger_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        n integer;
        total numeric;
    BEGIN
        SELECT count(*), coalesce(sum(amount), 0) INTO n, total FROM ledger_posting WHERE journal_id = NEW.id;
        IF n < 2 OR total <> 0 THEN
            RAISE EXCEPTION 'ledger guard: journal % has % posting(s) summing to % fen; it needs two or more '
                'summing to zero', NEW.id, n, total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$"""
_OLD_TRIGGER = ("CREATE CONSTRAINT TRIGGER ledger_journal_balanced AFTER INSERT ON ledger_journal"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_journal_balanced()")
_NEW_ONLY = (("ledger_journal_past_head", "ledger_journal"), ("ledger_head_passes_whole_journals", "ledger_head"),
             ("ledger_head_covers_journals", "ledger_head"))


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_journal_balanced ON ledger_journal")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS ledger_journal_balanced()")
    guards.install(bind)


def downgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    for name, table in _NEW_ONLY:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if pg else ""))
    if pg:
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS ledger_journal_past_head(), "
                             "ledger_head_passes_whole_journals(), ledger_head_covers_journals()")
        bind.execute(sa.text(_OLD_FUNCTION))
        bind.exec_driver_sql(_OLD_TRIGGER)
