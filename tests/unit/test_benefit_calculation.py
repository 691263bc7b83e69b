"""Unit tests for the pure benefit-calculation engine (nyttokalkyl)."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from app.benefits.calculation import (
    Adoption,
    CalculationDefaults,
    CalculationInputError,
    EngineCode,
    EngineProblem,
    evaluate,
    npv,
    parse_calculation,
    result_to_dict,
    round_sek,
)
from app.core.enums import BenefitKind, CostKind, Recipient

DROP = object()
RATE = 0.05
RAMP = {"target": 0.5, "ramp_years": 2, "go_live_index": 0}
SHARES = (0.25, 0.5, 0.5)
DF = tuple((1 + RATE) ** -t for t in range(3))
ZEROS = [0.0, 0.0, 0.0]

RESPONSE_KEYS = {
    "years",
    "adoption_by_year",
    "benefits_by_year_sek",
    "costs_by_year_sek",
    "net_by_year_sek",
    "cash_releasing_by_year_sek",
    "cash_releasing_by_owner_sek",
    "pv_benefits_sek",
    "pv_costs_sek",
    "npv_sek",
    "bcr",
    "payback_year",
    "payback_years",
    "discounted_payback_year",
    "switching_adoption_target",
    "sensitivity_npv_sek",
    "pv_by_colour_sek",
    "qualitative_count",
    "lines",
}


def _merge(base, overrides):
    """Apply overrides to a dict, removing keys set to DROP."""
    merged = {**base, **overrides}
    return {key: value for key, value in merged.items() if value is not DROP}


def channel(**overrides):
    """Build a channel_shift line."""
    return _merge({"kind": "channel_shift", "name": "Färre samtal", "recipient": "organisation",
                   "volume_per_year": 1000, "channel_mix": {"phone": 0.6, "email": 0.4}},
                  overrides)


def staff(**overrides):
    """Build a staff_time line with a direct hourly cost."""
    return _merge({"kind": "staff_time", "name": "Kortare handläggning",
                   "recipient": "organisation", "volume_per_year": [100, 200, 300],
                   "minutes_saved_per_case": 15, "hourly_cost_sek": 400}, overrides)


def citizen(**overrides):
    """Build a citizen_time line."""
    return _merge({"kind": "citizen_time", "name": "Slipper resa", "recipient": "citizens",
                   "volume_per_year": 2000, "minutes_saved_per_case": 30,
                   "value_per_hour_sek": 150}, overrides)


def per_case(**overrides):
    """Build a per_case line."""
    return _merge({"kind": "per_case", "name": "Porto", "recipient": "organisation",
                   "volume_per_year": 500, "amount_sek": 12}, overrides)


def fixed(**overrides):
    """Build a fixed line."""
    return _merge({"kind": "fixed", "name": "Licens avvecklas", "recipient": "organisation",
                   "by_year_sek": [0, 50000, 50000]}, overrides)


def qualitative(**overrides):
    """Build a qualitative line."""
    return _merge({"kind": "qualitative", "name": "Ökad insyn", "goal": 1,
                   "indicator": "Nöjd-kund-index"}, overrides)


def cost(**overrides):
    """Build a cost line."""
    return _merge({"name": "Utveckling", "kind": "investment",
                   "by_year_sek": [100000, 0, 0]}, overrides)


def calc_payload(benefits=(), costs=(), **settings):
    """Build a three-year calculation at 5 % with adoption ramp 0.25, 0.5, 0.5."""
    return _merge({"start_year": 2020, "years": 3, "discount_rate": RATE, "adoption": RAMP,
                   "benefits": list(benefits), "costs": list(costs)}, settings)


def worked_example():
    """Build the issue's worked example."""
    return {
        "start_year": 2010, "years": 5, "discount_rate": 0.035, "channel_unit_sek": 2,
        "adoption": {"target": 0.6, "ramp_years": 3, "go_live_index": 1},
        "benefits": [{"kind": "channel_shift", "name": "Färre samtal",
                      "recipient": "organisation", "volume_per_year": 10000,
                      "channel_mix": {"phone": 0.5, "letter": 0.3, "visit": 0.2}}],
        "costs": [{"name": "Utveckling", "kind": "investment",
                   "by_year_sek": [1200000, 0, 0, 0, 0]},
                  {"name": "Drift", "kind": "running",
                   "by_year_sek": [0, 150000, 150000, 150000, 150000]}],
    }


def full_example():
    """Build the issue's full example payload, every kind included."""
    return {
        "start_year": 2010, "years": 5, "discount_rate": 0.035, "channel_unit_sek": 2,
        "hours_per_fte": 1700, "oncost_rate": 0.54,
        "adoption": {"target": 0.6, "ramp_years": 3, "go_live_index": 1},
        "benefits": [
            {"kind": "channel_shift", "name": "Färre samtal", "recipient": "organisation",
             "volume_per_year": 10000,
             "channel_mix": {"phone": 0.5, "letter": 0.3, "visit": 0.2},
             "cash_releasing_share": 0},
            {"kind": "staff_time", "name": "Kortare handläggning", "recipient": "organisation",
             "volume_per_year": [8000, 9000, 10000, 10000, 10000], "minutes_saved_per_case": 12,
             "salary_sek": 420000, "committed_fte_by_year": [0, 0, 0.25, 0.5, 0.5]},
            {"kind": "citizen_time", "name": "Slipper resa", "recipient": "citizens",
             "volume_per_year": 10000, "minutes_saved_per_case": 30, "value_per_hour_sek": 150},
            {"kind": "per_case", "name": "Porto", "recipient": "organisation",
             "volume_per_year": 10000, "amount_sek": 12, "cash_releasing": True},
            {"kind": "fixed", "name": "Licens avvecklas", "recipient": "organisation",
             "by_year_sek": [0, 0, 50000, 50000, 50000], "cash_releasing": True},
            {"kind": "qualitative", "name": "Ökad insyn", "goal": 1,
             "indicator": "Nöjd-kund-index"},
        ],
        "costs": [
            {"name": "Utveckling", "kind": "investment", "by_year_sek": [1200000, 0, 0, 0, 0]},
            {"name": "Drift", "kind": "running",
             "by_year_sek": [0, 150000, 150000, 150000, 150000]},
        ],
        "sensitivity": {"benefits_change": -0.2, "costs_change": 0.2},
    }


