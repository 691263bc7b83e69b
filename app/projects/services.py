"""Funded projects: six-weekly status reports, their versions, the final report and follow-up.

A report is opened as a draft for a reporting period, pre-filled from the previous submitted
report, saved any number of times and submitted once. A submitted report is frozen: a
correction is a new version pointing back to it (`supersedes_id`), the old one kept. Only
the project's own organisation writes reports; the programme office asks for completion.
Closing a project files the final report, releases the unused commitment through the
envelope ledger and schedules the one-year benefit follow-up, which is marked done (by the
organisation or the programme office, early if need be) only once every benefit of the project
has a realised value for a year since go-live. Services flush, never commit.

Calendar: the baseline's 42-day grid never moves once reported; a project running late keeps
reporting in further whole periods after its baseline end. A period opens on its first day
and stays open until it is reported, so an overdue report can still be written; a period
that has not started, or a closed project, is refused (409).

Queue: "submitted" means submitted in the last six weeks (one reporting cycle); the
programme's roles see overdue periods across the portfolio, an organisation every ended
period of its own not yet in.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Area, Organisation
from app.accounts.queries import users_of_organisation, users_with_role
from app.applications import decisions as application_decisions
from app.applications.models import Application, Decision
from app.benefits.models import Benefit, RealisationEntry
from app.core import audit, clock, labels, periods
from app.core.enums import ProjectState, RagStatus, ReportState, Role
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.models import utcnow
from app.core.money import format_sek
from app.core.notifications import notify
from app.core.permissions import can_view_portfolio
from app.extensions import db
from app.followup import rules as adherence
from app.followup.models import FollowUpTask
from app.programmes.models import Programme

from . import queries
from .models import FinalReport, Project, StatusReport
from .permissions import (
    can_close_project,
    can_complete_followup,
    can_request_completion,
    can_write_reports,
    visible_project_ids,
    visible_projects,
)

FOLLOW_UP_KIND = "benefit_followup_1y"
ASPECTS = ("overall", "cost", "schedule", "scope", "benefit")
STATUS_FIELDS = tuple(f"{aspect}_status" for aspect in ASPECTS)
EXPLANATION_FIELDS = tuple(f"{aspect}_explanation" for aspect in ASPECTS)
AMOUNT_FIELDS = ("actual_cost_to_date_sek", "forecast_cost_sek")
TEXT_FIELDS = ("milestones_reached", "next_milestones", "risks", "decisions_needed")
DATE_FIELDS = ("forecast_end_on",)
REPORT_FIELDS = STATUS_FIELDS + EXPLANATION_FIELDS + AMOUNT_FIELDS + DATE_FIELDS + TEXT_FIELDS
FROZEN_STATES = frozenset({ReportState.SUBMITTED, ReportState.COMPLETION_REQUESTED})
MAX_SEK = 10**12
MAX_TEXT = 10_000
MAX_RESPONSIBLE = 200
MAX_YEARS_AFTER_BASELINE = 10

ASPECT_LABELS = {
    "overall": _l("Overall"),
    "cost": _l("Cost"),
    "schedule": _l("Schedule"),
    "scope": _l("Scope"),
    "benefit": _l("Benefits"),
}


# ---- refusals --------------------------------------------------------------------------------

def _require_writer(actor, project: Project) -> None:
    if not can_write_reports(actor, project):
        raise Forbidden(_("Only the project's own organisation can write its reports."))


# ---- finding reports ----------------------------------------------------------------------------

def _lock_project(project: Project) -> Project:
    return db.session.get(Project, project.id, with_for_update=True, populate_existing=True)


def _lock_report(report: StatusReport) -> StatusReport:
    return db.session.get(StatusReport, report.id, with_for_update=True, populate_existing=True)


def _programme(project: Project) -> Programme:
    return db.session.get(Programme, project.programme_id)


def report_versions(project: Project) -> list[StatusReport]:
    """Every report of the project, every version, by period and version."""
    return list(db.session.scalars(
        sa.select(StatusReport).where(StatusReport.project_id == project.id)
        .order_by(StatusReport.period_number, StatusReport.version)))


def _period_versions(project_id: int, period_number: int) -> list[StatusReport]:
    return list(db.session.scalars(
        sa.select(StatusReport).where(StatusReport.project_id == project_id,
                                      StatusReport.period_number == period_number)
        .order_by(StatusReport.version)))


def _effective(reports) -> dict[int, StatusReport]:
    """The current submitted version of each period: its highest frozen version."""
    current: dict[int, StatusReport] = {}
    for report in reports:
        if report.state in FROZEN_STATES:
            best = current.get(report.period_number)
            if best is None or report.version > best.version:
                current[report.period_number] = report
    return current


def status_history(project: Project) -> list[StatusReport]:
    """List the current submitted version of each reported period, oldest period first."""
    current = _effective(report_versions(project))
    return [current[number] for number in sorted(current)]


def latest_report(project: Project, on: date | None = None) -> StatusReport | None:
    """Return the newest period's current version as it stood on `on` (default today)."""
    on = on or clock.today()
    return latest_of(queries.versions_on([project.id], on)[project.id])


