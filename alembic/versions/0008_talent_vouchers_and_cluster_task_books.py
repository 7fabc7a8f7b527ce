"""talent vouchers and cluster task books: training programmes, trainees (the resident ID number
only as a keyed digest and a masked form), their completion, the trainee lines of talent claims
(one active line per person and programme: a partial unique index); a pilot's status (existing
pilots are active), experience centres and benchmark cases.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 06:01:32.706021
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('benchmark_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('case_type', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], name=op.f('fk_benchmark_case_cluster_id_cluster')),
    sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id'], name=op.f('fk_benchmark_case_recorded_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_case')),
    sa.UniqueConstraint('cluster_id', 'title', name=op.f('uq_benchmark_case_cluster_id_title'))
    )
    with op.batch_alter_table('benchmark_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_case_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('experience_centre',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], name=op.f('fk_experience_centre_cluster_id_cluster')),
    sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id'], name=op.f('fk_experience_centre_recorded_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experience_centre')),
    sa.UniqueConstraint('cluster_id', 'name', name=op.f('uq_experience_centre_cluster_id_name'))
    )
    with op.batch_alter_table('experience_centre', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experience_centre_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('tracks_json', sa.Text(), nullable=False),
    sa.Column('online_min_tenths', sa.Integer(), nullable=True),
    sa.Column('offline_min_tenths', sa.Integer(), nullable=True),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(online_min_tenths IS NULL) = (offline_min_tenths IS NULL)', name=op.f('ck_training_minimums_together')),
    sa.CheckConstraint('fee >= 0', name=op.f('ck_training_fee_not_negative')),
    sa.CheckConstraint('offline_min_tenths IS NULL OR offline_min_tenths BETWEEN 0 AND 10000', name=op.f('ck_training_offline_min_in_range')),
    sa.CheckConstraint('online_min_tenths IS NULL OR online_min_tenths BETWEEN 0 AND 10000', name=op.f('ck_training_online_min_in_range')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_training_created_by_app_user')),
    sa.ForeignKeyConstraint(['provider_id'], ['organisation.id'], name=op.f('fk_training_provider_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training'))
    )
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_provider_id'), ['provider_id'], unique=False)

    op.create_table('trainee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('id_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id_masked', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('enrolled_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolled_by'], ['app_user.id'], name=op.f('fk_trainee_enrolled_by_app_user')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisation.id'], name=op.f('fk_trainee_enterprise_id_organisation')),
    sa.ForeignKeyConstraint(['training_id'], ['training.id'], name=op.f('fk_trainee_training_id_training')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainee')),
    sa.UniqueConstraint('training_id', 'id_digest', name=op.f('uq_trainee_training_id_id_digest'))
    )
    with op.batch_alter_table('trainee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainee_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trainee_training_id'), ['training_id'], unique=False)

    op.create_table('talent_claim_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('id_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('certificate_level', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('online_tenths', sa.Integer(), nullable=False),
    sa.Column('offline_tenths', sa.Integer(), nullable=False),
    sa.Column('online_min_tenths', sa.Integer(), nullable=False),
    sa.Column('offline_min_tenths', sa.Integer(), nullable=False),
    sa.Column('fee_paid', sa.BigInteger(), nullable=False),
    sa.Column('amount_by_level', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("certificate_level IN ('初级', '中级', '高级')", name=op.f('ck_talent_claim_line_level_known')),
    sa.CheckConstraint('amount <= amount_by_level AND amount <= fee_paid', name=op.f('ck_talent_claim_line_amount_within_level_and_fee')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_talent_claim_line_amount_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_talent_claim_line_claim_id_claim')),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainee.id'], name=op.f('fk_talent_claim_line_trainee_id_trainee')),
    sa.ForeignKeyConstraint(['training_id'], ['training.id'], name=op.f('fk_talent_claim_line_training_id_training')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_claim_line')),
    sa.UniqueConstraint('claim_id', 'trainee_id', name=op.f('uq_talent_claim_line_claim_id_trainee_id'))
    )
    with op.batch_alter_table('talent_claim_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_talent_claim_line_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_talent_claim_line_trainee_id'), ['trainee_id'], unique=False)
        batch_op.create_index('uq_talent_claim_line_active_person', ['training_id', 'id_digest'], unique=True, postgresql_where=sa.text('active'), sqlite_where=sa.text('active'))

    op.create_table('trainee_completion',
    sa.Column('trainee_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('online_tenths', sa.Integer(), nullable=False),
    sa.Column('offline_tenths', sa.Integer(), nullable=False),
    sa.Column('certificate_level', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('fee_paid', sa.BigInteger(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("certificate_level IS NULL OR certificate_level IN ('初级', '中级', '高级')", name=op.f('ck_trainee_completion_level_known')),
    sa.CheckConstraint('fee_paid >= 0', name=op.f('ck_trainee_completion_fee_paid_not_negative')),
    sa.CheckConstraint('offline_tenths BETWEEN 0 AND 10000', name=op.f('ck_trainee_completion_offline_in_range')),
    sa.CheckConstraint('online_tenths BETWEEN 0 AND 10000', name=op.f('ck_trainee_completion_online_in_range')),
    sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id'], name=op.f('fk_trainee_completion_recorded_by_app_user')),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainee.id'], name=op.f('fk_trainee_completion_trainee_id_trainee')),
    sa.PrimaryKeyConstraint('trainee_id', name=op.f('pk_trainee_completion'))
    )
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), server_default='active', nullable=False))
        batch_op.create_check_constraint(op.f('ck_cluster_status_known'), "status IN ('active', 'cancelled')")


def downgrade():
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cluster_status_known'), type_='check')
        batch_op.drop_column('status')

    op.drop_table('trainee_completion')
    with op.batch_alter_table('talent_claim_line', schema=None) as batch_op:
        batch_op.drop_index('uq_talent_claim_line_active_person', postgresql_where=sa.text('active'), sqlite_where=sa.text('active'))
        batch_op.drop_index(batch_op.f('ix_talent_claim_line_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_talent_claim_line_claim_id'))

    op.drop_table('talent_claim_line')
    with op.batch_alter_table('trainee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainee_training_id'))
        batch_op.drop_index(batch_op.f('ix_trainee_enterprise_id'))

    op.drop_table('trainee')
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_provider_id'))

    op.drop_table('training')
    with op.batch_alter_table('experience_centre', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experience_centre_cluster_id'))

    op.drop_table('experience_centre')
    with op.batch_alter_table('benchmark_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_case_cluster_id'))

    op.drop_table('benchmark_case')
