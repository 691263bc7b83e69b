"""Adherence from the database: facts per project, shares at any date, a fixed query count.

The hand-made portfolio (granted 1 000 000 kr each, baseline end 2009-06-30, tolerance 0):

    P1 A Skola   v1 2008-05-01 forecast 1 000 000; correction v2 2008-06-10 forecast 1 200 000
    P2 A Trafik  2008-05-01 forecast 900 000, end 2009-08-31 (62 days late)
    P3 B Skola   2008-05-01 forecast 1 100 000, end 2009-07-15 (15 days late)
    P4 B Trafik  never reported
    P5 B Skola   period 1 2008-05-01 forecast 1 100 000; period 2 2008-06-20 forecast 1 000 000;
                 a draft of period 3 saying 5 000 000 (drafts never count)
    P6 A Skola   report 2008-05-15 forecast 1 250 000; supplement 300 000 on 2008-06-01
    P7 A Trafik  reduced by 200 000 on 2008-06-01; report 2008-06-05 forecast 900 000
"""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.enums import DecisionKind, ProjectState, ReportState
from app.core.errors import InvalidInput
from app.extensions import db
from app.followup import services
from app.followup.rules import AdherenceFigures
from app.programmes.models import Programme
from tests.integration.followup_portfolio import add_decision, add_project, add_report

SKOLA, TRAFIK = "Skola", "Trafik"


@pytest.fixture
def portfolio(app_ctx, make_programme, make_organisation, make_area):
    programme_id = make_programme()
    skola, trafik = make_area(name=SKOLA), make_area(name=TRAFIK)
    org_a, org_b = make_organisation("Förvaltning A"), make_organisation("Förvaltning B")

    def project(title, org, area):
        return add_project(programme_id, org, title=title, granted_sek=1_000_000, area_id=area)

    p1, p2, p3 = project("P1", org_a, skola), project("P2", org_a, trafik), project(
        "P3", org_b, skola)
    p4, p5, p6 = project("P4", org_b, trafik), project("P5", org_b, skola), project(
        "P6", org_a, skola)
    p7 = project("P7", org_a, trafik)
    add_report(p1, submitted_on=date(2008, 5, 1), actual_sek=100_000, forecast_sek=1_000_000)
    add_report(p1, submitted_on=date(2008, 6, 10), actual_sek=100_000, forecast_sek=1_200_000,
               version=2)
    add_report(p2, submitted_on=date(2008, 5, 1), actual_sek=100_000, forecast_sek=900_000,
               forecast_end_on=date(2009, 8, 31))
    add_report(p3, submitted_on=date(2008, 5, 1), actual_sek=100_000, forecast_sek=1_100_000,
               forecast_end_on=date(2009, 7, 15))
    add_report(p5, submitted_on=date(2008, 5, 1), actual_sek=100_000, forecast_sek=1_100_000)
    add_report(p5, submitted_on=date(2008, 6, 20), actual_sek=200_000, forecast_sek=1_000_000,
               period_number=2)
    add_report(p5, submitted_on=date(2008, 6, 25), actual_sek=200_000, forecast_sek=5_000_000,
               period_number=3, state=ReportState.DRAFT)
    add_report(p6, submitted_on=date(2008, 5, 15), actual_sek=100_000, forecast_sek=1_250_000)
    add_decision(p6.application_id, programme_id, 300_000, date(2008, 6, 1),
                 kind=DecisionKind.SUPPLEMENTARY, refers_to_id=_original(p6))
    add_decision(p7.application_id, programme_id, 200_000, date(2008, 6, 1),
                 kind=DecisionKind.REDUCTION, refers_to_id=_original(p7))
    add_report(p7, submitted_on=date(2008, 6, 5), actual_sek=100_000, forecast_sek=900_000)
    db.session.commit()
    return {"programme_id": programme_id, "org_a": org_a, "org_b": org_b, "skola": skola,
            "projects": [p1, p2, p3, p4, p5, p6, p7]}


def _original(project) -> int:
    from app.applications.models import Decision

    return db.session.scalar(sa.select(Decision.id).where(
        Decision.application_id == project.application_id, Decision.refers_to_id.is_(None)))


def _figures(projects, assessed, over, late, over_share, late_share) -> AdherenceFigures:
    return AdherenceFigures(projects, assessed, over, late,
                            over_share and Decimal(over_share), late_share and Decimal(late_share))


def test_facts_carry_net_grants_and_only_submitted_versions(portfolio):
    facts = {f.project_id: f for f in services.project_facts(portfolio["programme_id"])}
    p1, _p2, _p3, p4, p5, p6, p7 = portfolio["projects"]
    assert facts[p6.id].granted_sek == 1_300_000
    assert facts[p7.id].granted_sek == 800_000
    assert facts[p4.id].reports == ()
    assert [(r.period_number, r.version) for r in facts[p1.id].reports] == [(1, 1), (1, 2)]
    assert [r.forecast_cost_sek for r in facts[p5.id].reports] == [1_100_000, 1_000_000]
    assert facts[p1.id].area == SKOLA and facts[p1.id].organisation_id == portfolio["org_a"]


