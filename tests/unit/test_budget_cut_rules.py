"""The budget-cut proposal and reconciliation rules (nyttohemtagning), one row per case."""

from datetime import date
from decimal import Decimal

import pytest

from app.budget_cuts.rules import (
    DEMO_POLICY,
    Exclusion,
    Flag,
    FlagNote,
    Policy,
    PolicyError,
    SavingLine,
    UndoneChanges,
    allocate_sek,
    propose,
    reconcile,
)

EDU, TRAFFIC, CITY_HALL = 4, 7, 1
LIVE_2011 = date(2011, 4, 11)


def line(year, cash, *, org=EDU, project=1, benefit=10, version=100, running=0,
         go_live=date(2008, 1, 1)) -> SavingLine:
    return SavingLine(organisation_id=org, project_id=project, benefit_id=benefit,
                      calculation_version_id=version, saving_year=year, cash_releasing_sek=cash,
                      running_cost_sek=running, go_live_on=go_live)


def policy(share="1", lag=1, net=False, early=False) -> Policy:
    return Policy(share=Decimal(share), lag_years=lag, net_running_costs=net,
                  allow_before_go_live=early)


STEADY = [line(year, 700_000, go_live=date(2011, 1, 10)) for year in range(2011, 2021)]


@pytest.mark.parametrize("budget_year, level, increment", [
    (2010, 0, 0),
    (2011, 0, 0),
    (2012, 700_000, 700_000),
    (2013, 700_000, 0),
    (2014, 700_000, 0),
    (2016, 700_000, 0),
    (2020, 700_000, 0),
])
def test_a_steady_700_000_saving_from_2011_cuts_2012_and_every_year_after(
        budget_year, level, increment):
    proposal = propose(STEADY, DEMO_POLICY, budget_year).for_organisation(EDU)
    assert (proposal.proposed_sek, proposal.increment_sek) == (level, increment)


def test_the_proposal_lists_every_contributing_line():
    proposal = propose(STEADY, DEMO_POLICY, 2012).for_organisation(EDU)
    assert proposal.saving_year == 2011
    [only] = proposal.lines
    assert (only.saving.project_id, only.saving.benefit_id, only.saving.calculation_version_id,
            only.saving.saving_year, only.saving.cash_releasing_sek, only.share,
            only.proposed_sek) == (1, 10, 100, 2011, 700_000, Decimal(1), 700_000)


RISING = [line(2010, 100_000), line(2011, 200_000), line(2012, 300_000)]


@pytest.mark.parametrize("lag, saving_year, level", [
    (0, 2012, 300_000),
    (1, 2011, 200_000),
    (2, 2010, 100_000),
])
def test_the_lag_picks_the_saving_year(lag, saving_year, level):
    proposal = propose(RISING, policy(lag=lag), 2012).for_organisation(EDU)
    assert (proposal.saving_year, proposal.proposed_sek) == (saving_year, level)


@pytest.mark.parametrize("lag, increment", [(0, 100_000), (1, 100_000), (2, 100_000)])
def test_the_increment_is_the_change_from_the_year_before(lag, increment):
    assert propose(RISING, policy(lag=lag), 2012).for_organisation(EDU).increment_sek == increment


@pytest.mark.parametrize("share, level", [
    ("1", 700_000),
    ("0.5", 350_000),
    ("0", 0),
    ("0.3333", 233_310),
])
def test_the_share_taken_back(share, level):
    assert propose(STEADY, policy(share=share), 2012).for_organisation(EDU).proposed_sek == level


def test_rounding_happens_once_and_the_lines_add_up():
    lines = [line(2011, 1, benefit=b) for b in range(1, 4)]
    proposal = propose(lines, policy(share="0.5"), 2012).for_organisation(EDU)
    assert proposal.proposed_sek == 2
    assert sorted(x.proposed_sek for x in proposal.lines) == [0, 1, 1]


@pytest.mark.parametrize("net, cash, running, level", [
    (False, 700_000, 150_000, 700_000),
    (True, 700_000, 150_000, 550_000),
    (True, 700_000, 700_000, 0),
    (True, 100_000, 250_000, 0),
    (True, 700_000, 0, 700_000),
])
def test_netting_running_costs_never_goes_below_zero(net, cash, running, level):
    lines = [line(2011, cash, running=running)]
    assert propose(lines, policy(net=net), 2012).for_organisation(EDU).proposed_sek == level


def test_one_projects_running_costs_do_not_eat_another_projects_savings():
    lines = [line(2011, 100_000, project=1, running=400_000),
             line(2011, 300_000, project=2, benefit=11, running=50_000)]
    proposal = propose(lines, policy(net=True), 2012).for_organisation(EDU)
    assert proposal.proposed_sek == 250_000
    assert [(x.base_sek, x.netted_sek) for x in proposal.lines] == [(0, 100_000),
                                                                   (250_000, 50_000)]


