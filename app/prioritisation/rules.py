"""Portfolio prioritisation: weighted scoring, pairwise weights and the exact optimal selection.

Pure: standard library and numpy only; no Flask, no models. Amounts are whole kronor.

The optimiser is an exact 0/1 knapsack solved by dynamic programming over the budget in
units of the greatest common divisor of the candidates' costs (whole thousands of kronor
for the city's requested amounts), so it is exact for every budget in kronor. Dependencies
("an implementation requires its feasibility study") form a forest: a candidate may require
one other. A prerequisite and its dependants are handled as a branch of the DP (take the
prerequisite, then choose among its dependants), which keeps the solution exact. Forced-in
candidates (with their prerequisites) are paid first; forced-out ones (with everything that
requires them) are left out. One DP pass up to the total requested also gives the efficient
frontier: the best value at every budget, reported where it changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

MAX_SCORE = 3
SAATY_MIN, SAATY_MAX = 1 / 9, 9.0
# Saaty's random consistency index by matrix size (n = 1 … 10).
RANDOM_INDEX = (0.0, 0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
CONSISTENCY_LIMIT = 0.10
# The DP's table has one cell per optional candidate and budget step; beyond this it would
# take too long or too much memory, and the caller is asked for coarser amounts instead.
MAX_CELLS = 400_000_000
MAX_STEPS = 5_000_000
# Listing the frontier's sets takes one cell per point and candidate.
MAX_FRONTIER_CELLS = 50_000_000
MAX_DEPENDENCY_DEPTH = 50
# Values closer than this (relative to the largest) count as equal: floating-point noise.
RELATIVE_TOLERANCE = 1e-9


class Forced(StrEnum):
    IN = "in"
    OUT = "out"


class ValueMeasure(StrEnum):
    """What a scenario maximises: the strategic score, the NPV, or a blend of the two."""

    SCORE = "score"
    NPV = "npv"
    BLEND = "blend"


class PrioritisationError(ValueError):
    """Input the optimiser refuses: `code` names the problem, `field` where, `params` the facts."""

    def __init__(self, code: str, field_name: str, message: str, **params):
        super().__init__(message)
        self.code = code
        self.field = field_name
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Candidate:
    """One application or idea to choose or leave: cost, value, prerequisite and forcing."""

    id: str
    cost_sek: int
    value: float
    requires: tuple[str, ...] = ()
    forced: Forced | None = None


@dataclass(frozen=True)
class Selection:
    selected: tuple[str, ...]
    total_cost_sek: int
    total_value: float


@dataclass(frozen=True)
class FrontierPoint:
    """The best value reachable with `budget_sek` (the least budget that reaches it)."""

    budget_sek: int
    value: float
    selected: tuple[str, ...]


@dataclass(frozen=True)
class Evaluation:
    selection: Selection
    frontier: tuple[FrontierPoint, ...]


@dataclass(frozen=True)
class PairwiseResult:
    """Weights from pairwise comparisons (sum 1) and Saaty's consistency ratio."""

    weights: Mapping[str, float]
    consistency_ratio: float
    is_consistent: bool


# ---- scoring ---------------------------------------------------------------------------------

def normalise_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Scale the weights to sum 1; refuse negative, non-numeric and all-zero weights."""
    for criterion, weight in weights.items():
        if not _is_number(weight):
            raise PrioritisationError("weight_not_number", f"weights.{criterion}",
                                      f"The weight of {criterion} must be a number.",
                                      criterion=criterion)
        if weight < 0:
            raise PrioritisationError("weight_negative", f"weights.{criterion}",
                                      f"The weight of {criterion} must not be negative.",
                                      criterion=criterion)
    total = math.fsum(float(w) for w in weights.values())
    if total <= 0:
        raise PrioritisationError("weights_all_zero", "weights",
                                  "At least one weight must be above zero.")
    return {criterion: float(weight) / total for criterion, weight in weights.items()}


def goal_contributions(scores: Mapping[str, int], weights: Mapping[str, float]
                       ) -> dict[str, float]:
    """Each criterion's part of the 0–100 strategic score (they sum to the score).

    Weights are normalised first; a criterion the assessment did not score counts as 0.
    """
    normalised = normalise_weights(weights)
    return {criterion: 100.0 * weight * scores.get(criterion, 0) / MAX_SCORE
            for criterion, weight in normalised.items()}


def strategic_score(scores: Mapping[str, int], weights: Mapping[str, float]) -> float:
    """Σ weight × the working group's score, normalised to 0–100 (3 on every criterion = 100)."""
    return math.fsum(goal_contributions(scores, weights).values())


