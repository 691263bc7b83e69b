"""The demo's 32 feasibility studies (9 MSEK): position, ideas, diary numbers, bad input."""

import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import yaml

from app.applications.models import Application, Decision
from app.core.enums import ApplicationKind, DecisionKind, LedgerEntryKind
from app.core.models import DiaryCounter
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.programmes.models import EnvelopeEntry, Programme
from app.programmes.position import IdeaOutcome, idea_rows, position
from app.seed import seed_demo
from tests.integration.test_seed_loader import (  # noqa: F401  (fixtures)
    DIARY_NUMBER,
    programme,
    seeded,
)

MARCH_2010 = date(2010, 3, 1)


def study_decisions() -> list[Decision]:
    return list(db.session.scalars(
        sa.select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Application.kind == ApplicationKind.FEASIBILITY)))


@pytest.mark.parametrize(("on", "studies", "sek"), [
    (date(2008, 12, 31), 14, 3_900_000),
    (date(2009, 12, 31), 29, 8_200_000),
    (MARCH_2010, 32, 9_000_000),
])
def test_the_position_counts_the_citys_feasibility_studies(programme, on, studies, sek):  # noqa: F811  (fixture)
    figures = position(programme, on)

    assert (figures.feasibility_studies, figures.feasibility_sek) == (studies, sek)


def test_each_study_is_decided_by_the_deputy_and_committed_in_the_envelope(programme):  # noqa: F811  (fixture)
    decisions = study_decisions()
    assert len(decisions) == 32

    for decision in decisions:
        assert decision.kind == DecisionKind.ORIGINAL
        assert decision.authority_key == "deputy_city_director"
        assert decision.application.state == "decided"
        assert decision.decided_on <= MARCH_2010
        assert decision.decided_on.weekday() < 5
        commitments = db.session.scalars(sa.select(EnvelopeEntry).where(
            EnvelopeEntry.decision_id == decision.id)).all()
        assert [(c.kind, c.amount_sek, c.booked_on, c.project_id) for c in commitments] == [
            (LedgerEntryKind.COMMITMENT, decision.amount_sek, decision.decided_on, None)]


def test_the_lump_study_lines_are_gone_from_the_ledger(programme):  # noqa: F811  (fixture)
    lumps = db.session.scalars(sa.select(EnvelopeEntry.description).where(
        EnvelopeEntry.description.like("Förstudier %"))).all()

    assert lumps == []


def test_the_17_ideas_behind_studies_await_an_application_on_1_march_2010(programme):  # noqa: F811  (fixture)
    idea_ids = set(db.session.scalars(
        sa.select(Application.idea_id).where(Application.kind == ApplicationKind.FEASIBILITY,
                                             Application.idea_id.is_not(None),
                                             Application.reference.like("FS-%"))))
    awaiting = {row.id for row in idea_rows(programme.id, MARCH_2010,
                                            IdeaOutcome.AWAITING_APPLICATION)}

    assert len(idea_ids) == 17
    assert idea_ids <= awaiting
    for idea in db.session.scalars(sa.select(ProjectIdea).where(ProjectIdea.id.in_(idea_ids))):
        assert idea.screened_at.date() <= MARCH_2010


def test_diary_numbers_follow_decision_order_across_studies_and_projects(programme):  # noqa: F811  (fixture)
    decisions = db.session.scalars(sa.select(Decision)).all()
    per_year = defaultdict(list)
    for decision in decisions:
        year, seq = map(int, DIARY_NUMBER.match(decision.diary_number).groups())
        assert year == decision.decided_on.year
        per_year[year].append((seq, decision.decided_on, decision.application.kind))
    counters = {c.year: c.last_seq for c in db.session.scalars(sa.select(DiaryCounter))}

    for year, numbered in per_year.items():
        numbered.sort()
        assert [seq for seq, _, _ in numbered] == list(range(1, len(numbered) + 1)), year
        days = [day for _, day, _ in numbered]
        assert days == sorted(days), year
        assert counters[year] == len(numbered), year
    # The two kinds interleave: in 2008 and 2009 a project was decided between two studies.
    for year in (2008, 2009):
        kinds = [kind for _, _, kind in sorted(per_year[year])]
        first_study = kinds.index(ApplicationKind.FEASIBILITY)
        assert ApplicationKind.IMPLEMENTATION in kinds[first_study:], year
        assert kinds.count(ApplicationKind.FEASIBILITY) == {2008: 14, 2009: 15}[year]


def test_seeding_twice_inserts_no_study_again(seeded):  # noqa: F811  (fixture)
    before = len(study_decisions())
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(EnvelopeEntry))

    again = seed_demo()

    assert again.total == 0
    assert len(study_decisions()) == before == 32
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnvelopeEntry)) == entries


def _break_study(data_dir, number: int, **changes) -> str:
    """Change fields of study `number` (1-based) in the copy; return its title."""
    path = data_dir / "feasibility_studies.yaml"
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    row = content["feasibility_studies"][number - 1]
    for key, value in changes.items():
        row[key] = value(row) if callable(value) else value
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return row["title"]


@pytest.mark.parametrize(("number", "changes", "problem"), [
    (3, {"organisation": "Okända förvaltningen"}, r"'organisation' 'Okända förvaltningen'"),
    (4, {"area": "rymden"}, r"'area' 'rymden' is not defined in programme\.yaml"),
    (6, {"idea": "En idé som inte finns"}, r"'idea' 'En idé som inte finns' is not an idea"),
    (6, {"organisation": "Trafikkontoret"}, r"'idea' .* is not an idea of Trafikkontoret"),
    (9, {"decided_on": lambda row: row["submitted_on"] - timedelta(days=1)},
     r"'decided_on' .* is not after 'submitted_on'"),
    (32, {"decided_on": date(2010, 3, 2)}, r"after the demo's business date 2010-03-01"),
    (12, {"granted_sek": 3_500_000}, r"'decided_by' is deputy_city_director, but .* "
                                     r"routes 3500000 SEK to city_director"),
    (20, {"decided_by": "city_director"}, r"'decided_by' is city_director, but"),
    (5, {"reference": "FS-2008-0004"}, r"the reference 'FS-2008-0004' appears more than once"),
    (7, {"reference": "ANS-2008-0001"}, r"'ANS-2008-0001' is already used in applications"),
])
def test_a_bad_study_stops_the_seed_naming_file_row_and_problem(app_ctx, data_copy, number,
                                                                  changes, problem):
    title = _break_study(data_copy, number, **changes)

    with pytest.raises(ValueError) as refused:
        seed_demo(data_copy)

    message = str(refused.value)
    assert message.startswith(f"feasibility_studies.yaml, study {number} ({title}): "), message
    assert re.search(problem, message), message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0
