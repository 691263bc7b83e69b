"""The scheduler: its persistent job store, and that only one process ever runs the jobs.

These tests commit for real (`committed_database`): the job store, the locks and a second
process all work outside the test's transaction.
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import scheduler
from app.jobs.models import JobRun, JobRunStatus, apscheduler_jobs

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


@pytest.fixture
def instance(app, tmp_path, monkeypatch) -> Path:
    """A private instance folder, so file locks never meet a scheduler running on this machine."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def _stored_schedules(app) -> dict[str, float]:
    with app.app_context():
        rows = db.session.execute(sa.select(apscheduler_jobs.c.id,
                                            apscheduler_jobs.c.next_run_time)).all()
        db.session.remove()
    return dict(rows)


def _job_runs(app) -> list[tuple[str, JobRunStatus]]:
    with app.app_context():
        runs = db.session.execute(sa.select(JobRun.job_name, JobRun.status)
                                  .order_by(JobRun.id)).all()
        db.session.remove()
    return [tuple(run) for run in runs]


@contextmanager
def _paused_scheduler(app):
    running = scheduler.build_scheduler(app)
    running.start(paused=True)
    try:
        yield running
    finally:
        running.shutdown(wait=False)


def test_schedules_live_in_the_database_and_survive_a_restart(app, committed_database, instance,
                                                              monkeypatch):
    with _paused_scheduler(app) as first:
        scheduler.install_jobs(first, app)
        stored = _stored_schedules(app)
        assert set(stored) == {scheduler.DAILY_SCHEDULE_ID, scheduler.MAIL_SCHEDULE_ID}
        assert stored[scheduler.DAILY_SCHEDULE_ID] <= time.time(), "a new schedule runs at once"
    # Shutting down, APScheduler passes over the due run (it does not run in a paused
    # scheduler) and stores the next one: what a restart must keep.
    stored = _stored_schedules(app)

    with _paused_scheduler(app) as restarted:
        scheduler.install_jobs(restarted, app)
        job = restarted.get_job(scheduler.DAILY_SCHEDULE_ID)
        assert job.func is scheduler.scheduled_daily_run
        assert _stored_schedules(app) == stored, "a restart keeps the stored next run"

    monkeypatch.setitem(app.config, "SCHEDULER_DAILY_AT", "05:30")
    with _paused_scheduler(app) as rescheduled:
        scheduler.install_jobs(rescheduled, app)
        job = rescheduled.get_job(scheduler.DAILY_SCHEDULE_ID)
        assert (job.next_run_time.hour, job.next_run_time.minute) == (5, 30)
        assert str(job.next_run_time.tzinfo) == "Europe/Stockholm"


def test_only_one_holder_of_the_scheduler_lock(app, committed_database, instance):
    first, second = scheduler.SchedulerLock(app), scheduler.SchedulerLock(app)
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


@contextmanager
def _job_lock_held_elsewhere(app, name: str):
    """Hold a job's lock from another connection (PostgreSQL) or open file (SQLite)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as other:
            with other.begin():
                assert other.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(
                    scheduler.lock_key(f"job:{name}"))))
                yield
        return
    import fcntl

    path = Path(app.instance_path) / "locks" / f"job-{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def test_a_job_running_elsewhere_is_skipped_not_run_twice(app, committed_database, instance,
                                                          monkeypatch):
    calls = []
    monkeypatch.setitem(scheduler.DAILY_JOBS, "probe", lambda today: calls.append(today) or 1)
    with _job_lock_held_elsewhere(app, "probe"):
        skipped = scheduler.run_job(app, "probe")
    assert (skipped.status, calls) == (JobRunStatus.SKIPPED, [])
    done = scheduler.run_job(app, "probe")
    assert (done.status, done.count, len(calls)) == (JobRunStatus.OK, 1, 1)
    assert _job_runs(app) == [("probe", JobRunStatus.SKIPPED), ("probe", JobRunStatus.OK)]


@pytest.mark.postgres_only
def test_postgres_scheduler_lock_is_a_session_advisory_lock(app, committed_database, instance):
    """The lock lives as long as the holder's connection: a second connection cannot take it."""
    holder = scheduler.SchedulerLock(app)
    assert holder.acquire()
    try:
        with app.app_context():
            with db.engine.connect() as other:
                key = scheduler.lock_key(scheduler.SCHEDULER_LOCK_NAME)
                assert other.scalar(sa.select(sa.func.pg_try_advisory_lock(key))) is False
                held = other.scalar(sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid <> pg_backend_pid()"))
                assert held >= 1
    finally:
        holder.release()


# ---- two real scheduler processes -----------------------------------------------------------

def _start_scheduler(app, instance: Path, name: str) -> tuple[subprocess.Popen, Path]:
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "APP_CONFIG": "development", "SECRET_KEY": "test-only",
           "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "FLASK_APP": "wsgi.py",
           "DEMO_DATE": "2010-03-01", "SCHEDULER_DAILY_AT": "06:00"}
    log = instance / f"{name}.log"
    process = subprocess.Popen([FLASK, "scheduler", "run", "--standby-retry", "0.5"], cwd=ROOT,
                               env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return process, log


def _wait_for(condition, what: str, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def test_a_second_scheduler_process_runs_nothing_until_the_first_stops(
        app, committed_database, instance):
    first, first_log = _start_scheduler(app, instance, "first")
    second = None
    try:
        _wait_for(lambda: len(_job_runs(app)) == len(scheduler.DAILY_JOBS),
                  "the first scheduler's daily run")
        second, second_log = _start_scheduler(app, instance, "second")
        _wait_for(lambda: "Another scheduler holds the lock" in second_log.read_text(),
                  "the second scheduler to wait")
        time.sleep(1.5)
        assert len(_job_runs(app)) == len(scheduler.DAILY_JOBS), "the second ran nothing"
        assert "Scheduler lock taken" not in second_log.read_text()

        assert _stop(first) == 0
        _wait_for(lambda: "Schedule daily_jobs kept" in second_log.read_text(),
                  "the second scheduler to take over, keeping the stored schedule")
        time.sleep(1)
        runs = _job_runs(app)
        assert sorted(name for name, _status in runs) == sorted(scheduler.DAILY_JOBS), (
            "taking over keeps the stored schedule: no second daily run")
        assert "Scheduler lock taken" in first_log.read_text()
    finally:
        for process in (first, second):
            if process is not None:
                _stop(process)
