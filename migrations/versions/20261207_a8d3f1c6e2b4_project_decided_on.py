"""project.decided_on: the day of the project's first approving decision (issue 12)

Revision ID: a8d3f1c6e2b4
Revises: f4c9d2e6a8b1
Create Date: 2026-12-07 21:30:00

A project exists on a date from its first approving decision. Every as-of list, count and
chart searched the decisions of each project for it (at national scale, two hashes over every
decision before the first row of a page); decisions never change, so the day is stored once on
the project. Backfilled from the decisions already recorded.

On PostgreSQL the stored day is held to its source as the decisions are: a deferred constraint
trigger refuses, at commit, any change of `decided_on` that leaves it other than the day of the
application's first approving decision (rewriting it would move a project in or out of every
as-of figure while the decisions stay untouched).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a8d3f1c6e2b4'
down_revision = 'f4c9d2e6a8b1'
branch_labels = None
depends_on = None


POSTGRES_TRIGGER = """
CREATE FUNCTION project_decided_on_is_the_first_approval() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.decided_on IS DISTINCT FROM (
            SELECT min(decision.decided_on) FROM decision
            WHERE decision.application_id = NEW.application_id
              AND decision.outcome <> 'rejected') THEN
        RAISE EXCEPTION 'project %: decided_on must be the day of its first approving decision',
            NEW.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER project_decided_on_is_the_first_approval
    AFTER UPDATE OF decided_on ON project DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION project_decided_on_is_the_first_approval();
"""


def upgrade():
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
    op.execute("""
        UPDATE project SET decided_on = (
            SELECT min(decision.decided_on) FROM decision
            WHERE decision.application_id = project.application_id
              AND decision.outcome != 'rejected')
        WHERE project.application_id IS NOT NULL""")
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_TRIGGER.strip().split("\n\n"):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS project_decided_on_is_the_first_approval ON project")
        op.execute("DROP FUNCTION IF EXISTS project_decided_on_is_the_first_approval()")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("decided_on")