def latest_of(versions) -> StatusReport | None:
    """Pick the newest period's highest submitted version among versions already as of a date."""
    submitted = [r for r in versions if r.state in FROZEN_STATES]
    return max(submitted, key=lambda r: (r.period_number, r.version)) if submitted else None


# ---- the reporting calendar -----------------------------------------------------------------

def _continue_until(project: Project, forecast_end_on: date | None, today: date) -> date:
    """The last day the project reports on: its closing day, or while it runs, today at least."""
    if project.closed_on is not None:
        return max(project.closed_on, project.baseline_start_on)
    return max(project.baseline_end_on, forecast_end_on or project.baseline_end_on, today)


def reporting_calendar(project: Project, due_after_days: int, forecast_end_on: date | None,
                       today: date, period_days: int = periods.SIX_WEEKS_DAYS
                       ) -> list[periods.ReportingPeriod]:
    """List the baseline's periods, then whole periods while the project runs late."""
    last_on = _continue_until(project, forecast_end_on, today)
    calendar = [p for p in periods.six_weekly_periods(
        project.baseline_start_on, project.baseline_end_on, due_after_days, period_days)
        if p.starts_on <= last_on]
    if last_on > project.baseline_end_on:
        extra_end = (last_on if project.closed_on is not None
                     else last_on + timedelta(days=period_days - 1))
        extra = periods.six_weekly_periods(project.baseline_end_on + timedelta(days=1),
                                           extra_end, due_after_days, period_days)
        calendar += [dataclasses.replace(p, number=len(calendar) + index + 1)
                     for index, p in enumerate(extra) if p.starts_on <= last_on]
    return calendar


def reporting_periods(project: Project, today: date | None = None
                      ) -> list[periods.ReportingPeriod]:
    """List the project's reporting periods with the programme's due days."""
    latest = latest_report(project, today)
    programme = _programme(project)
    return reporting_calendar(project, programme.report_due_after_days,
                              latest.forecast_end_on if latest else None, today or clock.today(),
                              programme.six_weekly_period_days)


def _period(project: Project, period_number: int, today: date) -> periods.ReportingPeriod:
    for period in reporting_periods(project, today):
        if period.number == period_number:
            return period
    raise Conflict(_("The project has no reporting period %(number)s.", number=period_number),
                   field="period_number")


# ---- validating report content --------------------------------------------------------------

def _status(value, field: str) -> RagStatus | None:
    if value is None or value == "":
        return None
    try:
        return RagStatus(value)
    except ValueError:
        raise InvalidInput(_("Choose green, amber or red."), field=field) from None


