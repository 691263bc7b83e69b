"""project.decided_on: the day of the project's first approving decision (issue 12)

Revision ID: a8d3f1c6e2b4
Revises: f4c9d2e6a8b1
Create Date: 2026-12-07 21:30:00

A project exists on a date from its first approving decision. Every as-of list, count and
chart searched the decisions of each project for it (at national scale, two hashes over every
decision before the first row of a page); decisions never change, so the day is stored once on
the project. Backfilled from the decisions already recorded.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a8d3f1c6e2b4'
down_revision = 'f4c9d2e6a8b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
    op.execute("""
        UPDATE project SET decided_on = (
            SELECT min(decision.decided_on) FROM decision
            WHERE decision.application_id = project.application_id
              AND decision.outcome != 'rejected')
        WHERE project.application_id IS NOT NULL""")


def downgrade():
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("decided_on")
