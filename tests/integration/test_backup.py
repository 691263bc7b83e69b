"""Backup and restore keep the record whole: a restored copy passes `flask audit verify`.

SQLite is copied with `flask backup` (the online backup API); PostgreSQL with the README's
pg_dump/pg_restore recipe. A tampered copy fails verification like the original would.
"""

import os
import shutil
import sqlite3
import subprocess
from datetime import date

import pytest
import sqlalchemy as sa

from app import create_app
from app.core import audit
from app.extensions import db
from tests.conftest import decide_on_the_day


def _history(app) -> None:
    """Commit a programme with applications, one decided (so one sealed decision)."""
    from app.accounts.models import User
    from app.applications.models import Application
    from tests.integration.test_concurrency import _setup

    _, ids, eva = _setup(app, envelope_sek=10_000_000, applications=2, amount_sek=1_000_000)
    with app.app_context():
        decide_on_the_day(db.session.get(Application, ids[0]),
                        {"outcome": "approved", "decided_on": date(2008, 4, 1)},
                        db.session.get(User, eva))
        db.session.commit()
        db.session.remove()


def _entries(app) -> int:
    with app.app_context():
        report = audit.verify_chain()
        db.session.remove()
    assert report.is_intact and report.sealed_checked == 1, report
    return report.checked


def test_a_sqlite_backup_restores_and_its_chain_verifies(app, committed_database, dialect,
                                                         tmp_path):
    if dialect != "sqlite":
        pytest.skip("flask backup copies SQLite databases; PostgreSQL uses pg_dump (tested "
                    "separately)")
    _history(app)
    entries = _entries(app)
    target = tmp_path / "backup.sqlite3"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and target.exists()
    again = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "already exists" in again.output

    restored = create_app({"APP_CONFIG": "testing",
                           "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"})
    result = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"intact: {entries} entries and 1 sealed decisions" in result.output

    with sqlite3.connect(target) as copy:
        copy.execute("UPDATE decision SET amount_sek = 9000000")
    result = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_flask_backup_points_postgresql_to_pg_dump(app, dialect):
    if dialect != "postgresql":
        pytest.skip("needs PostgreSQL: on SQLite flask backup makes the copy")
    result = app.test_cli_runner().invoke(args=["backup", "/tmp/never-written.sqlite3"])
    assert result.exit_code != 0 and "pg_dump" in result.output


@pytest.mark.postgres_only
def test_the_pg_dump_recipe_restores_a_database_whose_chain_verifies(app, committed_database,
                                                                     tmp_path):
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: the README's recipe cannot run here")
    url = os.environ["TEST_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    _history(app)
    entries = _entries(app)
    dump = tmp_path / "nyttoportfolj.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", url], check=True)
    with app.app_context():
        db.engine.dispose()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        db.engine.dispose()
    subprocess.run(["pg_restore", "--exit-on-error", "--no-acl", f"--dbname={url}", str(dump)],
                   check=True, capture_output=True)
    with app.app_context():
        db.engine.dispose()
    assert _entries(app) == entries
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and f"intact: {entries} entries" in result.output
    with app.app_context(), db.engine.connect() as connection:
        with pytest.raises(sa.exc.DBAPIError, match="permanent record"):
            connection.exec_driver_sql("UPDATE decision SET amount_sek = 1")
