"""The arithmetic around a budget-cut proposal (rules.py), one row per case: years, shares,
lags, running costs, the cut in force, the ledger's latest entry, city totals, what-if."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from app.budget_cuts import rules
from app.budget_cuts.rules import DEMO_POLICY, Policy, SavingLine


@dataclass(frozen=True)
class Row:
    """Anything with the attributes a rule reads (a stored policy, entry, line or figure)."""

    id: int = 0
    valid_from_year: int = 0
    kind: str = ""


@pytest.mark.parametrize(("starts_on", "ends_on", "expected"), [
    (date(2007, 1, 1), date(2012, 12, 31), [2007, 2008, 2009, 2010, 2011, 2012]),
    (date(2007, 9, 1), date(2008, 3, 31), [2007, 2008]),
    (date(2010, 1, 1), date(2010, 12, 31), [2010]),
])
def test_budget_years_are_the_programmes_calendar_years(starts_on, ends_on, expected):
    assert list(rules.budget_years(starts_on, ends_on)) == expected


@pytest.mark.parametrize(("today", "expected"), [
    (date(2010, 3, 1), 2011),   # next year is being prepared
    (date(2005, 6, 1), 2007),   # before the programme: its first year
    (date(2012, 5, 1), 2012),   # in the last year: no year after it
    (date(2020, 1, 1), 2012),
    (date(2011, 12, 31), 2012),
])
def test_the_first_budget_year_shown_is_next_year_within_the_programme(today, expected):
    assert rules.first_budget_year(range(2007, 2013), today) == expected


@pytest.mark.parametrize(("rows", "year", "expected_id"), [
    ([], 2010, None),
    ([Row(1, 2009)], 2008, None),                       # not in effect yet
    ([Row(1, 2009)], 2009, 1),
    ([Row(1, 2009), Row(2, 2011)], 2010, 1),
    ([Row(1, 2009), Row(2, 2011)], 2011, 2),
    ([Row(1, 2009), Row(2, 2011)], 2012, 2),
    ([Row(3, 2009), Row(1, 2009)], 2010, 3),            # same year: the later row wins
    ([Row(2, 2011), Row(1, 2009)], 2011, 2),            # order of the rows does not matter
])
def test_the_policy_in_force_is_the_latest_not_after_the_year(rows, year, expected_id):
    found = rules.in_force(rows, year)
    assert (found.id if found else None) == expected_id


@pytest.mark.parametrize(("budget_year", "lag", "expected"), [
    (2011, 1, 2010), (2011, 0, 2011), (2011, 2, 2009),
    (2011, None, 2011 - DEMO_POLICY.lag_years),
])
def test_the_saving_year_lies_the_lag_before_the_budget_year(budget_year, lag, expected):
    assert rules.saving_year(budget_year, lag) == expected


@pytest.mark.parametrize(("share", "expected"), [
    (Decimal(0), True), (Decimal(1), True), (Decimal("0.5"), True),
    (Decimal("-0.0001"), False), (Decimal("1.0001"), False),
    (Decimal("NaN"), False), (Decimal("Infinity"), False),
])
def test_a_share_is_from_0_to_1(share, expected):
    assert rules.is_share(share) is expected


@pytest.mark.parametrize(("share", "expected"), [
    ("0.5", "0.5000"), ("0.33333", "0.3333"), ("0.66665", "0.6667"), ("0.00005", "0.0001"),
    ("1", "1.0000"),
])
def test_a_share_is_kept_to_four_decimals_half_up(share, expected):
    assert str(rules.quantize_share(Decimal(share))) == expected


@pytest.mark.parametrize(("share", "expected"), [
    ("1", 0), ("0.5", 0), ("0.25", 0), ("0.125", 2), ("0.3333", 2), (Decimal("0.7"), 0), (1, 0),
])
def test_a_share_shows_decimals_only_when_not_a_whole_percent(share, expected):
    assert rules.share_decimals(share) == expected


@pytest.mark.parametrize(("amounts", "start_year", "year", "expected"), [
    ([[100, 200, 300]], 2008, 2009, 200),
    ([[100, 200, 300], [10, 20, 30]], 2008, 2010, 330),
    ([[100, 200, 300]], 2008, 2007, 0),        # before the calculation's first year
    ([[100, 200, 300]], 2008, 2011, 0),        # after its last year
    ([[100], [10, 20]], 2008, 2009, 20),       # lines of different lengths
    ([], 2008, 2009, 0),
])
def test_the_running_cost_of_a_year(amounts, start_year, year, expected):
    assert rules.running_cost_sek(amounts, start_year, year) == expected


@pytest.mark.parametrize(("running", "cash", "expected"), [
    (0, 700_000, 0), (200_000, 700_000, 200_000), (900_000, 700_000, 700_000), (5, 0, 0),
])
def test_netting_never_takes_more_than_the_line_saves(running, cash, expected):
    assert rules.netted_sek(running, cash) == expected


@pytest.mark.parametrize(("proposed", "adopted", "previous", "cut", "increment"), [
    (700_000, None, 0, 700_000, 700_000),
    (700_000, 500_000, 0, 500_000, 500_000),
    (700_000, 0, 300_000, 0, -300_000),
    (0, None, 300_000, 0, -300_000),
    (1_000_000, 1_200_000, 1_000_000, 1_200_000, 200_000),
])
def test_the_cut_in_force_and_its_increment(proposed, adopted, previous, cut, increment):
    assert rules.cut_in_force(proposed, adopted) == cut
    assert rules.increment_sek(cut, previous) == increment


@pytest.mark.parametrize(("rows", "kinds", "expected_id"), [
    ([], ("proposed",), None),
    ([Row(1, kind="proposed"), Row(2, kind="adopted")], ("proposed",), 1),
    ([Row(1, kind="adopted"), Row(3, kind="correction"), Row(2, kind="proposed")],
     ("adopted", "correction"), 3),
    ([Row(5, kind="proposed"), Row(4, kind="proposed")], ("proposed",), 5),
    ([Row(1, kind="proposed")], ("adopted", "correction"), None),
])
def test_the_latest_entry_of_some_kinds(rows, kinds, expected_id):
    found = rules.latest_of_kinds(rows, kinds)
    assert (found.id if found else None) == expected_id


@dataclass(frozen=True)
class Line:
    project_id: int
    benefit_id: int | None
    calculation_version_id: int
    saving_year: int
    cash_releasing_sek: int
    share: object
    proposed_sek: int


A = Line(1, 10, 100, 2010, 700_000, Decimal("0.5"), 350_000)
B = Line(2, 20, 200, 2010, 400_000, Decimal("0.5"), 200_000)


@pytest.mark.parametrize(("left", "right", "same"), [
    ([A, B], [B, A], True),                                          # order does not matter
    ([A], [Line(1, 10, 100, 2010, 700_000, "0.5000", 350_000)], True),  # share as stored text
    ([A], [Line(1, 10, 100, 2010, 700_000, Decimal("0.5"), 350_001)], False),
    ([A], [Line(1, 10, 101, 2010, 700_000, Decimal("0.5"), 350_000)], False),
    ([A, B], [A], False),
    ([], [], True),
])
def test_proposal_lines_compare_by_what_they_say(left, right, same):
    assert (rules.lines_key(left) == rules.lines_key(right)) is same


@pytest.mark.parametrize(("base", "expected"), [
    (DEMO_POLICY, [("1", 1, False), ("0.5000", 1, False), ("1", 2, True)]),
    (Policy(share=Decimal("0.3333"), lag_years=0, net_running_costs=True),
     [("0.3333", 0, True), ("0.1667", 0, True), ("0.3333", 2, True)]),
])
def test_the_default_what_if_is_the_policy_half_its_share_and_netting_with_lag_2(base, expected):
    found = rules.default_scenarios(base)
    assert [(str(p.share), p.lag_years, p.net_running_costs) for p in found] == expected
    assert all(p.allow_before_go_live == base.allow_before_go_live for p in found)


@dataclass(frozen=True)
class Figures:
    proposed_sek: int
    adopted_sek: int | None
    cut_sek: int
    realised_sek: int


@pytest.mark.parametrize(("items", "expected"), [
    ([], (0, 0, 0, 0, 0)),
    ([Figures(700_000, None, 700_000, 0)], (700_000, 0, 700_000, 0, 1)),
    ([Figures(700_000, 500_000, 500_000, 650_000), Figures(0, None, 0, 100_000),
      Figures(300_000, 0, 0, 0)], (1_000_000, 500_000, 500_000, 750_000, 1)),
])
def test_the_city_total_of_a_year(items, expected):
    total = rules.year_total(2010, items)
    assert total.budget_year == 2010
    assert (total.proposed_sek, total.adopted_sek, total.cut_sek, total.realised_sek,
            total.organisations) == expected


def _saving(org, year, cash) -> SavingLine:
    return SavingLine(organisation_id=org, project_id=1, benefit_id=org * 10,
                      calculation_version_id=100, saving_year=year, cash_releasing_sek=cash,
                      running_cost_sek=0, go_live_on=date(2008, 1, 1))


LINES = [_saving(4, 2009, 400_000), _saving(4, 2010, 700_000), _saving(7, 2010, 300_000)]


@pytest.mark.parametrize(("share", "totals", "increments", "by_organisation"), [
    ("1", {2010: 400_000, 2011: 1_000_000}, {2010: 400_000, 2011: 600_000},
     {4: 1_100_000, 7: 300_000, 9: 0}),
    ("0.5", {2010: 200_000, 2011: 500_000}, {2010: 200_000, 2011: 300_000},
     {4: 550_000, 7: 150_000, 9: 0}),
])
def test_a_what_if_scenario_sums_its_proposals(share, totals, increments, by_organisation):
    policy = Policy(share=Decimal(share), lag_years=1)
    scenario = rules.Scenario("A", policy, tuple(rules.propose(LINES, policy, year)
                                                 for year in (2010, 2011)))
    assert {year: scenario.total(year) for year in totals} == totals
    assert {year: scenario.increment(year) for year in increments} == increments
    assert {org: scenario.organisation_total(org) for org in by_organisation} == by_organisation
