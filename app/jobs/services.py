"""The scheduler's daily jobs: open periods, remind, escalate, draft tertials, follow up, nudge.

Each job takes the business date, flushes and never commits (the scheduler commits once per
job run), and returns how many things it created or sent. Every job is idempotent: a second
run on the same day creates and sends nothing, because drafts and follow-up tasks are found
before they are created (and protected by unique constraints), and every notification carries
a dedupe key naming what it is about.

Decisions, so they are easy to find:
- A reporting period is opened (draft pre-filled from the previous report) from its first
  day until its due date; an older period without a report is overdue and escalated instead,
  and its organisation opens it by hand.
- Reminders go `REMINDER_DAYS_BEFORE_DUE` days before the due date (programmes have no
  setting for it), once per period.
- Overdue reports are escalated once per period: to the programme office, and the
  organisation is told the office has been.
- Idle approved ideas are nudged when they become idle and then every `NUDGE_EVERY_DAYS`
  days while they stay idle (once per idea per cycle).
- E-mails go only for notifications younger than `MAIL_MAX_AGE_DAYS`, so switching e-mail on
  does not flood anyone with old news; a failed send is retried on the next run.
"""

import logging
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.accounts.queries import users_of_organisations, users_with_role
from app.core import mail
from app.core.clock import local_zone
from app.core.enums import ProjectState, Role
from app.core.models import Notification, utcnow
from app.core.notifications import notify
from app.core.periods import ReportingPeriod
from app.extensions import db
from app.followup.models import FollowUpTask
from app.ideas.services import idle_approved_ideas
from app.programmes.models import Programme
from app.projects import followup_tasks as project_followup
from app.projects import overview as project_read
from app.projects import queries as project_queries
from app.projects import reports as project_reports
from app.projects import services as project_services
from app.projects.models import Project

logger = logging.getLogger(__name__)

REMINDER_DAYS_BEFORE_DUE = 7
NUDGE_EVERY_DAYS = 30
MAIL_MAX_AGE_DAYS = 3
MAIL_BATCH_SIZE = 500


def _active_projects() -> list[Project]:
    return list(db.session.scalars(sa.select(Project).where(
        Project.state == ProjectState.ACTIVE).order_by(Project.id)))


def _applicants(organisation_ids) -> dict[int, list[int]]:
    """Each organisation's applicants, loaded once for a whole job."""
    return users_of_organisations(organisation_ids, Role.APPLICANT)


def _readers(organisation_ids) -> dict[int, list[int]]:
    """Each administration's read-only heads, who follow its reports without writing them."""
    return users_of_organisations(organisation_ids, Role.ADMINISTRATION_READER)


def _offices(programme_ids) -> dict[int, list[int]]:
    """Each programme's office: those holding the role there or in every programme."""
    return {programme_id: users_with_role(Role.PROGRAMME_OFFICE, programme_id=programme_id)
            for programme_id in programme_ids}


def _unreported_open_periods(projects: list[Project],
                             today: date) -> list[tuple[Project, ReportingPeriod]]:
    """Find started, not yet due periods without any report version, in two queries."""
    if not projects:
        return []
    versions = project_queries.versions_on([p.id for p in projects], today)
    due_after_days = dict(db.session.execute(
        sa.select(Programme.id, Programme.report_due_after_days)).all())
    found = []
    for project in projects:
        own = versions[project.id]
        latest = project_services.latest_of(own)
        reported = {report.period_number for report in own}
        calendar = project_services.reporting_calendar(
            project, due_after_days[project.programme_id],
            latest.forecast_end_on if latest else None, today)
        found += [(project, period) for period in calendar
                  if period.number not in reported and period.starts_on <= today <= period.due_on]
    return found


