"""Tertial reports: the snapshot as of the period end, drafts, presenting, minutes, comparison.

The hand-made programme (starts 2007-10-01, 650 MSEK reserved); the clock stands at 2008-09-15:

    P1 Trafikkontoret (Trafik)  granted 1 000 000 on 2008-02-01, SLK 2008/…
        period 1 submitted 2008-04-10: actual 200 000, forecast 1 000 000, all green
        period 2 submitted 2008-05-20: actual 450 000, forecast 1 100 000, cost amber
        spending 100 000 booked 2008-06-15 and 50 000 booked 2008-09-05
    P2 Skolförvaltningen (Skola) granted 2 000 000 on 2008-03-15, supplement 500 000 2008-07-01
        period 1 submitted 2008-06-01: actual 300 000, forecast 2 200 000, ends 2009-09-30 (red)
    P3 Trafikkontoret (Trafik)  granted 4 000 000 on 2008-09-01 (after T2)

T2 2008 (May–August, as of 2008-08-31): P1 spent 250 000 in the period (450 000 − 200 000),
P1 over budget, P2 late: 1 of 2 each. Benefit "Färre samtal" of P1 plans 100 000 in 2008,
realised 40 000 by 2008-08-15 (corrected to 60 000 on 2008-09-10, after the period).
"""

import copy
from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.core.enums import DecisionKind, LedgerEntryKind, RagStatus, TertialReportState
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.models import AuditEntry, Notification
from app.extensions import db
from app.followup import permissions, services
from app.followup.models import TertialReport
from app.programmes.models import Programme
from tests.integration.followup_portfolio import (
    add_decision,
    add_entry,
    add_report,
    build_two_project_world,
    original_decision_id,
)

TODAY = date(2008, 9, 15)


def _user(user_id) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def world(app_ctx, people, make_programme, make_area, demo_date):
    demo_date(TODAY)
    programme = db.session.get(Programme, make_programme())
    projects = build_two_project_world(programme.id, people.traffic, people.other,
                                       make_area(name="Trafik"), make_area(name="Skola"))
    db.session.commit()
    return {"programme": programme, **projects, "traffic": people.traffic,
            "school": people.other, "jonas": _user(people.jonas),
            "committee": _user(people.committee), "karin": _user(people.karin),
            "auditor": _user(people.auditor)}


def _diary(project) -> list[str]:
    from app.applications.models import Decision

    return list(db.session.scalars(sa.select(Decision.diary_number).where(
        Decision.application_id == project.application_id).order_by(Decision.decided_on)))


def _actions(report) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "TertialReport", AuditEntry.object_id == str(report.id))
        .order_by(AuditEntry.id)))


# ---- the snapshot ---------------------------------------------------------------------------

def test_the_t2_snapshot_holds_every_figure_as_of_the_period_end(world):
    report = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    snap = report.snapshot
    assert (report.state, report.as_of, report.year, report.tertial) == (
        TertialReportState.DRAFT, date(2008, 8, 31), 2008, 2)
    assert (snap["schema"], snap["year"], snap["tertial"], snap["period_starts_on"],
            snap["period_ends_on"], snap["as_of"]) == (
        1, 2008, 2, "2008-05-01", "2008-08-31", "2008-08-31")
    assert snap["programme"] == {"id": world["programme"].id, "name": world["programme"].name}
    assert snap["envelope"] == {"reserved_sek": 650_000_000, "committed_sek": 3_500_000,
                                "spent_sek": 100_000, "left_sek": 646_500_000}
    p1, p2 = snap["projects"]
    assert [p1["title"], p2["title"]] == ["Cykelreseplanerare", "Skolval online"]
    assert p1 == {
        "project_id": world["p1"].id, "title": "Cykelreseplanerare",
        "organisation_id": world["traffic"], "organisation": "Trafikkontoret",
        "area": "Trafik", "state": "active", "decision_references": _diary(world["p1"]),
        "granted_sek": 1_000_000, "spent_in_period_sek": 250_000, "spent_to_date_sek": 450_000,
        "forecast_sek": 1_100_000, "overall_status": "green", "cost_status": "amber",
        "schedule_status": "green", "deviation_explanation": "Konsultpriserna steg.",
        "baseline_end_on": "2009-06-30", "forecast_end_on": "2009-06-30", "go_live_on": None,
        "kept_budget": False, "kept_schedule": True,
    }
    assert (p2["granted_sek"], p2["spent_in_period_sek"], p2["spent_to_date_sek"],
            p2["forecast_sek"], p2["overall_status"], p2["kept_budget"], p2["kept_schedule"],
            p2["deviation_explanation"], len(p2["decision_references"])) == (
        2_500_000, 300_000, 300_000, 2_200_000, "red", True, False, "Leverantören är sen.", 2)
    assert snap["by_area"] == [
        {"area": "Skola", "projects": 1, "granted_sek": 2_500_000, "spent_in_period_sek": 300_000,
         "spent_to_date_sek": 300_000, "forecast_sek": 2_200_000},
        {"area": "Trafik", "projects": 1, "granted_sek": 1_000_000,
         "spent_in_period_sek": 250_000, "spent_to_date_sek": 450_000,
         "forecast_sek": 1_100_000},
    ]
    assert [row["organisation"] for row in snap["by_organisation"]] == [
        "Skolförvaltningen", "Trafikkontoret"]
    assert snap["adherence"] == {"projects": 2, "assessed": 2, "not_kept_budget": 1,
                                 "not_kept_schedule": 1, "not_kept_budget_share": "0.5000",
                                 "not_kept_schedule_share": "0.5000"}
    assert snap["benefits"] == [{"year": 2008, "planned_sek": 100_000, "realised_sek": 40_000}]
    assert snap["benefit_lines"] == [{
        "benefit_id": snap["benefit_lines"][0]["benefit_id"], "project": "Cykelreseplanerare",
        "organisation": "Trafikkontoret", "name": "Färre samtal", "planned_sek": 100_000,
        "realised_sek": 40_000}]
    assert snap["budget_cuts"] == [{"organisation": "Trafikkontoret", "year": 2009,
                                    "proposed_sek": 30_000, "adopted_sek": 0,
                                    "realised_sek": 20_000}]
    assert _actions(report) == ["tertial_report.generated"]


