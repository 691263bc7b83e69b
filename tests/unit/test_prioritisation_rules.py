"""Prioritisation rules: scoring, pairwise weights, the exact optimiser and the frontier.

The optimiser is checked against brute force (every subset) on seeded random portfolios with
costs, values, forced candidates and prerequisites, at every budget from 0 to the total.
"""

import itertools
import math
import random

import pytest

from app.prioritisation import rules
from app.prioritisation.rules import Candidate, Forced, PrioritisationError, ValueMeasure

GOALS = ("goal_1", "goal_2", "goal_3", "goal_4")


# ---- scoring ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("scores", "weights", "expected"), [
    ({"goal_1": 3, "goal_2": 3, "goal_3": 3, "goal_4": 3}, dict.fromkeys(GOALS, 1), 100.0),
    ({"goal_1": 0, "goal_2": 0, "goal_3": 0, "goal_4": 0}, dict.fromkeys(GOALS, 1), 0.0),
    ({"goal_1": 3, "goal_2": 0, "goal_3": 0, "goal_4": 0}, dict.fromkeys(GOALS, 1), 25.0),
    ({"goal_1": 3, "goal_2": 0, "goal_3": 0, "goal_4": 0},
     {"goal_1": 2, "goal_2": 0, "goal_3": 0, "goal_4": 0}, 100.0),
    ({"goal_1": 2, "goal_2": 1}, {"goal_1": 0.75, "goal_2": 0.25}, 100 * (0.75 * 2 + 0.25) / 3),
    ({"goal_1": 3}, {"goal_1": 1, "usable": 1}, 50.0),  # an unscored criterion counts as 0
    ({}, {"goal_1": 1}, 0.0),  # not yet assessed
])
def test_strategic_score(scores, weights, expected):
    assert rules.strategic_score(scores, weights) == pytest.approx(expected)


def test_goal_contributions_sum_to_the_score():
    scores = {"goal_1": 3, "goal_2": 2, "goal_3": 1, "goal_4": 0}
    weights = {"goal_1": 4, "goal_2": 3, "goal_3": 2, "goal_4": 1}
    parts = rules.goal_contributions(scores, weights)
    assert parts == pytest.approx({"goal_1": 40.0, "goal_2": 20.0, "goal_3": 20 / 3,
                                   "goal_4": 0.0})
    assert sum(parts.values()) == pytest.approx(rules.strategic_score(scores, weights))


@pytest.mark.parametrize(("weights", "code", "field"), [
    ({"goal_1": -1, "goal_2": 2}, "weight_negative", "weights.goal_1"),
    ({"goal_1": 0, "goal_2": 0}, "weights_all_zero", "weights"),
    ({}, "weights_all_zero", "weights"),
    ({"goal_1": float("nan")}, "weight_not_number", "weights.goal_1"),
    ({"goal_1": "1"}, "weight_not_number", "weights.goal_1"),
    ({"goal_1": True}, "weight_not_number", "weights.goal_1"),
])
def test_bad_weights_are_refused_by_name(weights, code, field):
    with pytest.raises(PrioritisationError) as refused:
        rules.normalise_weights(weights)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_weights_are_normalised_to_sum_one():
    assert rules.normalise_weights({"a": 2, "b": 6}) == {"a": 0.25, "b": 0.75}


# ---- pairwise comparison ---------------------------------------------------------------------

def test_consistent_comparisons_give_the_implied_weights():
    # a = 2b = 4c = 8d: perfectly consistent.
    judgements = {("goal_1", "goal_2"): 2, ("goal_1", "goal_3"): 4, ("goal_1", "goal_4"): 8,
                  ("goal_2", "goal_3"): 2, ("goal_2", "goal_4"): 4, ("goal_3", "goal_4"): 2}
    result = rules.pairwise_weights(GOALS, judgements)
    assert list(result.weights.values()) == pytest.approx([8 / 15, 4 / 15, 2 / 15, 1 / 15])
    assert sum(result.weights.values()) == pytest.approx(1.0)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert result.is_consistent


def test_judgements_may_be_given_in_either_order():
    forward = rules.pairwise_weights(("a", "b", "c"), {("a", "b"): 3, ("b", "c"): 3,
                                                       ("a", "c"): 9})
    backward = rules.pairwise_weights(("a", "b", "c"), {("b", "a"): 1 / 3, ("c", "b"): 1 / 3,
                                                        ("c", "a"): 1 / 9})
    assert forward.weights == pytest.approx(backward.weights)


