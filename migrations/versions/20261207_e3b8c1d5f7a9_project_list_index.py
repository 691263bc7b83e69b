"""project list order: indexes on (programme_id, title, id) and (title, id) (issue 12)

Revision ID: e3b8c1d5f7a9
Revises: d1e5a7c3b9f2
Create Date: 2026-12-07 15:30:00

The project list pages by title, within a programme or across all a user may see; with these
indexes PostgreSQL reads the first page in order and stops, instead of sorting every project
(30 000 at national scale). The first replaces the index on programme_id alone, its prefix.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e3b8c1d5f7a9'
down_revision = 'd1e5a7c3b9f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_programme_id")
        batch_op.create_index("ix_project_programme_title", ["programme_id", "title", "id"])
        batch_op.create_index("ix_project_title", ["title", "id"])


def downgrade():
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_title")
        batch_op.drop_index("ix_project_programme_title")
        batch_op.create_index("ix_project_programme_id", ["programme_id"])
