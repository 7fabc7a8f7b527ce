"""hardening: Idempotency-Key answers are stored with the request's work (never in flight), expire
by ``created_at``; ``bank_account_change`` audits corrections of an organisation's bank details.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:13:41.874421
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Rows without a status were requests in flight under the old scheme (their work, if any, was
    # committed apart from them): nothing to replay, so they go; a retry runs its request again.
    op.execute("DELETE FROM idempotent_request WHERE status_code IS NULL")
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.alter_column('status_code', existing_type=sa.INTEGER(), nullable=False)
        batch_op.create_index(batch_op.f('ix_idempotent_request_created_at'), ['created_at'], unique=False)
    op.create_table('bank_account_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('old_bank_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('old_bank_account', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('new_bank_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('new_bank_account', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_bank_account_change_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_account_change'))
    )
    with op.batch_alter_table('bank_account_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_account_change_org_id'), ['org_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_account_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_account_change_org_id'))
    op.drop_table('bank_account_change')
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotent_request_created_at'))
        batch_op.alter_column('status_code', existing_type=sa.INTEGER(), nullable=True)
