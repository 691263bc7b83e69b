"""Prioritisation scenarios: evaluate the real candidates, save, change and send a scenario.

The candidates come from queries.py as of the business date; the maths is rules.py. Services
flush and write the audit entry, never commit. Every refusal is an `InvalidInput` naming the
field and the problem in the reader's language.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.applications.services import REQUIREMENTS
from app.benefits import services as benefit_services
from app.core import audit, clock
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.models import utcnow
from app.core.money import format_sek
from app.extensions import db
from app.programmes.models import Programme
from app.programmes.services import envelope_position

from . import queries, rules
from .models import PrioritisationScenario
from .rules import Forced, PrioritisationError, ValueMeasure

DIRECT, PAIRWISE = "direct", "pairwise"
WEIGHTINGS = (DIRECT, PAIRWISE)
MAX_NAME = 200
MAX_REASON = 2000

# What the optimiser refuses, in the reader's language; the params are filled in by name.
REFUSALS = {
    "weight_not_number": _l("The weight of %(criterion)s must be a number."),
    "weight_negative": _l("The weight of %(criterion)s must not be negative."),
    "weights_all_zero": _l("At least one weight must be above zero."),
    "pair_unknown": _l("%(first)s against %(second)s is not a pair of criteria."),
    "pair_out_of_scale": _l("Compare %(first)s with %(second)s on the scale 1/9 to 9."),
    "pair_twice": _l("%(first)s and %(second)s are compared twice."),
    "pair_missing": _l("Compare %(first)s with %(second)s."),
    "share_out_of_range": _l("The score's share of the blend must be between 0 and 1."),
    "budget_not_integer": _l("The budget must be a whole number of kronor."),
    "budget_negative": _l("The budget must not be negative."),
    "forced_both_ways": _l("%(candidate)s is forced both in and out."),
    "id_missing": _l("Every candidate needs an id."),
    "id_twice": _l("The id %(candidate)s is used twice."),
    "cost_invalid": _l("The cost of %(candidate)s must be a whole number of kronor, 0 or more."),
    "value_invalid": _l("The value of %(candidate)s must be a finite number."),
    "forced_invalid": _l("%(candidate)s can only be forced in or out."),
    "requires_many": _l("%(candidate)s requires more than one candidate; a candidate may "
                        "require one (its feasibility study)."),
    "requires_unknown": _l("%(candidate)s requires %(required)s, which is not another "
                           "candidate."),
    "requires_cycle": _l("The requirements go round in a circle: %(cycle)s."),
    "requires_too_deep": _l("The chain of requirements is longer than %(limit)s."),
    "forced_in_requires_out": _l("%(candidate)s is forced in but requires %(required)s, which "
                                 "is forced out."),
    "forced_over_budget": _l("The forced-in candidates cost %(forced_sek)s, more than the "
                             "budget of %(budget_sek)s."),
    "frontier_too_long": _l("The frontier has %(points)s points, too many to list with their "
                            "sets; use fewer candidates or round the costs to coarser amounts."),
    "too_fine": _l("The amounts are too fine-grained to solve exactly at this size; round the "
                   "costs to whole thousands of kronor or use fewer candidates."),
}
NAMED_PARAMS = ("candidate", "required", "criterion", "first", "second")


def refusal(error: PrioritisationError, names: dict[str, str] | None = None) -> InvalidInput:
    """Turn the optimiser's refusal into an InvalidInput in the reader's language."""
    params = dict(error.params)
    for key in NAMED_PARAMS:
        if key in params and names:
            params[key] = names.get(params[key], params[key])
    for key in ("forced_sek", "budget_sek"):
        if key in params:
            params[key] = format_sek(params[key])
    template = REFUSALS.get(error.code)
    detail = str(template) % params if template is not None else error.message
    return InvalidInput(detail, field=error.field)


# ---- the programme and its criteria ----------------------------------------------------------

def current_programme(programme_id: int | None = None) -> Programme:
    """The programme asked for, else the one that started last (the demo has one)."""
    if programme_id is not None:
        programme = db.session.get(Programme, programme_id)
    else:
        programme = db.session.scalar(sa.select(Programme).order_by(
            Programme.starts_on.desc(), Programme.id.desc()).limit(1))
    if programme is None:
        raise NotFound(_("There is no such programme."))
    return programme


def goal_criteria(programme: Programme) -> list[str]:
    return [f"goal_{goal.number}" for goal in programme.goals]


def criteria(programme: Programme) -> list[str]:
    """The programme's goals, then the six requirements on every e-service."""
    return goal_criteria(programme) + list(REQUIREMENTS)