def pairwise_weights(criteria: Sequence[str], judgements: Mapping[tuple[str, str], float]
                     ) -> PairwiseResult:
    """Derive weights from pairwise comparisons (AHP, geometric-mean method) with Saaty's CR.

    `judgements[(a, b)] = x` says a is x times as important as b (1/9 … 9); every pair must be
    judged once, in either order. The consistency ratio above 0.10 means the comparisons
    contradict each other (e.g. a > b, b > c, but c > a).
    """
    n = len(criteria)
    if n == 0:
        raise PrioritisationError("weights_all_zero", "weights",
                                  "At least one weight must be above zero.")
    index = {criterion: i for i, criterion in enumerate(criteria)}
    matrix = [[1.0] * n for _ in range(n)]
    seen: set[frozenset[str]] = set()
    for (first, second), ratio in judgements.items():
        where = f"pairwise.{first}.{second}"
        if first not in index or second not in index or first == second:
            raise PrioritisationError("pair_unknown", where,
                                      f"{first} against {second} is not a pair of criteria.",
                                      first=first, second=second)
        if not _is_number(ratio) or not SAATY_MIN - 1e-12 <= ratio <= SAATY_MAX + 1e-12:
            raise PrioritisationError("pair_out_of_scale", where,
                                      f"Compare {first} with {second} on the scale 1/9 to 9.",
                                      first=first, second=second)
        pair = frozenset((first, second))
        if pair in seen:
            raise PrioritisationError("pair_twice", where,
                                      f"{first} and {second} are compared twice.",
                                      first=first, second=second)
        seen.add(pair)
        matrix[index[first]][index[second]] = float(ratio)
        matrix[index[second]][index[first]] = 1.0 / float(ratio)
    for i, first in enumerate(criteria):
        for second in criteria[i + 1:]:
            if frozenset((first, second)) not in seen:
                raise PrioritisationError("pair_missing", f"pairwise.{first}.{second}",
                                          f"Compare {first} with {second}.",
                                          first=first, second=second)
    means = [math.prod(row) ** (1.0 / n) for row in matrix]
    total = math.fsum(means)
    weights = [mean / total for mean in means]
    if n <= 2:
        ratio = 0.0
    else:
        lambda_max = math.fsum(
            math.fsum(matrix[i][j] * weights[j] for j in range(n)) / weights[i]
            for i in range(n)) / n
        random_index = RANDOM_INDEX[n] if n < len(RANDOM_INDEX) else RANDOM_INDEX[-1]
        ratio = max(0.0, (lambda_max - n) / (n - 1) / random_index)
    return PairwiseResult(dict(zip(criteria, weights, strict=True)), ratio,
                          ratio <= CONSISTENCY_LIMIT)


def candidate_values(measure: ValueMeasure, scores: Sequence[float | None],
                     npvs_sek: Sequence[int | None], score_share: float = 0.5) -> list[float]:
    """Each candidate's value under the scenario's measure.

    score: the strategic score 0–100 (unassessed = 0). npv: the NPV in kronor (none = 0).
    blend: share × score + (1 − share) × 100 × max(NPV, 0) / the largest positive NPV among
    the candidates, so both parts run 0–100 and a negative NPV adds nothing.
    """
    plain_scores = [0.0 if score is None else float(score) for score in scores]
    plain_npvs = [0 if npv is None else int(npv) for npv in npvs_sek]
    if measure == ValueMeasure.SCORE:
        return plain_scores
    if measure == ValueMeasure.NPV:
        return [float(npv) for npv in plain_npvs]
    if not _is_number(score_share) or not 0 <= score_share <= 1:
        raise PrioritisationError("share_out_of_range", "score_share",
                                  "The score's share of the blend must be between 0 and 1.")
    best_npv = max((npv for npv in plain_npvs if npv > 0), default=0)
    return [score_share * score
            + (1 - score_share) * (100.0 * max(npv, 0) / best_npv if best_npv else 0.0)
            for score, npv in zip(plain_scores, plain_npvs, strict=True)]


# ---- the optimiser ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Problem:
    """The candidates split into paid (forced in), left out, and optional with their forest."""

    by_id: dict[str, Candidate]
    paid: list[str]
    optional: list[str]
    roots: list[str]
    children: dict[str, list[str]] = field(default_factory=dict)
    paid_sek: int = 0
    paid_value: float = 0.0
    unit_sek: int = 1


