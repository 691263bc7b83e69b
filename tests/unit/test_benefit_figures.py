"""The benefit figures carry exactly the numbers they are given (no browser needed)."""

import json

import pytest

from app.benefits import calculation
from reports.benefit_figures import (
    PENG_COLOURS,
    peng_figure,
    planned_vs_realised_figure,
)

WORKED_EXAMPLE = {
    "start_year": 2010, "years": 5, "discount_rate": 0.035, "channel_unit_sek": 2,
    "adoption": {"target": 0.6, "ramp_years": 3, "go_live_index": 1},
    "benefits": [{"kind": "channel_shift", "name": "Färre samtal", "recipient": "organisation",
                  "volume_per_year": 10000,
                  "channel_mix": {"phone": 0.5, "letter": 0.3, "visit": 0.2}}],
    "costs": [{"name": "Utveckling", "kind": "investment", "by_year_sek": [1200000, 0, 0, 0, 0]},
              {"name": "Drift", "kind": "running",
               "by_year_sek": [0, 150000, 150000, 150000, 150000]}],
}


def _result(payload: dict) -> dict:
    return calculation.result_to_dict(calculation.evaluate(calculation.parse_calculation(payload)))


def _bars(figure: dict) -> dict:
    return {trace["meta"]: (trace["x"], trace["y"]) for trace in figure["data"]}


def test_peng_bars_are_the_worked_examples_present_values_by_colour():
    result = _result(WORKED_EXAMPLE)
    figure = peng_figure(result["pv_by_colour_sek"], result["qualitative_count"],
                         labels={"benefits": "Nyttor", "costs": "Kostnader"})
    bars = _bars(figure)
    assert bars == {
        "green": (["Nyttor"], [0]),
        "yellow": (["Nyttor"], [2_380_781]),
        "red": (["Nyttor"], [0]),
        "blue": (["Kostnader"], [1_750_962]),
    }
    assert result["pv_by_colour_sek"] == {"green": 0, "yellow": 2_380_781, "blue": 1_750_962}
    assert figure["layout"]["barmode"] == "stack"
    assert [trace["marker"]["color"] for trace in figure["data"]] == [
        PENG_COLOURS[c] for c in ("green", "yellow", "red", "blue")]


def test_peng_splits_cash_releasing_and_counts_qualitative_lines():
    payload = json.loads(json.dumps(WORKED_EXAMPLE))
    payload["benefits"] += [
        {"kind": "fixed", "name": "Licens", "recipient": "organisation",
         "by_year_sek": [0, 0, 50000, 50000, 50000], "cash_releasing": True},
        {"kind": "qualitative", "name": "Insyn", "goal": 1, "indicator": "NKI"},
        {"kind": "qualitative", "name": "Tillgänglighet", "goal": 2, "indicator": "Andel"},
    ]
    result = _result(payload)
    figure = peng_figure(result["pv_by_colour_sek"], result["qualitative_count"],
                         labels={"red": "Kvalitativa"})
    bars = _bars(figure)
    assert bars["green"][1] == [result["pv_by_colour_sek"]["green"]] != [0]
    assert bars["yellow"][1] == [result["pv_by_colour_sek"]["yellow"]]
    assert bars["blue"][1] == [result["pv_by_colour_sek"]["blue"]]
    assert sum(bars[c][1][0] for c in ("green", "yellow", "red")) == pytest.approx(
        result["pv_benefits_sek"], abs=1)
    red = next(trace for trace in figure["data"] if trace["meta"] == "red")
    assert red["y"] == [0] and red["name"] == "Kvalitativa: 2"


def test_planned_vs_realised_series_equal_the_inputs():
    figure = planned_vs_realised_figure(
        [2010, 2011, 2012], [0, 292_000, 584_000], [None, 250_000, 600_000],
        labels={"planned": "Planerat", "realised": "Realiserat"})
    bars = _bars(figure)
    assert bars["planned"] == (["2010", "2011", "2012"], [0, 292_000, 584_000])
    assert bars["realised"] == (["2010", "2011", "2012"], [None, 250_000, 600_000])
    assert [trace["name"] for trace in figure["data"]] == ["Planerat", "Realiserat"]
    assert figure["layout"]["barmode"] == "group"
    assert figure["layout"]["separators"] == ", "


def test_planned_vs_realised_refuses_series_of_different_lengths():
    with pytest.raises(ValueError):
        planned_vs_realised_figure([2010, 2011], [1, 2], [3])


def test_figures_are_plain_json():
    figure = peng_figure({"green": 1, "yellow": 2, "blue": 3}, 1)
    assert json.loads(json.dumps(figure)) == figure


def test_a_calculation_without_lines_draws_one_zero_on_its_axis_not_rounded_ticks():
    """Plotly's default range for all-zero bars is -1..1, whose ticks round to 1, 1, 0, 0."""
    empty = peng_figure({}, 0)
    assert empty["layout"]["yaxis"]["tickvals"] == [0]
    assert list(empty["layout"]["yaxis"]["range"]) == [0, 1]
    valued = peng_figure({"green": 1_000, "blue": 500}, 0)
    assert "tickvals" not in valued["layout"].get("yaxis", {})