def run(payload, defaults=None):
    """Parse and evaluate a payload."""
    return evaluate(parse_calculation(payload, defaults))


def pv(values, factors=DF):
    """Discount a per-year series by hand."""
    return sum(value * factor for value, factor in zip(values, factors, strict=True))


# ---------------------------------------------------------------- worked example


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("years", [2010, 2011, 2012, 2013, 2014]),
        ("adoption_by_year", [0.0, 0.2, 0.4, 0.6, 0.6]),
        ("benefits_by_year_sek", [0, 292000, 584000, 876000, 876000]),
        ("costs_by_year_sek", [1200000, 150000, 150000, 150000, 150000]),
        ("net_by_year_sek", [-1200000, 142000, 434000, 726000, 726000]),
        ("cash_releasing_by_year_sek", [0, 0, 0, 0, 0]),
        ("pv_benefits_sek", 2380781),
        ("pv_costs_sek", 1750962),
        ("npv_sek", 629819),
        ("bcr", 1.3597),
        ("payback_year", 2013),
        ("payback_years", 2.86),
        ("discounted_payback_year", 2014),
        ("switching_adoption_target", 0.4413),
        ("pv_by_colour_sek", {"green": 0, "yellow": 2380781, "blue": 1750962}),
        ("qualitative_count", 0),
    ],
)
def test_worked_example_from_the_issue(key, expected):
    assert result_to_dict(run(worked_example()))[key] == expected


def test_worked_example_differs_from_excel_npv_that_discounts_the_first_year():
    result = run(worked_example())
    net = result.net_by_year
    excel_npv = sum(value / 1.035 ** (t + 1) for t, value in enumerate(net))
    assert round_sek(excel_npv) == 608521
    assert round_sek(result.npv) == 629819
    assert round_sek(result.npv) != round_sek(excel_npv)


def test_worked_example_npv_is_zero_at_the_switching_value():
    calc = parse_calculation(worked_example())
    target = evaluate(calc).switching_adoption_target
    moved = dataclasses.replace(calc, adoption=dataclasses.replace(calc.adoption, target=target))
    assert evaluate(moved).npv == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("rate", "values", "expected"),
    [
        (0.08, [-40000, 5000, 8000, 12000, 30000], 3065.22),
        (0.0, [-100, 40, 60], 0.0),
        (0.1, [100], 100.0),
        (0.1, [0, 110], 100.0),
    ],
)
def test_npv_leaves_the_first_value_undiscounted(rate, values, expected):
    assert round(npv(rate, values), 2) == expected


def test_npv_rejects_a_rate_at_or_below_minus_one():
    with pytest.raises(ValueError):
        npv(-1.0, [1, 2])


# ---------------------------------------------------------------- each kind alone


@pytest.mark.parametrize(
    ("line", "settings", "expected", "expected_cash"),
    [
        pytest.param(
            channel(cash_releasing_share=0.25), {},
            [1000 * a * (0.6 * 50 * 2 + 0.4 * 70 * 2 - 1 * 2) for a in SHARES],
            [1000 * a * (0.6 * 50 * 2 + 0.4 * 70 * 2 - 1 * 2) * 0.25 for a in SHARES],
            id="channel_shift",
        ),
        pytest.param(
            channel(channel_mix={"letter": 0.5, "visit": 0.5}), {"channel_unit_sek": 3},
            [1000 * a * (0.5 * 90 * 3 + 0.5 * 110 * 3 - 1 * 3) for a in SHARES],
            ZEROS,
            id="channel_shift-own-unit-no-cash",
        ),
        pytest.param(
            staff(), {},
            [v * a * 15 / 60 * 400 for v, a in zip([100, 200, 300], SHARES, strict=True)],
            ZEROS,
            id="staff_time-hourly",
        ),
        pytest.param(
            staff(hourly_cost_sek=DROP, salary_sek=360000), {},
            [v * a * 15 / 60 * (360000 * 1.54 / 1700)
             for v, a in zip([100, 200, 300], SHARES, strict=True)],
            ZEROS,
            id="staff_time-salary-default-oncost",
        ),
        pytest.param(
            staff(hourly_cost_sek=DROP, salary_sek=360000, oncost_rate=0.3), {},
            [v * a * 15 / 60 * (360000 * 1.3 / 1700)
             for v, a in zip([100, 200, 300], SHARES, strict=True)],
            ZEROS,
            id="staff_time-salary-line-oncost",
        ),
        pytest.param(
            staff(hourly_cost_sek=DROP, salary_sek=360000),
            {"hours_per_fte": 1600, "oncost_rate": 0.4},
            [v * a * 15 / 60 * (360000 * 1.4 / 1600)
             for v, a in zip([100, 200, 300], SHARES, strict=True)],
            ZEROS,
            id="staff_time-salary-calculation-settings",
        ),
        pytest.param(
            citizen(), {},
            [2000 * a * 30 / 60 * 150 for a in SHARES],
            ZEROS,
            id="citizen_time",
        ),
        pytest.param(
            citizen(recipient="businesses", volume_per_year=[10, 20, 30]), {},
            [v * a * 30 / 60 * 150 for v, a in zip([10, 20, 30], SHARES, strict=True)],
            ZEROS,
            id="citizen_time-businesses",
        ),
        pytest.param(
            per_case(), {},
            [500 * a * 12 for a in SHARES],
            [500 * a * 12 for a in SHARES],
            id="per_case-cash-by-default",
        ),
        pytest.param(
            per_case(cash_releasing=False), {},
            [500 * a * 12 for a in SHARES],
            ZEROS,
            id="per_case-not-cash",
        ),
        pytest.param(
            per_case(recipient="citizens"), {},
            [500 * a * 12 for a in SHARES],
            ZEROS,
            id="per_case-citizens-never-cash",
        ),
        pytest.param(
            fixed(cash_releasing=True), {},
            [0, 50000, 50000],
            [0, 50000, 50000],
            id="fixed-cash",
        ),
        pytest.param(
            fixed(), {},
            [0, 50000, 50000],
            ZEROS,
            id="fixed-not-cash-by-default",
        ),
        pytest.param(qualitative(), {}, ZEROS, ZEROS, id="qualitative"),
    ],
)
def test_each_benefit_kind_alone(line, settings, expected, expected_cash):
    result = run(calc_payload([line], **settings))
    assert list(result.benefits_by_year) == pytest.approx(expected)
    assert list(result.cash_releasing_by_year) == pytest.approx(expected_cash)
    assert list(result.lines[0].by_year) == pytest.approx(expected)
    assert result.pv_benefits == pytest.approx(pv(expected))
    assert result.pv_green == pytest.approx(pv(expected_cash))
    assert result.npv == pytest.approx(pv(expected))


