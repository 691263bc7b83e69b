"""The scheduler's daily jobs: what each creates or sends, and that a second run does nothing.

Karin's project (Trafikkontoret) is granted on 2008-04-01 and runs from 2008-03-01; its
periods are 42 days long and due 10 days after they end: period 1 is 2008-03-01 – 2008-04-11
(due 2008-04-21), period 2 2008-04-12 – 2008-05-23 (due 2008-06-02). The business clock is
set with `demo_date`, and the same date is passed to the job, as the scheduler does.
"""

import logging
import smtplib
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications import decisions as application_decisions
from app.applications.models import Application
from app.core.enums import IdeaState, ProjectState, ReportState
from app.core.models import Notification
from app.extensions import db
from app.followup.models import FollowUpTask
from app.ideas.models import ProjectIdea
from app.jobs import scheduler, services
from app.jobs.models import JobRun, JobRunStatus
from app.projects import followup_tasks as project_followup
from app.projects import reports as project_reports
from app.projects import services as project_services
from app.projects.models import Project, StatusReport
from tests.conftest import decide_on_the_day

COMPLETE = {
    "overall_status": "green", "cost_status": "green", "schedule_status": "green",
    "scope_status": "green", "benefit_status": "green",
    "actual_cost_to_date_sek": 250_000, "forecast_cost_sek": 1_150_000,
    "forecast_end_on": date(2009, 8, 31), "risks": "Leverantören är sen",
}


@pytest.fixture(autouse=True)
def private_lock_folder(app, tmp_path, monkeypatch):
    """Keep the job locks of these tests away from a scheduler running on this machine."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))


@pytest.fixture
def project(app_ctx, people, make_application, demo_date) -> Project:
    """Karin's project, decided on 2008-04-01."""
    application = db.session.get(Application, make_application("awaiting_decision"))
    decide_on_the_day(application, {"outcome": "approved",
                                    "decided_on": date(2008, 4, 1)},
                      db.session.get(User, people.anders))
    db.session.commit()
    return application_decisions.project_for(application)


def _on(demo_date, value: str) -> date:
    demo_date(value)
    return date.fromisoformat(value)


def _notifications(kind: str, user_id: int | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.kind == kind)
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    return list(db.session.scalars(query.order_by(Notification.id)))


def _submit_first_report(project, people) -> None:
    karin = db.session.get(User, people.karin)
    report = project_reports.open_report(project, 1, karin)
    project_reports.save_report(report, COMPLETE, karin)
    project_reports.submit_report(report, karin)


def _drafts(project) -> list[StatusReport]:
    return [r for r in project_services.report_versions(project) if r.state == ReportState.DRAFT]


# ---- opening periods ------------------------------------------------------------------------

def test_open_due_periods_opens_each_started_period_once_and_tells_the_organisation(
        project, people, demo_date):
    today = _on(demo_date, "2008-04-14")
    assert services.open_due_periods(today) == 2
    assert [r.period_number for r in _drafts(project)] == [1, 2]
    [first, second] = _notifications("report.period_open", people.karin)
    assert "2008-04-21" in first.message and first.link.startswith("/projects/reports/")
    assert "2008-06-02" in second.message
    assert _notifications("report.period_open", people.sven) == []

    assert services.open_due_periods(today) == 0
    assert len(_drafts(project)) == 2
    assert len(_notifications("report.period_open")) == 2


def test_an_opened_period_is_prefilled_from_the_previous_report(project, people, demo_date):
    today = _on(demo_date, "2008-04-14")
    _submit_first_report(project, people)
    assert services.open_due_periods(today) == 1
    [draft] = _drafts(project)
    assert (draft.period_number, draft.actual_cost_to_date_sek, draft.risks) == (
        2, 250_000, "Leverantören är sen")


def test_an_overdue_period_and_a_closed_project_are_not_opened(project, demo_date):
    today = _on(demo_date, "2008-04-22")
    assert services.open_due_periods(today) == 1
    assert [r.period_number for r in _drafts(project)] == [2]
    project.state = ProjectState.CLOSED
    today = _on(demo_date, "2008-05-24")
    assert services.open_due_periods(today) == 0


# ---- reminders and escalation (fake clock) --------------------------------------------------

