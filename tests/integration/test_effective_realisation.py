"""Which realisation counts on a date: the latest one recorded by then for its benefit and year,
the same in the register, the yearly sums, the savings per owner and the snapshot's lines."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.benefits import queries
from app.benefits.models import RealisationEntry
from app.extensions import db
from app.projects.models import Project
from tests.integration.test_budget_cuts import add_project, realise, steady, world  # noqa: F401


def recorded(entry: RealisationEntry, on: date) -> None:
    entry.recorded_at = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
    db.session.flush()


@pytest.fixture
def school_choice(world):  # noqa: F811  (fixture)
    """Skolval, existing since 2009; 2010 recorded as 900 000 in February, corrected to 600 000
    in May; 2011 recorded once, in March 2012."""
    project = add_project(world.programme.id, world.edu.id, "Skolval",
                          benefits=[(world.edu.id, "Färre pappersansökningar",
                                     steady(700_000, 2010))])
    project.created_at = datetime(2009, 6, 1, tzinfo=UTC)
    for year, cash, on in ((2010, 900_000, date(2010, 2, 1)), (2010, 600_000, date(2010, 5, 3)),
                           (2011, 400_000, date(2012, 3, 1))):
        recorded(realise(project, "Färre pappersansökningar", year, cash), on)
    return project


@pytest.mark.parametrize(("on", "by_year"), [
    (date(2010, 1, 31), {}),
    (date(2010, 2, 1), {2010: 900_000}),
    (date(2010, 5, 2), {2010: 900_000}),
    (date(2010, 5, 3), {2010: 600_000}),
    (date(2012, 3, 1), {2010: 600_000, 2011: 400_000}),
])
def test_the_latest_entry_recorded_by_the_day_counts(school_choice, world, on, by_year):  # noqa: F811
    projects = sa.select(Project.id).where(Project.id == school_choice.id)
    assert queries.realised_by_year(projects, on) == by_year
    assert queries.realised_savings_by_owner(projects, on) == {
        (world.edu.id, year): cash for year, cash in by_year.items()}
    [line] = queries.benefit_lines(projects, on, 2011)
    assert line.realised_sek == sum(by_year.values())
    [row] = queries.register_rows(queries.register_figures(2011, on, project_id=school_choice.id))
    assert row.actual_to_date_sek == sum(by_year.values())
    assert row.actual_cash_releasing_to_date_sek == sum(by_year.values())


def test_without_a_date_the_latest_of_all_counts(school_choice):
    latest = db.session.scalars(sa.select(RealisationEntry.actual_sek)
                                .where(queries.effective_entry(None))
                                .order_by(RealisationEntry.year)).all()
    assert latest == [600_000, 400_000]


@pytest.mark.parametrize("on", [date(2010, 1, 31), date(2010, 2, 1), date(2010, 5, 3),
                                date(2012, 3, 1)])
def test_one_pass_gives_what_the_two_sums_give(school_choice, world, on):  # noqa: F811
    """The dashboards' single pass equals the yearly sums of some projects and the savings
    per owner of every project, with and without an owner, on any date."""
    traffic_project = add_project(world.programme.id, world.traffic.id, "Cykelreseplanerare",
                                  benefits=[(world.traffic.id, "Färre samtal",
                                             steady(300_000, 2010))])
    traffic_project.created_at = datetime(2009, 6, 1, tzinfo=UTC)
    recorded(realise(traffic_project, "Färre samtal", 2010, 250_000), date(2010, 2, 1))
    every = sa.select(Project.id).where(Project.programme_id == world.programme.id)
    only_school = sa.select(Project.id).where(Project.id == school_choice.id)
    for scope in (every, only_school):
        for owner in (None, world.edu.id, world.traffic.id):
            sums = queries.realised_sums(every, scope, on, realised_owner_id=owner,
                                         savings_owner_id=owner)
            assert sums.by_year == queries.realised_by_year(scope, on, owner)
            assert sums.savings_by_owner == queries.realised_savings_by_owner(every, on, owner)
    whole = queries.realised_sums(every, only_school, on, savings_owner_id=world.traffic.id)
    assert whole.by_year == queries.realised_by_year(only_school, on)
    assert whole.savings_by_owner == queries.realised_savings_by_owner(every, on,
                                                                       world.traffic.id)