def check_budget(budget_sek: object) -> int:
    """A budget is a whole, non-negative number of kronor."""
    if isinstance(budget_sek, bool) or not isinstance(budget_sek, int):
        raise PrioritisationError("budget_not_integer", "budget_sek",
                                  "The budget must be a whole number of kronor.")
    if budget_sek < 0:
        raise PrioritisationError("budget_negative", "budget_sek",
                                  "The budget must not be negative.")
    return budget_sek


def merge_forced(forced_in: Iterable[str], forced_out: Iterable[str]) -> dict[str, Forced]:
    """Combine the forced-in and forced-out lists; a candidate in both is refused."""
    forced_in, forced_out = list(forced_in), list(forced_out)
    both = sorted(set(forced_in) & set(forced_out))
    if both:
        raise PrioritisationError("forced_both_ways", "forced",
                                  f"{both[0]} is forced both in and out.", candidate=both[0])
    return {**{key: Forced.IN for key in forced_in}, **{key: Forced.OUT for key in forced_out}}


def _check_candidates(candidates: Sequence[Candidate]) -> dict[str, Candidate]:
    by_id: dict[str, Candidate] = {}
    for position, candidate in enumerate(candidates):
        where = f"candidates.{position}"
        if not isinstance(candidate.id, str) or not candidate.id:
            raise PrioritisationError("id_missing", f"{where}.id", "Every candidate needs an id.",
                                      position=position)
        if candidate.id in by_id:
            raise PrioritisationError("id_twice", f"{where}.id",
                                      f"The id {candidate.id} is used twice.",
                                      candidate=candidate.id)
        if (isinstance(candidate.cost_sek, bool) or not isinstance(candidate.cost_sek, int)
                or candidate.cost_sek < 0):
            raise PrioritisationError("cost_invalid", f"{where}.cost_sek",
                                      f"The cost of {candidate.id} must be a whole number of "
                                      "kronor, 0 or more.", candidate=candidate.id)
        if not _is_number(candidate.value):
            raise PrioritisationError("value_invalid", f"{where}.value",
                                      f"The value of {candidate.id} must be a finite number.",
                                      candidate=candidate.id)
        if candidate.forced is not None and candidate.forced not in tuple(Forced):
            raise PrioritisationError("forced_invalid", f"{where}.forced",
                                      f"{candidate.id} can only be forced in or out.",
                                      candidate=candidate.id)
        if len(candidate.requires) > 1:
            raise PrioritisationError("requires_many", f"{where}.requires",
                                      f"{candidate.id} requires more than one candidate; a "
                                      "candidate may require one (its feasibility study).",
                                      candidate=candidate.id)
        by_id[candidate.id] = candidate
    for position, candidate in enumerate(candidates):
        for required in candidate.requires:
            if required not in by_id or required == candidate.id:
                raise PrioritisationError("requires_unknown", f"candidates.{position}.requires",
                                          f"{candidate.id} requires {required}, which is not "
                                          "another candidate.",
                                          candidate=candidate.id, required=required)
    return by_id


def _parent(candidate: Candidate) -> str | None:
    return candidate.requires[0] if candidate.requires else None


def _check_forest(by_id: Mapping[str, Candidate]) -> None:
    """Refuse dependency cycles and chains deeper than MAX_DEPENDENCY_DEPTH."""
    depth: dict[str, int] = {}
    for start in by_id:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in depth:
            if node in on_path:
                cycle = path[path.index(node):] + [node]
                raise PrioritisationError("requires_cycle", "requires",
                                          "The requirements go round in a circle: "
                                          + " → ".join(cycle) + ".",
                                          cycle=" → ".join(cycle))
            path.append(node)
            on_path.add(node)
            node = _parent(by_id[node])
        below = depth[node] if node is not None else 0
        for offset, item in enumerate(reversed(path), start=1):
            depth[item] = below + offset
            if depth[item] > MAX_DEPENDENCY_DEPTH:
                raise PrioritisationError("requires_too_deep", "requires",
                                          f"The chain of requirements is longer than "
                                          f"{MAX_DEPENDENCY_DEPTH}.",
                                          limit=MAX_DEPENDENCY_DEPTH)