def test_the_t1_snapshot_knows_only_what_was_there_by_30_april(world):
    snap = services.generate_tertial_report(world["programme"], 2008, 1).snapshot
    rows = {row["title"]: row for row in snap["projects"]}
    assert set(rows) == {"Cykelreseplanerare", "Skolval online"}
    assert (rows["Cykelreseplanerare"]["spent_in_period_sek"],
            rows["Cykelreseplanerare"]["forecast_sek"]) == (200_000, 1_000_000)
    assert (rows["Skolval online"]["granted_sek"], rows["Skolval online"]["forecast_sek"],
            rows["Skolval online"]["kept_budget"]) == (2_000_000, None, None)
    assert snap["adherence"]["assessed"] == 1 and snap["adherence"]["not_kept_budget"] == 0
    assert snap["envelope"]["committed_sek"] == 3_000_000 and snap["envelope"]["spent_sek"] == 0
    assert snap["budget_cuts"] == [] and snap["benefits"] == [
        {"year": 2008, "planned_sek": 100_000, "realised_sek": 0}]


def test_generating_again_returns_the_same_draft_and_writes_nothing_new(world):
    first = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    again = services.generate_tertial_report(world["programme"], "2008", "2")
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TertialReport)) == 1
    assert _actions(first) == ["tertial_report.generated"]


def test_a_draft_is_refreshed_with_what_changed(world):
    report = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    world["p1"].title = "Cykelplaneraren"
    db.session.flush()
    refreshed = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    assert refreshed.id == report.id
    assert refreshed.snapshot["projects"][0]["title"] == "Cykelplaneraren"
    assert _actions(report) == ["tertial_report.generated", "tertial_report.refreshed"]


@pytest.mark.parametrize(("year", "tertial", "field"), [
    (2008, 4, "tertial"), (2008, 0, "tertial"), ("tjugo", 1, "year"), (2008, "x", "tertial"),
    (2020, 1, "year"), (2007, 1, "tertial"), (2008, 3, "tertial"),
])
def test_a_bad_or_unfinished_period_is_refused_naming_the_field(world, year, tertial, field):
    with pytest.raises(InvalidInput) as error:
        services.generate_tertial_report(world["programme"], year, tertial, world["jonas"])
    assert error.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TertialReport)) == 0


def test_the_reports_due_are_the_ended_tertials_without_a_report(world):
    programme = world["programme"]
    assert services.tertial_reports_due(programme, TODAY) == [(2007, 3), (2008, 1), (2008, 2)]
    assert services.tertial_reports_due(programme, date(2008, 4, 30)) == [(2007, 3), (2008, 1)]
    assert services.tertial_reports_due(programme, date(2008, 4, 29)) == [(2007, 3)]
    services.generate_tertial_report(programme, 2008, 1)
    assert services.tertial_reports_due(programme, TODAY) == [(2007, 3), (2008, 2)]
    assert services.tertial_reports_due(programme, date(2007, 9, 1)) == []