def _amount(value, field: str) -> int | None:
    """Whole kronor, 0 or more: never a float, a string or a boolean."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEK:
        raise InvalidInput(_("Write whole kronor, 0 or more, with digits only."), field=field)
    return value


def _date(value, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(_("Write the date as YYYY-MM-DD."), field=field) from None


def _text(value, field: str, max_length: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("Write text here."), field=field)
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(_("Write at most %(count)d characters.", count=max_length),
                           field=field)
    return value


def _apply(report: StatusReport, data: dict) -> dict:
    """Validate and set the given report fields; return what changed, old and new."""
    unknown = set(data) - set(REPORT_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(_("%(field)s is not a field of a status report.", field=field),
                           field=field)
    values = {}
    for field, value in data.items():
        if field in STATUS_FIELDS:
            values[field] = _status(value, field)
        elif field in AMOUNT_FIELDS:
            values[field] = _amount(value, field)
        elif field in DATE_FIELDS:
            values[field] = _date(value, field)
        else:
            values[field] = _text(value, field)
    changes = {}
    for field, value in values.items():
        if getattr(report, field) != value:
            changes[field] = (getattr(report, field), value)
            setattr(report, field, value)
    return changes


def submission_problems(report: StatusReport) -> list[tuple[str, str]]:
    """List every reason the report cannot be submitted yet, as (field, message)."""
    problems = []
    for aspect in ASPECTS:
        status = getattr(report, f"{aspect}_status")
        if status is None:
            problems.append((f"{aspect}_status", _("%(aspect)s: choose green, amber or red.",
                                                   aspect=ASPECT_LABELS[aspect])))
        elif status != RagStatus.GREEN and not getattr(report, f"{aspect}_explanation").strip():
            problems.append((f"{aspect}_explanation", _(
                "%(aspect)s is %(status)s: explain why, and what is being done about it.",
                aspect=ASPECT_LABELS[aspect], status=str(labels.RAG[status]).lower())))
    actual, forecast = report.actual_cost_to_date_sek, report.forecast_cost_sek
    if actual is None:
        problems.append(("actual_cost_to_date_sek",
                         _("Give the actual cost to date in whole kronor.")))
    if forecast is None:
        problems.append(("forecast_cost_sek",
                         _("Give the forecast cost at completion in whole kronor.")))
    elif actual is not None and forecast < actual:
        problems.append(("forecast_cost_sek", _(
            "The forecast at completion cannot be less than the cost to date.")))
    previous = _previous_actual_sek(report)
    if (actual is not None and previous is not None and actual < previous
            and not report.cost_explanation.strip()):
        problems.append(("cost_explanation", _(
            "The cost to date (%(actual)s) is lower than in the previous report (%(previous)s): "
            "explain why under cost, for example a booking that was corrected.",
            actual=format_sek(actual), previous=format_sek(previous))))
    problems += _forecast_end_problems(report)
    return problems


def _previous_actual_sek(report: StatusReport) -> int | None:
    """The cost to date of the latest submitted report of an earlier period, if any."""
    return db.session.scalar(
        sa.select(StatusReport.actual_cost_to_date_sek)
        .where(StatusReport.project_id == report.project_id,
               StatusReport.period_number < report.period_number,
               StatusReport.state.in_(FROZEN_STATES))
        .order_by(StatusReport.period_number.desc(), StatusReport.version.desc()).limit(1))


def _forecast_end_problems(report: StatusReport) -> list[tuple[str, str]]:
    end_on, project = report.forecast_end_on, report.project
    if end_on is None:
        return [("forecast_end_on", _("Give the forecast end date."))]
    if end_on < project.baseline_start_on:
        return [("forecast_end_on", _("The forecast end date cannot be before the project "
                                      "started (%(date)s).",
                                      date=project.baseline_start_on.isoformat()))]
    if end_on < report.period_starts_on:
        return [("forecast_end_on", _("The forecast end date cannot be before this reporting "
                                      "period began (%(date)s).",
                                      date=report.period_starts_on.isoformat()))]
    latest = _add_years(project.baseline_end_on, MAX_YEARS_AFTER_BASELINE)
    if end_on > latest:
        return [("forecast_end_on", _("The forecast end date is more than %(years)d years after "
                                      "the planned end; check the date.",
                                      years=MAX_YEARS_AFTER_BASELINE))]
    return []


def _add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _audit_values(changes: dict) -> tuple[dict, dict]:
    return ({field: old for field, (old, _new) in changes.items()},
            {field: new for field, (_old, new) in changes.items()})


# ---- writing reports ------------------------------------------------------------------------

def _prefill(project: Project, period_number: int) -> dict:
    """Copy the previous submitted report's content; the first report starts from the baseline."""
    earlier = {n: r for n, r in _effective(report_versions(project)).items()
               if n < period_number}
    if earlier:
        previous = earlier[max(earlier)]
        return {field: getattr(previous, field) for field in REPORT_FIELDS}
    return {"forecast_end_on": project.baseline_end_on,
            "forecast_cost_sek": project_granted_sek(project) or None}


def open_report(project: Project, period_number: int, actor=None) -> StatusReport:
    """Open a started period's draft, pre-filled; an open draft is returned (actor None: a job)."""
    if actor is not None:
        _require_writer(actor, project)
    project = _lock_project(project)
    if project.state != ProjectState.ACTIVE:
        raise Conflict(_("The project is closed and reports no more."))
    today = clock.today()
    period = _period(project, period_number, today)
    if period.starts_on > today:
        raise Conflict(_("Period %(number)s starts on %(date)s and cannot be reported before "
                         "then.", number=period.number, date=period.starts_on.isoformat()),
                       field="period_number")
    versions = _period_versions(project.id, period.number)
    if versions:
        if versions[-1].state == ReportState.DRAFT:
            return versions[-1]
        raise Conflict(_("The report for period %(number)s has been submitted; correct it "
                         "instead.", number=period.number), report_id=versions[-1].id)
    report = StatusReport(
        project_id=project.id, period_number=period.number, period_starts_on=period.starts_on,
        period_ends_on=period.ends_on, due_on=period.due_on, version=1,
        state=ReportState.DRAFT, **_prefill(project, period.number))
    db.session.add(report)
    db.session.flush()
    audit.record("report.opened", report, actor=actor, after={
        "project_id": project.id, "period_number": period.number, "due_on": period.due_on})
    return report


def save_report(report: StatusReport, data: dict, actor) -> StatusReport:
    """Save fields of a draft; a submitted report is frozen (409)."""
    _require_writer(actor, report.project)
    report = _lock_report(report)
    if report.state != ReportState.DRAFT:
        raise Conflict(_("A submitted report is frozen. Correct it by a new version instead."),
                       state=report.state.value)
    changes = _apply(report, data)
    if changes:
        db.session.flush()
        before, after = _audit_values(changes)
        audit.record("report.saved", report, actor=actor, before=before, after=after)
    return report


def earliest_submission_on(report: StatusReport, programme: Programme) -> date:
    """The first day a period's report may be submitted: the day after the period ends, less
    the programme's allowance for early reports."""
    return periods.earliest_submission_on(report.period_ends_on, programme.report_early_days or 0)


