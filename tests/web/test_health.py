"""/healthz: database, migrations and the scheduler's heartbeat; the request id on every line."""

import io
import json
import logging
import pickle
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import health
from app.core import logs
from app.extensions import db
from app.jobs.models import apscheduler_jobs


@pytest.fixture
def mail_schedule(app, db_session):
    """Set when the scheduler's e-mail run is next due, as the running scheduler would."""
    def put(next_run_at: datetime | None):
        with app.app_context():
            db.session.execute(sa.delete(apscheduler_jobs))
            if next_run_at is not None:
                db.session.execute(sa.insert(apscheduler_jobs).values(
                    id="notification_emails", next_run_time=next_run_at.timestamp(),
                    job_state=pickle.dumps({})))
            db.session.commit()
    return put


def test_healthy_when_migrations_are_current_and_the_scheduler_beats(client, mail_schedule):
    mail_schedule(datetime.now(UTC) + timedelta(minutes=4))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["migrations"]["current"] is True
    assert body["migrations"]["database"] == body["migrations"]["code"] == health.code_head()
    assert body["scheduler"]["alive"] is True


@pytest.mark.parametrize("next_run", [None, timedelta(minutes=-30)], ids=["never", "overdue"])
def test_a_silent_scheduler_is_degraded_not_down(client, mail_schedule, next_run):
    mail_schedule(None if next_run is None else datetime.now(UTC) + next_run)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["scheduler"]["alive"] is False


def test_a_database_behind_the_code_is_down(client, monkeypatch, db_session):
    monkeypatch.setattr(health, "code_head", lambda: "ffffffffffff")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "down"
    assert response.json["migrations"]["current"] is False


def test_an_unreachable_database_is_down(client, monkeypatch, db_session):
    def unreachable(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "scalar", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "down", "database": "unreachable"}


@pytest.mark.parametrize(("sent", "kept"), [
    ("lb-2f1c9a.7", True),
    ("a" * 65, False),
    ("evil id; drop", False),
    ("", False),
])
def test_the_request_id_is_the_callers_when_plain_else_new(client, sent, kept):
    response = client.get("/healthz", headers={"X-Request-ID": sent} if sent else {})
    echoed = response.headers["X-Request-ID"]
    if kept:
        assert echoed == sent
    else:
        assert echoed != sent and len(echoed) == 32


def test_log_lines_are_json_with_the_request_id(app):
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("test.request-id")
    logger.addHandler(handler)
    try:
        with app.test_request_context(headers={"X-Request-ID": "abc-123"}):
            app.preprocess_request()
            logger.warning("Beslut sparat för %s", "Förskola")
        logger.warning("outside a request")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in buffer.getvalue().splitlines())
    assert first["request_id"] == "abc-123" and first["message"] == "Beslut sparat för Förskola"
    assert first["level"] == "WARNING" and first["at"].endswith("+00:00")
    assert second["request_id"] == "-"


def test_the_log_level_is_read_in_any_case():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logs.configure_logging("json", "warning")
        assert root.level == logging.WARNING
    finally:
        root.handlers, root.level = handlers, level
