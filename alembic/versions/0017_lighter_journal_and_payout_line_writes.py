"""Lighter writes for every journal and every payout line.

- ledger_journal: the index on ``kind`` goes (no query looks journals up by kind); ``reverses_id``
  is unique through a partial index over the journals that reverse one, not a constraint that
  indexes a NULL for every other journal. Each index is written on every journal posted.
- payout_line, PostgreSQL only: fillfactor 70. A line is updated twice after it is written (sent,
  then paid or returned) on columns no index holds; with room on its page the new version stays
  there (a HOT update) and no index is touched. Pages written from now on keep the room; existing
  ones are left as they are (no rewrite of the table).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 18:10:00
"""
import sqlalchemy as sa
from alembic import op

from ledger import guards

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_REVERSAL = sa.text("reverses_id IS NOT NULL")


def upgrade():
    bind = op.get_bind()
    guards.remove(bind)  # SQLite rebuilds the table below and would drop its triggers anyway
    with op.batch_alter_table('ledger_journal', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_journal_kind')
        batch_op.drop_constraint('uq_ledger_journal_reverses_id', type_='unique')
    op.create_index('uq_ledger_journal_reverses_id', 'ledger_journal', ['reverses_id'], unique=True,
                    postgresql_where=_REVERSAL, sqlite_where=_REVERSAL)
    guards.install(bind)
    if bind.dialect.name == 'postgresql':
        op.execute("ALTER TABLE payout_line SET (fillfactor = 70)")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("ALTER TABLE payout_line RESET (fillfactor)")
    guards.remove(bind)
    op.drop_index('uq_ledger_journal_reverses_id', table_name='ledger_journal')
    with op.batch_alter_table('ledger_journal', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_ledger_journal_reverses_id', ['reverses_id'])
        batch_op.create_index('ix_ledger_journal_kind', ['kind'], unique=False)
    guards.install(bind)