def submit_report(report: StatusReport, actor) -> StatusReport:
    """Submit a complete draft, freezing it, and tell the programme office."""
    _require_writer(actor, report.project)
    report = _lock_report(report)
    if report.state != ReportState.DRAFT:
        raise Conflict(_("The report has already been submitted and is frozen."),
                       state=report.state.value)
    problems = submission_problems(report)
    if problems:
        field, message = problems[0]
        raise InvalidInput(message, field=field,
                           errors=[{"field": f, "message": m} for f, m in problems])
    earliest = earliest_submission_on(report, _programme(report.project))
    if clock.today() < earliest:
        raise InvalidInput(_("The period ends on %(end)s; its report can be submitted from "
                             "%(date)s.", end=report.period_ends_on.isoformat(),
                             date=earliest.isoformat()), field="period_number")
    report.state = ReportState.SUBMITTED
    report.submitted_by_id = actor.id
    report.submitted_at = utcnow()
    db.session.flush()
    project = report.project
    audit.record("report.submitted", report, actor=actor, after={
        "period_number": report.period_number, "version": report.version,
        "supersedes_id": report.supersedes_id,
        **{field: getattr(report, field) for field in STATUS_FIELDS + AMOUNT_FIELDS}})
    notify(users_with_role(Role.PROGRAMME_OFFICE, programme_id=report.project.programme_id),
           "report.submitted",
           _("%(project)s has submitted its report for period %(number)s (version %(version)s).",
             project=project.title, number=report.period_number, version=report.version),
           link=f"/projects/reports/{report.id}")
    return report


def correct_report(report: StatusReport, data: dict, actor) -> StatusReport:
    """Start a correction: a new draft version copying the submitted one, which is kept."""
    _require_writer(actor, report.project)
    _lock_project(report.project)
    if report.state not in FROZEN_STATES:
        raise Conflict(_("Only a submitted report is corrected; edit the draft instead."))
    newest = _period_versions(report.project_id, report.period_number)[-1]
    if newest.id != report.id:
        message = (_("A correction of this report is already in progress.")
                   if newest.state == ReportState.DRAFT
                   else _("A newer version of this report exists; correct that one."))
        raise Conflict(message, report_id=newest.id)
    correction = StatusReport(
        project_id=report.project_id, period_number=report.period_number,
        period_starts_on=report.period_starts_on, period_ends_on=report.period_ends_on,
        due_on=report.due_on, version=report.version + 1, supersedes_id=report.id,
        state=ReportState.DRAFT, **{field: getattr(report, field) for field in REPORT_FIELDS})
    correction.project = report.project
    db.session.add(correction)
    changes = _apply(correction, data)
    db.session.flush()
    audit.record("report.correction_started", correction, actor=actor,
                 after={"supersedes_id": report.id, "version": correction.version,
                        **_audit_values(changes)[1]})
    return correction


def request_completion(report: StatusReport, comment: str, actor) -> StatusReport:
    """Programme office: ask the organisation to complete a submitted report, saying what."""
    if not can_request_completion(actor):
        raise Forbidden(_("Only the programme office asks for completion of a report."))
    report = _lock_report(report)
    if report.state != ReportState.SUBMITTED:
        raise Conflict(_("Completion can only be asked for on a submitted report that has not "
                         "been asked about already."), state=report.state.value)
    newest = _period_versions(report.project_id, report.period_number)[-1]
    if newest.id != report.id:
        raise Conflict(_("A newer version of this report exists."), report_id=newest.id)
    comment = _text(comment, "comment", MAX_TEXT)
    if not comment:
        raise InvalidInput(_("Say what the organisation should complete."), field="comment")
    report.state = ReportState.COMPLETION_REQUESTED
    report.completion_comment = comment
    db.session.flush()
    audit.record("report.completion_requested", report, actor=actor,
                 before={"state": ReportState.SUBMITTED}, after={
                     "state": report.state, "comment": comment})
    project = report.project
    notify(users_of_organisation(project.organisation_id, Role.APPLICANT),
           "report.completion_requested",
           _("The programme office asks you to complete the report for period %(number)s of "
             "%(project)s: %(comment)s", number=report.period_number, project=project.title,
             comment=comment),
           link=f"/projects/reports/{report.id}")
    return report


# ---- go-live, closing and the one-year follow-up --------------------------------------------

def ensure_followup_task(project: Project, actor=None) -> FollowUpTask | None:
    """Make sure the one-year benefit follow-up exists, due a year after go-live; never twice."""
    if project.go_live_on is None:
        return None
    due_on = _add_years(project.go_live_on, 1)
    task = _followup_task(project)
    if task is None:
        try:
            with db.session.begin_nested():
                task = FollowUpTask(project_id=project.id, kind=FOLLOW_UP_KIND, due_on=due_on)
                db.session.add(task)
        except IntegrityError:
            return _followup_task(project)
        audit.record("followup.created", task, actor=actor,
                     after={"project_id": project.id, "kind": FOLLOW_UP_KIND, "due_on": due_on})
    elif task.done_at is None and task.due_on != due_on:
        before = task.due_on
        task.due_on = due_on
        db.session.flush()
        audit.record("followup.rescheduled", task, actor=actor, before={"due_on": before},
                     after={"due_on": due_on})
    return task


