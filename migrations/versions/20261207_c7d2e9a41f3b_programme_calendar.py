"""programme calendar as data: six-weekly period length and tertial due days (issue 17)

Revision ID: c7d2e9a41f3b
Revises: a5f0c3e1b2d4
Create Date: 2026-12-07 00:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7d2e9a41f3b'
down_revision = 'a5f0c3e1b2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("six_weekly_period_days", sa.Integer(), nullable=False,
                                      server_default="42"))
        batch_op.add_column(sa.Column("tertial_due_after_days", sa.Integer(), nullable=False,
                                      server_default="15"))


def downgrade():
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("tertial_due_after_days")
        batch_op.drop_column("six_weekly_period_days")