def test_qualitative_lines_are_counted_not_valued():
    result = run(calc_payload([qualitative(), qualitative(goal=3), per_case()]))
    assert result.qualitative_count == 2
    assert result.pv_benefits == pytest.approx(pv([500 * a * 12 for a in SHARES]))


# ---------------------------------------------------------------- staff time


@pytest.mark.parametrize(
    ("line", "hourly"),
    [
        pytest.param(staff(hourly_cost_sek=580), 580, id="hourly"),
        pytest.param(staff(hourly_cost_sek=DROP, salary_sek=420000),
                     420000 * (1 + 0.54) / 1700, id="salary"),
        pytest.param(staff(hourly_cost_sek=DROP, salary_sek=420000, oncost_rate=0),
                     420000 / 1700, id="salary-no-oncost"),
    ],
)
def test_staff_time_uses_hourly_cost_or_salary_with_oncosts(line, hourly):
    result = run(calc_payload([line]))
    hours = [v * a * 15 / 60 for v, a in zip([100, 200, 300], SHARES, strict=True)]
    assert list(result.benefits_by_year) == pytest.approx([h * hourly for h in hours])


@pytest.mark.parametrize(
    ("committed", "expected_cash_hours"),
    [
        pytest.param([0.25, 0.25, 0.25], [0.25 * 1700] * 3, id="committed-below-hours"),
        pytest.param([2, 2, 2], [3400 * a * 60 / 60 for a in SHARES], id="hours-below-committed"),
        pytest.param([0.25, 2, 0.5], [0.25 * 1700, 1700, 0.5 * 1700], id="mixed"),
        pytest.param(1, [850, 1700, 1700], id="one-number-every-year"),
        pytest.param(DROP, [0, 0, 0], id="nothing-committed"),
    ],
)
def test_staff_time_cash_releasing_is_the_smaller_of_committed_and_saved_hours(
    committed, expected_cash_hours
):
    line = staff(volume_per_year=3400, minutes_saved_per_case=60, hourly_cost_sek=500,
                 committed_fte_by_year=committed)
    result = run(calc_payload([line]))
    assert list(result.cash_releasing_by_year) == pytest.approx(
        [hours * 500 for hours in expected_cash_hours]
    )
    assert list(result.benefits_by_year) == pytest.approx([3400 * a * 500 for a in SHARES])


# ---------------------------------------------------------------- adoption


@pytest.mark.parametrize(
    ("target", "ramp_years", "go_live_index", "years", "expected"),
    [
        (0.6, 3, 1, 5, [0.0, 0.2, 0.4, 0.6, 0.6]),
        (1.0, 1, 0, 3, [1.0, 1.0, 1.0]),
        (0.8, 2, 2, 4, [0.0, 0.0, 0.4, 0.8]),
        (0.9, 4, 0, 3, [0.225, 0.45, 0.675]),
        (0.75, 3, 4, 5, [0.0, 0.0, 0.0, 0.0, 0.25]),
        (0.0, 2, 0, 3, [0.0, 0.0, 0.0]),
    ],
)
def test_adoption_ramp(target, ramp_years, go_live_index, years, expected):
    adoption = Adoption(target=target, ramp_years=ramp_years, go_live_index=go_live_index)
    assert list(adoption.shares(years)) == pytest.approx(expected)


def test_explicit_adoption_by_year_replaces_the_ramp():
    result = run(calc_payload([per_case()], adoption={"by_year": [0, 0.3, 0.9]}))
    assert list(result.adoption_by_year) == [0, 0.3, 0.9]
    assert list(result.benefits_by_year) == pytest.approx([500 * a * 12 for a in (0, 0.3, 0.9)])
    assert result.switching_adoption_target is None