def _followup_task(project: Project) -> FollowUpTask | None:
    return db.session.scalar(sa.select(FollowUpTask).where(
        FollowUpTask.project_id == project.id, FollowUpTask.kind == FOLLOW_UP_KIND))


def follow_up_tasks(project: Project) -> list[FollowUpTask]:
    return list(db.session.scalars(sa.select(FollowUpTask).where(
        FollowUpTask.project_id == project.id).order_by(FollowUpTask.due_on, FollowUpTask.id)))


@dataclass(frozen=True)
class MissingBenefit:
    """A benefit of the project still without a realised value for the one-year follow-up."""

    benefit_id: int
    name: str

    @property
    def link(self) -> str:
        return f"/benefits/{self.benefit_id}"


def followup_years(task: FollowUpTask, today: date | None = None) -> tuple[int, int]:
    """The calendar years whose realised value counts: from go-live's year up to this year.

    Realised values are stored per calendar year. The follow-up is due a year after go-live,
    so the first year of use spans the go-live year and the due date's year; a value for
    either counts (or for a later year when the follow-up is done late). A value for a year
    before go-live, or for a year still to come, is no measurement and does not count.
    """
    return task.due_on.year - 1, (today or clock.today()).year


def followup_problems(task: FollowUpTask, today: date | None = None) -> list[MissingBenefit]:
    """Each benefit of the project with no realised value recorded for the follow-up's years."""
    if task.kind != FOLLOW_UP_KIND:
        return []
    first_year, last_year = followup_years(task, today)
    realised = (sa.select(RealisationEntry.id)
                .where(RealisationEntry.benefit_id == Benefit.id,
                       RealisationEntry.year.between(first_year, last_year))
                .exists())
    rows = db.session.execute(
        sa.select(Benefit.id, Benefit.name)
        .where(Benefit.project_id == task.project_id, ~realised)
        .order_by(Benefit.name, Benefit.id)).all()
    return [MissingBenefit(benefit_id=row.id, name=row.name) for row in rows]


@dataclass(frozen=True)
class ChangeToReport:
    """A change of the project's network whose state the one-year follow-up asks evidence for."""

    node_id: int
    label: str
    state: str
    due_on: date


def followup_changes(task: FollowUpTask) -> list[ChangeToReport]:
    """Each change of the project's network still without evidence for its state (issue 16)."""
    from app.benefit_map import services as network_services

    if task.kind != FOLLOW_UP_KIND:
        return []
    project = db.session.get(Project, task.project_id)
    if project is None or project.application_id is None:
        return []
    application = db.session.get(Application, project.application_id)
    calc = network_services.find_calculation(application)
    if calc is None:
        return []
    changes = [ChangeToReport(node.id, node.label, node.state.value, node.due_on)
               for node in network_services.nodes_of(calc.id)
               if node.is_change and not node.evidence.strip()]
    return sorted(changes, key=lambda change: (change.due_on, change.label))


def followup_changes_by_task(tasks: list[FollowUpTask]) -> dict[int, list[ChangeToReport]]:
    """The changes without evidence of each task that is not done yet."""
    return {task.id: followup_changes(task) for task in tasks if task.done_at is None}


def followup_problems_by_task(tasks: list[FollowUpTask]) -> dict[int, list[MissingBenefit]]:
    """The missing benefits of each task that is not done yet (done tasks have none)."""
    return {task.id: followup_problems(task) for task in tasks if task.done_at is None}


def complete_followup_task(task: FollowUpTask, actor) -> FollowUpTask:
    """Mark the follow-up done once every benefit has a realised value; early is fine then."""
    project = db.session.get(Project, task.project_id)
    if not can_complete_followup(actor, project):
        raise Forbidden(_("Only the project's organisation or the programme office marks the "
                          "follow-up as done."))
    task = db.session.get(FollowUpTask, task.id, with_for_update=True, populate_existing=True)
    if task.done_at is not None:
        raise Conflict(_("The follow-up was already marked as done."),
                       done_at=task.done_at.isoformat())
    missing = followup_problems(task)
    changes = followup_changes(task)
    if changes:
        raise Conflict(
            _("Give each change of the benefit map its state with evidence before the "
              "follow-up is done. Still without evidence: %(names)s.",
              names=", ".join(change.label for change in changes)),
            field="changes",
            changes_without_evidence=[{"node_id": c.node_id, "label": c.label,
                                       "state": c.state} for c in changes])
    if missing:
        first_year, last_year = followup_years(task)
        years = str(first_year) if first_year == last_year else f"{first_year}–{last_year}"
        raise Conflict(
            _("Enter a realised value for %(years)s for each benefit before the follow-up is "
              "done. Still missing: %(names)s.", years=years,
              names=", ".join(benefit.name for benefit in missing)),
            missing_benefits=[{"benefit_id": benefit.benefit_id, "name": benefit.name,
                               "link": benefit.link} for benefit in missing])
    task.done_at = utcnow()
    db.session.flush()
    audit.record("followup.completed", task, actor=actor, before={"done_at": None},
                 after={"done_at": task.done_at, "project_id": project.id})
    notify(users_with_role(Role.PROGRAMME_OFFICE, programme_id=project.programme_id),
           "followup.completed",
           _("The one-year benefit follow-up of %(project)s is done: every benefit has a "
             "realised value.", project=project.title),
           link=f"/projects/{project.id}", dedupe_key=f"followup.completed:{task.id}")
    return task


