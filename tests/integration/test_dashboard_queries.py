"""A dashboard costs the same number of SQL statements for 10 and for 1 000 projects, and it
draws the ledger's own figures."""

from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.applications.models import Decision
from app.core import periods
from app.core.enums import DecisionKind, DecisionOutcome, TertialReportState
from app.dashboards import services
from app.extensions import db
from app.followup import queries as followup_queries
from app.followup import services as followup_services
from app.followup.models import TertialReport
from app.programmes.models import Programme
from app.programmes.services import envelope_position
from app.projects.models import Project
from tests.integration.dashboard_portfolio import (
    GRANT_SEK,
    PLANNED_SEK,
    REALISED_SEK,
    SPENT_SEK,
    build_portfolio,
)

TODAY = date(2008, 6, 30)


@contextmanager
def counted_statements():
    """Count every SQL statement sent to the database inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _trace(view, meta):
    return next(t for t in view.chart.figure["data"] if t.get("meta") == meta)


@pytest.fixture
def portfolio(app_ctx, make_programme):
    def build(size: int, tag: str):
        programme = db.session.get(Programme, make_programme())
        return programme, build_portfolio(programme.id, size, tag)

    return build


def test_programme_dashboard_costs_the_same_statements_for_10_and_1000_projects(portfolio):
    counts = {}
    for size, tag in ((10, "S"), (1000, "L")):
        programme, _built = portfolio(size, tag)
        db.session.expire_all()
        with counted_statements() as statements:
            dashboard = services.programme_dashboard(programme, services.Filters(), TODAY)
        counts[size] = len(statements)
        assert len(dashboard.charts["status"].chart.rows) == size
        assert len(dashboard.charts["portfolio"].chart.rows) == size
    assert counts[10] == counts[1000], counts
    assert counts[10] <= 25


def test_organisation_dashboard_costs_the_same_statements_for_10_and_1000_projects(portfolio):
    counts = {}
    for size, tag in ((10, "S"), (1000, "L")):
        programme, built = portfolio(size, tag)
        organisation = services.get_organisation(built.organisation_ids[0])
        db.session.expire_all()
        with counted_statements() as statements:
            services.organisation_dashboard(organisation, programme, services.Filters(), TODAY)
        counts[size] = len(statements)
    assert counts[10] == counts[1000], counts


def test_programme_dashboard_draws_the_ledgers_figures(portfolio):
    programme, built = portfolio(10, "F")
    dashboard = services.programme_dashboard(programme, services.Filters(), TODAY)
    envelope = envelope_position(programme, TODAY)
    waterfall = _trace(dashboard.charts["envelope"], "envelope")
    assert waterfall["customdata"] == [envelope.reserved_sek, envelope.spent_sek,
                                       envelope.committed_sek - envelope.spent_sek,
                                       envelope.remaining_sek]
    assert envelope.committed_sek == 10 * GRANT_SEK
    assert envelope.spent_sek == 0  # booked at the end of 2008, after TODAY
    areas = dashboard.charts["areas"].chart
    assert [row[2] for row in areas.rows] == [5 * GRANT_SEK, 5 * GRANT_SEK]
    assert [row[1] for row in areas.rows] == [100_000_000, 200_000_000]
    funnel = dict(dashboard.charts["pipeline"].chart.rows)
    # Project 9 closes on 2009-06-30: on TODAY it had not finished yet (issue 12).
    assert list(funnel.values()) == [10, 5, 10, 10, 10, 0]
    later = services.programme_dashboard(programme, services.Filters(), date(2009, 7, 1))
    assert list(dict(later.charts["pipeline"].chart.rows).values()) == [10, 5, 10, 10, 10, 1]
    portfolio_rows = dashboard.charts["portfolio"].chart.rows
    assert {row[2] for row in portfolio_rows} == {GRANT_SEK}
    assert all(row[3] is not None for row in portfolio_rows)
    assert [row[4] for row in portfolio_rows] == [1000 + n for n in range(10)]


def test_benefits_budget_cuts_and_adherence_follow_the_rows(portfolio):
    programme, built = portfolio(10, "B")
    later = date(2011, 1, 15)
    dashboard = services.programme_dashboard(programme, services.Filters(), later)
    envelope = envelope_position(programme, later)
    assert envelope.spent_sek == 10 * SPENT_SEK
    assert _trace(dashboard.charts["envelope"], "envelope")["customdata"][1] == envelope.spent_sek
    assert dashboard.charts["benefits"].chart.rows == (
        (2009, 10 * PLANNED_SEK, 10 * REALISED_SEK), (2010, 10 * PLANNED_SEK, None))
    cuts = dashboard.charts["budget_cuts"].chart.rows
    assert len(cuts) == 3
    assert {row[2:4] for row in cuts} == {(90_000, 80_000)}
    # Budget year 2010 is set against the savings realised in 2009 (the default policy's lag
    # of one year): each organisation's own benefits, projects n with n % 3 == its number.
    benefits_owned = {"B förvaltning 0": 4, "B förvaltning 1": 3, "B förvaltning 2": 3}
    assert {row[0]: row[4] for row in cuts} == {
        name: owned * REALISED_SEK for name, owned in benefits_owned.items()}
    adherence = dashboard.charts["adherence"].chart.rows
    assert adherence[-1][0] == later
    assert adherence[-1][1] == 10
    assert str(adherence[-1][2]) == "0.3000"  # projects 0, 4 and 8 forecast over the grant


def test_filters_narrow_the_projects(portfolio):
    programme, built = portfolio(10, "N")
    filters = services.Filters(organisation_id=built.organisation_ids[0],
                               area_id=built.area_ids[0])
    dashboard = services.programme_dashboard(programme, filters, TODAY)
    rows = dashboard.charts["portfolio"].chart.rows
    assert len(rows) == 2  # projects 0 and 6: organisation 0 and area 0
    assert [row[0] for row in dashboard.charts["areas"].chart.rows] == ["N område 0"]
    closed = services.programme_dashboard(
        programme, services.Filters(state=services.ProjectState.CLOSED), date(2009, 7, 1))
    assert [row[0] for row in closed.charts["portfolio"].chart.rows] == ["N projekt 0009"]
    not_yet = services.programme_dashboard(
        programme, services.Filters(state=services.ProjectState.CLOSED), TODAY)
    assert not_yet.charts["portfolio"].chart.rows == ()


def test_adherence_over_time_equals_the_followups_adherence_at_each_date(portfolio):
    programme, built = portfolio(10, "H")
    project = db.session.get(Project, built.project_ids[0])
    original = db.session.scalar(sa.select(Decision.id).where(
        Decision.application_id == project.application_id))
    db.session.add(Decision(  # a later top-up covers project 0's forecast from mid-2010 on
        programme_id=programme.id, application_id=project.application_id,
        kind=DecisionKind.SUPPLEMENTARY, outcome=DecisionOutcome.APPROVED, amount_sek=300_000,
        diary_number="H 2010/00001", decided_on=date(2010, 6, 1), authority_key="city_director",
        refers_to_id=original))
    db.session.flush()
    dashboard = services.programme_dashboard(programme, services.Filters(), date(2011, 1, 15))
    rows = dashboard.charts["adherence"].chart.rows
    assert len(rows) > 3
    for on, assessed, budget_share, schedule_share in rows:
        expected = followup_services.adherence_at(programme.id, on)
        assert (assessed, budget_share, schedule_share) == (
            expected.assessed, expected.not_kept_budget_share,
            expected.not_kept_schedule_share), on
    by_day = {row[0]: row[2] for row in rows}
    assert str(by_day[date(2009, 12, 31)]) == "0.3000"  # projects 0, 4 and 8 over the grant
    assert str(by_day[date(2011, 1, 15)]) == "0.2000"  # project 0 topped up since


def test_commitments_by_area_count_only_what_is_booked_by_the_day(portfolio):
    programme, _built = portfolio(10, "C")
    before = services.programme_dashboard(programme, services.Filters(), date(2008, 2, 1))
    assert [row[2] for row in before.charts["areas"].chart.rows] == [0, 0]
    assert envelope_position(programme, date(2008, 2, 1)).committed_sek == 0


def _last_status_cells(dashboard) -> set[str]:
    return {row[-1] for row in dashboard.charts["status"].chart.rows}


def test_status_heatmap_calls_a_report_missing_only_once_it_is_overdue(portfolio):
    programme, _built = portfolio(10, "D")
    # Period 2 ended on 23 May 2008; its report is due 10 days later, on 2 June.
    not_yet_due = services.programme_dashboard(programme, services.Filters(), date(2008, 5, 30))
    assert _last_status_cells(not_yet_due) == {""}
    reported = services.programme_dashboard(programme, services.Filters(), date(2008, 6, 5))
    labels = services.chart_labels()
    assert _last_status_cells(reported) == {labels["green"], labels["amber"], labels["red"]}
    # Period 3 ended on 4 July and nobody reported by the 14th.
    overdue = services.programme_dashboard(programme, services.Filters(), date(2008, 7, 20))
    assert _last_status_cells(overdue) == {labels["missing"]}


def test_the_compilation_and_the_project_list_cost_the_same_statements_for_10_and_200(
        portfolio, people):
    """The as-of project rows join names, grants and the latest report (no query per row)."""
    from app.accounts.models import User
    from app.projects import overview as project_read
    from app.projects import permissions as project_permissions

    jonas = db.session.get(User, people.jonas)
    counts = {}
    for size, tag in ((10, "Q"), (200, "R")):
        portfolio(size, tag)
        db.session.expire_all()
        with counted_statements() as statements:
            rows = project_read.compilation_rows(jonas, today=TODAY)
            listed = db.session.scalars(project_permissions.visible_projects(jonas, on=TODAY)).all()
            names = [(p.organisation.name, p.area.name if p.area else None) for p in listed]
        assert len(rows) == len(listed) == len(names) >= size
        counts[size] = len(statements)
    assert counts[10] == counts[200], counts


def _present_tertial(programme: Programme, year: int, number: int) -> None:
    """Freeze a tertial report of the programme as the programme office would present it."""
    period = periods.tertial_period(year, number)
    db.session.add(TertialReport(
        programme_id=programme.id, year=year, tertial=number, as_of=period.ends_on,
        state=TertialReportState.PRESENTED, summary="Presenterad.",
        snapshot=followup_services.build_snapshot(programme, period)))
    db.session.flush()


@pytest.fixture
def asked_dates(monkeypatch):
    """Record the dates the dashboard counts adherence facts for."""
    asked: list[date] = []
    counted = followup_queries.facts_at

    def facts_at(programme_id, dates, **filters):
        dates = list(dates)
        asked.extend(dates)
        return counted(programme_id, dates, **filters)

    monkeypatch.setattr(followup_queries, "facts_at", facts_at)
    return asked


def test_a_presented_tertial_reports_figures_serve_its_period_end(portfolio, asked_dates):
    programme, _built = portfolio(10, "T")
    _present_tertial(programme, 2009, 3)
    asked_dates.clear()
    dashboard = services.programme_dashboard(programme, services.Filters(), date(2011, 1, 15))
    rows = dashboard.charts["adherence"].chart.rows
    assert date(2009, 12, 31) not in asked_dates and date(2009, 8, 31) in asked_dates
    for on, assessed, budget_share, schedule_share in rows:
        expected = followup_services.adherence_at(programme.id, on)
        assert (assessed, budget_share, schedule_share) == (
            expected.assessed, expected.not_kept_budget_share,
            expected.not_kept_schedule_share), on
    assert str(dict((row[0], row[2]) for row in rows)[date(2009, 12, 31)]) == "0.3000"


def test_a_filtered_view_or_a_changed_tolerance_counts_again(portfolio, asked_dates):
    programme, built = portfolio(10, "U")
    _present_tertial(programme, 2009, 3)
    asked_dates.clear()
    project = db.session.get(Project, built.project_ids[0])
    services.programme_dashboard(programme, services.Filters(
        organisation_id=project.organisation_id), date(2011, 1, 15))
    assert date(2009, 12, 31) in asked_dates
    asked_dates.clear()
    programme.schedule_tolerance_days = (programme.schedule_tolerance_days or 0) + 30
    db.session.flush()
    services.programme_dashboard(programme, services.Filters(), date(2011, 1, 15))
    assert date(2009, 12, 31) in asked_dates


def test_the_portfolio_reads_stored_baseline_values_and_evaluates_only_the_missing(portfolio):
    from app.benefits import services as benefit_services

    programme, _built = portfolio(6, "N")

    def drawn_npvs():
        rows = services.programme_dashboard(programme, services.Filters(), TODAY).charts[
            "portfolio"].chart.rows
        return {row[0]: row[3] for row in rows}

    evaluated = drawn_npvs()
    assert len(evaluated) == 6 and all(npv is not None for npv in evaluated.values())
    assert benefit_services.store_frozen_values() >= 6
    db.session.flush()
    db.session.expire_all()
    with counted_statements() as statements:
        stored = drawn_npvs()
    assert stored == evaluated
    assert not any("cost_line" in statement for statement in statements)