@pytest.mark.parametrize(
    ("own_adoption", "own_shares"),
    [
        pytest.param({"by_year": [1, 1, 0.5]}, (1, 1, 0.5), id="by_year"),
        pytest.param({"target": 0.9, "ramp_years": 3, "go_live_index": 0}, (0.3, 0.6, 0.9),
                     id="ramp"),
    ],
)
def test_a_line_may_override_the_calculation_adoption(own_adoption, own_shares):
    result = run(calc_payload([per_case(adoption=own_adoption), per_case(name="Tryck")]))
    assert list(result.lines[0].by_year) == pytest.approx([500 * a * 12 for a in own_shares])
    assert list(result.lines[1].by_year) == pytest.approx([500 * a * 12 for a in SHARES])
    assert list(result.adoption_by_year) == pytest.approx(SHARES)


def test_adoption_zero_gives_no_adoption_dependent_benefits():
    zero = {"target": 0, "ramp_years": 1, "go_live_index": 0}
    lines = [channel(), staff(), citizen(), per_case(), fixed(cash_releasing=True)]
    result = run(calc_payload(lines, adoption=zero))
    assert list(result.benefits_by_year) == [0, 50000, 50000]
    assert [sum(line.by_year) for line in result.lines] == [0, 0, 0, 0, 100000]


# ---------------------------------------------------------------- switching value


def test_switching_value_keeps_lines_with_their_own_adoption_fixed():
    own = per_case(adoption={"by_year": [1, 1, 1]}, amount_sek=10)
    ramped = per_case(name="Tryck", amount_sek=40)
    calc = parse_calculation(calc_payload([own, ramped], [cost(by_year_sek=[60000, 0, 0])]))
    result = evaluate(calc)
    pv_own = pv([500 * 1 * 10] * 3)
    pv_ramped_at_one = pv([500 * (a / 0.5) * 40 for a in SHARES])
    assert result.switching_adoption_target == pytest.approx((60000 - pv_own) / pv_ramped_at_one)
    target = result.switching_adoption_target
    moved = dataclasses.replace(calc, adoption=dataclasses.replace(calc.adoption, target=target))
    assert evaluate(moved).npv == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("benefits", "costs"),
    [
        pytest.param([per_case()], [cost(by_year_sek=[10**9, 0, 0])], id="never-pays-even-at-1"),
        pytest.param([fixed()], [cost(by_year_sek=[1000, 0, 0])], id="pays-even-at-0"),
        pytest.param([fixed()], [cost(by_year_sek=[10**9, 0, 0])], id="adoption-has-no-effect"),
        pytest.param([per_case(adoption={"by_year": [1, 1, 1]})], [cost()], id="own-adoption"),
    ],
)
def test_switching_value_is_none_when_no_target_in_0_1_gives_npv_zero(benefits, costs):
    assert run(calc_payload(benefits, costs)).switching_adoption_target is None


def test_switching_value_at_the_edge_of_the_range():
    costs = [cost(by_year_sek=[pv([500 * (a / 0.5) * 12 for a in SHARES]), 0, 0])]
    result = run(calc_payload([per_case()], costs))
    assert result.switching_adoption_target == pytest.approx(1.0)


# ---------------------------------------------------------------- edge cases and payback


def test_no_costs_gives_no_bcr():
    result = run(calc_payload([per_case()]))
    out = result_to_dict(result)
    assert out["bcr"] is None
    assert out["pv_costs_sek"] == 0
    assert out["pv_by_colour_sek"]["blue"] == 0
    assert out["payback_year"] == 2020
    assert out["switching_adoption_target"] == 0.0


def test_no_benefits_never_pays_back():
    out = result_to_dict(run(calc_payload([], [cost()])))
    assert out["pv_benefits_sek"] == 0
    assert out["npv_sek"] == -100000
    assert out["bcr"] == 0.0
    assert out["payback_year"] is None
    assert out["payback_years"] is None
    assert out["discounted_payback_year"] is None
    assert out["switching_adoption_target"] is None
    assert out["lines"] == []


def test_a_calculation_that_never_pays_back():
    out = result_to_dict(run(calc_payload([per_case()], [cost(by_year_sek=[10**7, 0, 0])])))
    assert out["payback_year"] is None
    assert out["payback_years"] is None
    assert out["discounted_payback_year"] is None
    assert out["switching_adoption_target"] is None
    assert out["npv_sek"] < 0


def test_an_empty_calculation_evaluates_to_zeros():
    out = result_to_dict(run(calc_payload()))
    assert out["npv_sek"] == 0
    assert out["bcr"] is None
    assert out["benefits_by_year_sek"] == [0, 0, 0]
    assert out["qualitative_count"] == 0


@pytest.mark.parametrize(
    ("benefits", "costs", "payback_year", "payback_years", "discounted_year"),
    [
        pytest.param([100, 0, 0], [100, 0, 0], 2020, 0.0, 2020, id="exactly-zero-at-start"),
        pytest.param([300, 0, 0], [100, 0, 0], 2020, 0.0, 2020, id="positive-at-start"),
        pytest.param([0, 100, 200], [300, 0, 0], 2022, 1 + 200 / 200, None,
                     id="exactly-zero-later-not-discounted"),
        pytest.param([0, 200, 200], [300, 0, 0], 2022, 1 + 100 / 200, 2022, id="fractional"),
        pytest.param([0, 400, 400], [300, 0, 0], 2021, 0 + 300 / 400, 2021, id="second-year"),
        pytest.param([0, 100, 100], [300, 0, 0], None, None, None, id="never"),
    ],
)
def test_payback(benefits, costs, payback_year, payback_years, discounted_year):
    result = run(calc_payload([fixed(by_year_sek=benefits)], [cost(by_year_sek=costs)]))
    assert result.payback_year == payback_year
    assert result.payback_years == (
        None if payback_years is None else pytest.approx(payback_years)
    )
    assert result.discounted_payback_year == discounted_year


