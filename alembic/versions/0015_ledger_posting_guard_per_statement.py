"""ledger: the guard that keeps postings off journals already written checks each statement once
(PostgreSQL; SQLite keeps its row trigger, which is what it has)

Revision ID: 0015
Revises: 0011
Create Date: 2026-11-30 12:00:00
"""
from alembic import op

from ledger import guards

revision = '0015'
down_revision = '0011'
branch_labels = None
depends_on = None

# The row-level form this revision replaces, frozen for the downgrade.
_ROW_FUNCTION = """CREATE OR REPLACE FUNCTION ledger_posting_joins_new_journals() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.journal_id <= (SELECT journal_seq FROM ledger_head WHERE id = 1) THEN
            RAISE EXCEPTION 'ledger guard: a posting cannot join journal %, already written', NEW.journal_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$"""


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        guards.install(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_posting_joins_new_journals ON ledger_posting")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS ledger_posting_joins_new_journals()")
        op.execute(_ROW_FUNCTION)
        bind.exec_driver_sql("CREATE TRIGGER ledger_posting_joins_new_journals BEFORE INSERT ON ledger_posting"
                             " FOR EACH ROW EXECUTE FUNCTION ledger_posting_joins_new_journals()")