def open_due_periods(today: date) -> int:
    """Open a pre-filled draft for each started, not yet due period without a report."""
    due = _unreported_open_periods(_active_projects(), today)
    applicants = _applicants({project.organisation_id for project, _period in due})
    for project, period in due:
        report = project_reports.open_report(project, period.number)
        notify(applicants.get(project.organisation_id, []), "report.period_open",
               _("Reporting period %(number)s of %(project)s is open (%(starts)s to "
                 "%(ends)s); the report is due on %(due)s. A draft is ready, filled in "
                 "from your previous report.", number=period.number, project=project.title,
                 starts=period.starts_on.isoformat(), ends=period.ends_on.isoformat(),
                 due=period.due_on.isoformat()),
               link=f"/projects/reports/{report.id}/edit",
               dedupe_key=f"report.period_open:{project.id}:{period.number}")
    return len(due)


def send_report_reminders(today: date) -> int:
    """Remind the organisation of each report due within the reminder window; once a period."""
    waiting = project_read.reports_due(_active_projects(), today)
    organisation_ids = {due.project.organisation_id for due in waiting}
    applicants, readers = _applicants(organisation_ids), _readers(organisation_ids)
    sent = 0
    for due in waiting:
        for period in due.periods:
            if not today <= period.due_on <= today + timedelta(days=REMINDER_DAYS_BEFORE_DUE):
                continue
            draft = due.drafts.get(period.number)
            message = _("Reminder: the report for period %(number)s of %(project)s is due on "
                        "%(due)s.", number=period.number, project=due.project.title,
                        due=period.due_on.isoformat())
            dedupe_key = f"report.reminder:{due.project.id}:{period.number}"
            sent += len(notify(
                applicants.get(due.project.organisation_id, []), "report.reminder", message,
                link=(f"/projects/reports/{draft.id}/edit" if draft
                      else f"/projects/{due.project.id}"), dedupe_key=dedupe_key))
            sent += len(notify(readers.get(due.project.organisation_id, []), "report.reminder",
                               message, link=f"/projects/{due.project.id}",
                               dedupe_key=dedupe_key))
    return sent


def escalate_overdue_reports(today: date) -> int:
    """Tell the programme office (and the organisation) of each overdue report, once a period."""
    overdue = project_read.reports_due(_active_projects(), today, overdue_only=True)
    offices = _offices({due.project.programme_id for due in overdue})
    organisation_ids = {due.project.organisation_id for due in overdue}
    applicants, readers = _applicants(organisation_ids), _readers(organisation_ids)
    sent = 0
    for due in overdue:
        project = due.project
        for period in due.periods:
            sent += len(notify(
                offices[project.programme_id], "report.overdue",
                _("The report for period %(number)s of %(project)s was due on %(due)s and has "
                  "not been submitted.", number=period.number, project=project.title,
                  due=period.due_on.isoformat()),
                link=f"/projects/{project.id}",
                dedupe_key=f"report.overdue:{project.id}:{period.number}"))
            sent += len(notify(
                [*applicants.get(project.organisation_id, []),
                 *readers.get(project.organisation_id, [])], "report.overdue",
                _("The report for period %(number)s of %(project)s was due on %(due)s; the "
                  "programme office has been told. Submit it as soon as you can.",
                  number=period.number, project=project.title, due=period.due_on.isoformat()),
                link=f"/projects/{project.id}",
                dedupe_key=f"report.overdue.organisation:{project.id}:{period.number}"))
    return sent


def generate_draft_tertial_reports(today: date) -> int:
    """Draft each ended tertial's report for the finance committee and tell the office."""
    from app.followup.services import generate_tertial_report, tertial_reports_due

    generated = 0
    for programme in db.session.scalars(sa.select(Programme).order_by(Programme.id)):
        office = users_with_role(Role.PROGRAMME_OFFICE, programme_id=programme.id)
        for year, tertial in tertial_reports_due(programme, today):
            report = generate_tertial_report(programme, year, tertial)
            generated += 1
            notify(office, "tertial.draft_ready",
                   _("A draft tertial report T%(tertial)s %(year)s for %(programme)s is ready "
                     "for review.", tertial=tertial, year=year, programme=programme.name),
                   link=f"/tertial-reports/{report.id}",
                   dedupe_key=f"tertial.draft_ready:{programme.id}:{year}:{tertial}")
    return generated