def test_discounted_payback_fraction_uses_discounted_net():
    result = run(calc_payload([fixed(by_year_sek=[0, 200, 200])], [cost(by_year_sek=[300, 0, 0])]))
    cumulative_before = -300 + 200 * DF[1]
    assert result.discounted_payback_years == pytest.approx(1 + -cumulative_before / (200 * DF[2]))


# ---------------------------------------------------------------- colours, sensitivity, owners


def test_pv_by_colour():
    lines = [channel(cash_releasing_share=0.25), per_case(), citizen(), qualitative()]
    result = run(calc_payload(lines, [cost(), cost(kind="running", by_year_sek=[0, 5000, 5000])]))
    channel_values = [1000 * a * (0.6 * 50 * 2 + 0.4 * 70 * 2 - 1 * 2) for a in SHARES]
    case_values = [500 * a * 12 for a in SHARES]
    citizen_values = [2000 * a * 30 / 60 * 150 for a in SHARES]
    green = pv([c * 0.25 + p for c, p in zip(channel_values, case_values, strict=True)])
    yellow = pv([c * 0.75 + t for c, t in zip(channel_values, citizen_values, strict=True)])
    blue = pv([100000, 5000, 5000])
    assert result.pv_green == pytest.approx(green)
    assert result.pv_yellow == pytest.approx(yellow)
    assert result.pv_blue == pytest.approx(blue)
    assert result_to_dict(result)["pv_by_colour_sek"] == {
        "green": round_sek(green), "yellow": round_sek(yellow), "blue": round_sek(blue),
    }
    assert result.qualitative_count == 1


@pytest.mark.parametrize(
    ("sensitivity", "benefits_factor", "costs_factor"),
    [
        pytest.param(DROP, 0.8, 1.2, id="default"),
        pytest.param({"benefits_change": 0.1, "costs_change": -0.1}, 1.1, 0.9, id="given"),
        pytest.param({"costs_change": 0.5}, 0.8, 1.5, id="partly-given"),
    ],
)
def test_sensitivity_npv(sensitivity, benefits_factor, costs_factor):
    result = run(calc_payload([per_case()], [cost()], sensitivity=sensitivity))
    expected = benefits_factor * pv([500 * a * 12 for a in SHARES]) - costs_factor * 100000
    assert result.sensitivity_npv == pytest.approx(expected)


def test_cash_releasing_by_owner_organisation():
    lines = [per_case(owner_organisation_id=7), fixed(owner_organisation_id=9,
                                                      cash_releasing=True),
             per_case(owner_organisation_id=7, amount_sek=1), per_case(amount_sek=2)]
    out = result_to_dict(run(calc_payload(lines)))
    assert out["cash_releasing_by_owner_sek"] == {
        "7": [round_sek(500 * a * 13) for a in SHARES],
        "9": [0, 50000, 50000],
    }
    assert out["cash_releasing_by_year_sek"] == [
        round_sek(500 * a * 15 + f) for a, f in zip(SHARES, [0, 50000, 50000], strict=True)
    ]


# ---------------------------------------------------------------- full example and output


def test_full_example_returns_every_response_key():
    out = result_to_dict(run(full_example()))
    assert set(out) == RESPONSE_KEYS
    assert set(out["pv_by_colour_sek"]) == {"green", "yellow", "blue"}
    assert len(out["lines"]) == 6
    for line in out["lines"]:
        assert set(line) == {"name", "kind", "by_year_sek", "cash_releasing_by_year_sek"}
    assert out["qualitative_count"] == 1
    assert out["lines"][1]["cash_releasing_by_year_sek"] == [
        0, 0, round_sek(425 * 420000 * 1.54 / 1700), round_sek(850 * 420000 * 1.54 / 1700),
        round_sek(850 * 420000 * 1.54 / 1700),
    ]


@pytest.mark.parametrize(
    "key",
    ["benefits_by_year_sek", "costs_by_year_sek", "net_by_year_sek", "cash_releasing_by_year_sek"],
)
def test_sek_series_are_whole_kronor(key):
    out = result_to_dict(run(full_example()))
    assert all(type(value) is int for value in out[key])


@pytest.mark.parametrize(
    "key", ["pv_benefits_sek", "pv_costs_sek", "npv_sek", "sensitivity_npv_sek"]
)
def test_sek_totals_are_whole_kronor(key):
    assert type(result_to_dict(run(full_example()))[key]) is int


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(0.5, 1), (-0.5, -1), (1.49, 1), (2.5, 3), (-2.5, -3), (0.0, 0), (629819.17, 629819)],
)
def test_round_sek_rounds_halves_away_from_zero(amount, expected):
    assert round_sek(amount) == expected


# ---------------------------------------------------------------- parsing and defaults


def test_parse_builds_typed_frozen_input():
    calc = parse_calculation(full_example())
    assert calc.benefits[0].kind is BenefitKind.CHANNEL_SHIFT
    assert calc.benefits[2].recipient is Recipient.CITIZENS
    assert calc.costs[1].kind is CostKind.RUNNING
    assert calc.benefits[1].volume_by_year == (8000, 9000, 10000, 10000, 10000)
    assert calc.benefits[0].volume_by_year == (10000,) * 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        calc.years = 3


