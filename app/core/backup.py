"""Back up the SQLite database while the application runs (SQLite's online backup API).

PostgreSQL is backed up with pg_dump and restored with pg_restore, as the README describes.
The audit chain's key (AUDIT_HMAC_KEY) is not in the database: keep it apart from backups.
"""

import sqlite3
from pathlib import Path

import sqlalchemy as sa

PAGES_PER_STEP = 1024


def backup_sqlite(engine: sa.Engine, target: Path) -> int:
    """Copy the live SQLite database to `target` step by step; return the bytes written.

    Writers are held up only for one step at a time; the copy is written beside `target` and
    renamed into place, so a half-written backup never has the target's name.
    """
    if engine.dialect.name != "sqlite":
        raise ValueError("backup_sqlite backs up SQLite databases only; use pg_dump")
    if target.exists():
        raise FileExistsError(target)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(destination, pages=PAGES_PER_STEP)
        finally:
            destination.close()
    finally:
        raw.close()
    partial.replace(target)
    return target.stat().st_size
