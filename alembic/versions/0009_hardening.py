"""hardening: Idempotency-Key answers are stored with the request's work (never in flight), expire
by ``created_at``.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-30 06:13:41.874421
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Rows without a status were requests in flight under the old scheme (their work, if any, was
    # committed apart from them): nothing to replay, so they go; a retry runs its request again.
    op.execute("DELETE FROM idempotent_request WHERE status_code IS NULL")
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.alter_column('status_code', existing_type=sa.INTEGER(), nullable=False)
        batch_op.create_index(batch_op.f('ix_idempotent_request_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotent_request_created_at'))
        batch_op.alter_column('status_code', existing_type=sa.INTEGER(), nullable=True)