def test_contradictory_comparisons_are_flagged():
    # a > b, b > c, but c > a, each strongly.
    result = rules.pairwise_weights(("a", "b", "c"), {("a", "b"): 7, ("b", "c"): 7,
                                                      ("c", "a"): 7})
    assert result.consistency_ratio > rules.CONSISTENCY_LIMIT
    assert not result.is_consistent


def test_two_criteria_are_always_consistent():
    result = rules.pairwise_weights(("a", "b"), {("a", "b"): 3})
    assert result.weights == pytest.approx({"a": 0.75, "b": 0.25})
    assert result.is_consistent


@pytest.mark.parametrize(("judgements", "code"), [
    ({("a", "b"): 3, ("a", "c"): 3}, "pair_missing"),
    ({("a", "b"): 3, ("b", "c"): 3, ("a", "c"): 10}, "pair_out_of_scale"),
    ({("a", "b"): 3, ("b", "c"): 3, ("a", "c"): 0}, "pair_out_of_scale"),
    ({("a", "b"): 3, ("b", "c"): 3, ("a", "c"): -2}, "pair_out_of_scale"),
    ({("a", "b"): 3, ("b", "a"): 3, ("b", "c"): 3, ("a", "c"): 3}, "pair_twice"),
    ({("a", "b"): 3, ("b", "c"): 3, ("a", "x"): 3}, "pair_unknown"),
    ({("a", "a"): 1, ("a", "b"): 3, ("b", "c"): 3, ("a", "c"): 3}, "pair_unknown"),
])
def test_bad_comparisons_are_refused(judgements, code):
    with pytest.raises(PrioritisationError) as refused:
        rules.pairwise_weights(("a", "b", "c"), judgements)
    assert refused.value.code == code


# ---- value measure ---------------------------------------------------------------------------

@pytest.mark.parametrize(("measure", "share", "expected"), [
    (ValueMeasure.SCORE, 0.5, [80.0, 0.0, 40.0]),
    (ValueMeasure.NPV, 0.5, [2_000_000.0, -500_000.0, 0.0]),
    (ValueMeasure.BLEND, 0.5, [0.5 * 80 + 0.5 * 100, 0.0, 0.5 * 40]),
    (ValueMeasure.BLEND, 1.0, [80.0, 0.0, 40.0]),
    (ValueMeasure.BLEND, 0.0, [100.0, 0.0, 0.0]),
])
def test_candidate_values(measure, share, expected):
    values = rules.candidate_values(measure, [80.0, None, 40.0], [2_000_000, -500_000, None],
                                    share)
    assert values == pytest.approx(expected)


def test_blend_share_outside_zero_to_one_is_refused():
    with pytest.raises(PrioritisationError) as refused:
        rules.candidate_values(ValueMeasure.BLEND, [1.0], [1], 1.5)
    assert refused.value.field == "score_share"


# ---- the optimiser: hand-made cases ----------------------------------------------------------

def c(id_, cost, value, requires=(), forced=None):
    return Candidate(id_, cost, value, tuple(requires), forced)


@pytest.mark.parametrize(("candidates", "budget", "selected", "value"), [
    # The greedy ratio sort takes A (best per krona), then B, and C no longer fits: 160 < 200.
    ([c("A", 1_000, 60), c("B", 2_000, 100), c("C", 2_000, 100)], 4_000, ("B", "C"), 200),
    ([c("A", 1_000, 10)], 999, (), 0),
    ([c("A", 1_000, 10)], 1_000, ("A",), 10),
    ([c("A", 0, 5), c("B", 1_000, 1)], 0, ("A",), 5),
    # a negative value is only taken to open a dependant worth more
    ([c("F", 500, -1), c("I", 1_000, 10, ["F"])], 1_500, ("F", "I"), 9),
    ([c("F", 500, -20), c("I", 1_000, 10, ["F"])], 1_500, (), 0),
    # the implementation alone does not fit without its feasibility study
    ([c("F", 500, 1), c("I", 1_000, 10, ["F"])], 1_000, ("F",), 1),
    ([c("A", 1_000, 10, forced=Forced.OUT), c("B", 1_000, 1)], 5_000, ("B",), 1),
    ([c("A", 1_000, 1, forced=Forced.IN), c("B", 1_000, 10)], 1_000, ("A",), 1),
    # forcing an implementation in brings its feasibility study with it
    ([c("F", 400, 0), c("I", 600, 5, ["F"], Forced.IN), c("X", 1_000, 3)], 1_000,
     ("F", "I"), 5),
    # leaving a feasibility study out leaves its implementation out
    ([c("F", 400, 0, forced=Forced.OUT), c("I", 600, 50, ["F"]), c("X", 1_000, 3)], 5_000,
     ("X",), 3),
    # ties go to the cheaper set
    ([c("A", 2_000, 10), c("B", 1_000, 10)], 5_000, ("A", "B"), 20),
    ([c("A", 2_000, 10), c("B", 1_000, 10)], 2_500, ("B",), 10),
    # not multiples of a thousand: exact in kronor
    ([c("A", 1_001, 10), c("B", 999, 9), c("C", 1, 1)], 2_000, ("A", "B"), 19),
    ([c("A", 1_001, 10), c("B", 999, 9), c("C", 1, 1)], 1_999, ("A", "C"), 11),
    ([c("A", 1_001, 10), c("B", 999, 9), c("C", 1, 1)], 1_000, ("B", "C"), 10),
])
def test_solve_hand_made(candidates, budget, selected, value):
    selection = rules.solve(candidates, budget)
    assert selection.selected == selected
    assert selection.total_value == pytest.approx(value)
    assert selection.total_cost_sek == sum(x.cost_sek for x in candidates if x.id in selected)


