"""Six-weekly status reports: open, save, submit, correct and ask for completion."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.queries import users_of_organisation, users_with_role
from app.core import audit, clock, labels, periods
from app.core.enums import ProjectState, RagStatus, ReportState, Role
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.inputs import parse_date
from app.core.models import utcnow
from app.core.money import format_sek
from app.core.notifications import notify
from app.extensions import db
from app.programmes.models import Programme

from .models import Project, StatusReport
from .permissions import can_request_completion, can_write_reports
from .services import (
    FROZEN_STATES,
    add_years,
    effective_versions,
    lock_project,
    project_granted_sek,
    project_programme,
    report_versions,
    reporting_periods,
)

ASPECTS = ("overall", "cost", "schedule", "scope", "benefit")
STATUS_FIELDS = tuple(f"{aspect}_status" for aspect in ASPECTS)
EXPLANATION_FIELDS = tuple(f"{aspect}_explanation" for aspect in ASPECTS)
AMOUNT_FIELDS = ("actual_cost_to_date_sek", "forecast_cost_sek")
TEXT_FIELDS = ("milestones_reached", "next_milestones", "risks", "decisions_needed")
DATE_FIELDS = ("forecast_end_on",)
REPORT_FIELDS = STATUS_FIELDS + EXPLANATION_FIELDS + AMOUNT_FIELDS + DATE_FIELDS + TEXT_FIELDS
MAX_SEK = 10**12
MAX_TEXT = 10_000
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


# ---- finding a report and its period ---------------------------------------------------------

def _lock_report(report: StatusReport) -> StatusReport:
    return db.session.get(StatusReport, report.id, with_for_update=True, populate_existing=True)


def _period_versions(project_id: int, period_number: int) -> list[StatusReport]:
    return list(db.session.scalars(
        sa.select(StatusReport).where(StatusReport.project_id == project_id,
                                      StatusReport.period_number == period_number)
        .order_by(StatusReport.version)))


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


def parse_amount(value, field: str) -> int | None:
    """Whole kronor, 0 or more: never a float, a string or a boolean."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEK:
        raise InvalidInput(_("Write whole kronor, 0 or more, with digits only."), field=field)
    return value


def parse_text(value, field: str, max_length: int = MAX_TEXT) -> str:
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
            values[field] = parse_amount(value, field)
        elif field in DATE_FIELDS:
            values[field] = parse_date(value, field)
        else:
            values[field] = parse_text(value, field)
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
    latest = add_years(project.baseline_end_on, MAX_YEARS_AFTER_BASELINE)
    if end_on > latest:
        return [("forecast_end_on", _("The forecast end date is more than %(years)d years after "
                                      "the planned end; check the date.",
                                      years=MAX_YEARS_AFTER_BASELINE))]
    return []


def _audit_values(changes: dict) -> tuple[dict, dict]:
    return ({field: old for field, (old, _new) in changes.items()},
            {field: new for field, (_old, new) in changes.items()})


# ---- writing reports ------------------------------------------------------------------------

def _prefill(project: Project, period_number: int) -> dict:
    """Copy the previous submitted report's content; the first report starts from the baseline."""
    earlier = {n: r for n, r in effective_versions(report_versions(project)).items()
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
    project = lock_project(project)
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
    earliest = earliest_submission_on(report, project_programme(report.project))
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
    lock_project(report.project)
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
    comment = parse_text(comment, "comment", MAX_TEXT)
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