def test_facts_as_of_a_date_leave_out_later_decisions_and_reports(portfolio):
    facts = {f.project_id: f for f in services.project_facts(
        portfolio["programme_id"], as_of=date(2008, 5, 31))}
    _p1, _p2, _p3, _p4, p5, p6, p7 = portfolio["projects"]
    assert facts[p6.id].granted_sek == 1_000_000
    assert facts[p7.id].granted_sek == 1_000_000 and facts[p7.id].reports == ()
    assert len(facts[p5.id].reports) == 1


def test_facts_filter_by_area_and_organisation(portfolio):
    by_area = services.project_facts(portfolio["programme_id"], area_id=portfolio["skola"])
    assert sorted(f.project_id for f in by_area) == sorted(
        p.id for p in portfolio["projects"] if p.title in {"P1", "P3", "P5", "P6"})
    by_org = services.project_facts(portfolio["programme_id"], organisation_id=portfolio["org_b"])
    assert {f.organisation_id for f in by_org} == {portfolio["org_b"]} and len(by_org) == 3


def test_the_portfolio_shares_at_two_dates(portfolio):
    programme_id = portfolio["programme_id"]
    assert services.adherence_at(programme_id, date(2008, 7, 1)) == _figures(
        7, 6, 3, 2, "0.5000", "0.3333")
    assert services.adherence_at(programme_id, date(2008, 5, 31)) == _figures(
        7, 5, 3, 2, "0.6000", "0.4000")
    assert services.adherence_at(programme_id, date(2008, 4, 1)) == _figures(
        7, 0, 0, 0, None, None)


def test_the_programmes_tolerance_forgives_a_short_delay(portfolio):
    programme_id = portfolio["programme_id"]
    assert services.adherence_at(programme_id, date(2008, 7, 1), tolerance_days=20) == _figures(
        7, 6, 3, 1, "0.5000", "0.1667")
    db.session.get(Programme, programme_id).schedule_tolerance_days = 15
    assert services.adherence_at(programme_id, date(2008, 7, 1)).not_kept_schedule == 1
    db.session.get(Programme, programme_id).schedule_tolerance_days = 14
    assert services.adherence_at(programme_id, date(2008, 7, 1)).not_kept_schedule == 2


def test_shares_by_area_and_by_organisation(portfolio):
    programme_id = portfolio["programme_id"]
    assert services.adherence_at(programme_id, date(2008, 7, 1), "area") == {
        SKOLA: _figures(4, 4, 2, 1, "0.5000", "0.2500"),
        TRAFIK: _figures(3, 2, 1, 1, "0.5000", "0.5000"),
    }
    assert services.adherence_at(programme_id, date(2008, 7, 1), "organisation") == {
        portfolio["org_a"]: _figures(4, 4, 2, 1, "0.5000", "0.2500"),
        portfolio["org_b"]: _figures(3, 2, 1, 1, "0.5000", "0.5000"),
    }


def test_a_closed_project_is_late_by_its_actual_end(portfolio):
    p1 = portfolio["projects"][0]
    p1.state, p1.closed_on = ProjectState.CLOSED, date(2009, 7, 10)
    db.session.flush()
    programme_id = portfolio["programme_id"]
    assert services.adherence_at(programme_id, date(2009, 7, 9)).not_kept_schedule == 2
    assert services.adherence_at(programme_id, date(2009, 7, 10)).not_kept_schedule == 3


def test_bad_arguments_name_their_field(portfolio):
    with pytest.raises(InvalidInput) as error:
        services.adherence_at(portfolio["programme_id"], date(2008, 7, 1), "colour")
    assert error.value.field == "group_by"
    with pytest.raises(InvalidInput) as error:
        services.adherence_at(portfolio["programme_id"], date(2008, 7, 1), tolerance_days=-1)
    assert error.value.field == "tolerance_days"


def _queries_for(programme_id) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        db.session.expire_all()
        facts = services.project_facts(programme_id)
        services.adherence_at(programme_id, date(2008, 7, 1), "area")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert facts
    return len(statements)


@pytest.mark.parametrize("reports_each", [1, 3])
def test_the_query_count_does_not_grow_with_the_portfolio(
        app_ctx, make_programme, make_organisation, make_area, reports_each):
    organisation, area = make_organisation(), make_area()
    sizes = {}
    for size in (10, 50):
        programme_id = make_programme()
        for n in range(size):
            project = add_project(programme_id, organisation, title=f"Projekt {size}-{n}",
                                  granted_sek=1_000_000, area_id=area)
            for period in range(1, reports_each + 1):
                add_report(project, submitted_on=date(2008, 4, period), actual_sek=10_000,
                           forecast_sek=1_000_000 + n, period_number=period)
        db.session.commit()
        sizes[size] = _queries_for(programme_id)
    assert sizes[10] == sizes[50]
    assert sizes[10] <= 8