def test_reminder_goes_seven_days_before_the_due_date_once(project, people, demo_date):
    assert services.send_report_reminders(_on(demo_date, "2008-04-13")) == 0
    today = _on(demo_date, "2008-04-14")
    assert services.send_report_reminders(today) == 1
    [reminder] = _notifications("report.reminder", people.karin)
    assert "2008-04-21" in reminder.message
    assert services.send_report_reminders(today) == 0
    assert services.send_report_reminders(_on(demo_date, "2008-04-20")) == 0
    assert len(_notifications("report.reminder")) == 1


def test_no_reminder_for_a_submitted_report(project, people, demo_date):
    today = _on(demo_date, "2008-04-14")
    _submit_first_report(project, people)
    assert services.send_report_reminders(today) == 0


def test_overdue_report_is_escalated_to_the_programme_office_once(project, people, demo_date):
    assert services.escalate_overdue_reports(_on(demo_date, "2008-04-21")) == 0
    today = _on(demo_date, "2008-04-22")
    assert services.escalate_overdue_reports(today) == 2
    [to_office] = _notifications("report.overdue", people.jonas)
    [to_karin] = _notifications("report.overdue", people.karin)
    assert "2008-04-21" in to_office.message and to_office.link == f"/projects/{project.id}"
    assert "programme office" in to_karin.message or "programkontoret" in to_karin.message
    assert services.escalate_overdue_reports(today) == 0
    assert services.escalate_overdue_reports(_on(demo_date, "2008-04-30")) == 0
    assert len(_notifications("report.overdue")) == 2


# ---- follow-up tasks ------------------------------------------------------------------------

def test_followup_task_is_created_once_and_announced_when_due(project, people, demo_date):
    project.go_live_on = date(2009, 5, 4)
    db.session.flush()
    today = _on(demo_date, "2009-06-01")
    assert services.create_followup_tasks(today) == 1
    [task] = db.session.scalars(sa.select(FollowUpTask).where(
        FollowUpTask.project_id == project.id)).all()
    assert task.due_on == date(2010, 5, 4)
    assert _notifications("followup.due") == []
    assert services.create_followup_tasks(today) == 0

    today = _on(demo_date, "2010-05-04")
    assert services.create_followup_tasks(today) == 1
    [due] = _notifications("followup.due", people.karin)
    assert "2010-05-04" in due.message
    assert services.create_followup_tasks(today) == 0
    assert db.session.scalar(sa.select(sa.func.count(FollowUpTask.id))) == 1


def test_a_done_followup_is_not_announced(project, demo_date):
    project.go_live_on = date(2009, 5, 4)
    db.session.flush()
    task = project_followup.ensure_followup_task(project)
    task.done_at = datetime(2010, 5, 1, tzinfo=UTC)
    assert services.create_followup_tasks(_on(demo_date, "2010-06-01")) == 0


# ---- tertial reports ------------------------------------------------------------------------

def test_draft_tertial_reports_are_generated_after_each_period_end_once(
        app_ctx, people, make_programme, demo_date):
    from app.followup.models import TertialReport

    programme_id = make_programme()
    assert services.generate_draft_tertial_reports(_on(demo_date, "2008-04-29")) == 1
    today = _on(demo_date, "2008-04-30")
    assert services.generate_draft_tertial_reports(today) == 1
    reports = db.session.scalars(sa.select(TertialReport).where(
        TertialReport.programme_id == programme_id).order_by(TertialReport.year)).all()
    assert [(r.year, r.tertial, r.state.value) for r in reports] == [
        (2007, 3, "draft"), (2008, 1, "draft")]
    ready = _notifications("tertial.draft_ready", people.jonas)
    assert [n.link for n in ready] == [f"/tertial-reports/{r.id}" for r in reports]
    assert _notifications("tertial.draft_ready", people.karin) == []
    assert services.generate_draft_tertial_reports(today) == 0
    assert len(_notifications("tertial.draft_ready")) == 2


# ---- idle ideas -----------------------------------------------------------------------------