def _prepare(candidates: Sequence[Candidate]) -> _Problem:
    by_id = _check_candidates(candidates)
    _check_forest(by_id)
    order = [candidate.id for candidate in candidates]
    dependants: dict[str, list[str]] = {key: [] for key in order}
    for key in order:
        parent = _parent(by_id[key])
        if parent is not None:
            dependants[parent].append(key)
    paid: set[str] = set()
    for key in order:
        if by_id[key].forced == Forced.IN:
            node: str | None = key
            while node is not None:
                if by_id[node].forced == Forced.OUT:
                    raise PrioritisationError(
                        "forced_in_requires_out", "forced",
                        f"{key} is forced in but requires {node}, which is forced out.",
                        candidate=key, required=node)
                paid.add(node)
                node = _parent(by_id[node])
    left_out: set[str] = set()
    stack = [key for key in order if by_id[key].forced == Forced.OUT]
    while stack:
        node = stack.pop()
        if node not in left_out:
            left_out.add(node)
            stack.extend(dependants[node])
    optional = [key for key in order if key not in paid and key not in left_out]
    optional_set = set(optional)
    children = {key: [child for child in dependants[key] if child in optional_set]
                for key in optional}
    roots = [key for key in optional if _parent(by_id[key]) not in optional_set]
    costs = [by_id[key].cost_sek for key in optional if by_id[key].cost_sek > 0]
    unit = math.gcd(*costs) if costs else 1
    paid_list = [key for key in order if key in paid]
    return _Problem(by_id=by_id, paid=paid_list, optional=optional, roots=roots,
                    children=children, unit_sek=unit,
                    paid_sek=sum(by_id[key].cost_sek for key in paid_list),
                    paid_value=math.fsum(by_id[key].value for key in paid_list))


class _Table:
    """The DP over budget units: best[c] = best optional value with cost ≤ c units."""

    def __init__(self, problem: _Problem, capacity: int):
        cells = max(len(problem.optional), 1) * (capacity + 1)
        if cells > MAX_CELLS or capacity + 1 > MAX_STEPS:
            raise PrioritisationError(
                "too_fine", "candidates",
                "The amounts are too fine-grained to solve exactly at this size; round the "
                "costs to whole thousands of kronor or fewer candidates.",
                cells=cells)
        self.problem = problem
        self.capacity = capacity
        self.units = {key: problem.by_id[key].cost_sek // problem.unit_sek
                      for key in problem.optional}
        self.bits: dict[str, np.ndarray] = {}
        self.offsets: dict[str, int] = {}
        self._sums = np.empty(capacity + 1)
        self._better = np.empty(capacity + 1, dtype=bool)
        best = np.zeros(capacity + 1)
        for root in problem.roots:
            self._include(root, best)
        self.best = best

    def _include(self, key: str, best: np.ndarray) -> None:
        """Update `best` in place with the choice of taking `key` (and then its dependants)."""
        weight = self.units[key]
        if weight > self.capacity:
            return
        value = self.problem.by_id[key].value
        if not self.problem.children[key]:
            # A leaf: one vectorised 0/1 step, in place, into reused buffers.
            size = self.capacity + 1 - weight
            sums, better = self._sums[:size], self._better[:size]
            np.add(best[:size], value, out=sums)
            np.greater(sums, best[weight:], out=better)
            np.copyto(best[weight:], sums, where=better)
            self.bits[key] = np.packbits(better)
            self.offsets[key] = weight
            return
        taken = np.full(self.capacity + 1, -np.inf)
        taken[weight:] = best[:self.capacity + 1 - weight] + value
        for child in self.problem.children[key]:
            self._include(child, taken)
        better = taken > best
        np.copyto(best, taken, where=better)
        self.bits[key] = np.packbits(better)
        self.offsets[key] = 0

    def _undo(self, key: str, units: np.ndarray, active: np.ndarray,
              chosen: dict[str, np.ndarray]) -> None:
        """Walk back through `key`'s step for every still-active budget at once."""
        packed = self.bits.get(key)
        if packed is None:
            return
        index = units - self.offsets[key]
        reachable = active & (index >= 0)
        safe = np.where(reachable, index, 0)
        taken = ((packed[safe >> 3] >> (7 - (safe & 7))) & 1).astype(bool) & reachable
        if not taken.any():
            return
        for child in reversed(self.problem.children[key]):
            self._undo(child, units, taken, chosen)
        units[taken] -= self.units[key]
        chosen[key] = taken

    def chosen_at(self, steps: Sequence[int]) -> list[list[str]]:
        """The optional candidates of the best set with cost ≤ each of `steps` budget units."""
        units = np.array(steps, dtype=np.int64)
        chosen: dict[str, np.ndarray] = {}
        everywhere = np.ones(len(units), dtype=bool)
        for root in reversed(self.problem.roots):
            self._undo(root, units, everywhere, chosen)
        sets: list[list[str]] = [[] for _ in steps]
        for key, taken in chosen.items():
            for position in np.flatnonzero(taken):
                sets[position].append(key)
        return sets

    def tolerance(self) -> float:
        return RELATIVE_TOLERANCE * max(1.0, float(np.max(np.abs(self.best))))

    def breakpoints(self) -> list[int]:
        """0 and every budget step where the best value rises."""
        rises = np.nonzero(np.diff(self.best) > self.tolerance())[0] + 1
        return [0, *(int(step) for step in rises)]

    def cheapest_step_for(self, units: int) -> int:
        """The least budget step that reaches the best value at `units` (ties: the cheaper)."""
        target = self.best[units] - self.tolerance()
        return int(np.argmax(self.best[:units + 1] >= target))


