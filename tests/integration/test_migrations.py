"""The migrations and the models agree: autogenerate finds nothing to do."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_are_in_sync(app_ctx):
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                           "render_as_batch": True})
    differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migration_files_are_date_prefixed():
    from pathlib import Path

    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names
    assert all(name[:8].isdigit() and name[8] == "_" for name in names), names
