"""project phases: a programme's project model (phases and gate requirements) and the gate
decisions that move a project through it (issue 17, item 5)

Revision ID: c7d2e9f4a1b6
Revises: c7d2e9a41f60
Create Date: 2026-12-07 00:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7d2e9f4a1b6'
down_revision = 'c7d2e9a41f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "programme_phase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_programme_phase_programme_id_programme")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_phase")),
        sa.UniqueConstraint("programme_id", "key", name="uq_programme_phase_key"),
        sa.UniqueConstraint("programme_id", "position", name="uq_programme_phase_position"),
    )
    with op.batch_alter_table("programme_phase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_phase_programme_id"), ["programme_id"],
                              unique=False)
    op.create_table(
        "gate_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],
                                name=op.f("fk_gate_decision_project_id_project")),
        sa.ForeignKeyConstraint(["phase_id"], ["programme_phase.id"],
                                name=op.f("fk_gate_decision_phase_id_programme_phase")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"],
                                name=op.f("fk_gate_decision_decided_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_decision")),
    )
    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.create_index("ix_gate_decision_project_decided", ["project_id", "decided_on"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_gate_decision_project_decided")
    op.drop_table("gate_decision")
    with op.batch_alter_table("programme_phase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_phase_programme_id"))
    op.drop_table("programme_phase")
