"""The array engine gives every figure of the one-at-a-time engine, to the krona."""

import random
from pathlib import Path

import pytest
import yaml

from app.benefits import batch, calculation

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("channel_shift", "staff_time", "citizen_time", "per_case", "fixed", "qualitative")


def _demo_payloads() -> list[dict]:
    specs = yaml.safe_load((ROOT / "seed_data/calculations.yaml").read_text(encoding="utf-8"))
    return [spec["calculation"] for spec in specs["calculations"]]


def _adoption(rng: random.Random, years: int) -> dict:
    if rng.random() < 0.2:
        return {"by_year": [round(rng.random(), 3) for _ in range(years)]}
    return {"target": round(rng.uniform(0, 1), 3), "ramp_years": rng.randint(1, 4),
            "go_live_index": rng.randint(0, max(0, years - 1))}


def _line(rng: random.Random, years: int, index: int) -> dict:
    kind = rng.choice(KINDS)
    recipient = "citizens" if kind == "citizen_time" else "organisation"
    line = {"kind": kind, "name": f"Nytta {index}", "recipient": recipient}
    if recipient == "organisation" and rng.random() < 0.5:
        line["owner_organisation_id"] = rng.randint(1, 3)
    if kind in ("channel_shift", "staff_time", "citizen_time", "per_case"):
        line["volume_per_year"] = rng.choice(
            [rng.randint(0, 60_000), [rng.randint(0, 60_000) for _ in range(years)]])
        if rng.random() < 0.3:
            line["adoption"] = _adoption(rng, years)
    if kind == "channel_shift":
        phone = round(rng.uniform(0, 1), 2)
        line["channel_mix"] = {"phone": phone, "letter": round(1 - phone, 2)}
        line["cash_releasing_share"] = round(rng.random(), 2)
    elif kind == "staff_time":
        line["minutes_saved_per_case"] = rng.randint(1, 90)
        if rng.random() < 0.5:
            line["hourly_cost_sek"] = rng.randint(200, 900)
        else:
            line["salary_sek"] = rng.randint(300_000, 600_000)
        line["committed_fte_by_year"] = [round(rng.uniform(0, 3), 1) for _ in range(years)]
    elif kind == "citizen_time":
        line["minutes_saved_per_case"] = rng.randint(1, 60)
        line["value_per_hour_sek"] = rng.randint(0, 300)
    elif kind == "per_case":
        line["amount_sek"] = rng.randint(0, 400)
        line["cash_releasing"] = rng.random() < 0.5
    elif kind == "fixed":
        line["by_year_sek"] = [rng.randint(0, 2_000_000) for _ in range(years)]
        line["cash_releasing"] = rng.random() < 0.5
    else:
        line.update(goal=rng.randint(1, 4), indicator="Nöjdhet")
    return line


def _random_payload(rng: random.Random) -> dict:
    years = rng.randint(1, 10)
    return {
        "start_year": rng.randint(2007, 2012), "years": years,
        "discount_rate": round(rng.uniform(0, 0.1), 3),
        "adoption": _adoption(rng, years),
        "benefits": [_line(rng, years, i) for i in range(rng.randint(0, 6))],
        "costs": [{"name": f"Kostnad {i}", "kind": rng.choice(("investment", "running")),
                   "by_year_sek": [rng.randint(0, 5_000_000) for _ in range(years)]}
                  for i in range(rng.randint(0, 3))],
    }


def _parsed(payloads):
    return [calculation.parse_calculation(payload) for payload in payloads]


def _assert_same(batched: dict, single: dict) -> None:
    """Equal, but a krona either way where float sums in another order straddle a half."""
    assert batched.keys() == single.keys()
    for key, expected in single.items():
        got = batched[key]
        if isinstance(expected, float) or isinstance(got, float):
            assert got == pytest.approx(expected, abs=1e-4), key
        elif isinstance(expected, int) and not isinstance(expected, bool) and got is not None:
            assert abs(got - expected) <= 1, (key, got, expected)
        elif isinstance(expected, list) and expected and isinstance(expected[0], dict):
            assert len(got) == len(expected)
            for got_line, expected_line in zip(got, expected, strict=True):
                _assert_same(got_line, expected_line)
        elif isinstance(expected, list) and expected and isinstance(expected[0], int):
            assert [abs(a - b) <= 1 for a, b in zip(got, expected, strict=True)] == \
                [True] * len(expected), key
        elif isinstance(expected, dict):
            _assert_same(got, expected)
        else:
            assert got == expected, key


def test_the_demo_calculations_give_the_same_figures():
    calcs = _parsed(_demo_payloads())
    result = batch.evaluate_many(calcs)
    for index, calc in enumerate(calcs):
        single = calculation.result_to_dict(calculation.evaluate(calc))
        assert result.result_dict(index) == single


@pytest.mark.parametrize("seed", range(8))
def test_random_portfolios_give_the_same_figures(seed):
    rng = random.Random(seed)
    calcs = _parsed([_random_payload(rng) for _ in range(60)])
    result = batch.evaluate_many(calcs)
    for index, calc in enumerate(calcs):
        _assert_same(result.result_dict(index),
                     calculation.result_to_dict(calculation.evaluate(calc)))


def test_the_switching_value_is_where_npv_crosses_zero():
    payload = {"start_year": 2010, "years": 5, "discount_rate": 0.035,
               "adoption": {"target": 0.8, "ramp_years": 2, "go_live_index": 1},
               "benefits": [{"kind": "per_case", "name": "Porto", "recipient": "organisation",
                             "volume_per_year": 20_000,
                             "amount_sek": 11, "cash_releasing": True}],
               "costs": [{"name": "Bygge", "kind": "investment",
                          "by_year_sek": [400_000, 0, 0, 0, 0]}]}
    target = float(batch.evaluate_many(_parsed([payload])).switching_adoption_target[0])
    at_target = {**payload, "adoption": {**payload["adoption"], "target": target}}
    assert calculation.evaluate(_parsed([at_target])[0]).npv == pytest.approx(0, abs=1e-6)


def test_an_empty_portfolio_and_calculations_without_lines():
    assert len(batch.evaluate_many([])) == 0
    bare = {"start_year": 2010, "years": 3, "adoption": {"target": 1, "ramp_years": 1,
                                                         "go_live_index": 0}}
    result = batch.evaluate_many(_parsed([bare]))
    assert result.result_dict(0) == calculation.result_to_dict(
        calculation.evaluate(_parsed([bare])[0]))