def test_only_the_programme_office_or_a_job_generates(world):
    for who in ("karin", "committee", "auditor"):
        with pytest.raises(Forbidden):
            services.generate_tertial_report(world["programme"], 2008, 2, world[who])
    assert services.generate_tertial_report(world["programme"], 2008, 2, None).id


# ---- summary, presenting, minute ------------------------------------------------------------

def test_the_summary_is_saved_on_a_draft_only(world):
    report = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    with pytest.raises(Forbidden):
        services.update_summary(report, "Nej", world["committee"])
    services.update_summary(report, "  Två projekt avviker.  ", world["jonas"])
    assert report.summary == "Två projekt avviker."
    with pytest.raises(InvalidInput) as error:
        services.update_summary(report, "x" * 10_001, world["jonas"])
    assert error.value.field == "summary"
    services.present_tertial_report(report, None, world["jonas"])
    with pytest.raises(Conflict):
        services.update_summary(report, "Ändrad", world["jonas"])
    assert report.summary == "Två projekt avviker."


def test_presenting_freezes_the_report_and_tells_the_finance_committee(world, people):
    report = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    with pytest.raises(InvalidInput) as error:
        services.present_tertial_report(report, "  ", world["jonas"])
    assert error.value.field == "summary" and report.state == TertialReportState.DRAFT
    with pytest.raises(Forbidden):
        services.present_tertial_report(report, "Sammanfattning", world["committee"])
    world["p2"].title = "Skolval på nätet"
    db.session.flush()
    services.present_tertial_report(report, "Sammanfattning", world["jonas"])
    assert (report.state, report.summary, report.presented_by_id) == (
        TertialReportState.PRESENTED, "Sammanfattning", world["jonas"].id)
    assert report.presented_at.date() == TODAY
    assert report.snapshot["projects"][1]["title"] == "Skolval på nätet"
    messages = list(db.session.scalars(sa.select(Notification).where(
        Notification.kind == "tertial_report.presented")))
    assert [m.user_id for m in messages] == [people.committee]
    assert messages[0].link == f"/tertial-reports/{report.id}"
    with pytest.raises(Conflict):
        services.present_tertial_report(report, "Igen", world["jonas"])
    assert _actions(report) == ["tertial_report.generated", "tertial_report.presented"]


def test_a_presented_snapshot_never_changes_whatever_happens_to_the_projects(world):
    report = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    services.present_tertial_report(report, "Sammanfattning", world["jonas"])
    db.session.commit()
    frozen = copy.deepcopy(report.snapshot)
    p1, programme = world["p1"], world["programme"]
    p1.title = "Nytt namn"
    add_report(p1, submitted_on=date(2008, 8, 20), actual_sek=900_000, forecast_sek=3_000_000,
               period_number=3, overall=RagStatus.RED, explanation="Allt är sent.")
    add_decision(p1.application_id, programme.id, 700_000, date(2008, 8, 1),
                 kind=DecisionKind.SUPPLEMENTARY, refers_to_id=original_decision_id(p1))
    add_entry(programme.id, LedgerEntryKind.SPENDING, 400_000, date(2008, 8, 15), p1.id)
    db.session.commit()
    again = services.generate_tertial_report(programme, 2008, 2, world["jonas"])
    db.session.commit()
    stored = db.session.get(TertialReport, report.id, populate_existing=True)
    assert again.id == report.id and stored.snapshot == frozen
    assert stored.state == TertialReportState.PRESENTED
    fresh = services.build_snapshot(programme, services.periods.tertial_period(2008, 2))
    assert fresh["projects"][0]["title"] == "Nytt namn"
    assert fresh["projects"][0]["spent_to_date_sek"] == 900_000
    assert fresh["envelope"]["spent_sek"] == 500_000 != frozen["envelope"]["spent_sek"]


def test_the_committee_records_its_minute_once_on_a_presented_report(world):
    report = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    with pytest.raises(Conflict):
        services.record_committee_minute(report, "Noterat", world["committee"])
    services.present_tertial_report(report, "Sammanfattning", world["jonas"])
    with pytest.raises(Forbidden):
        services.record_committee_minute(report, "Noterat", world["jonas"])
    with pytest.raises(InvalidInput) as error:
        services.record_committee_minute(report, " ", world["committee"])
    assert error.value.field == "minute"
    services.record_committee_minute(report, "Ekonomiutskottet noterar rapporten.",
                                     world["committee"])
    assert report.committee_minute == "Ekonomiutskottet noterar rapporten."
    assert report.committee_recorded_at.date() == TODAY
    with pytest.raises(Conflict):
        services.record_committee_minute(report, "Ändrat protokoll", world["committee"])
    assert report.committee_minute == "Ekonomiutskottet noterar rapporten."
    assert _actions(report)[-1] == "tertial_report.minute_recorded"