def default_weights(programme: Programme) -> dict[str, float]:
    """Every goal counts the same; the requirements not at all until the office says so."""
    return {key: (1.0 if key.startswith("goal_") else 0.0) for key in criteria(programme)}


def criterion_names(programme: Programme) -> dict[str, str]:
    from app.applications.forms import criterion_label

    goals = {goal.number: goal.title for goal in programme.goals}
    return {key: criterion_label(key, goals) for key in criteria(programme)}


# ---- candidates -------------------------------------------------------------------------------

def candidates(programme: Programme, on: date) -> list[dict[str, Any]]:
    """The real candidates as of `on`: undecided applications, then approved ideas.

    An implementation whose feasibility study is itself a candidate requires it.
    """
    applications = queries.undecided_applications(programme.id, on)
    ids = [row.source_id for row in applications]
    scores = queries.assessment_scores(ids, on)
    versions = queries.calculation_versions(ids, on)
    keys = {row.source_id for row in applications}
    result = []
    for row in [replace(r, scores=scores.get(r.source_id, {})) for r in applications]:
        version = versions.get(row.source_id)
        result.append({
            "key": row.key, "kind": row.kind, "title": row.title,
            "organisation": row.organisation, "reference": row.reference, "stage": row.stage,
            "requested_sek": row.requested_sek, "scores": row.scores,
            "is_assessed": bool(row.scores),
            "npv_sek": benefit_services.npv_of(version, programme) if version is not None else None,
            "requires": (queries.application_key(row.feasibility_id)
                         if row.feasibility_id in keys else None),
        })
    for row in queries.approved_ideas_without_application(programme.id, on):
        result.append({"key": row.key, "kind": row.kind, "title": row.title,
                       "organisation": row.organisation, "reference": None, "stage": row.stage,
                       "requested_sek": None, "scores": {}, "is_assessed": False,
                       "npv_sek": None, "requires": None})
    return result


# ---- reading the scenario's settings ----------------------------------------------------------

def _text(data: dict, key: str, limit: int, *, required: bool = False) -> str:
    value = data.get(key)
    value = "" if value is None else value
    if not isinstance(value, str):
        raise InvalidInput(_("Write %(field)s as text.", field=key), field=key)
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("Give the scenario a name."), field=key)
    if len(value) > limit:
        raise InvalidInput(_("At most %(limit)d characters.", limit=limit), field=key)
    return value


def _weights(programme: Programme, data: dict) -> tuple[dict[str, float], dict, float | None]:
    """The scenario's weights (sum 1), the pairwise judgements kept, and the consistency ratio."""
    names = criterion_names(programme)
    weighting = data.get("weighting") or DIRECT
    if weighting not in WEIGHTINGS:
        raise InvalidInput(_("Choose direct weights or pairwise comparison."),
                           field="weighting")
    try:
        if weighting == DIRECT:
            given = data.get("weights")
            given = default_weights(programme) if given is None else given
            if not isinstance(given, dict):
                raise InvalidInput(_("Give the weights per criterion."), field="weights")
            unknown = sorted(set(given) - set(names))
            if unknown:
                raise InvalidInput(_("There is no criterion %(criterion)s.",
                                     criterion=unknown[0]), field=f"weights.{unknown[0]}")
            weights = {key: given.get(key, 0) for key in names}
            return rules.normalise_weights(weights), {}, None
        goals = goal_criteria(programme)
        given = data.get("pairwise") or {}
        if not isinstance(given, dict):
            raise InvalidInput(_("Compare the goals in pairs."), field="pairwise")
        judgements = {}
        for pair, ratio in given.items():
            first, _sep, second = str(pair).partition(":")
            judgements[(first, second)] = ratio
        result = rules.pairwise_weights(goals, judgements)
    except PrioritisationError as error:
        raise refusal(error, names) from None
    weights = {key: result.weights.get(key, 0.0) for key in names}
    kept = {f"{first}:{second}": float(ratio) for (first, second), ratio in judgements.items()}
    return weights, kept, result.consistency_ratio