@pytest.mark.parametrize(("candidates", "budget", "code"), [
    ([c("A", 1_000, 1)], -1, "budget_negative"),
    ([c("A", 1_000, 1)], 1.5, "budget_not_integer"),
    ([c("A", 2_000, 1, forced=Forced.IN)], 1_000, "forced_over_budget"),
    ([c("F", 1_500, 0), c("I", 100, 1, ["F"], Forced.IN)], 1_000, "forced_over_budget"),
    ([c("A", 1_000, 1, ["Z"])], 1_000, "requires_unknown"),
    ([c("A", 1_000, 1, ["A"])], 1_000, "requires_unknown"),
    ([c("A", 1_000, 1, ["B"]), c("B", 1_000, 1, ["A"])], 1_000, "requires_cycle"),
    ([c("A", 1, 1, ["C"]), c("B", 1, 1, ["A"]), c("C", 1, 1, ["B"])], 1_000, "requires_cycle"),
    ([c("A", 1, 1, ["B", "C"]), c("B", 1, 1), c("C", 1, 1)], 1_000, "requires_many"),
    ([c("F", 1, 1, forced=Forced.OUT), c("I", 1, 1, ["F"], Forced.IN)], 1_000,
     "forced_in_requires_out"),
    ([c("A", -5, 1)], 1_000, "cost_invalid"),
    ([c("A", 5.5, 1)], 1_000, "cost_invalid"),
    ([c("A", 5, float("inf"))], 1_000, "value_invalid"),
    ([c("A", 5, 1), c("A", 6, 1)], 1_000, "id_twice"),
    ([c("", 5, 1)], 1_000, "id_missing"),
    ([c("A", 5, 1, forced="both")], 1_000, "forced_invalid"),
])
def test_bad_input_is_refused_by_name(candidates, budget, code):
    for operation in (rules.solve, rules.evaluate):
        with pytest.raises(PrioritisationError) as refused:
            operation(candidates, budget)
        assert refused.value.code == code


def test_a_candidate_forced_both_ways_is_refused():
    with pytest.raises(PrioritisationError) as refused:
        rules.merge_forced(["A", "B"], ["C", "B"])
    assert (refused.value.code, refused.value.params) == ("forced_both_ways", {"candidate": "B"})
    assert rules.merge_forced(["A"], ["C"]) == {"A": Forced.IN, "C": Forced.OUT}


@pytest.mark.parametrize("candidates", [
    [c(str(i), 10**9 + i, 1) for i in range(3)],
    [c("A", rules.MAX_STEPS + 1, 1), c("B", 1, 1)],  # few candidates, a table too long
])
def test_too_fine_amounts_are_refused_not_crashed(candidates):
    with pytest.raises(PrioritisationError) as refused:
        rules.evaluate(candidates, 10**12)
    assert refused.value.code == "too_fine"


def test_a_frontier_too_long_to_list_is_refused(monkeypatch):
    monkeypatch.setattr(rules, "MAX_FRONTIER_CELLS", 10)
    candidates = [c(str(i), 2**i, 2**i) for i in range(4)]
    with pytest.raises(PrioritisationError) as refused:
        rules.evaluate(candidates, 15)
    assert (refused.value.code, refused.value.params) == ("frontier_too_long", {"points": 16})
    assert rules.solve(candidates, 15).total_value == 15


# ---- the optimiser against brute force -------------------------------------------------------