@pytest.mark.parametrize(
    ("defaults", "attribute", "expected"),
    [
        (None, "years", 5),
        (None, "discount_rate", 0.035),
        (None, "hours_per_fte", 1700),
        (None, "oncost_rate", 0.54),
        (None, "channel_unit_sek", 2),
        (CalculationDefaults(years=7), "years", 7),
        (CalculationDefaults(discount_rate=0.04), "discount_rate", 0.04),
        (CalculationDefaults(channel_unit_sek=5), "channel_unit_sek", 5),
    ],
)
def test_missing_settings_fall_back_to_defaults(defaults, attribute, expected):
    payload = {"start_year": 2020, "adoption": RAMP}
    assert getattr(parse_calculation(payload, defaults), attribute) == expected


def test_given_settings_override_defaults():
    calc = parse_calculation(calc_payload(), CalculationDefaults(years=7, discount_rate=0.1))
    assert (calc.years, calc.discount_rate) == (3, RATE)


def test_default_sensitivity_comes_from_defaults():
    defaults = CalculationDefaults(sensitivity_benefits_change=-0.3,
                                   sensitivity_costs_change=0.1)
    sensitivity = parse_calculation(calc_payload(), defaults).sensitivity
    assert (sensitivity.benefits_change, sensitivity.costs_change) == (-0.3, 0.1)


@pytest.mark.parametrize("total", [1.0009, 0.9991, 1.0])
def test_channel_mix_within_tolerance_is_accepted(total):
    line = channel(channel_mix={"phone": 0.5, "visit": total - 0.5})
    assert parse_calculation(calc_payload([line])).benefits[0].channel_mix


# ---------------------------------------------------------------- invalid input


