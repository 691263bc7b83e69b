"""as-of indexes: each fact table by its owner and business date; early report days (issue 12)

Revision ID: a5f0c3e1b2d4
Revises: b338820a4f74
Create Date: 2026-12-06 21:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a5f0c3e1b2d4'
down_revision = 'b338820a4f74'
branch_labels = None
depends_on = None

INDEXES = (
    ("status_report", "ix_status_report_project_submitted", ["project_id", "submitted_at"]),
    ("decision", "ix_decision_application_decided", ["application_id", "decided_on"]),
    ("envelope_entry", "ix_envelope_entry_programme_booked", ["programme_id", "booked_on"]),
    ("realisation_entry", "ix_realisation_entry_benefit_year_recorded",
     ["benefit_id", "year", "recorded_at"]),
    ("application_event", "ix_application_event_application_at", ["application_id", "at"]),
    ("project_idea", "ix_project_idea_programme_submitted", ["programme_id", "submitted_at"]),
    ("budget_cut_entry", "ix_budget_cut_entry_programme_created", ["programme_id", "created_at"]),
)


def upgrade():
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_early_days", sa.Integer(), nullable=False,
                                      server_default="0"))
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("report_early_days")
