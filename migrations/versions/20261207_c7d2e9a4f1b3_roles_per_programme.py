"""roles per programme: a role assignment may name the one programme it holds in (issue 17)

Revision ID: c7d2e9a4f1b3
Revises: c7d2e9f4a1b6
Create Date: 2026-12-07 00:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7d2e9a4f1b3'
down_revision = 'c7d2e9f4a1b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_role_assignment_programme_id_programme"), "programme",
            ["programme_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_role_assignment_programme_id"), ["programme_id"])
        batch_op.drop_constraint("uq_role_assignment_grant", type_="unique")
        batch_op.create_unique_constraint(
            "uq_role_assignment_grant", ["user_id", "role", "authority_key", "programme_id"])


def downgrade():
    op.execute("DELETE FROM role_assignment WHERE programme_id IS NOT NULL")
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_role_assignment_grant", type_="unique")
        batch_op.create_unique_constraint(
            "uq_role_assignment_grant", ["user_id", "role", "authority_key"])
        batch_op.drop_index(batch_op.f("ix_role_assignment_programme_id"))
        batch_op.drop_constraint(batch_op.f("fk_role_assignment_programme_id_programme"),
                                 type_="foreignkey")
        batch_op.drop_column("programme_id")