INVALID = [
    pytest.param("not an object", "payload", id="payload-not-object"),
    pytest.param(calc_payload([channel(channel_mix={"phone": 0.5, "email": 0.4})]),
                 "benefits[0].channel_mix", id="mix-sums-to-0.9"),
    pytest.param(calc_payload([channel(channel_mix={"phone": 0.5, "visit": 0.5011})]),
                 "benefits[0].channel_mix", id="mix-just-outside-tolerance"),
    pytest.param(calc_payload([channel(channel_mix={"phone": 0.5, "fax": 0.5})]),
                 "benefits[0].channel_mix.fax", id="mix-unknown-channel"),
    pytest.param(calc_payload([channel(channel_mix={"e_service": 1})]),
                 "benefits[0].channel_mix.e_service", id="mix-e-service-is-not-baseline"),
    pytest.param(calc_payload([channel(channel_mix={"phone": 1.1})]),
                 "benefits[0].channel_mix.phone", id="mix-share-above-1"),
    pytest.param(calc_payload([channel(channel_mix={})]),
                 "benefits[0].channel_mix", id="mix-empty"),
    pytest.param(calc_payload([per_case(volume_per_year=-1)]),
                 "benefits[0].volume_per_year", id="negative-volume"),
    pytest.param(calc_payload([per_case(volume_per_year=[1, -1, 1])]),
                 "benefits[0].volume_per_year[1]", id="negative-volume-in-list"),
    pytest.param(calc_payload([per_case(amount_sek=-12)]),
                 "benefits[0].amount_sek", id="negative-amount"),
    pytest.param(calc_payload([staff(minutes_saved_per_case=-5)]),
                 "benefits[0].minutes_saved_per_case", id="negative-minutes"),
    pytest.param(calc_payload([staff(hourly_cost_sek=-1)]),
                 "benefits[0].hourly_cost_sek", id="negative-hourly-cost"),
    pytest.param(calc_payload([citizen(value_per_hour_sek=-150)]),
                 "benefits[0].value_per_hour_sek", id="negative-value-of-time"),
    pytest.param(calc_payload([fixed(by_year_sek=[0, -1, 0])]),
                 "benefits[0].by_year_sek[1]", id="negative-fixed"),
    pytest.param(calc_payload([], [cost(by_year_sek=[-1, 0, 0])]),
                 "costs[0].by_year_sek[0]", id="negative-cost"),
    pytest.param(calc_payload([staff(committed_fte_by_year=[0, -1, 0])]),
                 "benefits[0].committed_fte_by_year[1]", id="negative-fte"),
    pytest.param(calc_payload(discount_rate=1.5), "discount_rate", id="rate-above-1"),
    pytest.param(calc_payload(discount_rate=-0.01), "discount_rate", id="rate-negative"),
    pytest.param(calc_payload(oncost_rate=1.2), "oncost_rate", id="oncost-above-1"),
    pytest.param(calc_payload([staff(hourly_cost_sek=DROP, salary_sek=1, oncost_rate=-0.1)]),
                 "benefits[0].oncost_rate", id="line-oncost-negative"),
    pytest.param(calc_payload([channel(cash_releasing_share=1.2)]),
                 "benefits[0].cash_releasing_share", id="cash-share-above-1"),
    pytest.param(calc_payload(adoption={"target": 1.1, "ramp_years": 1, "go_live_index": 0}),
                 "adoption.target", id="adoption-target-above-1"),
    pytest.param(calc_payload(adoption={"by_year": [0, 0.5, 1.5]}),
                 "adoption.by_year[2]", id="adoption-share-above-1"),
    pytest.param(calc_payload(sensitivity={"benefits_change": -1.5}),
                 "sensitivity.benefits_change", id="sensitivity-below-minus-1"),
    pytest.param(calc_payload([per_case(volume_per_year=[1, 2])]),
                 "benefits[0].volume_per_year", id="volume-list-too-short"),
    pytest.param(calc_payload([], [cost(by_year_sek=[1, 2, 3, 4])]),
                 "costs[0].by_year_sek", id="cost-list-too-long"),
    pytest.param(calc_payload(adoption={"by_year": [0.5, 0.5]}),
                 "adoption.by_year", id="adoption-list-wrong-length"),
    pytest.param(calc_payload([per_case(adoption={"by_year": [0.5]})]),
                 "benefits[0].adoption.by_year", id="line-adoption-list-wrong-length"),
    pytest.param(calc_payload([staff(committed_fte_by_year=[0, 1])]),
                 "benefits[0].committed_fte_by_year", id="fte-list-wrong-length"),
    pytest.param(calc_payload([fixed(by_year_sek=[1, 2])]),
                 "benefits[0].by_year_sek", id="fixed-list-wrong-length"),
    pytest.param(calc_payload([fixed(by_year_sek=50000)]),
                 "benefits[0].by_year_sek", id="fixed-not-a-list"),
    pytest.param(calc_payload([per_case(kind="lottery")]), "benefits[0].kind",
                 id="unknown-benefit-kind"),
    pytest.param(calc_payload([], [cost(kind="other")]), "costs[0].kind",
                 id="unknown-cost-kind"),
    pytest.param(calc_payload([citizen(cash_releasing=True)]),
                 "benefits[0].cash_releasing", id="citizen-time-cash-flag"),
    pytest.param(calc_payload([citizen(cash_releasing_share=0.5)]),
                 "benefits[0].cash_releasing_share", id="citizen-time-cash-share"),
    pytest.param(calc_payload([citizen(recipient="organisation")]),
                 "benefits[0].recipient", id="citizen-time-for-organisation"),
    pytest.param(calc_payload([staff(recipient="citizens")]),
                 "benefits[0].recipient", id="staff-time-for-citizens"),
    pytest.param(calc_payload([per_case(recipient="citizens", cash_releasing=True)]),
                 "benefits[0].cash_releasing", id="cash-for-citizens"),
    pytest.param(calc_payload([channel(recipient="businesses", cash_releasing_share=0.5)]),
                 "benefits[0].cash_releasing_share", id="cash-share-for-businesses"),
    pytest.param(calc_payload([per_case(recipient="citizens", owner_organisation_id=3)]),
                 "benefits[0].owner_organisation_id", id="owner-on-citizens-line"),
    pytest.param(calc_payload([per_case(owner_organisation_id="sjv")]),
                 "benefits[0].owner_organisation_id", id="owner-not-a-number"),
    pytest.param(calc_payload([per_case(recipient="martians")]),
                 "benefits[0].recipient", id="unknown-recipient"),
    pytest.param(calc_payload([per_case(volume_per_year="tolv")]),
                 "benefits[0].volume_per_year", id="volume-not-a-number"),
    pytest.param(calc_payload([per_case(volume_per_year=[1, "2", 3])]),
                 "benefits[0].volume_per_year[1]", id="volume-item-not-a-number"),
    pytest.param(calc_payload(years="5"), "years", id="years-text"),
    pytest.param(calc_payload(years=2.5), "years", id="years-fraction"),
    pytest.param(calc_payload(discount_rate=None), "discount_rate", id="rate-null"),
    pytest.param(calc_payload(years=True), "years", id="years-boolean"),
    pytest.param(calc_payload([per_case(amount_sek=True)]), "benefits[0].amount_sek",
                 id="amount-boolean"),
    pytest.param(calc_payload([per_case(volume_per_year=[1, False, 1])]),
                 "benefits[0].volume_per_year[1]", id="volume-item-boolean"),
    pytest.param(calc_payload(adoption={"target": True, "ramp_years": 1, "go_live_index": 0}),
                 "adoption.target", id="target-boolean"),
    pytest.param(calc_payload([fixed(cash_releasing=1)]), "benefits[0].cash_releasing",
                 id="flag-not-boolean"),
    pytest.param(calc_payload([per_case(name=DROP)]), "benefits[0].name", id="missing-name"),
    pytest.param(calc_payload([per_case(name="  ")]), "benefits[0].name", id="blank-name"),
    pytest.param(calc_payload([per_case(kind=DROP)]), "benefits[0].kind", id="missing-kind"),
    pytest.param(calc_payload([per_case(recipient=DROP)]), "benefits[0].recipient",
                 id="missing-recipient"),
    pytest.param(calc_payload([channel(channel_mix=DROP)]), "benefits[0].channel_mix",
                 id="channel-shift-missing-mix"),
    pytest.param(calc_payload([channel(volume_per_year=DROP)]),
                 "benefits[0].volume_per_year", id="channel-shift-missing-volume"),
    pytest.param(calc_payload([staff(minutes_saved_per_case=DROP)]),
                 "benefits[0].minutes_saved_per_case", id="staff-time-missing-minutes"),
    pytest.param(calc_payload([citizen(value_per_hour_sek=DROP)]),
                 "benefits[0].value_per_hour_sek", id="citizen-time-missing-value"),
    pytest.param(calc_payload([per_case(amount_sek=DROP)]), "benefits[0].amount_sek",
                 id="per-case-missing-amount"),
    pytest.param(calc_payload([fixed(by_year_sek=DROP)]), "benefits[0].by_year_sek",
                 id="fixed-missing-amounts"),
    pytest.param(calc_payload([qualitative(indicator=DROP)]), "benefits[0].indicator",
                 id="qualitative-missing-indicator"),
    pytest.param(calc_payload([qualitative(goal=DROP)]), "benefits[0].goal",
                 id="qualitative-missing-goal"),
    pytest.param(calc_payload([], [cost(by_year_sek=DROP)]), "costs[0].by_year_sek",
                 id="cost-missing-amounts"),
    pytest.param(calc_payload([], [cost(name=DROP)]), "costs[0].name", id="cost-missing-name"),
    pytest.param(calc_payload([staff(hourly_cost_sek=DROP)]), "benefits[0].hourly_cost_sek",
                 id="staff-time-without-cost"),
    pytest.param(calc_payload([staff(salary_sek=420000)]), "benefits[0].hourly_cost_sek",
                 id="staff-time-hourly-and-salary"),
    pytest.param(calc_payload([staff(oncost_rate=0.5)]), "benefits[0].oncost_rate",
                 id="oncost-with-hourly-cost"),
    pytest.param(calc_payload(adoption={"target": 0.5, "ramp_years": 1, "go_live_index": 3}),
                 "adoption.go_live_index", id="go-live-after-last-year"),
    pytest.param(calc_payload(adoption={"target": 0.5, "ramp_years": 1, "go_live_index": -1}),
                 "adoption.go_live_index", id="go-live-negative"),
    pytest.param(calc_payload([per_case(adoption={"target": 0.5, "ramp_years": 1,
                                                  "go_live_index": 3})]),
                 "benefits[0].adoption.go_live_index", id="line-go-live-after-last-year"),
    pytest.param(calc_payload(adoption={"target": 0.5, "ramp_years": 0, "go_live_index": 0}),
                 "adoption.ramp_years", id="ramp-years-zero"),
    pytest.param(calc_payload(adoption={"target": 0.5, "go_live_index": 0}),
                 "adoption.ramp_years", id="ramp-years-missing"),
    pytest.param(calc_payload(adoption=DROP), "adoption", id="adoption-missing"),
    pytest.param(calc_payload(adoption=0.6), "adoption", id="adoption-not-object"),
    pytest.param(calc_payload(start_year=DROP), "start_year", id="start-year-missing"),
    pytest.param(calc_payload(years=0), "years", id="years-zero"),
    pytest.param(calc_payload(hours_per_fte=0), "hours_per_fte", id="hours-per-fte-zero"),
    pytest.param(calc_payload(channel_unit_sek=-2), "channel_unit_sek", id="unit-negative"),
    pytest.param({**calc_payload(), "benefits": {"kind": "fixed"}}, "benefits",
                 id="benefits-not-list"),
    pytest.param(calc_payload(["fixed"]), "benefits[0]", id="benefit-not-object"),
    pytest.param(calc_payload(discount=0.05), "discount", id="unknown-setting"),
    pytest.param(calc_payload([per_case(volume_per_yr=5)]), "benefits[0].volume_per_yr",
                 id="unknown-line-field"),
    pytest.param(calc_payload([fixed(adoption=RAMP)]), "benefits[0].adoption",
                 id="adoption-on-fixed-line"),
    pytest.param(calc_payload([], [cost(amount=5)]), "costs[0].amount", id="unknown-cost-field"),
    pytest.param(calc_payload(sensitivity=0.2), "sensitivity", id="sensitivity-not-object"),
]


