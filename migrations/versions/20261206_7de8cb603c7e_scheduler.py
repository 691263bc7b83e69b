"""scheduler: the job-run log and APScheduler's persistent job store

Revision ID: 7de8cb603c7e
Revises: 03a10f26672f
Create Date: 2026-12-06 08:13:21.647083

"""
import sqlalchemy as sa
from alembic import op

import app.core.models

# revision identifiers, used by Alembic.
revision = '7de8cb603c7e'
down_revision = '03a10f26672f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'apscheduler_jobs',
        sa.Column('id', sa.Unicode(length=191), nullable=False),
        sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
        sa.Column('job_state', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs')),
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'),
                              ['next_run_time'], unique=False)

    op.create_table(
        'job_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_name', sa.String(length=80), nullable=False),
        sa.Column('business_on', sa.Date(), nullable=False),
        sa.Column('started_at', app.core.models.AwareDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', app.core.models.AwareDateTime(timezone=True), nullable=False),
        sa.Column('status', sa.Enum('ok', 'failed', 'skipped', name='jobrunstatus',
                                    native_enum=False, create_constraint=True, length=40),
                  nullable=False),
        sa.Column('count', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run')),
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_job_name'), ['job_name'], unique=False)


def downgrade():
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_job_name'))

    op.drop_table('job_run')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
