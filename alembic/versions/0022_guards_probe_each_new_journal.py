"""guards: the checks that postings and bank transactions name journals that exist probe the
journal index once per new row, instead of a hash anti-join that read every journal ever written
once per statement (a cost that grew with the ledger: 46 ms a statement at 100,000 journals).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 21:40:00
"""
from alembic import op

from ledger import guards as ledger_guards
from payouts import guards as payouts_guards

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    ledger_guards.install(bind)
    payouts_guards.install(bind)


def downgrade():
    pass  # the probe checks exactly what the join checked: the guards of this code stay