@pytest.mark.parametrize(("payload", "field"), INVALID)
def test_invalid_input_names_the_field(payload, field):
    with pytest.raises(CalculationInputError) as caught:
        parse_calculation(payload)
    error = caught.value
    assert error.field == field
    assert [problem.field for problem in error.problems] == [field]
    assert error.problems[0].code in set(EngineCode)
    assert field in str(error)


def test_all_problems_are_reported_together():
    payload = calc_payload(
        [per_case(amount_sek=-1), channel(channel_mix={"phone": 0.2})],
        [cost(kind="other")],
        discount_rate=2,
    )
    with pytest.raises(CalculationInputError) as caught:
        parse_calculation(payload)
    assert [problem.field for problem in caught.value.problems] == [
        "discount_rate",
        "benefits[0].amount_sek",
        "benefits[1].channel_mix",
        "costs[0].kind",
    ]


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (calc_payload([channel(channel_mix={"phone": 0.5})]),
         EngineProblem("benefits[0].channel_mix", EngineCode.SHARES_SUM, {"total": 0.5})),
        (calc_payload([channel(channel_mix={"fax": 1})]),
         EngineProblem("benefits[0].channel_mix.fax", EngineCode.UNKNOWN_CHANNEL,
                       {"allowed": ("phone", "email", "letter", "visit")})),
        (calc_payload([per_case(volume_per_year=[1, 2])]),
         EngineProblem("benefits[0].volume_per_year", EngineCode.VALUES_PER_YEAR,
                       {"years": 3, "count": 2})),
        (calc_payload([per_case(amount_sek="tolv")]),
         EngineProblem("benefits[0].amount_sek", EngineCode.NOT_A_NUMBER, {"value": "tolv"})),
        (calc_payload(discount_rate=1.5),
         EngineProblem("discount_rate", EngineCode.BETWEEN,
                       {"minimum": 0.0, "maximum": 1.0, "value": 1.5})),
        (calc_payload([citizen(cash_releasing=False)]),
         EngineProblem("benefits[0].cash_releasing", EngineCode.CITIZEN_TIME_CASH)),
    ],
)
def test_problems_carry_the_code_and_the_values_to_say_what_to_do(payload, problem):
    """The words are chosen at the edge (tests/web/test_engine_labels.py); the engine gives
    the code and every value a message names."""
    with pytest.raises(CalculationInputError) as caught:
        parse_calculation(payload)
    assert caught.value.problems == [problem]


# ---------------------------------------------------------------- purity


def test_the_engine_imports_nothing_from_the_web_stack():
    code = (
        "import sys, app.benefits.calculation\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'flask_sqlalchemy', 'numpy', 'werkzeug'} "
        "or (m.startswith('app.') and m not in "
        "{'app.benefits', 'app.benefits.calculation', 'app.core', 'app.core.enums'}))\n"
        "print(bad)\n"
    )
    root = Path(__file__).resolve().parents[2]
    completed = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                               text=True, check=True)
    assert completed.stdout.strip() == "[]"
