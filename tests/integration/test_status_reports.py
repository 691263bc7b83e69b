"""Six-weekly status reports, corrections, completion requests, closing and the follow-up task.

Karin's project (Trafikkontoret) is granted 1 200 000 kr on 2008-04-01 and runs from
2008-03-01 to 2009-06-30; its periods are 42 days long and due 10 days after they end:
period 1 is 2008-03-01 – 2008-04-11 (due 2008-04-21), period 2 2008-04-12 – 2008-05-23.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications import decisions as application_decisions
from app.applications.models import Application
from app.core.enums import LedgerEntryKind, ProjectState, ReportState
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.models import AuditEntry, Notification
from app.extensions import db
from app.followup.models import FollowUpTask
from app.programmes.models import EnvelopeEntry, Programme
from app.programmes.services import envelope_position
from app.projects import closing as project_closing
from app.projects import followup_tasks as project_followup
from app.projects import overview as project_read
from app.projects import permissions, services
from app.projects import reports as project_reports
from app.projects.models import FinalReport, Project, StatusReport
from tests.conftest import decide_on_the_day

COMPLETE = {
    "overall_status": "green", "cost_status": "amber", "schedule_status": "green",
    "scope_status": "green", "benefit_status": "red",
    "cost_explanation": "Konsultpriserna steg i april.",
    "benefit_explanation": "Lanseringen flyttas, nyttan kommer senare.",
    "actual_cost_to_date_sek": 250_000, "forecast_cost_sek": 1_150_000,
    "forecast_end_on": date(2009, 8, 31),
    "milestones_reached": "Förstudie klar", "next_milestones": "Pilot 2008-09-01",
    "risks": "Leverantören är sen", "decisions_needed": "Inga",
}


def _user(user_id) -> User:
    return db.session.get(User, user_id)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def project(app_ctx, people, make_application, demo_date) -> Project:
    """Karin's funded project, decided by Anders on 2008-04-01; the clock stands at 2008-04-14."""
    application = db.session.get(Application, make_application("awaiting_decision"))
    decide_on_the_day(application, {"outcome": "approved",
                                    "decided_on": date(2008, 4, 1)},
                      _user(people.anders))
    db.session.commit()
    demo_date("2008-04-14")
    return application_decisions.project_for(application)


@pytest.fixture
def karin(people):
    return _user(people.karin)


@pytest.fixture
def jonas(people):
    return _user(people.jonas)


def _submitted(project, karin, number=1, **changes) -> StatusReport:
    report = project_reports.open_report(project, number, karin)
    project_reports.save_report(report, {**COMPLETE, **changes}, karin)
    return project_reports.submit_report(report, karin)


def _reloaded(report) -> StatusReport:
    return db.session.get(StatusReport, report.id, populate_existing=True)


# ---- the calendar ---------------------------------------------------------------------------

def test_periods_follow_the_baseline_and_the_programmes_due_days(project):
    periods = services.reporting_periods(project)
    assert (periods[0].starts_on, periods[0].ends_on, periods[0].due_on) == (
        date(2008, 3, 1), date(2008, 4, 11), date(2008, 4, 21))
    assert periods[1].starts_on == date(2008, 4, 12)
    assert periods[-1].ends_on == date(2009, 6, 30)
    db.session.get(Programme, project.programme_id).report_due_after_days = 14
    assert services.reporting_periods(project)[0].due_on == date(2008, 4, 25)


def test_a_project_running_late_keeps_reporting_in_whole_periods(project, demo_date):
    baseline = services.reporting_periods(project)
    demo_date("2009-09-01")
    later = services.reporting_periods(project)
    assert later[:len(baseline)] == baseline
    extra = later[len(baseline):]
    assert extra[0].starts_on == date(2009, 7, 1) and extra[0].ends_on == date(2009, 8, 11)
    assert extra[-1].starts_on <= date(2009, 9, 1) <= extra[-1].ends_on
    assert [p.number for p in later] == list(range(1, len(later) + 1))