# ---- seeing and comparing -------------------------------------------------------------------

def test_drafts_stay_with_the_programme_office(world):
    draft = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    presented = services.generate_tertial_report(world["programme"], 2008, 1, world["jonas"])
    services.present_tertial_report(presented, "T1", world["jonas"])

    def ids(who):
        return list(db.session.scalars(permissions.visible_tertial_reports(world[who])))

    assert [r.id for r in ids("jonas")] == [draft.id, presented.id]
    assert [r.id for r in ids("committee")] == [presented.id]
    assert [r.id for r in ids("auditor")] == [presented.id]
    assert ids("karin") == []
    with pytest.raises(NotFound):
        permissions.get_visible_tertial_report(world["committee"], draft.id)
    with pytest.raises(NotFound):
        permissions.get_visible_tertial_report(world["karin"], presented.id)
    assert permissions.get_visible_tertial_report(world["auditor"], presented.id) is presented


def test_a_report_is_compared_with_the_previous_presented_one(world):
    t1 = services.generate_tertial_report(world["programme"], 2008, 1, world["jonas"])
    t2 = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    first = services.compare_with_previous(t1)
    assert first["previous"] is None and first["envelope"][1]["change"] is None
    assert services.compare_with_previous(t2)["previous"] is None  # T1 is still a draft
    services.present_tertial_report(t1, "T1", world["jonas"])
    comparison = services.compare_with_previous(t2)
    assert comparison["previous"] == {"year": 2008, "tertial": 1}
    committed = next(f for f in comparison["envelope"] if f["key"] == "committed_sek")
    assert committed == {"key": "committed_sek", "current": 3_500_000,
                         "previous": 3_000_000, "change": 500_000}
    share = next(f for f in comparison["adherence"] if f["key"] == "not_kept_budget_share")
    assert share == {"key": "not_kept_budget_share", "current": "0.5000",
                     "previous": "0.0000", "change": "0.5000"}
    school = next(p for p in comparison["projects"] if p["title"] == "Skolval online")
    granted = next(f for f in school["figures"] if f["key"] == "granted_sek")
    assert (granted["previous"], granted["current"], granted["change"]) == (
        2_000_000, 2_500_000, 500_000)
    overall = next(s for s in school["statuses"] if s["key"] == "overall_status")
    assert overall == {"key": "overall_status", "current": "red", "previous": None,
                       "changed": True}


def test_a_presented_report_refuses_any_write_but_the_minute_even_outside_the_services(world):
    report = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    services.present_tertial_report(report, "Sammanfattning", world["jonas"])
    db.session.commit()
    frozen = copy.deepcopy(report.snapshot)
    report.summary = "Ändrad i efterhand"
    report.snapshot = {**frozen, "envelope": {**frozen["envelope"], "spent_sek": 1}}
    with pytest.raises(Conflict) as error:
        db.session.flush()
    assert "summary" in error.value.detail and "snapshot" in error.value.detail
    db.session.rollback()
    stored = db.session.get(TertialReport, report.id, populate_existing=True)
    assert (stored.summary, stored.snapshot) == ("Sammanfattning", frozen)
    services.record_committee_minute(stored, "Noterat.", world["committee"])
    db.session.commit()
    assert db.session.get(TertialReport, report.id).committee_minute == "Noterat."


def test_the_adherence_past_dates_read_is_the_presented_snapshots_own(world):
    report = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    services.present_tertial_report(report, "Sammanfattning", world["jonas"])
    db.session.commit()
    stored = db.session.get(TertialReport, report.id, populate_existing=True)
    assert stored.frozen_adherence == {
        **stored.snapshot["adherence"],
        "schedule_tolerance_days": stored.snapshot["schedule_tolerance_days"]}
    assert stored.frozen_adherence["projects"] == len(stored.snapshot["projects"])


def test_a_presented_reports_adherence_cannot_be_rewritten_outside_the_services(world):
    report = services.generate_tertial_report(world["programme"], 2008, 2, world["jonas"])
    services.present_tertial_report(report, "Sammanfattning", world["jonas"])
    db.session.commit()
    frozen = dict(report.frozen_adherence)
    report.frozen_adherence = {**frozen, "not_kept_budget": 0, "not_kept_budget_share": "0"}
    with pytest.raises(Conflict) as error:
        db.session.flush()
    assert "frozen_adherence" in error.value.detail
    db.session.rollback()
    assert db.session.get(TertialReport, report.id,
                          populate_existing=True).frozen_adherence == frozen