def _approved_idea(programme_id, organisation_id, approved_on: date) -> ProjectIdea:
    idea = ProjectIdea(programme_id=programme_id, organisation_id=organisation_id,
                       title="Cykelreseplanerare", description="Cykelvägar mellan adresser.",
                       state=IdeaState.APPROVED_TO_APPLY,
                       screened_at=datetime(approved_on.year, approved_on.month, approved_on.day,
                                            12, tzinfo=UTC))
    db.session.add(idea)
    db.session.flush()
    return idea


def test_idle_idea_is_nudged_once_per_thirty_days(app_ctx, people, make_programme, demo_date):
    idea = _approved_idea(make_programme(), people.traffic, date(2010, 1, 4))
    assert services.nudge_idle_ideas(_on(demo_date, "2010-03-04")) == 0
    assert services.nudge_idle_ideas(_on(demo_date, "2010-03-05")) == 1
    [nudge] = _notifications("idea.idle", people.karin)
    assert "Cykelreseplanerare" in nudge.message and nudge.link == f"/ideas/{idea.id}"
    assert services.nudge_idle_ideas(_on(demo_date, "2010-03-05")) == 0
    assert services.nudge_idle_ideas(_on(demo_date, "2010-04-03")) == 0
    assert services.nudge_idle_ideas(_on(demo_date, "2010-04-04")) == 1
    assert _notifications("idea.idle", people.sven) == []


# ---- notification e-mails -------------------------------------------------------------------

def _notify_karin_and_jonas(people) -> None:
    from app.core.notifications import notify

    notify([people.karin, people.jonas], "test.kind", "Rapporten för period 1 är försenad.",
           link="/projects/1")


def test_emails_go_once_to_users_who_want_them_and_log_only_writes_the_log(
        app_ctx, people, demo_date, caplog):
    today = _on(demo_date, "2010-03-01")
    db.session.get(User, people.jonas).wants_email = False
    _notify_karin_and_jonas(people)
    with caplog.at_level(logging.INFO, logger="app.core.mail"):
        assert services.send_notification_emails(today) == 1
    karin = db.session.get(User, people.karin)
    assert "MAIL_LOG_ONLY" in caplog.text and karin.email in caplog.text
    assert "Rapporten för period 1 är försenad." in caplog.text
    assert "http://127.0.0.1:5000/projects/1" in caplog.text
    [to_karin] = _notifications("test.kind", people.karin)
    [to_jonas] = _notifications("test.kind", people.jonas)
    assert to_karin.emailed_at is not None and to_jonas.emailed_at is None
    assert services.send_notification_emails(today) == 0


def test_old_notifications_are_not_emailed_when_email_is_switched_on(app_ctx, people,
                                                                     demo_date):
    _on(demo_date, "2010-03-01")
    db.session.get(User, people.karin).wants_email = False
    _notify_karin_and_jonas(people)
    db.session.get(User, people.karin).wants_email = True
    assert services.send_notification_emails(_on(demo_date, "2010-03-10")) == 0


class FakeSMTP:
    """Stands in for smtplib.SMTP: records the session; refuses addresses listed in `refuse`."""

    sessions: list["FakeSMTP"] = []
    refuse: set[str] = set()

    def __init__(self, host, port, timeout=None):
        self.host, self.port, self.sent, self.calls = host, port, [], []
        FakeSMTP.sessions.append(self)

    def starttls(self, context=None):
        self.calls.append("starttls")

    def login(self, username, password):
        self.calls.append(("login", username, password))

    def send_message(self, message):
        if message["To"] in FakeSMTP.refuse:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"No such user")})
        self.sent.append(message)

    def quit(self):
        self.calls.append("quit")


@pytest.fixture
def fake_smtp(app, monkeypatch):
    FakeSMTP.sessions, FakeSMTP.refuse = [], set()
    monkeypatch.setattr("app.core.mail.smtplib.SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_LOG_ONLY", False)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.stad.example")
    monkeypatch.setitem(app.config, "MAIL_PORT", 587)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "portfolj")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "hemligt")
    monkeypatch.setitem(app.config, "MAIL_FROM", "nyttoportfolj@stad.example")
    return FakeSMTP