# ---- opening and pre-filling ----------------------------------------------------------------

def test_the_first_report_starts_from_the_baseline_and_opening_twice_gives_the_same_draft(
        project, karin):
    report = project_reports.open_report(project, 1, karin)
    assert (report.state, report.version, report.due_on) == (
        ReportState.DRAFT, 1, date(2008, 4, 21))
    assert report.forecast_end_on == date(2009, 6, 30)
    assert report.forecast_cost_sek == 1_200_000
    assert report.overall_status is None
    assert project_reports.open_report(project, 1, karin).id == report.id
    assert _count(StatusReport) == 1


def test_a_new_report_is_prefilled_from_the_previous_submitted_one(project, karin, demo_date):
    first = _submitted(project, karin)
    demo_date("2008-05-30")
    second = project_reports.open_report(project, 2, karin)
    assert second.id != first.id and second.period_number == 2
    assert {f: getattr(second, f) for f in project_reports.REPORT_FIELDS} == {
        f: getattr(first, f) for f in project_reports.REPORT_FIELDS}
    assert second.state == ReportState.DRAFT and second.submitted_at is None


def test_an_overdue_period_can_still_be_reported(project, karin, demo_date):
    demo_date("2008-06-10")
    report = project_reports.open_report(project, 1, karin)
    assert report.due_on < date(2008, 6, 10)
    project_reports.save_report(report, COMPLETE, karin)
    assert project_reports.submit_report(report, karin).state == ReportState.SUBMITTED


# ---- refusals: nothing is written -----------------------------------------------------------

@pytest.mark.parametrize("number", [3, 99])
def test_a_period_that_is_not_open_is_refused_and_nothing_is_written(project, karin, number):
    audits = _count(AuditEntry)
    with pytest.raises(Conflict) as refused:
        project_reports.open_report(project, number, karin)
    assert refused.value.field == "period_number"
    assert _count(StatusReport) == 0 and _count(AuditEntry) == audits


def test_a_closed_project_reports_no_more(project, karin):
    project.state = ProjectState.CLOSED
    project.closed_on = date(2008, 4, 14)
    with pytest.raises(Conflict):
        project_reports.open_report(project, 1, karin)
    assert _count(StatusReport) == 0


def test_another_organisation_cannot_see_or_write_the_projects_reports(project, karin, people):
    sven, jonas = _user(people.sven), _user(people.jonas)
    with pytest.raises(NotFound):
        permissions.get_visible_project(sven, project.id)
    with pytest.raises(Forbidden):
        project_reports.open_report(project, 1, sven)
    with pytest.raises(Forbidden):
        project_reports.open_report(project, 1, jonas)
    assert _count(StatusReport) == 0
    report = project_reports.open_report(project, 1, karin)
    with pytest.raises(NotFound):
        permissions.get_visible_report(sven, report.id)
    with pytest.raises(NotFound):
        permissions.get_visible_report(jonas, report.id)
    for attempt in (lambda: project_reports.save_report(report, {"risks": "x"}, sven),
                    lambda: project_reports.submit_report(report, jonas)):
        with pytest.raises(Forbidden):
            attempt()
    assert _reloaded(report).risks == "" and _reloaded(report).state == ReportState.DRAFT
    assert permissions.get_visible_project(jonas, project.id) == project


def test_red_without_an_explanation_is_refused_with_the_reason(project, karin):
    report = project_reports.open_report(project, 1, karin)
    project_reports.save_report(report, {**COMPLETE, "benefit_explanation": "  "}, karin)
    with pytest.raises(InvalidInput) as refused:
        project_reports.submit_report(report, karin)
    assert refused.value.field == "benefit_explanation"
    assert "red" in refused.value.detail.lower() or "röd" in refused.value.detail.lower()
    assert _reloaded(report).state == ReportState.DRAFT


