"""benefit network: enablers and changes (live, and kept with each frozen calculation version)
and the links between them, the benefit lines and the programme's goals (issue 16)

Revision ID: a3c1e5f7b9d2
Revises: 5c1e9a7b3d20
Create Date: 2026-12-06 20:54:09.175146

"""
import sqlalchemy as sa
from alembic import op

import app.core.models


# revision identifiers, used by Alembic.
revision = 'a3c1e5f7b9d2'
down_revision = '5c1e9a7b3d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('network_node',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calculation_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('live_node_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('enabler', 'enabling_change', 'business_change', 'benefit', 'goal', name='nodekind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('responsible_name', sa.String(length=200), nullable=False),
    sa.Column('prerequisite_project_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('state', sa.Enum('planned', 'under_way', 'done', name='changestate', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('created_at', app.core.models.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind = 'enabler' OR (state IS NOT NULL AND due_on IS NOT NULL)", name=op.f('ck_network_node_change_has_state_and_due_date')),
    sa.CheckConstraint("kind IN ('enabler', 'enabling_change', 'business_change')", name=op.f('ck_network_node_node_is_enabler_or_change')),
    sa.CheckConstraint("state = 'done' OR done_on IS NULL", name=op.f('ck_network_node_done_on_only_when_done')),
    sa.ForeignKeyConstraint(['calculation_id'], ['benefit_calculation.id'], name=op.f('fk_network_node_calculation_id_benefit_calculation')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_network_node_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['prerequisite_project_id'], ['project.id'], name=op.f('fk_network_node_prerequisite_project_id_project')),
    sa.ForeignKeyConstraint(['version_id'], ['calculation_version.id'], name=op.f('fk_network_node_version_id_calculation_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_node'))
    )
    with op.batch_alter_table('network_node', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_node_calculation_id'), ['calculation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_node_prerequisite_project_id'), ['prerequisite_project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_node_version_id'), ['version_id'], unique=False)

    op.create_table('network_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calculation_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('from_node_id', sa.Integer(), nullable=True),
    sa.Column('from_benefit_position', sa.Integer(), nullable=True),
    sa.Column('to_node_id', sa.Integer(), nullable=True),
    sa.Column('to_benefit_position', sa.Integer(), nullable=True),
    sa.Column('to_goal_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.models.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(CASE WHEN to_node_id IS NULL THEN 0 ELSE 1 END + CASE WHEN to_benefit_position IS NULL THEN 0 ELSE 1 END + CASE WHEN to_goal_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_network_link_link_has_one_target')),
    sa.CheckConstraint('(from_node_id IS NULL) <> (from_benefit_position IS NULL)', name=op.f('ck_network_link_link_has_one_source')),
    sa.ForeignKeyConstraint(['calculation_id'], ['benefit_calculation.id'], name=op.f('fk_network_link_calculation_id_benefit_calculation')),
    sa.ForeignKeyConstraint(['from_node_id'], ['network_node.id'], name=op.f('fk_network_link_from_node_id_network_node'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_goal_id'], ['goal.id'], name=op.f('fk_network_link_to_goal_id_goal')),
    sa.ForeignKeyConstraint(['to_node_id'], ['network_node.id'], name=op.f('fk_network_link_to_node_id_network_node'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['calculation_version.id'], name=op.f('fk_network_link_version_id_calculation_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_link'))
    )
    with op.batch_alter_table('network_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_link_calculation_id'), ['calculation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_link_from_node_id'), ['from_node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_link_to_node_id'), ['to_node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_link_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('network_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_link_version_id'))
        batch_op.drop_index(batch_op.f('ix_network_link_to_node_id'))
        batch_op.drop_index(batch_op.f('ix_network_link_from_node_id'))
        batch_op.drop_index(batch_op.f('ix_network_link_calculation_id'))

    op.drop_table('network_link')
    with op.batch_alter_table('network_node', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_node_version_id'))
        batch_op.drop_index(batch_op.f('ix_network_node_prerequisite_project_id'))
        batch_op.drop_index(batch_op.f('ix_network_node_calculation_id'))

    op.drop_table('network_node')
