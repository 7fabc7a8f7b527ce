"""finance office: payee bank on payout lines, contract fingerprints

``payout_line.payee_bank`` freezes the payee's bank with its account when a batch is built (the
bank file names it). ``contract.fingerprint`` makes recording the same contract twice impossible,
also under a race; contracts recorded before this migration keep NULL (as if declared separate).

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30 08:43:40.224698
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_contract_fingerprint'), ['fingerprint'])

    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_bank', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.drop_column('payee_bank')

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_contract_fingerprint'), type_='unique')
        batch_op.drop_column('fingerprint')
