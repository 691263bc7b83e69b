"""`/healthz` for load balancers and operators: database, migrations, scheduler heartbeat.

The database being unreachable or its schema behind the code is a 503 (take the worker out
of rotation); a silent scheduler is reported as "degraded" with 200, since web requests are
still served and only one scheduler process runs for the whole installation.
"""

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, current_app

from app.extensions import db
from app.jobs.models import apscheduler_jobs
from app.jobs.scheduler import MAIL_SCHEDULE_ID

bp = Blueprint("health", __name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@cache
def code_head() -> str:
    """The newest migration the code carries (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def scheduler_heartbeat(now: datetime) -> dict:
    """The scheduler reschedules its e-mail run every few minutes; overdue means it is down."""
    next_run = db.session.scalar(sa.select(apscheduler_jobs.c.next_run_time)
                                 .where(apscheduler_jobs.c.id == MAIL_SCHEDULE_ID))
    if next_run is None:
        return {"alive": False, "next_mail_run_at": None}
    next_run_at = datetime.fromtimestamp(next_run, UTC)
    grace = timedelta(minutes=2 * current_app.config["SCHEDULER_MAIL_EVERY_MINUTES"])
    return {"alive": next_run_at + grace >= now, "next_mail_run_at": next_run_at.isoformat()}


@bp.get("/healthz")
def health():
    try:
        database_revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        scheduler = scheduler_heartbeat(datetime.now(UTC))
    except sa.exc.DBAPIError:
        return {"status": "down", "database": "unreachable"}, 503
    migrations = {"database": database_revision, "code": code_head(),
                  "current": database_revision == code_head()}
    if not migrations["current"]:
        return {"status": "down", "database": "ok", "migrations": migrations,
                "scheduler": scheduler}, 503
    return {"status": "ok" if scheduler["alive"] else "degraded", "database": "ok",
            "migrations": migrations, "scheduler": scheduler}