def _in_input_order(problem: _Problem, keys: Iterable[str]) -> tuple[str, ...]:
    wanted = set(keys)
    return tuple(key for key in problem.by_id if key in wanted)


def _selections(problem: _Problem, table: _Table, steps: Sequence[int]) -> list[Selection]:
    selections = []
    for chosen in table.chosen_at(steps):
        keys = _in_input_order(problem, [*problem.paid, *chosen])
        selections.append(Selection(keys, sum(problem.by_id[k].cost_sek for k in keys),
                                    math.fsum(problem.by_id[k].value for k in keys)))
    return selections


def _affordable_units(problem: _Problem, budget_sek: int) -> int:
    check_budget(budget_sek)
    if problem.paid_sek > budget_sek:
        raise PrioritisationError(
            "forced_over_budget", "budget_sek",
            f"The forced-in candidates cost {problem.paid_sek} kronor, more than the budget "
            f"of {budget_sek} kronor.", forced_sek=problem.paid_sek, budget_sek=budget_sek)
    return (budget_sek - problem.paid_sek) // problem.unit_sek


def solve(candidates: Sequence[Candidate], budget_sek: int) -> Selection:
    """The set of greatest total value within the budget (ties: the cheaper set), exactly."""
    problem = _prepare(candidates)
    units = _affordable_units(problem, budget_sek)
    total_units = sum(problem.by_id[k].cost_sek for k in problem.optional) // problem.unit_sek
    table = _Table(problem, min(units, total_units))
    return _selections(problem, table, [table.cheapest_step_for(table.capacity)])[0]


def evaluate(candidates: Sequence[Candidate], budget_sek: int) -> Evaluation:
    """The optimal selection within the budget and the frontier from 0 to the total requested.

    The frontier starts at the cost of the forced-in candidates (nothing cheaper is allowed)
    and lists each budget at which the best value rises, with its set; it never falls.
    """
    problem = _prepare(candidates)
    units = _affordable_units(problem, budget_sek)
    total_units = sum(problem.by_id[k].cost_sek for k in problem.optional) // problem.unit_sek
    table = _Table(problem, total_units)
    steps = table.breakpoints()
    if len(steps) * max(len(problem.optional), 1) > MAX_FRONTIER_CELLS:
        raise PrioritisationError(
            "frontier_too_long", "candidates",
            f"The frontier has {len(steps)} points, too many to list with their sets; use "
            "fewer candidates or round the costs to coarser amounts.", points=len(steps))
    selection, *points = _selections(
        problem, table, [table.cheapest_step_for(min(units, total_units)), *steps])
    frontier = tuple(FrontierPoint(problem.paid_sek + step * problem.unit_sek, point.total_value,
                                   point.selected) for step, point in zip(steps, points,
                                                                          strict=True))
    return Evaluation(selection, frontier)


def greedy(candidates: Sequence[Candidate], budget_sek: int) -> Selection:
    """The benchmark's floor: take candidates by value per krona while they fit (not exact)."""
    problem = _prepare(candidates)
    left = _affordable_units(problem, budget_sek) * problem.unit_sek
    taken = set(problem.paid)
    ranked = sorted(problem.optional, key=lambda k: -problem.by_id[k].value
                    / max(problem.by_id[k].cost_sek, 1))
    for key in ranked:
        candidate = problem.by_id[key]
        parent = _parent(candidate)
        if (candidate.value > 0 and candidate.cost_sek <= left
                and (parent is None or parent in taken)):
            taken.add(key)
            left -= candidate.cost_sek
    keys = _in_input_order(problem, taken)
    return Selection(keys, sum(problem.by_id[k].cost_sek for k in keys),
                     math.fsum(problem.by_id[k].value for k in keys))


def _is_number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))