@pytest.mark.parametrize("budget_year, go_live, early, level, reason", [
    (2011, LIVE_2011, False, 0, Exclusion.BEFORE_GO_LIVE),
    (2012, LIVE_2011, False, 700_000, None),
    (2013, LIVE_2011, False, 700_000, None),
    (2012, None, False, 0, Exclusion.NOT_LAUNCHED),
    (2011, LIVE_2011, True, 700_000, None),
    (2012, None, True, 700_000, None),
])
def test_the_go_live_guard(budget_year, go_live, early, level, reason):
    lines = [line(year, 700_000, go_live=go_live) for year in (2010, 2011, 2012)]
    proposal = propose(lines, policy(early=early), budget_year).for_organisation(EDU)
    assert proposal.proposed_sek == level
    assert [x.reason for x in proposal.excluded] == ([reason] if reason else [])


def test_several_projects_of_one_organisation_add_up_line_by_line():
    lines = [line(2011, 700_000, project=1, benefit=10),
             line(2011, 300_000, project=2, benefit=20, version=200),
             line(2011, 200_000, project=2, benefit=21, version=200),
             line(2011, 0, project=3, benefit=30)]
    proposal = propose(lines, DEMO_POLICY, 2012).for_organisation(EDU)
    assert proposal.proposed_sek == 1_200_000
    assert [(x.saving.project_id, x.saving.benefit_id, x.proposed_sek) for x in proposal.lines] == [
        (1, 10, 700_000), (2, 20, 300_000), (2, 21, 200_000)]


def test_a_benefit_owned_by_another_organisation_cuts_the_owner():
    lines = [line(2011, 500_000, org=TRAFFIC, project=9, benefit=1),
             line(2011, 200_000, org=CITY_HALL, project=9, benefit=2)]
    proposal = propose(lines, DEMO_POLICY, 2012)
    assert {o.organisation_id: o.proposed_sek for o in proposal.organisations} == {
        TRAFFIC: 500_000, CITY_HALL: 200_000}
    assert proposal.total_sek == 700_000
    assert proposal.for_organisation(EDU).proposed_sek == 0


def test_an_organisation_whose_savings_end_gets_a_negative_increment():
    lines = [line(2010, 400_000)]
    proposal = propose(lines, DEMO_POLICY, 2012)
    [edu] = proposal.organisations
    assert (edu.proposed_sek, edu.previous_sek, edu.increment_sek) == (0, 400_000, -400_000)


def test_the_previous_years_policy_gives_the_previous_level():
    proposal = propose(STEADY, policy(share="1"), 2013, previous_policy=policy(share="0.5"))
    assert proposal.for_organisation(EDU).increment_sek == 350_000


@pytest.mark.parametrize("total, weights, parts", [
    (150_000, [100_000, 200_000], (50_000, 100_000)),
    (100, [1, 1, 1], (34, 33, 33)),
    (0, [5, 5], (0, 0)),
    (1_000, [0, 0], (0, 0)),
    (7, [], ()),
])
def test_allocate_sek_splits_whole_kronor_pro_rata(total, weights, parts):
    assert allocate_sek(total, weights) == parts


@pytest.mark.parametrize("kwargs, field", [
    ({"share": Decimal("1.01")}, "share"),
    ({"share": Decimal("-0.01")}, "share"),
    ({"share": 0.5}, "share"),
    ({"share": Decimal("NaN")}, "share"),
    ({"share": Decimal(1), "lag_years": -1}, "lag_years"),
    ({"share": Decimal(1), "lag_years": 1.5}, "lag_years"),
    ({"share": Decimal(1), "lag_years": 11}, "lag_years"),
])
def test_a_policy_out_of_range_names_the_field(kwargs, field):
    with pytest.raises(PolicyError) as raised:
        Policy(**kwargs)
    assert raised.value.field == field


@pytest.mark.parametrize("proposed, adopted, realised, go_live, budget_year, flags", [
    (700_000, 700_000, 700_000, {1: date(2010, 5, 1)}, 2012, []),
    (700_000, 700_000, 500_000, {1: date(2010, 5, 1)}, 2012,
     [FlagNote(Flag.CUT_EXCEEDS_REALISED, amount_sek=200_000)]),
    (700_000, 700_000, 0, {1: date(2010, 5, 1)}, 2012,
     [FlagNote(Flag.CUT_EXCEEDS_REALISED, amount_sek=700_000)]),
    (700_000, 500_000, 700_000, {1: date(2010, 5, 1)}, 2012,
     [FlagNote(Flag.REALISED_NOT_TAKEN, amount_sek=200_000)]),
    (0, None, 300_000, {}, 2012, [FlagNote(Flag.REALISED_NOT_TAKEN, amount_sek=300_000)]),
    (700_000, None, 0, {1: date(2010, 5, 1)}, 2012, []),
    (700_000, None, 0, {1: date(2012, 2, 1)}, 2012, [FlagNote(Flag.CUT_BEFORE_LAUNCH,
                                                              project_id=1)]),
    (700_000, 700_000, 700_000, {2: None, 1: date(2011, 12, 1)}, 2012,
     [FlagNote(Flag.CUT_BEFORE_LAUNCH, project_id=2)]),
    (0, 0, 0, {1: None}, 2012, []),
    (900_000, 900_000, 0, {1: None}, 2011,
     [FlagNote(Flag.CUT_BEFORE_LAUNCH, project_id=1),
      FlagNote(Flag.CUT_EXCEEDS_REALISED, amount_sek=900_000)]),
])
def test_reconcile_flags(proposed, adopted, realised, go_live, budget_year, flags):
    result = reconcile(proposed, adopted, realised, go_live, budget_year)
    assert list(result.flags) == flags