def feasible(candidates, chosen, budget):
    by_id = {x.id: x for x in candidates}
    return (sum(by_id[k].cost_sek for k in chosen) <= budget
            and all(set(by_id[k].requires) <= chosen for k in chosen)
            and all(k in chosen for k, x in by_id.items() if x.forced == Forced.IN)
            and not any(k in chosen for k, x in by_id.items() if x.forced == Forced.OUT))


def brute_force(candidates, budget):
    """The best value over every subset that keeps the rules, or None if none does."""
    best = None
    ids = [x.id for x in candidates]
    values = {x.id: x.value for x in candidates}
    for size in range(len(ids) + 1):
        for subset in itertools.combinations(ids, size):
            chosen = set(subset)
            if feasible(candidates, chosen, budget):
                value = math.fsum(values[k] for k in chosen)
                best = value if best is None else max(best, value)
    return best


def random_portfolio(rng: random.Random):
    """Up to 9 candidates: thousands of kronor (sometimes odd kronor), a forest of
    prerequisites, some forced in or out, values that can be negative."""
    size = rng.randint(0, 9)
    unit = rng.choice([1_000, 1_000, 250_000, 1])
    candidates = []
    for index in range(size):
        requires = ()
        if index and rng.random() < 0.35:
            requires = (str(rng.randrange(index)),)
        forced = rng.choices([None, Forced.IN, Forced.OUT], weights=[8, 1, 1])[0]
        candidates.append(Candidate(str(index), unit * rng.randint(0, 12),
                                    round(rng.uniform(-10, 100), 3), requires, forced))
    rng.shuffle(candidates)
    return candidates


def test_random_portfolios_match_brute_force_at_every_budget():
    rng = random.Random(20261206)
    checked = 0
    for _ in range(300):
        candidates = random_portfolio(rng)
        total = sum(x.cost_sek for x in candidates)
        budgets = sorted({0, total, *(rng.randint(0, max(total, 1)) for _ in range(4))})
        for budget in budgets:
            expected = brute_force(candidates, budget)
            try:
                evaluation = rules.evaluate(candidates, budget)
            except PrioritisationError as refused:
                assert expected is None, (candidates, budget, refused.code)
                continue
            assert expected is not None, (candidates, budget)
            selection = evaluation.selection
            assert selection.total_value == pytest.approx(expected, abs=1e-6), (candidates,
                                                                                 budget)
            assert feasible(candidates, set(selection.selected), budget)
            assert rules.solve(candidates, budget).total_value == pytest.approx(expected,
                                                                                abs=1e-6)
            checked += 1
    assert checked > 500


def test_the_frontier_is_the_best_value_at_every_budget_and_never_falls():
    rng = random.Random(14)
    for _ in range(80):
        candidates = [x for x in random_portfolio(rng) if x.forced is None]
        candidates = [Candidate(x.id, x.cost_sek, x.value,
                                tuple(r for r in x.requires if r in {y.id for y in candidates}))
                      for x in candidates]
        total = sum(x.cost_sek for x in candidates)
        frontier = rules.evaluate(candidates, total).frontier
        budgets = [point.budget_sek for point in frontier]
        values = [point.value for point in frontier]
        assert budgets == sorted(set(budgets)) and budgets[0] == 0
        assert all(later > earlier for earlier, later in itertools.pairwise(values))
        by_id = {x.id: x for x in candidates}
        for point in frontier:
            assert sum(by_id[k].cost_sek for k in point.selected) == point.budget_sek
            assert math.fsum(by_id[k].value for k in point.selected) == pytest.approx(
                point.value)
        steps = sorted({0, total, *(rng.randint(0, max(total, 1)) for _ in range(6))})
        for budget in steps:
            reached = [p.value for p in frontier if p.budget_sek <= budget][-1]
            assert reached == pytest.approx(brute_force(candidates, budget), abs=1e-6)


def test_the_frontier_starts_at_the_forced_in_cost():
    candidates = [c("A", 3_000, 5, forced=Forced.IN), c("B", 1_000, 2), c("C", 2_000, 7)]
    frontier = rules.evaluate(candidates, 6_000).frontier
    assert [(p.budget_sek, p.value, p.selected) for p in frontier] == [
        (3_000, 5, ("A",)), (4_000, 7, ("A", "B")), (5_000, 12, ("A", "C")),
        (6_000, 14, ("A", "B", "C"))]


def test_greedy_is_a_floor_not_the_optimum():
    candidates = [c("A", 1_000, 60), c("B", 2_000, 100), c("C", 2_000, 100)]
    assert rules.greedy(candidates, 4_000).total_value == 160
    assert rules.solve(candidates, 4_000).total_value == 200