def test_every_problem_is_listed_at_once(project, karin):
    report = project_reports.open_report(project, 1, karin)
    project_reports.save_report(
        report, {"cost_status": "amber", "forecast_end_on": date(2007, 1, 1)}, karin)
    with pytest.raises(InvalidInput) as refused:
        project_reports.submit_report(report, karin)
    fields = {e["field"] for e in refused.value.extra["errors"]}
    assert {"overall_status", "cost_explanation", "schedule_status", "scope_status",
            "benefit_status", "actual_cost_to_date_sek", "forecast_end_on"} <= fields


@pytest.mark.parametrize(("field", "value"), [
    ("actual_cost_to_date_sek", -1), ("actual_cost_to_date_sek", "tusen"),
    ("actual_cost_to_date_sek", 12.5), ("forecast_cost_sek", True),
    ("forecast_cost_sek", 10**13), ("cost_status", "purple"), ("forecast_end_on", "31/12/2009"),
])
def test_bad_values_are_refused_naming_the_field_and_the_draft_is_unchanged(
        project, karin, field, value):
    report = project_reports.open_report(project, 1, karin)
    with pytest.raises(InvalidInput) as refused:
        project_reports.save_report(report, {"risks": "ny risk", field: value}, karin)
    assert refused.value.field == field
    assert _reloaded(report).risks == ""


def test_a_forecast_below_the_cost_to_date_is_refused(project, karin):
    report = project_reports.open_report(project, 1, karin)
    project_reports.save_report(report, {**COMPLETE, "forecast_cost_sek": 100_000}, karin)
    with pytest.raises(InvalidInput) as refused:
        project_reports.submit_report(report, karin)
    assert refused.value.field == "forecast_cost_sek"


def test_a_cost_to_date_lower_than_before_needs_an_explanation(project, karin, demo_date):
    _submitted(project, karin)
    demo_date("2008-05-30")
    report = project_reports.open_report(project, 2, karin)
    project_reports.save_report(report, {"actual_cost_to_date_sek": 200_000, "cost_status": "green",
                                         "cost_explanation": ""}, karin)

    with pytest.raises(InvalidInput) as refused:
        project_reports.submit_report(report, karin)
    assert refused.value.field == "cost_explanation"
    assert "250\xa0000\xa0kr" in refused.value.detail
    assert _reloaded(report).state == ReportState.DRAFT

    project_reports.save_report(report, {"cost_explanation": "En faktura var bokförd två gånger."},
                                karin)
    assert project_reports.submit_report(report, karin).state == ReportState.SUBMITTED


def test_a_forecast_end_before_the_period_began_is_refused(project, karin, demo_date):
    _submitted(project, karin)
    demo_date("2008-05-30")
    report = project_reports.open_report(project, 2, karin)
    project_reports.save_report(report, {"forecast_end_on": report.period_starts_on
                                         - timedelta(days=1)}, karin)

    with pytest.raises(InvalidInput) as refused:
        project_reports.submit_report(report, karin)
    assert refused.value.field == "forecast_end_on"
    assert _reloaded(report).state == ReportState.DRAFT


# ---- freezing and corrections ---------------------------------------------------------------

def test_a_submitted_report_is_frozen(project, karin):
    report = _submitted(project, karin)
    frozen = {f: getattr(report, f) for f in project_reports.REPORT_FIELDS}
    submitted_at = report.submitted_at
    with pytest.raises(Conflict):
        project_reports.save_report(report, {"cost_status": "green"}, karin)
    with pytest.raises(Conflict):
        project_reports.submit_report(report, karin)
    with pytest.raises(Conflict):
        project_reports.open_report(project, 1, karin)
    again = _reloaded(report)
    assert {f: getattr(again, f) for f in project_reports.REPORT_FIELDS} == frozen
    assert again.submitted_at == submitted_at and again.state == ReportState.SUBMITTED