def _choices(data: dict, known: dict[str, dict]) -> dict[str, dict]:
    """Forced in/out with a written reason each, and estimated costs of ideas."""
    names = {key: row["title"] for key, row in known.items()}
    lists = {}
    for direction in ("forced_in", "forced_out"):
        entries = data.get(direction) or []
        if not isinstance(entries, list):
            raise InvalidInput(_("List the candidates forced in and out."), field=direction)
        lists[direction] = entries
    choices: dict[str, dict] = {}
    for direction, forced in (("forced_in", Forced.IN), ("forced_out", Forced.OUT)):
        for position, entry in enumerate(lists[direction]):
            where = f"{direction}.{position}"
            key = entry.get("candidate") if isinstance(entry, dict) else None
            if key not in known:
                raise InvalidInput(_("%(candidate)s is not a candidate on the scenario's date.",
                                     candidate=key), field=f"{where}.candidate")
            reason = entry.get("reason")
            reason = reason.strip() if isinstance(reason, str) else ""
            if not reason:
                raise InvalidInput(_("Write why %(candidate)s is forced %(direction)s.",
                                     candidate=names[key],
                                     direction=_("in") if forced == Forced.IN else _("out")),
                                   field=f"{where}.reason")
            if len(reason) > MAX_REASON:
                raise InvalidInput(_("At most %(limit)d characters.", limit=MAX_REASON),
                                   field=f"{where}.reason")
            if key in choices and choices[key]["forced"] != forced:
                raise refusal(PrioritisationError("forced_both_ways", "forced", "",
                                                  candidate=key), names)
            choices[key] = {"forced": str(forced), "reason": reason}
    estimates = data.get("estimates") or {}
    if not isinstance(estimates, dict):
        raise InvalidInput(_("Give the ideas' estimated costs per idea."), field="estimates")
    for key, amount in estimates.items():
        if key not in known or known[key]["kind"] != queries.IDEA:
            raise InvalidInput(_("%(candidate)s is not an idea on the scenario's date.",
                                 candidate=key), field=f"estimates.{key}")
        if amount is None:
            continue
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise InvalidInput(_("The estimated cost of %(candidate)s must be a whole number "
                                 "of kronor above 0.", candidate=names[key]),
                               field=f"estimates.{key}")
        choices.setdefault(key, {"forced": None, "reason": ""})["cost_sek"] = amount
    return choices


def _settings(programme: Programme, data: dict, known: dict[str, dict]) -> dict[str, Any]:
    measure = data.get("value_measure") or ValueMeasure.SCORE
    if measure not in tuple(ValueMeasure):
        raise InvalidInput(_("Choose the strategic score, the NPV or a blend."),
                           field="value_measure")
    share = data.get("score_share", 0.5)
    share = 0.5 if share is None else share
    if (isinstance(share, bool) or not isinstance(share, int | float)
            or not math.isfinite(share) or not 0 <= share <= 1):
        raise InvalidInput(str(REFUSALS["share_out_of_range"]), field="score_share")
    budget = data.get("budget_sek")
    if budget is not None:
        try:
            rules.check_budget(budget)
        except PrioritisationError as error:
            raise refusal(error) from None
    weights, pairwise, ratio = _weights(programme, data)
    return {"name": _text(data, "name", MAX_NAME, required=True),
            "description": _text(data, "description", 5000),
            "value_measure": ValueMeasure(measure), "score_share": float(share),
            "weighting": data.get("weighting") or DIRECT, "weights": weights,
            "pairwise": pairwise, "consistency_ratio": ratio, "budget_sek": budget,
            "choices": _choices(data, known)}


# ---- evaluating --------------------------------------------------------------------------------