def test_reconcile_keeps_the_difference_between_proposal_and_adoption():
    result = reconcile(700_000, 500_000, 700_000, {}, 2012)
    assert result.difference_sek == -200_000
    assert reconcile(700_000, None, 0, {}, 2012).difference_sek is None


def test_reconcile_uses_the_saving_year_the_lag_points_at():
    go_live = {1: date(2011, 3, 1)}
    assert reconcile(1, 1, 1, go_live, 2012, saving_year=2010).has(Flag.CUT_BEFORE_LAUNCH)
    assert not reconcile(1, 1, 1, go_live, 2012, saving_year=2011).has(Flag.CUT_BEFORE_LAUNCH)


# ---- the one-sheet workbook and the what-if chart (reports/budget_cut_sheet.py) -------------

def test_the_explanation_workbook_is_one_typed_sheet_with_formulas_neutralised():
    from io import BytesIO

    from openpyxl import load_workbook

    from reports.budget_cut_sheet import explanation_workbook

    data = explanation_workbook("Nyttohemtagning 2012", [("Post", "text"), ("Kr", "sek"),
                                                          ("Andel", "percent")],
                                [["=HYPERLINK(\"x\")", 700_000, Decimal("0.5")]])
    sheet = load_workbook(BytesIO(data)).active
    assert sheet.title == "Nyttohemtagning 2012"
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=")
    assert sheet["B2"].value == 700_000 and sheet["B2"].number_format == '#,##0 "kr"'
    assert sheet["C2"].number_format == "0.0%"


@pytest.mark.parametrize("maximum, step", [(0, 1), (7, 2), (997_400, 200_000),
                                           (6_045_800, 2_000_000), (100, 20)])
def test_the_chart_axis_takes_round_steps(maximum, step):
    from reports.budget_cut_sheet import nice_step

    assert nice_step(maximum) == step


def test_the_what_if_chart_lays_out_one_bar_per_policy_and_year():
    from reports.budget_cut_sheet import grouped_bar_chart

    chart = grouped_bar_chart(["2011", "2012"], [("A", [400_000, 1_000_000]),
                                                 ("B", [200_000, 0])], width=400, height=200)
    assert len(chart.bars) == 4 and len(chart.legend) == 2
    tallest = max(chart.bars, key=lambda bar: bar.value)
    assert tallest.y == pytest.approx(chart.top) and tallest.y + tallest.height == chart.bottom
    assert [bar.height for bar in chart.bars if bar.value == 0] == [0]
    assert all(chart.left <= bar.x and bar.x + bar.width <= chart.right for bar in chart.bars)
    assert chart.ticks[0].label == "0" and chart.ticks[-1].y == pytest.approx(chart.top)


BOARD = UndoneChanges(project_id=3, benefit_id=30, benefit_name="Färre manuella kontroller",
                      changes=("Nämnden slutar skriva ut tillstånd",))


@pytest.mark.parametrize("proposed, adopted, undone, flagged", [
    (700_000, None, (BOARD,), (FlagNote(Flag.CUT_BEFORE_CHANGE, project_id=3, benefit_id=30,
                                        benefit_name="Färre manuella kontroller",
                                        changes=("Nämnden slutar skriva ut tillstånd",)),)),
    (700_000, 700_000, (BOARD,), (FlagNote(Flag.CUT_BEFORE_CHANGE, project_id=3, benefit_id=30,
                                           benefit_name="Färre manuella kontroller",
                                           changes=("Nämnden slutar skriva ut tillstånd",)),)),
    # nothing cut, nothing taken before the change
    (0, None, (BOARD,), ()),
    (700_000, 0, (BOARD,), ()),
    # every change done: no flag
    (700_000, None, (), ()),
    (700_000, None, (UndoneChanges(3, 30, "x", ()),), ()),
])
def test_a_cut_resting_on_a_benefit_whose_changes_are_not_done_is_flagged(
        proposed, adopted, undone, flagged):
    live = {3: date(2008, 6, 1)}
    result = reconcile(proposed, adopted, 0 if adopted is None else adopted, live, 2010,
                       undone_changes=undone)
    assert tuple(f for f in result.flags if f.code == Flag.CUT_BEFORE_CHANGE) == flagged
    assert not result.has(Flag.CUT_BEFORE_LAUNCH)


def test_cut_before_launch_and_before_the_change_stand_side_by_side():
    result = reconcile(700_000, None, 0, {3: None}, 2010, undone_changes=(BOARD,))
    assert [f.code for f in result.flags][:2] == [Flag.CUT_BEFORE_LAUNCH, Flag.CUT_BEFORE_CHANGE]
