"""The demo's project model: programme.yaml's phases and the projects' gate decisions, seeded
on the demo day (1 March 2010): none after it, in order, following each project's dates."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.programmes.models import Programme
from app.projects import gates, rules
from app.projects.models import GateDecision, ProgrammePhase, Project
from app.projects.seed_phases import read_phases
from app.seed import DEFAULT_DATA_DIR, seed_demo
from tests.conftest import business_date

DEMO_DAY = date(2010, 3, 1)


@pytest.fixture
def programme(app, app_ctx):
    with business_date(app, DEMO_DAY):
        seed_demo()
    return db.session.scalar(sa.select(Programme).where(Programme.name == "E-tjänstprogrammet"))


def project(title: str) -> Project:
    return db.session.scalar(sa.select(Project).where(Project.title == title))


def test_the_demo_programme_defines_lilla_ratten(programme):
    phases = gates.programme_phases(programme.id)
    assert [p.key for p in phases] == ["study", "planning", "execution", "handover", "closure"]
    assert [p.position for p in phases] == [1, 2, 3, 4, 5]
    assert phases[2].requirements == ["baseline_calculation"]
    assert phases[4].requirements == ["final_report_submitted"]


def test_no_demo_gate_is_after_the_demo_day_and_each_project_passed_them_in_order(programme):
    phases = gates.programme_phases(programme.id)
    specs = [rules.Phase(p.key, frozenset()) for p in phases]
    latest = db.session.scalar(sa.select(sa.func.max(GateDecision.decided_on)))
    assert latest <= DEMO_DAY
    for item in db.session.scalars(sa.select(Project).where(
            Project.programme_id == programme.id)):
        passed: list[rules.PassedGate] = []
        for decision in gates.gate_decisions(item):
            assert rules.gate_problems(specs, passed, decision.phase.key, decision.decided_on,
                                       DEMO_DAY, ()) == (), item.title
            passed.append(rules.PassedGate(decision.phase.key, decision.decided_on))


@pytest.mark.parametrize(("title", "phase"), [
    ("Boendeparkering", "Avslut"),          # closed 2008-09-30
    ("E-tjänsteplattformen", "Överlämning"),  # live since 2008-09-01, still running
    ("Bygglov", "Genomförande"),             # started 2009-03-02, not live
    ("E-arkiv", "Genomförande"),             # started 2009-10-01
    ("Cykelreseplanerare", "Genomförande"),  # started 2008-11-03, not live yet
    ("Gymnasieantagning", "Överlämning"),    # live since 2010-01-18
    ("Lägenhetsbyte", "Planering"),          # decided 2010-02-16, starts on the demo day
])
def test_demo_projects_stand_in_the_phase_their_dates_give(programme, title, phase):
    assert gates.phase_on(project(title), DEMO_DAY) == phase


def test_a_closed_demo_projects_closure_gate_is_its_closing_day(programme):
    parking = project("Boendeparkering")
    closure = [d for d in gates.gate_decisions(parking) if d.phase.key == "closure"]
    assert [d.decided_on for d in closure] == [parking.closed_on]


def test_seeding_again_adds_no_phase_and_no_gate(app, programme):
    counts = (db.session.scalar(sa.select(sa.func.count(ProgrammePhase.id))),
              db.session.scalar(sa.select(sa.func.count(GateDecision.id))))
    with business_date(app, DEMO_DAY):
        report = seed_demo()
    assert report.programme_phases == 0 and report.gate_decisions == 0
    assert counts == (db.session.scalar(sa.select(sa.func.count(ProgrammePhase.id))),
                      db.session.scalar(sa.select(sa.func.count(GateDecision.id))))


def test_a_phase_with_an_unknown_requirement_is_refused_naming_the_file(tmp_path):
    text = (DEFAULT_DATA_DIR / "programme.yaml").read_text(encoding="utf-8")
    (tmp_path / "programme.yaml").write_text(
        text.replace("requirements: [go_live_recorded]", "requirements: [signed_contract]"),
        encoding="utf-8")
    with pytest.raises(ValueError, match="programme.yaml, phases: .*signed_contract"):
        read_phases(tmp_path)
