"""API: portfolio prioritisation: candidates, saved scenarios, their frontier, and a stateless
optimiser for other tools.

`POST /api/v1/prioritisation/evaluate` is a public contract (issue 14): its field names are
fixed. Amounts are whole kronor; values are whatever the caller maximises. The optimiser is
exact (0/1 knapsack by dynamic programming); its refusals are 422 problem+json naming the
field and the problem.
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.core import clock
from app.core.errors import Forbidden, InvalidInput
from app.extensions import db
from app.prioritisation import permissions, rules, services
from app.prioritisation.models import PrioritisationScenario
from app.prioritisation.rules import Forced, PrioritisationError
from app.programmes.choice import api_programme_id
from app.programmes.services import envelope_position

from . import api_blueprint, documented
from .auth import api_user
from .programme_args import ProgrammeArgs, programme_filtered
from .schemas import ProblemSchema

blp = api_blueprint("api_prioritisation", "Portfolio prioritisation: weighted scoring against "
                                          "the programme's goals, the exact optimal selection "
                                          "within the envelope, the efficient frontier, and "
                                          "named scenarios sent to the development council.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
MAX_CANDIDATES = 5000


# ---- the stateless contract -------------------------------------------------------------------

class EvaluateCandidateSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    cost_sek = fields.Integer(required=True, strict=True, metadata={
        "description": "Whole kronor, 0 or more."})
    value = fields.Float(required=True, allow_nan=False, metadata={
        "description": "What is maximised (a score, an NPV, …); may be negative."})
    requires = fields.List(fields.String(), load_default=list, metadata={
        "description": "At most one other candidate's id (an implementation requires its "
                       "feasibility study)."})
    forced = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf([f.value for f in Forced]))


class EvaluateInSchema(Schema):
    budget_sek = fields.Integer(required=True, strict=True, metadata={
        "description": "Whole kronor, 0 or more."})
    candidates = fields.List(fields.Nested(EvaluateCandidateSchema), required=True,
                             validate=validate.Length(max=MAX_CANDIDATES))


class FrontierPointSchema(Schema):
    budget_sek = fields.Integer(metadata={"description": "The least budget reaching the value."})
    value = fields.Float()
    selected = fields.List(fields.String())


class EvaluateOutSchema(Schema):
    selected = fields.List(fields.String())
    total_cost_sek = fields.Integer()
    total_value = fields.Float()
    frontier = fields.List(fields.Nested(FrontierPointSchema), metadata={
        "description": "From the forced-in cost to the total requested: each budget at which "
                       "the best value rises, with its set."})


def _frontier_dicts(points) -> list[dict]:
    return [{"budget_sek": p.budget_sek, "value": p.value, "selected": list(p.selected)}
            for p in points]


@blp.post("/prioritisation/evaluate")
@blp.arguments(EvaluateInSchema)
@documented(blp)
@blp.response(200, EvaluateOutSchema)
@blp.alt_response(422, **PROBLEM)
def evaluate(data):
    """Choose the set of greatest value within the budget, exactly, and the frontier."""
    candidates = [rules.Candidate(item["id"], item["cost_sek"], item["value"],
                                  tuple(item["requires"]),
                                  Forced(item["forced"]) if item["forced"] else None)
                  for item in data["candidates"]]
    try:
        evaluation = rules.evaluate(candidates, data["budget_sek"])
    except PrioritisationError as error:
        raise services.refusal(error) from None
    selection = evaluation.selection
    return {"selected": list(selection.selected), "total_cost_sek": selection.total_cost_sek,
            "total_value": selection.total_value,
            "frontier": _frontier_dicts(evaluation.frontier)}


# ---- candidates and scenarios -----------------------------------------------------------------

class PrioritisationCandidatesQuery(ProgrammeArgs):
    on = fields.Date(metadata={"description": "The business date; default today."})


class ForcedCandidateSchema(Schema):
    candidate = fields.String(required=True, metadata={
        "description": "application:<id> or idea:<id>, from the candidate list."})
    reason = fields.String(required=True, metadata={"description": "Why, in writing."})


class PrioritisationScenarioInSchema(Schema):
    name = fields.String(required=True)
    description = fields.String(load_default="")
    value_measure = fields.String(load_default="score", validate=validate.OneOf(
        [m.value for m in rules.ValueMeasure]), metadata={
        "description": "score (strategic score 0–100), npv (NPV of the as-submitted or "
                       "baseline calculation, kr) or blend (share × score + (1 − share) × "
                       "100 × max(NPV, 0) / the largest NPV)."})
    score_share = fields.Float(load_default=0.5, allow_nan=False, metadata={
        "description": "The score's share of the blend, 0–1."})
    weighting = fields.String(load_default="direct",
                              validate=validate.OneOf(list(services.WEIGHTINGS)))
    weights = fields.Dict(keys=fields.String(), values=fields.Float(allow_nan=False),
                          load_default=None, metadata={
        "description": "direct: weight per criterion (goal_1…goal_4, usable, …); scaled to "
                       "sum 1; none negative, not all zero."})
    pairwise = fields.Dict(keys=fields.String(), values=fields.Float(allow_nan=False),
                           load_default=None, metadata={
        "description": "pairwise: 'goal_1:goal_2' → how many times more important the first "
                       "is (1/9 … 9), every pair of goals once."})
    budget_sek = fields.Integer(strict=True, load_default=None, allow_none=True, metadata={
        "description": "Default (null): what is left in the envelope."})
    forced_in = fields.List(fields.Nested(ForcedCandidateSchema), load_default=list)
    forced_out = fields.List(fields.Nested(ForcedCandidateSchema), load_default=list)
    estimates = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True),
                            load_default=dict, metadata={
        "description": "Estimated cost of an approved idea without an application, kr."})


class PrioritisationScenarioSchema(Schema):
    id = fields.Integer()
    programme_id = fields.Integer()
    name = fields.String()
    description = fields.String()
    value_measure = fields.String()
    score_share = fields.Float()
    weighting = fields.String()
    weights = fields.Dict(keys=fields.String(), values=fields.Float(), metadata={
        "description": "Normalised: they sum to 1."})
    pairwise = fields.Dict(keys=fields.String(), values=fields.Float())
    consistency_ratio = fields.Float(allow_none=True, metadata={
        "description": "Saaty's CR of the pairwise comparisons; above 0.10 they contradict "
                       "each other."})
    budget_sek = fields.Integer(allow_none=True)
    as_of_on = fields.Date()
    remaining_envelope_sek = fields.Integer()
    total_cost_sek = fields.Integer()
    total_value = fields.Float()
    is_sent = fields.Boolean()
    sent_at = fields.DateTime(allow_none=True)
    result = fields.Dict(metadata={
        "description": "budget_sek, candidates (each with cost, score, contributions per "
                       "criterion, value, forced, reason, selected), selected, "
                       "left_in_envelope_sek and goals_covered."})
    choices = fields.Dict()


class ScenarioCompareQuery(Schema):
    scenario = fields.List(fields.Integer(), required=True,
                           validate=validate.Length(min=2, max=6))


def _require_prioritiser() -> None:
    if not permissions.can_prioritise(api_user()):
        raise Forbidden(_("Only the programme office builds prioritisation scenarios."))


def _require_viewer() -> None:
    if not permissions.can_view_prioritisation(api_user()):
        raise Forbidden(_("Only the programme office, the development council and auditors "
                          "see prioritisation."))


class CandidateListSchema(Schema):
    on = fields.String(metadata={"description": "The day the candidates stand at."})
    remaining_envelope_sek = fields.Integer()
    candidates = fields.List(fields.Dict(), metadata={
        "description": "Each application or approved idea with its cost, scores and NPV."})


@blp.get("/prioritisation/candidates")
@blp.arguments(PrioritisationCandidatesQuery, location="query")
@documented(blp)
@blp.response(200, CandidateListSchema)
@blp.alt_response(403, **PROBLEM)
@programme_filtered(blp)
def candidate_list(args):
    """Undecided applications and approved ideas without one, as of the date, with the
    remaining envelope."""
    _require_prioritiser()
    programme = services.current_programme(api_programme_id(args))
    if not permissions.can_prioritise(api_user(), programme.id):
        raise Forbidden(_("Only the programme office builds prioritisation scenarios."))
    on: date = args.get("on") or clock.today()
    return {"on": on.isoformat(),
            "remaining_envelope_sek": envelope_position(programme, on).remaining_sek,
            "candidates": services.candidates(programme, on)}


@blp.get("/prioritisation/scenarios")
@documented(blp)
@blp.arguments(ProgrammeArgs, location="query")
@blp.response(200, PrioritisationScenarioSchema(many=True))
@blp.alt_response(403, **PROBLEM)
@programme_filtered(blp)
def scenario_list(args):
    """The scenarios you may see (the council and auditors: those sent to the council)."""
    _require_viewer()
    query = permissions.visible_scenarios(api_user(), sa.select(PrioritisationScenario)
                                          .order_by(PrioritisationScenario.id))
    programme_id = api_programme_id(args)
    if programme_id is not None:
        query = query.where(PrioritisationScenario.programme_id == programme_id)
    return db.session.scalars(query).all()


@blp.post("/prioritisation/scenarios")
@blp.arguments(PrioritisationScenarioInSchema)
@documented(blp)
@blp.response(201, PrioritisationScenarioSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def create_scenario(data):
    """Save a named scenario, evaluated on the candidates as of the business date."""
    _require_prioritiser()
    scenario = services.create_scenario(services.current_programme(), data, api_user())
    return scenario


@blp.get("/prioritisation/scenarios/<int:scenario_id>")
@documented(blp)
@blp.response(200, PrioritisationScenarioSchema)
@blp.alt_response(404, **PROBLEM)
def scenario_detail(scenario_id):
    return permissions.get_visible_scenario(api_user(), scenario_id)


@blp.put("/prioritisation/scenarios/<int:scenario_id>")
@blp.arguments(PrioritisationScenarioInSchema)
@documented(blp)
@blp.response(200, PrioritisationScenarioSchema)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def update_scenario(data, scenario_id):
    """Change a scenario not yet sent to the council; it is evaluated again."""
    scenario = permissions.get_visible_scenario(api_user(), scenario_id)
    _require_prioritiser()
    services.update_scenario(scenario, data, api_user())
    return scenario


@blp.post("/prioritisation/scenarios/<int:scenario_id>/send")
@documented(blp)
@blp.response(200, PrioritisationScenarioSchema)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def send_scenario(scenario_id):
    """Send the scenario to the development council as the programme office's proposal."""
    scenario = permissions.get_visible_scenario(api_user(), scenario_id)
    _require_prioritiser()
    services.send_scenario(scenario, api_user())
    return scenario


@blp.get("/prioritisation/scenarios/<int:scenario_id>/frontier")
@documented(blp)
@blp.response(200, FrontierPointSchema(many=True))
@blp.alt_response(404, **PROBLEM)
def scenario_frontier(scenario_id):
    """The scenario's efficient frontier: the best value and set at each budget where it
    rises, from 0 to the total requested."""
    scenario = permissions.get_visible_scenario(api_user(), scenario_id)
    return _frontier_dicts(services.frontier(scenario))


@blp.get("/prioritisation/compare")
@blp.arguments(ScenarioCompareQuery, location="query")
@documented(blp)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def compare(args):
    """Scenarios side by side: in or out per candidate, totals, and the goals covered."""
    user = api_user()
    if len(set(args["scenario"])) != len(args["scenario"]):
        raise InvalidInput(_("Choose different scenarios to compare."), field="scenario")
    scenarios = [permissions.get_visible_scenario(user, i) for i in args["scenario"]]
    result = services.comparison(scenarios)
    return {"scenarios": [{"id": s.id, "name": s.name} for s in scenarios],
            "candidates": result["rows"], "totals": result["totals"]}