def create_followup_tasks(today: date) -> int:
    """Create missing one-year follow-ups and tell the organisation when one falls due."""
    missing = db.session.scalars(
        sa.select(Project).where(
            Project.go_live_on.is_not(None),
            ~sa.select(FollowUpTask.id).where(
                FollowUpTask.project_id == Project.id,
                FollowUpTask.kind == project_followup.FOLLOW_UP_KIND).exists())
        .order_by(Project.id)).all()
    created = sum(project_followup.ensure_followup_task(project) is not None
                  for project in missing)
    due_tasks = db.session.execute(
        sa.select(FollowUpTask, Project)
        .join(Project, Project.id == FollowUpTask.project_id)
        .where(FollowUpTask.kind == project_followup.FOLLOW_UP_KIND,
               FollowUpTask.done_at.is_(None), FollowUpTask.due_on <= today)
        .order_by(FollowUpTask.due_on, FollowUpTask.id)).all()
    applicants = _applicants({project.organisation_id for _task, project in due_tasks})
    sent = 0
    for task, project in due_tasks:
        people = set(applicants.get(project.organisation_id, []))
        if project.project_manager_id is not None:
            people.add(project.project_manager_id)
        sent += len(notify(
            people, "followup.due",
            _("The one-year benefit follow-up of %(project)s is due (%(due)s): enter the "
              "realised value of each benefit.", project=project.title,
              due=task.due_on.isoformat()),
            link=f"/projects/{project.id}",
            dedupe_key=f"followup.due:{task.id}"))
    return created + sent


def nudge_idle_ideas(today: date) -> int:
    """Nudge organisations whose approved ideas wait for an application; once per cycle."""
    waiting = [(programme, idle)
               for programme in db.session.scalars(sa.select(Programme).order_by(Programme.id))
               for idle in idle_approved_ideas(programme, today)]
    applicants = _applicants({idle.idea.organisation_id for _programme, idle in waiting})
    sent = 0
    for programme, idle in waiting:
        idea = idle.idea
        cycle = (idle.days_waiting - programme.idea_idle_days) // NUDGE_EVERY_DAYS
        sent += len(notify(
            applicants.get(idea.organisation_id, []), "idea.idle",
            _("Your idea \"%(title)s\" was approved on %(approved)s and has waited "
              "%(days)s days for an application.", title=idea.title,
              approved=idle.approved_on.isoformat(), days=idle.days_waiting),
            link=f"/ideas/{idea.id}",
            dedupe_key=f"idea.idle:{idea.id}:{cycle}"))
    return sent


def send_notification_emails(today: date) -> int:
    """E-mail recent notifications not yet e-mailed to users who want e-mail; mark them sent."""
    from app.accounts.models import User

    since = datetime.combine(today - timedelta(days=MAIL_MAX_AGE_DAYS), time.min, local_zone())
    pending = db.session.execute(
        sa.select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), Notification.created_at >= since,
               User.wants_email.is_(True), User.is_active.is_(True))
        .order_by(Notification.id).limit(MAIL_BATCH_SIZE)).all()
    if not pending:
        return 0
    base_url = current_app.config["APP_BASE_URL"].rstrip("/")
    sent = 0
    with mail.connection() as outbox:
        for notification, user in pending:
            with force_locale(user.locale):
                message = mail.build_message(
                    to=user.email, subject=_("Nyttoportfölj: %(message)s",
                                             message=_subject(notification.message)),
                    body=_mail_body(notification, base_url))
            if outbox.send(message):
                notification.emailed_at = utcnow()
                sent += 1
    db.session.flush()
    return sent


def _subject(message: str, length: int = 70) -> str:
    """The message's first line, cut to a subject's length."""
    first_line = message.splitlines()[0] if message else ""
    return first_line if len(first_line) <= length else first_line[:length - 1] + "…"


def _mail_body(notification: Notification, base_url: str) -> str:
    lines = [notification.message, ""]
    if notification.link:
        lines += [_("Open it in Nyttoportfölj: %(url)s", url=base_url + notification.link), ""]
    lines.append(_("You receive this e-mail because e-mail notifications are on. Turn them off "
                   "at %(url)s", url=base_url + "/account/notifications"))
    return "\n".join(lines)
