"""The scheduler process (`flask scheduler run`): the daily jobs, run once a day, exactly once.

APScheduler 3 keeps its jobs in the application database (`apscheduler_jobs`, created by the
migrations), so a scheduler that was down at the daily time catches up when it starts again
(within `DAILY_MISFIRE_GRACE_SECONDS`). One APScheduler job runs every daily job in order at
SCHEDULER_DAILY_AT (Europe/Stockholm); another sends the notification e-mails every
SCHEDULER_MAIL_EVERY_MINUTES minutes.

Each job run has its own app context and transaction: it calls one service with the business
date, records a `JobRun` and commits once. A job that raises is logged, rolled back and
recorded as failed; the other jobs still run, and the next run repeats it (jobs are
idempotent, so repeating is always safe).

Single run: only one scheduler process runs jobs. On PostgreSQL it holds a session-level
advisory lock on a dedicated connection for its whole life; on SQLite an exclusive file lock
in the instance folder. A second scheduler started by mistake logs that another scheduler
holds the lock and waits, trying again every `STANDBY_RETRY_SECONDS`, so it takes over if the
first one stops. Each job run also takes a lock of its own (pg_try_advisory_xact_lock, or a
file lock on SQLite), so `flask scheduler run-once` next to a running scheduler can never run
the same job twice at the same moment: the second is recorded as skipped.
"""

import fcntl
import hashlib
import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from app.core import clock
from app.core.models import utcnow
from app.extensions import db

from . import services
from .models import JOB_STORE_TABLE, JobRun, JobRunStatus

logger = logging.getLogger(__name__)

# The daily jobs in the order they run: open periods before reminding about them, and the
# e-mails last so the day's notifications go out at once.
DAILY_JOBS: dict[str, Callable[[date], int]] = {
    "open_due_periods": services.open_due_periods,
    "send_report_reminders": services.send_report_reminders,
    "escalate_overdue_reports": services.escalate_overdue_reports,
    "generate_draft_tertial_reports": services.generate_draft_tertial_reports,
    "create_followup_tasks": services.create_followup_tasks,
    "nudge_idle_ideas": services.nudge_idle_ideas,
    "send_notification_emails": services.send_notification_emails,
}
MAIL_JOB = "send_notification_emails"
DAILY_SCHEDULE_ID = "daily_jobs"
MAIL_SCHEDULE_ID = "notification_emails"
DAILY_MISFIRE_GRACE_SECONDS = 12 * 3600
STANDBY_RETRY_SECONDS = 60
MAX_ERROR_CHARS = 10_000
SCHEDULER_LOCK_NAME = "nyttoportfolj.scheduler"

_scheduler_app: Flask | None = None


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a name (the same in every process)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_folder(app: Flask) -> Path:
    folder = Path(app.instance_path) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _try_file_lock(path: Path):
    """Open and exclusively lock a file without waiting; return the open file, or None."""
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


# ---- running one job ------------------------------------------------------------------------

@contextmanager
def _job_lock(app: Flask, name: str) -> Iterator[bool]:
    """Hold the job's own lock for this transaction; yield whether it was free."""
    if db.session.get_bind().dialect.name == "postgresql":
        yield bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(
            lock_key(f"job:{name}")))))
        return
    handle = _try_file_lock(_lock_folder(app) / f"job-{name}.lock")
    try:
        yield handle is not None
    finally:
        if handle is not None:
            handle.close()


def run_job(app: Flask, name: str, today: date | None = None) -> JobRun:
    """Run one daily job in its own app context and transaction; record and return the run."""
    job = DAILY_JOBS[name]
    with app.app_context():
        business_on = today or clock.today()
        started_at = utcnow()
        try:
            with _job_lock(app, name) as acquired:
                if acquired:
                    count, status = job(business_on), JobRunStatus.OK
                else:
                    count, status = None, JobRunStatus.SKIPPED
                    logger.warning("Job %s is running in another process; skipped.", name)
                run = _record(name, business_on, started_at, status, count)
                db.session.commit()
        except Exception:  # noqa: BLE001 - a failing job is logged and isolated; the others run
            logger.exception("Job %s failed for %s; it is retried on the next run.", name,
                             business_on)
            db.session.rollback()
            run = _record(name, business_on, started_at, JobRunStatus.FAILED, None,
                          traceback.format_exc()[-MAX_ERROR_CHARS:])
            db.session.commit()
        logger.info("Job %s for %s: %s (%s).", name, business_on, run.status.value, run.count)
        db.session.refresh(run)
        db.session.expunge(run)
        return run


def _record(name: str, business_on: date, started_at, status: JobRunStatus,
            count: int | None, error: str = "") -> JobRun:
    run = JobRun(job_name=name, business_on=business_on, started_at=started_at,
                 finished_at=utcnow(), status=status, count=count, error=error)
    db.session.add(run)
    db.session.flush()
    return run


def run_daily_jobs(app: Flask, names=None, today: date | None = None) -> list[JobRun]:
    """Run the daily jobs (or the named ones) in order; one failing never stops the rest."""
    return [run_job(app, name, today) for name in (names or DAILY_JOBS)]


