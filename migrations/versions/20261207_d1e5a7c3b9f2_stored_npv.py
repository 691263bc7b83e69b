"""stored value of frozen calculations: a frozen calculation version keeps its NPV (issue 12)

Revision ID: d1e5a7c3b9f2
Revises: c7d2e9a4f1b3
Create Date: 2026-12-07 04:00:00

The backfill evaluates the frozen versions once, together, with the application's benefit
engine (as at this revision); a version that no longer parses keeps NULL and is evaluated on read.
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

    from app.benefits import services
    from app.extensions import db

    session = Session(bind=op.get_bind())
    original, db.session = db.session, session
    try:
        services.store_frozen_values()
        session.flush()
    finally:
        db.session = original
        session.close()


def downgrade():
    with op.batch_alter_table("calculation_version", schema=None) as batch_op:
        batch_op.drop_column("npv_sek")
