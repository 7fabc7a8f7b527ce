"""catalog: products and their versions

A product is the stable id callers use; each version holds the Annex 5 fields, kind, unit, price
(integer fen), standard (JSON text) and validity window, and is never edited once reviewed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:43:33.467232
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('latest_version', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('approved_version', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['organisation.id'], name=op.f('fk_product_provider_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product'))
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_status'), ['status'], unique=False)

    op.create_table('product_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('item_kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('modules', sa.Text(), nullable=False),
    sa.Column('expected_effect', sa.Text(), nullable=False),
    sa.Column('standard', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('rejection_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'rejected', 'delisted')", name=op.f('ck_product_version_status_known')),
    sa.CheckConstraint('unit_price > 0', name=op.f('ck_product_version_unit_price_positive')),
    sa.CheckConstraint('valid_to >= valid_from', name=op.f('ck_product_version_valid_window')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_version_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_version')),
    sa.UniqueConstraint('product_id', 'version', name=op.f('uq_product_version_product_id_version'))
    )
    with op.batch_alter_table('product_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_version_item_kind'), ['item_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_version_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('product_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_version_status'))
        batch_op.drop_index(batch_op.f('ix_product_version_item_kind'))

    op.drop_table('product_version')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_status'))
        batch_op.drop_index(batch_op.f('ix_product_provider_id'))

    op.drop_table('product')
