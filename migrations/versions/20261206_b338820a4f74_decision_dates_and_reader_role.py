"""decision dates and the administration reader role: the programme's backdating window, the
reason kept with a backdated decision, and `administration_reader` allowed by the role CHECK

Revision ID: b338820a4f74
Revises: 7ee5a3dc0cdc
Create Date: 2026-12-06 21:05:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b338820a4f74'
down_revision = '7ee5a3dc0cdc'
branch_labels = None
depends_on = None

ROLES = ('applicant', 'programme_office', 'working_group', 'development_council',
         'budget_management', 'decision_maker', 'finance_committee', 'administrator', 'auditor')


def _role_check(roles) -> str:
    return "role IN (" + ", ".join(f"'{role}'" for role in roles) + ")"


def upgrade():
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_backdating_days', sa.Integer(), nullable=False,
                                      server_default='30'))
        batch_op.create_check_constraint(op.f('ck_programme_decision_backdating_days_range'),
                                         'decision_backdating_days BETWEEN 0 AND 366')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backdating_reason', sa.Text(), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_role_assignment_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_role_assignment_role'),
                                         _role_check((*ROLES, 'administration_reader')))


def downgrade():
    op.execute("DELETE FROM role_assignment WHERE role = 'administration_reader'")
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_role_assignment_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_role_assignment_role'), _role_check(ROLES))
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('backdating_reason')
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programme_decision_backdating_days_range'),
                                 type_='check')
        batch_op.drop_column('decision_backdating_days')