def _go_live(project: Project, value, today: date) -> date | None:
    go_live_on = _date(value, "go_live_on")
    if go_live_on is None:
        return None
    if go_live_on < project.baseline_start_on:
        raise InvalidInput(_("The go-live date cannot be before the project started (%(date)s).",
                             date=project.baseline_start_on.isoformat()), field="go_live_on")
    if go_live_on > today:
        raise InvalidInput(_("Record the go-live date when it has happened; %(date)s is in "
                             "the future.", date=go_live_on.isoformat()), field="go_live_on")
    return go_live_on


def record_go_live(project: Project, go_live_on, actor) -> Project:
    """Record when the e-service went live and schedule its one-year benefit follow-up."""
    if not can_close_project(actor, project):
        raise Forbidden(_("Only the project's organisation or the programme office records "
                          "go-live."))
    project = _lock_project(project)
    value = _go_live(project, go_live_on, clock.today())
    if value is None:
        raise InvalidInput(_("Give the go-live date."), field="go_live_on")
    before = project.go_live_on
    project.go_live_on = value
    db.session.flush()
    audit.record("project.went_live", project, actor=actor, before={"go_live_on": before},
                 after={"go_live_on": value})
    ensure_followup_task(project, actor)
    return project


def _final_report_values(project: Project, data: dict, today: date) -> dict:
    """Validate the final report; every problem names its field."""
    values = {
        "delivered": _text(data.get("delivered"), "delivered"),
        "lessons": _text(data.get("lessons"), "lessons"),
        "followup_indicators": _text(data.get("followup_indicators"), "followup_indicators"),
        "followup_responsible": _text(data.get("followup_responsible"), "followup_responsible",
                                      MAX_RESPONSIBLE),
        "go_live_on": _go_live(project, data.get("go_live_on"), today) or project.go_live_on,
        "followup_on": _date(data.get("followup_on"), "followup_on"),
    }
    final_cost = _amount(data.get("final_cost_sek"), "final_cost_sek")
    required = (("delivered", _("Say what the project delivered.")),
                ("followup_indicators", _("Say which indicators will show the benefits after "
                                          "one year.")),
                ("followup_responsible", _("Say who measures the benefits after one year.")))
    for field, message in required:
        if not values[field]:
            raise InvalidInput(message, field=field)
    if final_cost is None:
        raise InvalidInput(_("Give the final cost in whole kronor."), field="final_cost_sek")
    values["final_cost_sek"] = final_cost
    if values["followup_on"] is None and values["go_live_on"] is not None:
        values["followup_on"] = _add_years(values["go_live_on"], 1)
    if values["followup_on"] is None:
        raise InvalidInput(_("Say when the benefits will be followed up."), field="followup_on")
    if values["go_live_on"] and values["followup_on"] < values["go_live_on"]:
        raise InvalidInput(_("The follow-up cannot be before go-live."), field="followup_on")
    return values


def close_project(project: Project, data: dict, actor) -> FinalReport:
    """File the final report, close the project, release what was committed but not spent."""
    if not can_close_project(actor, project):
        raise Forbidden(_("Only the project's organisation or the programme office closes a "
                          "project."))
    project = _lock_project(project)
    if project.state != ProjectState.ACTIVE:
        raise Conflict(_("The project is already closed."), state=project.state.value)
    today = clock.today()
    values = _final_report_values(project, data, today)
    unused = project_commitment_sek(project) - values["final_cost_sek"]
    programme = _programme(project)
    if unused > 0 and not programme.starts_on <= today <= programme.ends_on:
        raise Conflict(_("The programme ended on %(date)s, so the unused commitment cannot be "
                         "released through its envelope.", date=programme.ends_on.isoformat()))
    final = FinalReport(project_id=project.id, submitted_by_id=actor.id, **values)
    db.session.add(final)
    project.state = ProjectState.CLOSED
    project.closed_on = today
    project.go_live_on = values["go_live_on"]
    db.session.flush()
    if unused > 0:
        application_decisions.release_unused_commitment(
            project, unused, today,
            _("Unused commitment released when the project closed (final cost %(cost)s kr).",
              cost=values["final_cost_sek"]), actor)
    audit.record("project.closed", project, actor=actor, after={
        "closed_on": today, "final_cost_sek": values["final_cost_sek"],
        "released_sek": max(unused, 0), "go_live_on": project.go_live_on})
    ensure_followup_task(project, actor)
    notify(users_with_role(Role.PROGRAMME_OFFICE, programme_id=project.programme_id),
           "project.closed",
           _("%(project)s has closed with its final report.", project=project.title),
           link=f"/projects/{project.id}")
    return final


