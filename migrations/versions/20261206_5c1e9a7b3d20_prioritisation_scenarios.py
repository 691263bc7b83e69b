"""prioritisation scenarios: named, saved, comparable and sendable to the council

Revision ID: 5c1e9a7b3d20
Revises: 7de8cb603c7e
Create Date: 2026-12-06 21:10:00

"""
import sqlalchemy as sa
from alembic import op

import app.core.models

# revision identifiers, used by Alembic.
revision = '5c1e9a7b3d20'
down_revision = '7de8cb603c7e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'prioritisation_scenario',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('value_measure', sa.Enum('score', 'npv', 'blend', name='valuemeasure',
                                           native_enum=False, create_constraint=True,
                                           length=40), nullable=False),
        sa.Column('score_share', sa.Float(), nullable=False),
        sa.Column('weighting', sa.String(length=20), nullable=False),
        sa.Column('weights', sa.JSON(), nullable=False),
        sa.Column('pairwise', sa.JSON(), nullable=False),
        sa.Column('consistency_ratio', sa.Float(), nullable=True),
        sa.Column('budget_sek', sa.BigInteger(), nullable=True),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('as_of_on', sa.Date(), nullable=False),
        sa.Column('remaining_envelope_sek', sa.BigInteger(), nullable=False),
        sa.Column('total_cost_sek', sa.BigInteger(), nullable=False),
        sa.Column('total_value', sa.Float(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', app.core.models.AwareDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', app.core.models.AwareDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', app.core.models.AwareDateTime(timezone=True), nullable=True),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('budget_sek IS NULL OR budget_sek >= 0',
                           name=op.f('ck_prioritisation_scenario_budget_not_negative')),
        sa.CheckConstraint('score_share BETWEEN 0 AND 1',
                           name=op.f('ck_prioritisation_scenario_score_share_range')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_prioritisation_scenario_created_by_id_user')),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                                name=op.f('fk_prioritisation_scenario_programme_id_programme')),
        sa.ForeignKeyConstraint(['sent_by_id'], ['user.id'],
                                name=op.f('fk_prioritisation_scenario_sent_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_prioritisation_scenario')),
        sa.UniqueConstraint('programme_id', 'name', name='uq_scenario_name'),
    )
    with op.batch_alter_table('prioritisation_scenario', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prioritisation_scenario_programme_id'),
                              ['programme_id'], unique=False)


def downgrade():
    with op.batch_alter_table('prioritisation_scenario', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prioritisation_scenario_programme_id'))

    op.drop_table('prioritisation_scenario')
