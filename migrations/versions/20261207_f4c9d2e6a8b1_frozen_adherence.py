"""tertial_report.frozen_adherence: a presented report's adherence, apart from its snapshot

Revision ID: f4c9d2e6a8b1
Revises: e3b8c1d5f7a9
Create Date: 2026-12-07 18:30:00

The dashboard's adherence over time reads a presented report's figures for its period end.
Read from the snapshot, the database parses the whole document (about 10 MB per programme at
national scale) for a few numbers; kept in their own column they cost a few bytes. Reports
already presented get the figures from their own snapshots, one report at a time.
"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f4c9d2e6a8b1'
down_revision = 'e3b8c1d5f7a9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tertial_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frozen_adherence", sa.JSON(), nullable=True))
    connection = op.get_bind()
    report_ids = connection.execute(sa.text("SELECT id FROM tertial_report")).scalars().all()
    for report_id in report_ids:
        snapshot = connection.execute(sa.text("SELECT snapshot FROM tertial_report WHERE id = :id"),
                                      {"id": report_id}).scalar()
        if isinstance(snapshot, str):
            snapshot = json.loads(snapshot)
        if not snapshot or "adherence" not in snapshot:
            continue
        figures = {**snapshot["adherence"],
                   "schedule_tolerance_days": snapshot.get("schedule_tolerance_days")}
        connection.execute(sa.text("UPDATE tertial_report SET frozen_adherence = :figures "
                                   "WHERE id = :id").bindparams(
                                       sa.bindparam("figures", type_=sa.JSON())),
                           {"figures": figures, "id": report_id})


def downgrade():
    with op.batch_alter_table("tertial_report", schema=None) as batch_op:
        batch_op.drop_column("frozen_adherence")