def final_report(project: Project) -> FinalReport | None:
    return db.session.scalar(sa.select(FinalReport).where(FinalReport.project_id == project.id))


# ---- money ----------------------------------------------------------------------------------

def _application(project: Project) -> Application | None:
    if project.application_id is None:
        return None
    return db.session.get(Application, project.application_id)


def project_granted_sek(project: Project) -> int:
    """What the decisions grant the project, net of reductions; 0 without an application."""
    application = _application(project)
    return application_decisions.granted_sek(application) if application else 0


def project_commitment_sek(project: Project) -> int:
    return application_decisions.project_commitment_sek(project)


def project_decisions(project: Project) -> list[Decision]:
    application = _application(project)
    return list(application.decisions) if application else []


# ---- the project page and the queue ---------------------------------------------------------

@dataclass(frozen=True)
class BurnRow:
    """Cost reported for one period: to date, in the period, and as a share of the grant."""

    report: StatusReport
    spent_in_period_sek: int
    share_of_granted: float | None


@dataclass(frozen=True)
class PeriodRow:
    """A started reporting period with its current report, an open draft, or neither."""

    period: periods.ReportingPeriod
    report: StatusReport | None
    draft: StatusReport | None
    is_overdue: bool


@dataclass(frozen=True)
class ProjectOverview:
    """Everything the project page shows, computed from decisions, the ledger and reports."""

    project: Project
    granted_sek: int
    committed_sek: int
    latest: StatusReport | None
    kept_budget: bool | None
    kept_schedule: bool | None
    burn: list[BurnRow]
    periods: list[PeriodRow]
    versions: list[StatusReport]
    next_period: periods.ReportingPeriod | None
    today: date

    @property
    def actual_cost_sek(self) -> int | None:
        return self.latest.actual_cost_to_date_sek if self.latest else None

    @property
    def forecast_cost_sek(self) -> int | None:
        return self.latest.forecast_cost_sek if self.latest else None

    @property
    def forecast_end_on(self) -> date | None:
        return self.latest.forecast_end_on if self.latest else None


def _burn(history: list[StatusReport], granted: int) -> list[BurnRow]:
    rows, previous = [], 0
    for report in history:
        actual = report.actual_cost_to_date_sek or 0
        rows.append(BurnRow(report, actual - previous, actual / granted if granted else None))
        previous = actual
    return rows


def _period_rows(calendar, versions, today: date) -> list[PeriodRow]:
    current = _effective(versions)
    drafts = {r.period_number: r for r in versions if r.state == ReportState.DRAFT}
    return [PeriodRow(p, current.get(p.number), drafts.get(p.number),
                      p.number not in current and p.due_on < today)
            for p in calendar if p.starts_on <= today]


def _adherence(project: Project, latest: StatusReport | None, granted: int,
               tolerance_days: int) -> tuple[bool | None, bool | None]:
    """Ask the pure adherence rules about the latest report (budget and schedule kept)."""
    if latest is None or latest.actual_cost_to_date_sek is None:
        return None, None
    facts = adherence.ProjectFacts(
        project_id=project.id, area="", organisation_id=project.organisation_id,
        granted_sek=granted, baseline_end_on=project.baseline_end_on,
        reports=(adherence.ReportFacts(
            submitted_on=latest.submitted_at.date(), actual_cost_sek=latest.actual_cost_to_date_sek,
            forecast_cost_sek=latest.forecast_cost_sek or latest.actual_cost_to_date_sek,
            forecast_end_on=latest.forecast_end_on or project.baseline_end_on,
            actual_end_on=project.closed_on),))
    on = latest.submitted_at.date()
    return adherence.kept_budget(facts, on), adherence.kept_schedule(facts, on, tolerance_days)


def project_overview(project: Project, today: date | None = None) -> ProjectOverview:
    """Compute the project page: money, adherence, cost burn, periods and versions."""
    today = today or clock.today()
    programme = _programme(project)
    versions = queries.versions_on([project.id], today)[project.id]
    history = [r for _n, r in sorted(_effective(versions).items())]
    latest = latest_of(versions)
    granted = project_granted_sek(project)
    calendar = reporting_calendar(project, programme.report_due_after_days,
                                  latest.forecast_end_on if latest else None, today,
                                  programme.six_weekly_period_days)
    rows = _period_rows(calendar, versions, today)
    kept_budget, kept_schedule = _adherence(project, latest, granted,
                                            programme.schedule_tolerance_days)
    unreported = [row.period for row in rows if row.report is None]
    return ProjectOverview(
        project=project, granted_sek=granted, committed_sek=project_commitment_sek(project),
        latest=latest, kept_budget=kept_budget, kept_schedule=kept_schedule,
        burn=_burn(history, granted), periods=rows, versions=versions,
        next_period=unreported[0] if unreported and project.state == ProjectState.ACTIVE
        else None, today=today)


