"""The programme's position as of a date: each figure moves exactly when a record's business
date passes the date asked, remaining equals the envelope's, and the demo reads sensibly."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.applications.models import Application, Decision
from app.budget_cuts.models import BudgetCutEntry
from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    BudgetCutEntryKind,
    DecisionKind,
    DecisionOutcome,
    IdeaState,
    LedgerEntryKind,
    ProjectState,
    ReportState,
)
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.programmes import queries
from app.programmes.models import EnvelopeEntry, Programme
from app.programmes.position import position
from app.projects.models import Project, StatusReport

MSEK = 1_000_000


def _moment(on: str) -> datetime:
    return datetime.combine(date.fromisoformat(on), datetime.min.time(), UTC) + timedelta(hours=11)


class _Builder:
    """Rows inserted directly with their business dates, so each date is exact."""

    def __init__(self, programme_id: int, organisation_id: int):
        self.programme_id, self.organisation_id, self.diary = programme_id, organisation_id, 0

    def add(self, row):
        db.session.add(row)
        db.session.flush()
        return row

    def idea(self, title, submitted_on, rejected_on=None):
        return self.add(ProjectIdea(
            programme_id=self.programme_id, organisation_id=self.organisation_id, title=title,
            description=title, submitted_at=_moment(submitted_on),
            state=IdeaState.REJECTED if rejected_on else IdeaState.SUBMITTED,
            screened_at=_moment(rejected_on) if rejected_on else None))

    def application(self, title, kind, idea=None, feasibility=None):
        return self.add(Application(
            programme_id=self.programme_id, organisation_id=self.organisation_id, title=title,
            kind=kind, state=ApplicationState.DECIDED, idea_id=idea.id if idea else None,
            feasibility_id=feasibility.id if feasibility else None))

    def decision(self, application, amount, on, outcome=DecisionOutcome.APPROVED,
                 kind=DecisionKind.ORIGINAL, refers_to=None):
        self.diary += 1
        return self.add(Decision(
            programme_id=self.programme_id, application_id=application.id, kind=kind,
            outcome=outcome, amount_sek=amount, diary_number=f"T {self.diary}",
            decided_on=date.fromisoformat(on), authority_key="city_director",
            refers_to_id=refers_to.id if refers_to else None))

    def project(self, application, closed_on=None):
        return self.add(Project(
            programme_id=self.programme_id, application_id=application.id,
            organisation_id=self.organisation_id, title=application.title,
            state=ProjectState.CLOSED if closed_on else ProjectState.ACTIVE,
            baseline_start_on=date(2008, 1, 1), baseline_end_on=date(2009, 12, 31),
            closed_on=date.fromisoformat(closed_on) if closed_on else None,
            created_at=_moment("2007-12-01")))

    def entry(self, kind, amount, on, project=None, decision=None):
        return self.add(EnvelopeEntry(
            programme_id=self.programme_id, kind=kind, amount_sek=amount,
            booked_on=date.fromisoformat(on), description=f"{kind} {amount}",
            project_id=project.id if project else None,
            decision_id=decision.id if decision else None))

    def report(self, project, number, submitted_on, forecast_sek, forecast_end_on):
        return self.add(StatusReport(
            project_id=project.id, period_number=number, period_starts_on=date(2008, 1, 1),
            period_ends_on=date(2008, 2, 12), due_on=date(2008, 2, 22),
            state=ReportState.SUBMITTED, submitted_at=_moment(submitted_on),
            actual_cost_to_date_sek=500_000, forecast_cost_sek=forecast_sek,
            forecast_end_on=date.fromisoformat(forecast_end_on)))

    def cut(self, year, amount, on, kind=BudgetCutEntryKind.ADOPTED, corrects=None):
        return self.add(BudgetCutEntry(
            programme_id=self.programme_id, organisation_id=self.organisation_id,
            budget_year=year, kind=kind, amount_sek=amount, created_at=_moment(on),
            corrects_id=corrects.id if corrects else None))


@pytest.fixture
def scenario(app_ctx, make_programme, make_organisation):
    """One programme whose every record has a business date the test steps across."""
    programme = db.session.get(Programme, make_programme(reserved_sek=650 * MSEK))
    build = _Builder(programme.id, make_organisation("Trafikkontoret"))
    impl, feas = ApplicationKind.IMPLEMENTATION, ApplicationKind.FEASIBILITY
    build.entry(LedgerEntryKind.COMMITMENT, 30 * MSEK, "2007-10-01")
    idea_a = build.idea("A", "2008-01-10")
    app_a = build.application("A", impl, idea=idea_a)
    decided_a = build.decision(app_a, 5 * MSEK, "2008-03-01")
    project_a = build.project(app_a, closed_on="2009-06-30")
    build.entry(LedgerEntryKind.COMMITMENT, 5 * MSEK, "2008-03-01", project_a, decided_a)
    build.idea("B", "2008-02-01", rejected_on="2008-04-15")
    build.report(project_a, 1, "2008-05-10", 6 * MSEK, "2010-03-31")
    idea_c = build.idea("C", "2008-05-01")
    study_c = build.application("C study", feas, idea=idea_c)
    decided_study = build.decision(study_c, 400_000, "2008-06-01")
    build.entry(LedgerEntryKind.COMMITMENT, 400_000, "2008-06-01", decision=decided_study)
    idea_d = build.idea("D", "2008-07-01")
    build.decision(build.application("D", impl, idea=idea_d), 0, "2008-09-01",
                   outcome=DecisionOutcome.REJECTED)
    build.idea("E", "2008-08-01")
    reduced = build.decision(app_a, 1 * MSEK, "2008-10-01", kind=DecisionKind.REDUCTION,
                             refers_to=decided_a)
    build.entry(LedgerEntryKind.RELEASE, 1 * MSEK, "2008-10-01", project_a, reduced)
    adopted = build.cut(2009, 3 * MSEK, "2008-11-24")
    build.entry(LedgerEntryKind.COMMITMENT, 1 * MSEK, "2008-12-31")
    app_c = build.application("C", impl, feasibility=study_c)
    decided_c = build.decision(app_c, 2 * MSEK, "2009-01-20")
    project_c = build.project(app_c)
    build.entry(LedgerEntryKind.COMMITMENT, 2 * MSEK, "2009-01-20", project_c, decided_c)
    build.cut(2009, 2_500_000, "2009-02-01", kind=BudgetCutEntryKind.CORRECTION,
              corrects=adopted)
    build.report(project_c, 1, "2009-02-20", 2 * MSEK, "2009-12-31")
    build.entry(LedgerEntryKind.RELEASE, 200_000, "2009-03-01")
    build.entry(LedgerEntryKind.SPENDING, 700_000, "2009-04-01", project_a)
    build.cut(2010, 1 * MSEK, "2009-11-23")
    db.session.flush()
    return programme


def _flat(figures: dict) -> dict:
    flat = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": number for inner, number in value.items()})
        else:
            flat[key] = value
    flat.pop("on")
    return flat


# (business date, {figure: (the day before, the day)}): nothing else may change that day.
STEPS = [
    ("2008-01-10", {"ideas.received": (0, 1), "ideas.awaiting_application": (0, 1)}),
    ("2008-02-01", {"ideas.received": (1, 2), "ideas.awaiting_application": (1, 2)}),
    ("2008-03-01", {"projects": (0, 1), "granted_projects_sek": (0, 5 * MSEK),
                    "remaining_sek": (620 * MSEK, 615 * MSEK),
                    "ideas.became_projects": (0, 1), "ideas.awaiting_application": (2, 1)}),
    ("2008-04-15", {"ideas.not_approved": (0, 1), "ideas.awaiting_application": (1, 0)}),
    ("2008-05-01", {"ideas.received": (2, 3), "ideas.awaiting_application": (0, 1)}),
    ("2008-05-10", {"not_keeping_budget_share": (None, 1.0),
                    "not_keeping_schedule_share": (None, 1.0)}),
    ("2008-06-01", {"feasibility_studies": (0, 1), "feasibility_sek": (0, 400_000),
                    "remaining_sek": (615 * MSEK, 614_600_000)}),
    ("2008-07-01", {"ideas.received": (3, 4), "ideas.awaiting_application": (1, 2)}),
    ("2008-08-01", {"ideas.received": (4, 5), "ideas.awaiting_application": (2, 3)}),
    ("2008-09-01", {"ideas.not_approved": (1, 2), "ideas.awaiting_application": (3, 2)}),
    ("2008-10-01", {"granted_projects_sek": (5 * MSEK, 4 * MSEK),
                    "remaining_sek": (614_600_000, 615_600_000)}),
    ("2008-11-24", {"budget_cuts_sek.2009": (None, 3 * MSEK)}),
    ("2008-12-31", {"other_decisions_sek": (30 * MSEK, 31 * MSEK),
                    "remaining_sek": (615_600_000, 614_600_000)}),
    ("2009-01-20", {"projects": (1, 2), "granted_projects_sek": (4 * MSEK, 6 * MSEK),
                    "remaining_sek": (614_600_000, 612_600_000),
                    "ideas.became_projects": (1, 2), "ideas.awaiting_application": (2, 1)}),
    ("2009-02-01", {"budget_cuts_sek.2009": (3 * MSEK, 2_500_000)}),
    ("2009-02-20", {"not_keeping_budget_share": (1.0, 0.5),
                    "not_keeping_schedule_share": (1.0, 0.5)}),
    ("2009-03-01", {"other_decisions_sek": (31 * MSEK, 30_800_000),
                    "remaining_sek": (612_600_000, 612_800_000)}),
    ("2009-06-30", {"finished_projects": (0, 1)}),
    ("2009-11-23", {"budget_cuts_sek.2010": (None, 1 * MSEK)}),
]


@pytest.mark.parametrize(("day", "changes"), STEPS, ids=[step[0] for step in STEPS])
def test_each_figure_moves_exactly_on_its_business_date(scenario, day, changes):
    on = date.fromisoformat(day)
    before = _flat(position(scenario, on - timedelta(days=1)).as_dict())
    after = _flat(position(scenario, on).as_dict())
    moved = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert moved == set(changes)
    for key, (was, becomes) in changes.items():
        assert (before.get(key), after.get(key)) == (was, becomes), key


@pytest.mark.parametrize("day", ["2007-10-01", "2008-06-30", "2009-04-30", "2010-03-01",
                                 "2012-12-31"])
def test_remaining_is_the_envelopes_and_the_figures_add_up_to_it(scenario, day):
    on = date.fromisoformat(day)
    figures = position(scenario, on)
    envelope = queries.envelope_position(scenario, on)
    assert figures.remaining_sek == envelope.remaining_sek
    assert figures.reserved_sek == envelope.reserved_sek
    assert figures.remaining_sek == (figures.reserved_sek - figures.granted_projects_sek
                                     - figures.feasibility_sek - figures.other_decisions_sek)
    assert figures.ideas_received == (figures.ideas_became_projects + figures.ideas_not_approved
                                      + figures.ideas_awaiting_application)


def test_the_contract_has_exactly_its_keys(scenario):
    figures = position(scenario, date(2010, 3, 1)).as_dict()
    assert list(figures) == ["on", "reserved_sek", "granted_projects_sek", "projects",
                             "finished_projects", "feasibility_sek", "feasibility_studies",
                             "other_decisions_sek", "remaining_sek", "ideas", "budget_cuts_sek",
                             "not_keeping_budget_share", "not_keeping_schedule_share"]
    assert list(figures["ideas"]) == ["received", "became_projects", "not_approved",
                                      "awaiting_application"]
    assert figures["budget_cuts_sek"] == {"2009": 2_500_000, "2010": 1_000_000}


# ---- the demo -----------------------------------------------------------------------------

DEMO_DATES = [date(2008, 6, 30), date(2009, 4, 30), date(2010, 3, 1), date(2011, 6, 30),
              date(2012, 12, 31)]


@pytest.fixture
def demo_positions(app, db_session):
    from app.seed import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        programme = db.session.scalar(sa.select(Programme).order_by(Programme.id))
        yield programme, [position(programme, on) for on in DEMO_DATES]


def test_the_demo_reads_sensibly_at_every_date(demo_positions):
    programme, positions = demo_positions
    for figures in positions:
        assert figures.remaining_sek == queries.envelope_position(programme,
                                                                  figures.on).remaining_sek
        assert figures.reserved_sek == 650 * MSEK
        assert 0 <= figures.finished_projects <= figures.projects
        assert figures.ideas_received == (figures.ideas_became_projects
                                          + figures.ideas_not_approved
                                          + figures.ideas_awaiting_application)
        for share in (figures.not_keeping_budget_share, figures.not_keeping_schedule_share):
            assert share is None or 0 <= share <= 1
        assert figures.remaining_sek >= 0
    for earlier, later in zip(positions, positions[1:], strict=False):
        for name in ("projects", "finished_projects", "feasibility_studies", "ideas_received",
                     "ideas_became_projects"):
            assert getattr(earlier, name) <= getattr(later, name), name
        assert set(earlier.budget_cuts_sek) <= set(later.budget_cuts_sek)
    march_2010 = positions[DEMO_DATES.index(date(2010, 3, 1))]
    assert march_2010.remaining_sek == 252_100_000
    assert march_2010.budget_cuts_sek == {2009: 25_500_000, 2010: 30_700_000}
    assert march_2010.projects > 0 and march_2010.granted_projects_sek > 0


# The council report's figures as of 1 March 2010 (../shared/DOMAIN.md): the demo must give
# each of them from its rows, so a seed change that breaks the story fails here.
PUBLISHED_1_MARCH_2010 = {
    "on": "2010-03-01", "reserved_sek": 650_000_000, "granted_projects_sek": 155_500_000,
    "projects": 39, "finished_projects": 13, "feasibility_sek": 9_000_000,
    "feasibility_studies": 32, "other_decisions_sek": 233_400_000, "remaining_sek": 252_100_000,
    "ideas": {"received": 89, "became_projects": 39, "not_approved": 20,
              "awaiting_application": 30},
    "budget_cuts_sek": {"2009": 25_500_000, "2010": 30_700_000},
}
PUBLISHED_SHARES_PERCENT = {"not_keeping_budget_share": 31, "not_keeping_schedule_share": 47}


def test_the_demo_gives_the_council_reports_figures_on_1_march_2010(demo_positions):
    _, positions = demo_positions
    figures = positions[DEMO_DATES.index(date(2010, 3, 1))].as_dict()

    assert {key: figures[key] for key in PUBLISHED_1_MARCH_2010} == PUBLISHED_1_MARCH_2010
    assert {key: round(figures[key] * 100) for key in PUBLISHED_SHARES_PERCENT} \
        == PUBLISHED_SHARES_PERCENT
