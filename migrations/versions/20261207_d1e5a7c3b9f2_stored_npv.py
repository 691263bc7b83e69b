"""stored value of frozen calculations: a frozen calculation version keeps its NPV (issue 12)

Revision ID: d1e5a7c3b9f2
Revises: c7d2e9a4f1b3
Create Date: 2026-12-07 04:00:00

The backfill evaluates each frozen version once with the application's benefit engine (the
engine at this revision; a version that no longer parses keeps NULL and is evaluated on read).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd1e5a7c3b9f2'
down_revision = 'c7d2e9a4f1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calculation_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("npv_sek", sa.BigInteger(), nullable=True))
    _store_values_of_frozen_versions()


def _store_values_of_frozen_versions():
    from sqlalchemy.orm import Session

    from app.applications.models import Application
    from app.benefits import services
    from app.benefits.models import BenefitCalculation, CalculationVersion
    from app.programmes.models import Programme

    session = Session(bind=op.get_bind())
    frozen = session.execute(
        sa.select(CalculationVersion, Programme)
        .join(BenefitCalculation, BenefitCalculation.id == CalculationVersion.calculation_id)
        .join(Application, Application.id == BenefitCalculation.application_id)
        .join(Programme, Programme.id == Application.programme_id)
        .where(CalculationVersion.is_frozen.is_(True)))
    values = [{"version_id": version.id, "npv": services.npv_of(version, programme)}
              for version, programme in frozen]
    session.close()
    if values:
        op.get_bind().execute(
            sa.text("UPDATE calculation_version SET npv_sek = :npv WHERE id = :version_id"),
            values)


def downgrade():
    with op.batch_alter_table("calculation_version", schema=None) as batch_op:
        batch_op.drop_column("npv_sek")