@dataclass(frozen=True)
class ReportsDue:
    """A project's periods waiting for a submitted report, oldest first."""

    project: Project
    periods: tuple[periods.ReportingPeriod, ...]
    drafts: dict
    today: date

    @property
    def overdue(self) -> list[periods.ReportingPeriod]:
        return [p for p in self.periods if p.due_on < self.today]


@dataclass(frozen=True)
class ReportQueue:
    """What waits: reports submitted lately, completion asked for, and reports not yet in."""

    submitted: list[StatusReport]
    completion_requested: list[StatusReport]
    due: list[ReportsDue]
    since: date


def reports_due(projects, today: date, overdue_only: bool = False) -> list[ReportsDue]:
    """Find ended (or drafted) periods without a submitted report; optionally only overdue."""
    projects = list(projects)
    if not projects:
        return []
    ids = [p.id for p in projects]
    by_project = queries.versions_on(ids, today)
    due_days = dict(db.session.execute(sa.select(Programme.id, Programme.report_due_after_days)
                                       .where(Programme.id.in_({p.programme_id
                                                                for p in projects}))).all())
    result = []
    for project in projects:
        versions = by_project[project.id]
        latest = latest_of(versions)
        calendar = reporting_calendar(project, due_days[project.programme_id],
                                      latest.forecast_end_on if latest else None, today)
        rows = [row for row in _period_rows(calendar, versions, today)
                if row.report is None and (row.period.ends_on < today or row.draft)]
        if overdue_only:
            rows = [row for row in rows if row.is_overdue]
        if rows:
            result.append(ReportsDue(project, tuple(row.period for row in rows),
                                     {row.period.number: row.draft for row in rows if row.draft},
                                     today))
    return sorted(result, key=lambda item: (item.periods[0].due_on, item.project.title))


def report_queue(user, today: date | None = None, programme_id: int | None = None
                 ) -> ReportQueue:
    """Build the reports queue: the portfolio for programme roles, else one's organisation."""
    today = today or clock.today()
    since = today - timedelta(days=periods.SIX_WEEKS_DAYS)
    portfolio = can_view_portfolio(user, programme_id)
    scope = visible_projects(user, programme_id=programme_id).where(
        Project.state == ProjectState.ACTIVE)
    projects = list(db.session.scalars(scope))
    project_ids = visible_project_ids(user, programme_id=programme_id)
    current = queries.newest_versions(project_ids, today)
    return ReportQueue(
        submitted=[r for r in queries.newest_versions(project_ids, today, submitted_from=since)
                   if r.state == ReportState.SUBMITTED],
        completion_requested=[r for r in current if r.state == ReportState.COMPLETION_REQUESTED],
        due=reports_due(projects, today, overdue_only=portfolio),
        since=since)


def filter_choices() -> tuple[list[Organisation], list[Area]]:
    """Organisations and areas that have projects, for the list's filters."""
    organisations = list(db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(sa.select(Project.organisation_id)))
        .order_by(Organisation.name)))
    areas = list(db.session.scalars(
        sa.select(Area).where(Area.id.in_(sa.select(Project.area_id))).order_by(Area.name)))
    return organisations, areas


# ---- the council's project compilation ("Sammanställning av e-projekt") ---------------------

def compilation_rows(user, *, organisation_id: int | None = None,
                     state: ProjectState | None = None, area_id: int | None = None,
                     today: date | None = None, programme_id: int | None = None) -> list:
    """Every project `user` may see as it stood on `today`: decisions, grant, spending, status."""
    from reports.project_compilation import CompilationRow

    on = today or clock.today()
    ids = visible_project_ids(user, organisation_id=organisation_id, area_id=area_id, state=state,
                              on=on, programme_id=programme_id)
    projects = queries.project_rows(ids, on, order_by_organisation=True)
    references = queries.decision_references([p.application_id for p in projects], on)
    return [CompilationRow(
        project_id=project.project_id, title=project.title, organisation=project.organisation,
        area=project.area,
        decision_references=tuple(references.get(project.application_id, ())),
        granted_sek=int(project.granted_sek),
        spent_sek=project.actual_cost_to_date_sek,
        status=RagStatus(project.overall_status).value if project.overall_status else None,
        state=project.state, baseline_start_on=project.baseline_start_on,
        baseline_end_on=project.baseline_end_on, go_live_on=project.go_live_on)
        for project in projects]