# ---- what APScheduler calls (by reference, so the persistent store can hold it) -------------

def _app() -> Flask:
    global _scheduler_app
    if _scheduler_app is None:
        from app import create_app

        _scheduler_app = create_app()
    return _scheduler_app


def scheduled_daily_run() -> None:
    """The daily APScheduler job: every daily job, in order."""
    run_daily_jobs(_app())


def scheduled_mail_run() -> None:
    """The frequent APScheduler job: send the notification e-mails."""
    run_job(_app(), MAIL_JOB)


# ---- the single-run guard -------------------------------------------------------------------

class SchedulerLock:
    """The process-wide guard: an advisory lock on PostgreSQL, a file lock on SQLite."""

    def __init__(self, app: Flask):
        self.app = app
        self._connection = None
        self._file = None

    def acquire(self) -> bool:
        """Take the lock without waiting; return whether this process now holds it."""
        with self.app.app_context():
            engine = db.engine
        if engine.dialect.name == "postgresql":
            connection = engine.connect()
            held = connection.scalar(sa.select(sa.func.pg_try_advisory_lock(
                lock_key(SCHEDULER_LOCK_NAME))))
            connection.commit()
            if held:
                self._connection = connection
            else:
                connection.close()
            return bool(held)
        self._file = _try_file_lock(_lock_folder(self.app) / "scheduler.lock")
        return self._file is not None

    def release(self) -> None:
        if self._connection is not None:
            self._connection.scalar(sa.select(sa.func.pg_advisory_unlock(
                lock_key(SCHEDULER_LOCK_NAME))))
            self._connection.commit()
            self._connection.close()
            self._connection = None
        if self._file is not None:
            self._file.close()
            self._file = None


# ---- the scheduler --------------------------------------------------------------------------

def _daily_trigger(app: Flask):
    from apscheduler.triggers.cron import CronTrigger

    hour, _sep, minute = app.config["SCHEDULER_DAILY_AT"].partition(":")
    return CronTrigger(hour=int(hour), minute=int(minute or 0),
                       timezone=ZoneInfo(app.config["SCHEDULER_TIMEZONE"]))


def _mail_trigger(app: Flask):
    from apscheduler.triggers.interval import IntervalTrigger

    return IntervalTrigger(minutes=app.config["SCHEDULER_MAIL_EVERY_MINUTES"],
                           timezone=ZoneInfo(app.config["SCHEDULER_TIMEZONE"]))


def build_scheduler(app: Flask):
    """A background scheduler keeping its jobs in the application database."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=url, tablename=JOB_STORE_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=ZoneInfo(app.config["SCHEDULER_TIMEZONE"]))


def install_jobs(scheduler, app: Flask) -> None:
    """Store the two schedules; a stored one with the same trigger keeps its next run time.

    The daily schedule, stored for the first time, also runs at once (jobs are idempotent),
    so a new installation does not wait until the next morning.
    """
    wanted = (
        (DAILY_SCHEDULE_ID, "app.jobs.scheduler:scheduled_daily_run", _daily_trigger(app),
         DAILY_MISFIRE_GRACE_SECONDS),
        (MAIL_SCHEDULE_ID, "app.jobs.scheduler:scheduled_mail_run", _mail_trigger(app),
         app.config["SCHEDULER_MAIL_EVERY_MINUTES"] * 60),
    )
    for job_id, func, trigger, grace in wanted:
        stored = scheduler.get_job(job_id)
        if stored is not None and str(stored.trigger) == str(trigger):
            logger.info("Schedule %s kept; next run %s.", job_id, stored.next_run_time)
            continue
        first_run = ({"next_run_time": datetime.now(UTC)}
                     if stored is None and job_id == DAILY_SCHEDULE_ID else {})
        job = scheduler.add_job(func, trigger, id=job_id, name=job_id, replace_existing=True,
                                misfire_grace_time=grace, **first_run)
        logger.info("Schedule %s stored; next run %s.", job_id, job.next_run_time)


def run_scheduler(app: Flask, stop: threading.Event,
                  retry_seconds: float = STANDBY_RETRY_SECONDS) -> bool:
    """Run the scheduler until `stop` is set; wait while another scheduler holds the lock.

    Returns whether this process ever held the lock and ran the schedule.
    """
    global _scheduler_app
    _scheduler_app = app
    lock = SchedulerLock(app)
    while not lock.acquire():
        logger.warning("Another scheduler holds the lock; this one waits and tries again in "
                       "%s seconds.", retry_seconds)
        if stop.wait(retry_seconds):
            return False
    logger.info("Scheduler lock taken; daily jobs at %s %s.", app.config["SCHEDULER_DAILY_AT"],
                app.config["SCHEDULER_TIMEZONE"])
    scheduler = build_scheduler(app)
    try:
        scheduler.start(paused=True)
        install_jobs(scheduler, app)
        scheduler.resume()
        stop.wait()
    finally:
        if scheduler.running:
            scheduler.shutdown()
        lock.release()
    return True