def test_a_correction_is_a_new_version_and_the_old_one_is_kept(project, karin, demo_date):
    original = _submitted(project, karin)
    demo_date("2008-04-20")
    correction = project_reports.correct_report(original, {"actual_cost_to_date_sek": 270_000},
                                                karin)
    assert (correction.version, correction.supersedes_id, correction.state) == (
        2, original.id, ReportState.DRAFT)
    assert correction.cost_explanation == COMPLETE["cost_explanation"]
    with pytest.raises(Conflict) as twice:
        project_reports.correct_report(original, {}, karin)
    assert twice.value.extra["report_id"] == correction.id
    project_reports.submit_report(correction, karin)
    kept = _reloaded(original)
    assert kept.actual_cost_to_date_sek == 250_000 and kept.state == ReportState.SUBMITTED
    assert [r.id for r in services.report_versions(project)] == [original.id, correction.id]
    assert [r.id for r in services.status_history(project)] == [correction.id]
    assert services.latest_report(project).id == correction.id
    assert services.latest_report(project, date(2008, 4, 14)).id == original.id
    assert services.latest_report(project, date(2008, 4, 13)) is None
    with pytest.raises(Conflict):
        project_reports.correct_report(original, {}, karin)


def test_a_draft_is_not_corrected(project, karin):
    report = project_reports.open_report(project, 1, karin)
    with pytest.raises(Conflict):
        project_reports.correct_report(report, {}, karin)


# ---- notifications, completion and the audit trail ------------------------------------------

def test_submitting_tells_the_programme_office_and_is_audited(project, karin, jonas):
    report = _submitted(project, karin)
    assert db.session.scalar(sa.select(Notification).where(
        Notification.user_id == jonas.id, Notification.kind == "report.submitted")).link == (
        f"/projects/reports/{report.id}")
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "StatusReport", AuditEntry.object_id == str(report.id))).all()
    assert actions == ["report.opened", "report.saved", "report.submitted"]


def test_the_programme_office_asks_for_completion_and_karin_corrects(project, karin, jonas):
    report = _submitted(project, karin)
    with pytest.raises(Forbidden):
        project_reports.request_completion(report, "Komplettera", karin)
    with pytest.raises(InvalidInput) as empty:
        project_reports.request_completion(report, "  ", jonas)
    assert empty.value.field == "comment"
    project_reports.request_completion(report, "Förklara kostnadsökningen närmare.", jonas)
    assert (report.state, report.completion_comment) == (
        ReportState.COMPLETION_REQUESTED, "Förklara kostnadsökningen närmare.")
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == karin.id,
        Notification.kind == "report.completion_requested")) == 1
    with pytest.raises(Conflict):
        project_reports.request_completion(report, "Igen", jonas)
    correction = project_reports.correct_report(
        report, {"cost_explanation": "Konsultpriser +12 %."}, karin)
    project_reports.submit_report(correction, karin)
    assert services.status_history(project) == [correction]
    assert _reloaded(report).state == ReportState.COMPLETION_REQUESTED


def test_the_queue_shows_jonas_submitted_and_overdue_reports(project, karin, jonas, people,
                                                              demo_date):
    report = _submitted(project, karin)
    queue = project_read.report_queue(jonas)
    assert queue.submitted == [report] and queue.due == []
    demo_date("2008-06-10")
    queue = project_read.report_queue(jonas)
    assert [p.number for p in queue.due[0].overdue] == [2]
    karins = project_read.report_queue(karin)
    assert [p.number for p in karins.due[0].periods] == [2]
    assert project_read.report_queue(_user(people.sven)).submitted == []


# ---- closing, the release and the one-year follow-up ----------------------------------------

FINAL = {
    "delivered": "E-tjänst för cykelreseplanering i webbkartan.",
    "final_cost_sek": 1_000_000, "go_live_on": date(2008, 9, 1),
    "lessons": "Börja med processkartläggning.",
    "followup_indicators": "Andel planerade resor via webben; samtal till kundtjänst.",
    "followup_responsible": "Karin, Trafikkontoret",
}