def test_smtp_sends_over_one_session_and_a_refused_address_is_retried(
        app_ctx, people, demo_date, fake_smtp, caplog):
    today = _on(demo_date, "2010-03-01")
    karin, jonas = (db.session.get(User, i) for i in (people.karin, people.jonas))
    _notify_karin_and_jonas(people)
    fake_smtp.refuse = {jonas.email}
    assert services.send_notification_emails(today) == 1
    [session] = fake_smtp.sessions
    assert (session.host, session.port) == ("smtp.stad.example", 587)
    assert session.calls == ["starttls", ("login", "portfolj", "hemligt"), "quit"]
    [message] = session.sent
    assert (message["To"], message["From"]) == (karin.email, "nyttoportfolj@stad.example")
    assert "Rapporten för period 1 är försenad." in message.get_content()
    assert "Could not e-mail" in caplog.text

    fake_smtp.refuse = set()
    assert services.send_notification_emails(today) == 1
    assert [m["To"] for m in fake_smtp.sessions[-1].sent] == [jonas.email]
    assert services.send_notification_emails(today) == 0


# ---- running jobs: isolation, the run log, retry --------------------------------------------

def test_a_failing_job_is_logged_recorded_and_does_not_stop_the_others(
        app, app_ctx, people, monkeypatch, caplog, demo_date):
    demo_date("2010-03-01")
    attempts = []

    def broken(today):
        attempts.append(today)
        _notify_karin_and_jonas(people)
        raise RuntimeError("the database went away")

    monkeypatch.setitem(scheduler.DAILY_JOBS, "first", lambda today: 2)
    monkeypatch.setitem(scheduler.DAILY_JOBS, "broken", broken)
    monkeypatch.setitem(scheduler.DAILY_JOBS, "last", lambda today: 5)
    with caplog.at_level(logging.ERROR, logger="app.jobs.scheduler"):
        runs = scheduler.run_daily_jobs(app, ["first", "broken", "last"])
    assert [(r.job_name, r.status, r.count) for r in runs] == [
        ("first", JobRunStatus.OK, 2), ("broken", JobRunStatus.FAILED, None),
        ("last", JobRunStatus.OK, 5)]
    assert "Job broken failed" in caplog.text and "the database went away" in caplog.text
    assert _notifications("test.kind") == [], "the failed job's work is rolled back"
    failed = db.session.scalar(sa.select(JobRun).where(JobRun.job_name == "broken"))
    assert failed.business_on == date(2010, 3, 1) and "RuntimeError" in failed.error

    monkeypatch.setitem(scheduler.DAILY_JOBS, "broken", lambda today: 1)
    [retry] = scheduler.run_daily_jobs(app, ["broken"])
    assert (retry.status, retry.count) == (JobRunStatus.OK, 1)
    assert attempts == [date(2010, 3, 1)]


def test_run_once_of_every_job_twice_creates_nothing_the_second_time(
        app, project, people, demo_date):
    demo_date("2008-04-22")
    first = scheduler.run_daily_jobs(app)
    assert all(run.status == JobRunStatus.OK for run in first), [r.error for r in first]
    assert sum(run.count for run in first) > 0
    notifications = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    second = scheduler.run_daily_jobs(app, [run.job_name for run in first])
    assert [run.count for run in second] == [0] * len(second)
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == notifications


def test_the_cli_runs_one_job_and_prints_its_count(app, project, demo_date):
    demo_date("2008-04-14")
    result = app.test_cli_runner().invoke(args=["scheduler", "run-once", "--job",
                                                "open_due_periods"])
    assert result.exit_code == 0, result.output
    assert "open_due_periods: ok 2" in result.output
    bad = app.test_cli_runner().invoke(args=["scheduler", "run-once", "--job", "nope"])
    assert bad.exit_code != 0 and "open_due_periods" in bad.output


def test_notify_checks_every_recipient_s_dedupe_key_in_one_query(app_ctx, people):
    from app.core.notifications import notify

    users = [people.karin, people.jonas, people.sven, people.anders]
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert len(notify(users, "test.kind", "Första", dedupe_key="test:1")) == 4
        selects_first = sum(s.lstrip().upper().startswith("SELECT") for s in statements)
        statements.clear()
        assert notify(users, "test.kind", "Första", dedupe_key="test:1") == []
        selects_again = sum(s.lstrip().upper().startswith("SELECT") for s in statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert (selects_first, selects_again) == (1, 1)
    assert len(_notifications("test.kind")) == 4
