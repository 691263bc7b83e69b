"""Dashboard and tertial figures carry exactly the numbers they are given, in figure and table."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from reports import dashboard_figures as figures
from reports import tertial_figures
from reports.xlsx import DATE, INT, PERCENT, SEK


def _trace(chart, meta):
    return next(trace for trace in chart.figure["data"] if trace.get("meta") == meta)


@pytest.mark.parametrize("reserved, committed, spent, left", [
    (650_000_000, 400_000_000, 250_000_000, 250_000_000),
    (10, 0, 0, 10),
    (100, 100, 100, 0),
])
def test_waterfall_values_are_the_envelope(reserved, committed, spent, left):
    chart = figures.envelope_waterfall(reserved, committed, spent, left)
    trace = _trace(chart, "envelope")
    assert trace["type"] == "waterfall"
    assert trace["measure"] == ["absolute", "relative", "relative", "total"]
    assert trace["y"] == [reserved, -spent, -(committed - spent), left]
    assert trace["customdata"] == [reserved, spent, committed - spent, left]
    assert reserved + trace["y"][1] + trace["y"][2] == left
    assert [row[1] for row in chart.rows] == [reserved, committed, spent, committed - spent, left]
    assert [c.kind for c in chart.columns] == ["text", SEK]


def test_funnel_counts_each_stage_in_order():
    stages = [("Ideas", 40), ("Screened", 30), ("Applications", 20), ("Decided", 12),
              ("Projects", 10), ("Completed", 3)]
    chart = figures.pipeline_funnel(stages)
    trace = _trace(chart, "pipeline")
    assert trace["y"] == [name for name, _ in stages]
    assert trace["x"] == [count for _, count in stages]
    assert chart.rows == tuple(stages)


def test_commitments_by_area_from_a_dataframe():
    frame = pd.DataFrame({"area": ["Trafik", "Skola"], "estimate_sek": [50_000_000, 80_000_000],
                          "committed_sek": [12_000_000, 0]})
    chart = figures.commitments_by_area(frame, labels={"committed": "Beviljat"})
    assert _trace(chart, "estimate")["x"] == [50_000_000, 80_000_000]
    assert _trace(chart, "committed")["x"] == [12_000_000, 0]
    assert _trace(chart, "committed")["y"] == ["Trafik", "Skola"]
    assert _trace(chart, "committed")["name"] == "Beviljat"
    assert chart.rows == (("Trafik", 50_000_000, 12_000_000), ("Skola", 80_000_000, 0))
    assert all(isinstance(value, int) for row in chart.rows for value in row[1:])


def test_status_heatmap_codes_colours_and_names_each_cell():
    chart = figures.status_heatmap(["A", "B"], ["P1", "P2", "P3"],
                                   [["green", "amber", "red"], ["missing", None, "green"]])
    trace = _trace(chart, "status")
    assert trace["z"] == [[1, 2, 3], [0, None, 1]]
    assert trace["text"] == [["Green", "Amber", "Red"], ["Missing", "", "Green"]]
    assert trace["texttemplate"] == "%{text}"
    assert chart.rows == (("A", "Green", "Amber", "Red"), ("B", "Missing", "", "Green"))
    scale = dict((round(stop, 4), colour) for stop, colour in trace["colorscale"])
    assert scale[0.0] == figures.STATUS_COLOURS["missing"]
    assert scale[1.0] == figures.STATUS_COLOURS["red"]


def test_status_heatmap_refuses_unknown_status_and_ragged_rows():
    with pytest.raises(ValueError):
        figures.status_heatmap(["A"], ["P1"], [["purple"]])
    with pytest.raises(ValueError):
        figures.status_heatmap(["A"], ["P1", "P2"], [["green"]])


def test_adherence_over_time_plots_the_rules_shares():
    rows = [{"on": date(2009, 4, 30), "assessed": 0, "not_kept_budget_share": None,
             "not_kept_schedule_share": None},
            {"on": date(2009, 8, 31), "assessed": 13, "not_kept_budget_share": Decimal("0.3077"),
             "not_kept_schedule_share": Decimal("0.4615")}]
    chart = figures.adherence_over_time(rows)
    assert _trace(chart, "not_kept_budget")["y"] == [None, 0.3077]
    assert _trace(chart, "not_kept_schedule")["y"] == [None, 0.4615]
    assert _trace(chart, "not_kept_budget")["x"] == ["2009-04-30", "2009-08-31"]
    assert chart.rows[1] == (date(2009, 8, 31), 13, Decimal("0.3077"), Decimal("0.4615"))
    assert [c.kind for c in chart.columns] == [DATE, INT, PERCENT, PERCENT]
    assert chart.as_records()[1]["Date"] == "2009-08-31"


def test_planned_vs_realised_leaves_unrealised_years_empty():
    chart = figures.planned_vs_realised(
        pd.DataFrame({"year": [2009, 2010], "planned_sek": [100, 200],
                      "realised_sek": [90, None]}))
    assert _trace(chart, "planned")["y"] == [100, 200]
    assert _trace(chart, "realised")["y"] == [90, None]
    assert chart.rows == ((2009, 100, 90), (2010, 200, None))


def test_budget_cuts_grouped_by_year_then_organisation():
    rows = [{"organisation": "Skola", "year": 2011, "proposed_sek": 300, "adopted_sek": None,
             "realised_sek": 0},
            {"organisation": "Trafik", "year": 2010, "proposed_sek": 100, "adopted_sek": 80,
             "realised_sek": 70}]
    chart = figures.budget_cuts_by_organisation(rows)
    assert _trace(chart, "adopted")["y"] == [["2010", "2011"], ["Trafik", "Skola"]]
    assert _trace(chart, "proposed")["x"] == [100, 300]
    assert _trace(chart, "adopted")["x"] == [80, None]
    assert _trace(chart, "realised_savings")["x"] == [70, 0]
    assert chart.rows == (("Trafik", 2010, 100, 80, 70), ("Skola", 2011, 300, None, 0))


def test_bubbles_one_trace_per_area_size_is_users_and_undrawn_without_npv():
    rows = [{"project": "Cykel", "area": "Trafik", "cost_sek": 1_200_000, "npv_sek": 300_000,
             "users": 60_000},
            {"project": "Parkering", "area": "Trafik", "cost_sek": 2_000_000,
             "npv_sek": -50_000, "users": None},
            {"project": "Skolval", "area": None, "cost_sek": 900_000, "npv_sek": None,
             "users": 10}]
    chart = figures.portfolio_bubbles(rows, labels={"no_area": "Inget område"})
    trace = _trace(chart, "Trafik")
    assert trace["x"] == [1_200_000, 2_000_000]
    assert trace["y"] == [300_000, -50_000]
    assert trace["marker"]["size"] == [60_000, 0]
    assert trace["text"] == ["Cykel", "Parkering"]
    assert [t["meta"] for t in chart.figure["data"]] == ["Trafik"]
    assert chart.rows[2] == ("Skolval", "Inget område", 900_000, None, 10)


def test_burn_up_climbs_actuals_against_the_budget():
    frame = pd.DataFrame({"period": [1, 2, 3],
                          "ends_on": [date(2009, 1, 11), date(2009, 2, 22), date(2009, 4, 5)],
                          "actual_to_date_sek": [100_000, 250_000, 400_000],
                          "forecast_sek": [900_000, None, 1_100_000]})
    chart = figures.cost_burn_up(frame, 1_000_000)
    assert _trace(chart, "actual")["y"] == [100_000, 250_000, 400_000]
    assert _trace(chart, "forecast")["y"] == [900_000, None, 1_100_000]
    assert _trace(chart, "budget")["y"] == [1_000_000] * 3
    assert [row[3] for row in chart.rows] == [100_000, 150_000, 150_000]
    assert chart.rows[0][1] == date(2009, 1, 11)


def test_status_timeline_rows_are_the_five_aspects():
    rows = [{"period": 1, "ends_on": date(2009, 1, 11), "overall": "green", "cost": "amber",
             "schedule": "red", "scope": None, "benefit": "green"}]
    chart = figures.status_timeline(rows)
    trace = _trace(chart, "status")
    assert trace["y"] == ["Overall", "Cost", "Schedule", "Scope", "Benefits"]
    assert trace["x"] == ["1 (2009-01-11)"]
    assert trace["z"] == [[1], [2], [3], [0], [1]]


SNAPSHOT = {
    "schema": 1, "programme": {"id": 1, "name": "E-tjänster"}, "year": 2010, "tertial": 1,
    "envelope": {"reserved_sek": 650_000_000, "committed_sek": 300_000_000,
                 "spent_sek": 120_000_000, "left_sek": 350_000_000},
    "projects": [{"overall_status": "green"}, {"overall_status": "red"},
                 {"overall_status": None}, {"overall_status": "green"}],
    "by_area": [{"area": "Trafik", "projects": 2, "granted_sek": 5_000_000,
                 "spent_in_period_sek": 400_000, "spent_to_date_sek": 2_000_000,
                 "forecast_sek": 5_100_000}],
    "adherence": {"projects": 4, "assessed": 3, "not_kept_budget": 1, "not_kept_schedule": 2,
                  "not_kept_budget_share": "0.3333", "not_kept_schedule_share": "0.6667"},
}


def test_tertial_charts_carry_the_snapshots_figures():
    charts = tertial_figures.tertial_charts(SNAPSHOT)
    assert list(charts) == ["envelope", "by_area", "status", "adherence"]
    assert _trace(charts["envelope"], "envelope")["customdata"] == [
        650_000_000, 120_000_000, 180_000_000, 350_000_000]
    assert _trace(charts["by_area"], "granted")["x"] == [5_000_000]
    assert _trace(charts["by_area"], "spent_to_date")["x"] == [2_000_000]
    assert _trace(charts["by_area"], "spent_in_period")["x"] == [400_000]
    assert _trace(charts["status"], "status")["y"] == [2, 0, 1, 1]
    assert _trace(charts["adherence"], "adherence")["y"] == [0.3333, 0.6667]
    assert charts["adherence"].rows[0][1:] == (1, 3, Decimal("0.3333"))


def test_tertial_charts_name_booked_spending_apart_from_reported_cost():
    charts = tertial_figures.tertial_charts(SNAPSHOT, labels={
        "booked_spent": "Förbrukat enligt huvudboken", "spent": "Förbrukat",
        "reported_to_date": "Upparbetat totalt", "reported_in_period": "Upparbetat under perioden"})
    envelope_items = [row[0] for row in charts["envelope"].rows]
    assert "Förbrukat enligt huvudboken" in envelope_items and "Förbrukat" not in envelope_items
    assert _trace(charts["envelope"], "envelope")["x"][1] == "Förbrukat enligt huvudboken"
    assert _trace(charts["by_area"], "spent_to_date")["name"] == "Upparbetat totalt"
    assert _trace(charts["by_area"], "spent_in_period")["name"] == "Upparbetat under perioden"
    assert [column.header for column in charts["by_area"].columns][3:] == [
        "Upparbetat totalt", "Upparbetat under perioden"]
    assert charts["by_area"].rows[0][3:] == (2_000_000, 400_000)


def test_tertial_charts_of_an_empty_snapshot_are_empty_not_broken():
    empty = {**SNAPSHOT, "projects": [], "by_area": [],
             "adherence": {"projects": 0, "assessed": 0, "not_kept_budget": 0,
                           "not_kept_schedule": 0, "not_kept_budget_share": None,
                           "not_kept_schedule_share": None}}
    charts = tertial_figures.tertial_charts(empty)
    assert charts["by_area"].rows == ()
    assert _trace(charts["adherence"], "adherence")["y"] == [None, None]


def test_long_area_names_lie_across_wrapped_never_rotated():
    long_name = "Administrativa/Gemensamma inkl. IT-infrastruktur"
    chart = figures.commitments_by_area(
        [{"area": long_name, "estimate_sek": 88_000_000, "committed_sek": 36_000_000}])
    layout = chart.figure["layout"]
    assert _trace(chart, "committed")["orientation"] == "h"
    assert layout["yaxis"]["tickvals"] == [long_name]
    assert all(len(line) <= figures.WRAP_AT for line in
               layout["yaxis"]["ticktext"][0].split("<br>"))
    assert layout["yaxis"]["ticktext"][0].replace("<br>", "").replace("/ ", "/") \
        .replace(" ", "") == long_name.replace(" ", "")
    assert chart.rows[0][0] == long_name


def test_legends_sit_above_the_plot_clear_of_the_axis_titles():
    chart = figures.portfolio_bubbles(
        [{"project": "Cykel", "area": "Trafik", "cost_sek": 1, "npv_sek": 1, "users": 1}])
    legend = chart.figure["layout"]["legend"]
    assert legend["yanchor"] == "bottom" and legend["y"] >= 1


def test_status_timeline_names_columns_by_period_number():
    rows = [{"period": number, "ends_on": date(2009, 1, 11), "overall": "green", "cost": None,
             "schedule": None, "scope": None, "benefit": None} for number in (1, 2)]
    xaxis = figures.status_timeline(rows, labels={"period": "Period"}).figure["layout"]["xaxis"]
    assert xaxis["ticktext"] == ["1", "2"]
    assert xaxis["title"]["text"] == "Period"


@pytest.mark.parametrize(("share", "label"), [
    ("0.3125", "31,3\u00a0%"),  # 5 of 16: half up, as the tables round (was 31,2 %)
    ("0.3077", "30,8\u00a0%"),
    ("0.5000", "50,0\u00a0%"),
])
def test_adherence_bar_labels_round_as_the_tables_do(share, label):
    snapshot = {"adherence": {"assessed": 16, "not_kept_budget": 5,
                              "not_kept_budget_share": share, "not_kept_schedule": 0,
                              "not_kept_schedule_share": None}}

    chart = tertial_figures.adherence_shares(snapshot)

    assert chart.figure["data"][0]["text"][0] == label
    assert chart.figure["data"][0]["text"][1] == ""


@pytest.mark.parametrize("builder", ["burn_up", "timeline"])
def test_a_project_without_reports_draws_empty_charts_not_an_error(builder):
    """A project approved a minute ago has no reports: both charts are empty, never a 500."""
    from reports import dashboard_figures as figures_module

    if builder == "burn_up":
        chart = figures_module.cost_burn_up([], 1_000_000)
    else:
        chart = figures_module.status_timeline([])
    assert chart.rows == () or all(len(row) == 1 for row in chart.rows)
