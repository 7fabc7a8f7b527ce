"""voucher usage rows: what each enterprise, provider and city holds under a scheme, kept with every
change of a voucher so that quota checks read one row instead of summing history; back-filled from
the vouchers.

Revision ID: 0011
Revises: 0012
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0012'
branch_labels = None
depends_on = None

COUNTING = "('reserved','issued','redeemed','settled')"


def upgrade():
    op.create_table('voucher_usage',
    sa.Column('scheme_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('dimension', sa.String(length=12), nullable=False),
    sa.Column('holder', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], name=op.f('fk_voucher_usage_scheme_id_scheme')),
    sa.PrimaryKeyConstraint('scheme_id', 'dimension', 'holder', name=op.f('pk_voucher_usage'))
    )
    held = "SUM(COALESCE(final_amount, face_value))"
    for dimension, column in (("enterprise", "CAST(enterprise_id AS VARCHAR(20))"),
                              ("provider", "CAST(provider_id AS VARCHAR(20))"), ("city", "city")):
        op.execute(f"INSERT INTO voucher_usage (scheme_id, dimension, holder, amount) "
                   f"SELECT scheme_id, '{dimension}', {column}, {held} FROM voucher "
                   f"WHERE status IN {COUNTING} GROUP BY scheme_id, {column}")


def downgrade():
    op.drop_table('voucher_usage')