def test_closing_releases_exactly_committed_minus_final_cost(project, karin, demo_date):
    demo_date("2008-10-15")
    programme = db.session.get(Programme, project.programme_id)
    before = envelope_position(programme)
    assert services.project_commitment_sek(project) == 1_200_000
    final = project_closing.close_project(project, FINAL, karin)
    assert isinstance(final, FinalReport) and final.followup_on == date(2009, 9, 1)
    assert (project.state, project.closed_on, project.go_live_on) == (
        ProjectState.CLOSED, date(2008, 10, 15), date(2008, 9, 1))
    releases = db.session.scalars(sa.select(EnvelopeEntry).where(
        EnvelopeEntry.project_id == project.id,
        EnvelopeEntry.kind == LedgerEntryKind.RELEASE)).all()
    assert [(e.amount_sek, e.booked_on) for e in releases] == [(200_000, date(2008, 10, 15))]
    assert envelope_position(programme).remaining_sek - before.remaining_sek == 200_000
    assert services.project_commitment_sek(project) == 1_000_000
    tasks = project_followup.follow_up_tasks(project)
    assert [(t.kind, t.due_on) for t in tasks] == [("benefit_followup_1y", date(2009, 9, 1))]
    with pytest.raises(Conflict):
        project_closing.close_project(project, FINAL, karin)


def test_closing_over_budget_releases_nothing(project, karin, demo_date):
    demo_date("2008-10-15")
    project_closing.close_project(project, {**FINAL, "final_cost_sek": 1_300_000}, karin)
    assert db.session.scalar(sa.select(sa.func.count(EnvelopeEntry.id)).where(
        EnvelopeEntry.kind == LedgerEntryKind.RELEASE)) == 0


@pytest.mark.parametrize(("field", "value"), [
    ("final_cost_sek", -5), ("final_cost_sek", "1e6"), ("delivered", ""),
    ("followup_indicators", ""), ("followup_responsible", ""), ("go_live_on", date(2009, 1, 1)),
])
def test_a_bad_final_report_is_refused_and_nothing_changes(project, karin, demo_date, field,
                                                           value):
    demo_date("2008-10-15")
    with pytest.raises(InvalidInput) as refused:
        project_closing.close_project(project, {**FINAL, field: value}, karin)
    assert refused.value.field == field
    assert project.state == ProjectState.ACTIVE
    assert _count(FinalReport) == 0 and _count(FollowUpTask) == 0


def test_another_organisation_cannot_close_the_project(project, people, demo_date):
    demo_date("2008-10-15")
    with pytest.raises(Forbidden):
        project_closing.close_project(project, FINAL, _user(people.sven))
    assert project.state == ProjectState.ACTIVE


def test_go_live_creates_the_follow_up_task_once(project, karin, jonas, demo_date):
    demo_date("2008-10-15")
    project_closing.record_go_live(project, date(2008, 9, 1), karin)
    project_closing.record_go_live(project, date(2008, 9, 1), jonas)
    project_followup.ensure_followup_task(project)
    project_closing.close_project(project, {**FINAL, "go_live_on": None}, karin)
    tasks = db.session.scalars(sa.select(FollowUpTask)).all()
    assert [(t.project_id, t.due_on) for t in tasks] == [(project.id, date(2009, 9, 1))]
    created = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "followup.created"))
    assert created == 1


def test_a_corrected_go_live_moves_the_open_task(project, karin, demo_date):
    demo_date("2008-10-15")
    project_closing.record_go_live(project, date(2008, 9, 1), karin)
    project_closing.record_go_live(project, date(2008, 9, 15), karin)
    assert [t.due_on for t in project_followup.follow_up_tasks(project)] == [date(2009, 9, 15)]


@pytest.mark.parametrize("go_live_on", [date(2008, 2, 1), date(2008, 12, 24), None])
def test_a_bad_go_live_date_is_refused(project, karin, demo_date, go_live_on):
    demo_date("2008-10-15")
    with pytest.raises(InvalidInput):
        project_closing.record_go_live(project, go_live_on, karin)
    assert project.go_live_on is None and _count(FollowUpTask) == 0