def evaluate(programme: Programme, settings: dict[str, Any], on: date,
             rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Score, value and choose among the candidates as of `on`; the scenario's stored result."""
    rows = candidates(programme, on) if rows is None else rows
    names = {row["key"]: row["title"] for row in rows}
    weights = settings["weights"]
    choices = settings["choices"]
    remaining = envelope_position(programme, on).remaining_sek
    budget = max(remaining, 0) if settings["budget_sek"] is None else settings["budget_sek"]
    try:
        contributions = [rules.goal_contributions(row["scores"], weights) for row in rows]
        scores = [math.fsum(parts.values()) if row["is_assessed"] else None
                  for row, parts in zip(rows, contributions, strict=True)]
        values = rules.candidate_values(settings["value_measure"], scores,
                                        [row["npv_sek"] for row in rows],
                                        settings["score_share"])
    except PrioritisationError as error:
        raise refusal(error, names) from None
    listed = []
    for row, parts, score, value in zip(rows, contributions, scores, values, strict=True):
        choice = choices.get(row["key"], {})
        cost = row["requested_sek"] if row["requested_sek"] is not None else choice.get(
            "cost_sek")
        listed.append({**{k: row[k] for k in ("key", "kind", "title", "organisation",
                                               "reference", "stage", "npv_sek", "requires")},
                       "cost_sek": cost, "is_estimate": row["requested_sek"] is None
                       and cost is not None, "score": score, "contributions": parts,
                       "value": value, "forced": choice.get("forced"),
                       "reason": choice.get("reason", ""), "selected": False})
    costed = {item["key"] for item in listed if item["cost_sek"] is not None}
    solvable = [rules.Candidate(item["key"], item["cost_sek"], item["value"],
                                (item["requires"],) if item["requires"] in costed else (),
                                Forced(item["forced"]) if item["forced"] else None)
                for item in listed if item["key"] in costed]
    uncosted_forced = [item["key"] for item in listed
                       if item["key"] not in costed and item["forced"] == Forced.IN]
    if uncosted_forced:
        raise InvalidInput(_("Estimate the cost of %(candidate)s before forcing it in.",
                             candidate=names[uncosted_forced[0]]),
                           field=f"estimates.{uncosted_forced[0]}")
    try:
        selection = rules.solve(solvable, budget)
    except PrioritisationError as error:
        raise refusal(error, names) from None
    chosen = set(selection.selected)
    for item in listed:
        item["selected"] = item["key"] in chosen
    goals_covered = {key: math.fsum(item["contributions"][key] for item in listed
                                    if item["selected"]) for key in weights}
    return {"as_of_on": on.isoformat(), "budget_sek": budget, "remaining_envelope_sek": remaining,
            "weights": weights, "candidates": listed, "selected": list(selection.selected),
            "total_cost_sek": selection.total_cost_sek, "total_value": selection.total_value,
            "left_in_envelope_sek": remaining - selection.total_cost_sek,
            "goals_covered": goals_covered}


def solver_candidates(result: dict[str, Any]) -> list[rules.Candidate]:
    """The stored result's costed candidates, as the optimiser takes them."""
    costed = {item["key"] for item in result.get("candidates", [])
              if item["cost_sek"] is not None}
    return [rules.Candidate(item["key"], item["cost_sek"], item["value"],
                            (item["requires"],) if item["requires"] in costed else (),
                            Forced(item["forced"]) if item["forced"] else None)
            for item in result.get("candidates", []) if item["key"] in costed]


def frontier(scenario: PrioritisationScenario) -> list[rules.FrontierPoint]:
    """The efficient frontier of the scenario's candidates, from 0 to the total requested."""
    result = scenario.result
    try:
        return list(rules.evaluate(solver_candidates(result), result["budget_sek"]).frontier)
    except PrioritisationError as error:
        raise refusal(error) from None


# ---- changing scenarios -----------------------------------------------------------------------

def _apply(scenario: PrioritisationScenario, programme: Programme, data: dict,
           on: date) -> None:
    rows = candidates(programme, on)
    settings = _settings(programme, data, {row["key"]: row for row in rows})
    duplicate = db.session.scalar(sa.select(PrioritisationScenario.id).where(
        PrioritisationScenario.programme_id == programme.id,
        PrioritisationScenario.name == settings["name"],
        PrioritisationScenario.id != (scenario.id or 0)))
    if duplicate is not None:
        raise InvalidInput(_("There is already a scenario called %(name)s.",
                             name=settings["name"]), field="name")
    result = evaluate(programme, settings, on, rows)
    for key in ("name", "description", "value_measure", "score_share", "weighting", "weights",
                "pairwise", "consistency_ratio", "budget_sek", "choices"):
        setattr(scenario, key, settings[key])
    scenario.as_of_on = on
    scenario.result = result
    scenario.remaining_envelope_sek = result["remaining_envelope_sek"]
    scenario.total_cost_sek = result["total_cost_sek"]
    scenario.total_value = result["total_value"]


def _summary(scenario: PrioritisationScenario) -> dict[str, Any]:
    return {"name": scenario.name, "value_measure": str(scenario.value_measure),
            "budget_sek": scenario.budget_sek, "selected": scenario.result.get("selected", []),
            "total_cost_sek": scenario.total_cost_sek,
            "forced": {k: v["forced"] for k, v in scenario.choices.items() if v.get("forced")}}


def create_scenario(programme: Programme, data: dict, actor) -> PrioritisationScenario:
    """Save a new named scenario, evaluated as of the business date."""
    scenario = PrioritisationScenario(programme_id=programme.id, created_by_id=actor.id)
    _apply(scenario, programme, data, clock.today())
    db.session.add(scenario)
    db.session.flush()
    audit.record("prioritisation_scenario.created", scenario, actor=actor,
                 after=_summary(scenario))
    return scenario


def update_scenario(scenario: PrioritisationScenario, data: dict, actor
                    ) -> PrioritisationScenario:
    """Change a scenario not yet sent, and evaluate it again as of the business date."""
    if scenario.is_sent:
        raise Conflict(_("The scenario has been sent to the development council and can no "
                         "longer be changed; save a new scenario instead."))
    before = _summary(scenario)
    _apply(scenario, scenario.programme, data, clock.today())
    db.session.flush()
    audit.record("prioritisation_scenario.updated", scenario, actor=actor, before=before,
                 after=_summary(scenario))
    return scenario


def send_scenario(scenario: PrioritisationScenario, actor) -> PrioritisationScenario:
    """Send the scenario to the development council as the programme office's proposal."""
    if scenario.is_sent:
        raise Conflict(_("The scenario has already been sent to the development council."))
    scenario.sent_at = utcnow()
    scenario.sent_by_id = actor.id
    db.session.flush()
    audit.record("prioritisation_scenario.sent", scenario, actor=actor,
                 after={"sent_at": scenario.sent_at.isoformat()})
    return scenario


def settings_of(scenario: PrioritisationScenario) -> dict[str, Any]:
    """The scenario's inputs in the shape create/update take (to fill the form again)."""
    forced = {direction: [{"candidate": key, "reason": choice["reason"]}
                          for key, choice in scenario.choices.items()
                          if choice.get("forced") == value]
              for direction, value in (("forced_in", "in"), ("forced_out", "out"))}
    return {"name": scenario.name, "description": scenario.description,
            "value_measure": str(scenario.value_measure), "score_share": scenario.score_share,
            "weighting": scenario.weighting, "weights": scenario.weights,
            "pairwise": scenario.pairwise, "budget_sek": scenario.budget_sek, **forced,
            "estimates": {key: choice["cost_sek"] for key, choice in scenario.choices.items()
                          if "cost_sek" in choice}}


def scenarios_query(programme: Programme) -> sa.Select:
    return (sa.select(PrioritisationScenario)
            .where(PrioritisationScenario.programme_id == programme.id)
            .order_by(PrioritisationScenario.created_at, PrioritisationScenario.id))


# ---- comparing ----------------------------------------------------------------------------------

def comparison(scenarios: list[PrioritisationScenario]) -> dict[str, Any]:
    """Scenarios side by side: each candidate in or out, totals, and the goals covered."""
    rows: dict[str, dict[str, Any]] = {}
    for index, scenario in enumerate(scenarios):
        for item in scenario.result.get("candidates", []):
            row = rows.setdefault(item["key"], {"key": item["key"], "title": item["title"],
                                                "organisation": item["organisation"],
                                                "cost_sek": item["cost_sek"],
                                                "in": [None] * len(scenarios)})
            row["in"][index] = item["selected"]
    criteria_keys = list(dict.fromkeys(key for scenario in scenarios
                                       for key in scenario.result.get("goals_covered", {})))
    return {
        "scenarios": scenarios,
        "rows": list(rows.values()),
        "totals": [{"total_cost_sek": s.total_cost_sek, "total_value": s.total_value,
                    "left_in_envelope_sek": s.result.get("left_in_envelope_sek"),
                    "remaining_envelope_sek": s.remaining_envelope_sek,
                    "budget_sek": s.result.get("budget_sek"),
                    "goals_covered": s.result.get("goals_covered", {})} for s in scenarios],
        "criteria": [key for key in criteria_keys
                     if any(s.result.get("weights", {}).get(key) for s in scenarios)],
    }