def test_a_leap_day_go_live_is_followed_up_on_28_february():
    assert services.add_years(date(2008, 2, 29), 1) == date(2009, 2, 28)


# ---- the overview ---------------------------------------------------------------------------

def test_the_overview_computes_money_burn_and_adherence(project, karin, demo_date):
    _submitted(project, karin)
    demo_date("2008-05-30")
    _submitted(project, karin, 2, actual_cost_to_date_sek=600_000, forecast_cost_sek=1_300_000)
    overview = project_read.project_overview(project)
    assert (overview.granted_sek, overview.committed_sek) == (1_200_000, 1_200_000)
    assert (overview.actual_cost_sek, overview.forecast_cost_sek) == (600_000, 1_300_000)
    assert [(row.spent_in_period_sek, row.share_of_granted) for row in overview.burn] == [
        (250_000, 250_000 / 1_200_000), (350_000, 0.5)]
    assert overview.kept_budget is False and overview.kept_schedule is False
    assert [(row.period.number, row.report is not None, row.is_overdue)
            for row in overview.periods] == [(1, True, False), (2, True, False), (3, False, False)]
    assert overview.next_period.number == 3


def test_the_page_and_the_queue_on_an_earlier_date_hold_no_later_report(project, karin, jonas,
                                                                       demo_date):
    first = _submitted(project, karin)
    demo_date("2008-05-30")
    second = _submitted(project, karin, 2, actual_cost_to_date_sek=600_000,
                        forecast_cost_sek=1_300_000)
    earlier = project_read.project_overview(project, date(2008, 5, 1))
    assert earlier.latest == first and earlier.actual_cost_sek == 250_000
    assert [(row.period.number, row.report is not None) for row in earlier.periods] == [
        (1, True), (2, False)]
    assert project_read.report_queue(jonas, date(2008, 5, 1)).submitted == [first]
    assert project_read.report_queue(jonas, date(2008, 5, 30)).submitted == [second]  # 6 weeks
    assert services.latest_report(project, date(2008, 4, 13)) is None


def test_a_report_counts_from_the_citys_day_it_was_submitted_not_the_utc_day(project, karin):
    """22:30 UTC on 14 April is 00:30 on 15 April in Stockholm."""
    report = _submitted(project, karin)
    report.submitted_at = datetime(2008, 4, 14, 22, 30, tzinfo=UTC)
    db.session.flush()
    assert services.latest_report(project, date(2008, 4, 14)) is None
    assert services.latest_report(project, date(2008, 4, 15)) == report
    assert project_read.project_overview(project, date(2008, 4, 14)).latest is None


# ---- writes respect time (issue 12) ---------------------------------------------------------

@pytest.mark.parametrize(("today", "early_days", "accepted"), [
    ("2008-04-14", 0, False),  # period 2 runs 2008-04-12 – 2008-05-23
    ("2008-05-23", 0, False),  # its last day: not over yet
    ("2008-05-24", 0, True),  # the day after it ended
    ("2008-05-20", 3, False),  # three days early is allowed from 2008-05-21
    ("2008-05-21", 3, True),
])
def test_a_report_is_submitted_once_its_period_has_ended_or_as_early_as_allowed(
        project, karin, demo_date, today, early_days, accepted):
    db.session.get(Programme, project.programme_id).report_early_days = early_days
    report = project_reports.open_report(project, 2, karin)
    project_reports.save_report(report, COMPLETE, karin)
    demo_date(today)
    if accepted:
        assert project_reports.submit_report(report, karin).state == ReportState.SUBMITTED
        return
    with pytest.raises(InvalidInput) as refused:
        project_reports.submit_report(report, karin)
    earliest = (date(2008, 5, 24) - timedelta(days=early_days)).isoformat()
    assert earliest in refused.value.detail and "2008-05-23" in refused.value.detail
    assert _reloaded(report).state == ReportState.DRAFT and _reloaded(report).submitted_at is None
