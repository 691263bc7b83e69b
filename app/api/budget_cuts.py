"""API: budget cuts from benefits (nyttohemtagning): the explanation, policies, proposals,
adopted cuts and their corrections, city totals, and what-if comparisons.

`GET /api/v1/budget-cuts` is a public contract (issue 6): its field names are fixed.
Amounts are whole kronor; shares are fractions of 1 (1 = 100 %). Range checks are the
services', so a 422 names the field the same way as the pages.
"""

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.budget_cuts import (
    explanations,
    inputs,
    permissions,
    queries,
    rules,
    scenarios,
    services,
)
from app.budget_cuts.exports import (
    BUDGET_CUT_TOTAL_COLUMNS,
    BUDGET_CUT_YEAR_COLUMNS,
    BUDGET_CUTS_NAME,
    CITY_TOTAL_LABEL,
)
from app.budget_cuts.models import BudgetCutEntry, BudgetCutPolicy
from app.budget_cuts.rules import Flag
from app.core.enums import BudgetCutEntryKind, CalculationVersionKind
from app.core.errors import Forbidden, NotFound
from app.core.exports import XLSX_MIMETYPE, xlsx_response
from app.core.urls import ID_MAX
from app.extensions import api, db
from app.programmes.models import Programme

from . import api_blueprint, documented
from .asof import AsOfArgs, on_of
from .auth import api_user
from .exports import XLSX_SCHEMA, FormatArgs, exportable, wants_xlsx
from .programme_args import programme_filtered
from .schemas import ID_RANGE, IdRange, ProblemSchema

blp = api_blueprint("api_budget_cuts", "Budget cuts from benefits (nyttohemtagning): why an "
                                       "organisation's budget is lower, line by line; policies, "
                                       "proposals, adopted cuts, reconciliation and what-if.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
SHARE = "Share of the cash-releasing savings taken back, a fraction of 1 (1 = 100 %)."


class BenefitRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class VersionRefSchema(Schema):
    id = fields.Integer()
    number = fields.Integer(metadata={"description": "The version's number in its calculation."})
    kind = fields.String(metadata={"enum": [k.value for k in CalculationVersionKind]})


class CutLineSchema(Schema):
    """One contributing benefit line."""

    project_id = fields.Integer(validate=ID_RANGE)
    benefit = fields.Nested(BenefitRefSchema, allow_none=True, metadata={
        "description": "The benefit in the register the line comes from."})
    calculation_version = fields.Nested(VersionRefSchema, allow_none=True, metadata={
        "description": "The calculation version (the decided baseline) the saving comes from."})
    saving_year = fields.Integer(metadata={"description": "The year the saving is planned."})
    cash_releasing_sek = fields.Integer(metadata={
        "description": "Planned cash-releasing saving of the line in the saving year, SEK."})
    share = fields.Float(metadata={"description": SHARE})
    proposed_sek = fields.Integer(metadata={"description": "The line's part of the cut, SEK."})


class FlagSchema(Schema):
    code = fields.String(metadata={"enum": [f.value for f in Flag], "description":
                                   "cut_before_launch, cut_before_change (a benefit whose "
                                   "changes were not done), cut_exceeds_realised (amount = the "
                                   "shortfall) or realised_not_taken (amount = what was not "
                                   "taken back)."})
    amount_sek = fields.Integer(allow_none=True)
    project_id = fields.Integer(validate=ID_RANGE, allow_none=True, metadata={
        "description": "For cut_before_launch: the project not live in the saving year; for "
                       "cut_before_change: the benefit's project."})
    benefit_id = fields.Integer(validate=ID_RANGE, allow_none=True, metadata={
        "description": "For cut_before_change: the benefit whose changes were not done."})
    changes = fields.List(fields.String(), metadata={
        "description": "For cut_before_change: the changes not done."})


class BudgetCutSchema(Schema):
    """Why an organisation's budget for a year is lower (issue 6; the names are fixed)."""

    organisation_id = fields.Integer(validate=ID_RANGE)
    year = fields.Integer(metadata={"description": "The budget year."})
    proposed_sek = fields.Integer(metadata={
        "description": "The proposed cut; before anything is proposed, what the policy gives."})
    adopted_sek = fields.Integer(allow_none=True, metadata={
        "description": "The adopted cut in force (its latest correction); null until decided."})
    realised_sek = fields.Integer(metadata={
        "description": "Realised cash-releasing savings of the organisation's benefits in the "
                       "saving year (the latest realisation entry per benefit and year)."})
    increment_sek = fields.Integer(metadata={
        "description": "This year's cut minus last year's (each the adopted cut where decided, "
                       "else the proposal)."})
    flags = fields.List(fields.Nested(FlagSchema))
    lines = fields.List(fields.Nested(CutLineSchema))


class BudgetCutQuery(FormatArgs, AsOfArgs):
    year = fields.Integer(required=True, metadata={"description": "The budget year."})
    organisation_id = fields.Integer(validate=IdRange(min=1, max=ID_MAX), metadata={
        "description": "One organisation; without it, every organisation with a cut, savings "
                       "or realisations that year."})
    programme_id = fields.Integer(validate=IdRange(min=1, max=ID_MAX), metadata={
        "description": "Default: the current programme."})


class ProgrammeQuery(Schema):
    programme_id = fields.Integer(validate=IdRange(min=1, max=ID_MAX), metadata={
        "description": "Default: the current programme."})


class TotalsQuery(ProgrammeQuery, FormatArgs, AsOfArgs):
    """The programme, and json or xlsx."""


class PolicySchema(Schema):
    id = fields.Integer()
    programme_id = fields.Integer(validate=ID_RANGE)
    valid_from_year = fields.Integer(metadata={"description": "In force from this budget year."})
    share = fields.Float(metadata={"description": SHARE})
    lag_years = fields.Integer(metadata={
        "description": "Years between the saving year and the budget year it cuts."})
    net_running_costs = fields.Boolean()
    allow_before_go_live = fields.Boolean()
    created_at = fields.DateTime()


class PolicyInSchema(Schema):
    programme_id = fields.Integer(validate=ID_RANGE, strict=True, metadata={
        "description": "Default: the current programme."})
    valid_from_year = fields.Integer(required=True, strict=True, metadata={
        "description": "A year within the programme's years."})
    share = fields.Decimal(required=True, as_string=False, metadata={"description": SHARE})
    lag_years = fields.Integer(load_default=1, strict=True, metadata={"description": "0 or more."})
    net_running_costs = fields.Boolean(load_default=False)
    allow_before_go_live = fields.Boolean(load_default=False)


class EntrySchema(Schema):
    id = fields.Integer()
    programme_id = fields.Integer(validate=ID_RANGE)
    organisation_id = fields.Integer(validate=ID_RANGE)
    budget_year = fields.Integer()
    kind = fields.String(metadata={"enum": [k.value for k in BudgetCutEntryKind]})
    amount_sek = fields.Integer()
    policy_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    council_decision_ref = fields.String()
    reason = fields.String()
    corrects_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(Schema.from_dict({
        "project_id": fields.Integer(), "benefit_id": fields.Integer(allow_none=True),
        "calculation_version_id": fields.Integer(), "saving_year": fields.Integer(),
        "cash_releasing_sek": fields.Integer(), "share": fields.Float(),
        "proposed_sek": fields.Integer()}, name="BudgetCutEntryLine")))


class EntryQuery(ProgrammeQuery):
    organisation_id = fields.Integer(validate=IdRange(min=1, max=ID_MAX))
    year = fields.Integer()


class ProposeSchema(Schema):
    programme_id = fields.Integer(validate=ID_RANGE, strict=True)
    budget_year = fields.Integer(required=True, strict=True)


class DecisionSchema(Schema):
    amount_sek = fields.Integer(required=True, strict=True, metadata={
        "description": "The cut in the council's budget decision, whole kronor."})
    council_decision_ref = fields.String(required=True, validate=[
        validate.Length(min=1, max=inputs.MAX_REF_LENGTH), validate.Regexp(r"\s*\S")],
        metadata={"description": "The reference of the council's budget decision."})
    reason = fields.String(load_default="", metadata={
        "description": "Required when the cut differs from the proposal, when there is no "
                       "proposal, and for every correction."})


class AdoptSchema(DecisionSchema):
    programme_id = fields.Integer(validate=ID_RANGE, strict=True)
    organisation_id = fields.Integer(validate=ID_RANGE, required=True, strict=True)
    budget_year = fields.Integer(required=True, strict=True)


class WhatIfPolicySchema(Schema):
    share = fields.Decimal(required=True, as_string=False, metadata={"description": SHARE})
    lag_years = fields.Integer(load_default=1, strict=True)
    net_running_costs = fields.Boolean(load_default=False)
    allow_before_go_live = fields.Boolean(load_default=False)
    label = fields.String(load_default="", validate=validate.Length(max=100))


class WhatIfInSchema(Schema):
    programme_id = fields.Integer(validate=ID_RANGE, strict=True)
    budget_years = fields.List(fields.Integer(strict=True), required=True)
    policies = fields.List(fields.Nested(WhatIfPolicySchema), required=True,
                           validate=validate.Length(min=1, max=scenarios.MAX_SCENARIOS), metadata={
        "description": f"1 to {scenarios.MAX_SCENARIOS} policies to compare."})


class YearFigureSchema(Schema):
    year = fields.Integer()
    cut_sek = fields.Integer()
    increment_sek = fields.Integer()


class OrganisationFiguresSchema(Schema):
    organisation_id = fields.Integer(validate=ID_RANGE)
    name = fields.String()
    by_year = fields.List(fields.Nested(YearFigureSchema))


class ScenarioSchema(Schema):
    label = fields.String()
    policy = fields.Nested(Schema.from_dict({
        "share": fields.Float(), "lag_years": fields.Integer(),
        "net_running_costs": fields.Boolean(), "allow_before_go_live": fields.Boolean()},
        name="WhatIfPolicyOut"))
    totals = fields.List(fields.Nested(YearFigureSchema))
    organisations = fields.List(fields.Nested(OrganisationFiguresSchema))


class WhatIfSchema(Schema):
    budget_years = fields.List(fields.Integer())
    scenarios = fields.List(fields.Nested(ScenarioSchema))


class YearTotalSchema(Schema):
    budget_year = fields.Integer()
    proposed_sek = fields.Integer()
    adopted_sek = fields.Integer()
    cut_sek = fields.Integer(metadata={"description": "Adopted where decided, else proposed."})
    realised_sek = fields.Integer()
    organisations = fields.Integer(metadata={"description": "Organisations with a cut."})


@blp.record
def _register_docs(_state) -> None:
    if "BudgetCut" not in api.spec.components.schemas:
        api.spec.components.schema("BudgetCut", schema=BudgetCutSchema)


ONE_OR_MANY = {"responses": {"200": {
    "description": "With organisation_id one object; without it a list, one per organisation.",
    "content": {"application/json": {"schema": {"oneOf": [
        {"$ref": "#/components/schemas/BudgetCut"},
        {"type": "array", "items": {"$ref": "#/components/schemas/BudgetCut"}}]}},
        XLSX_MIMETYPE: {"schema": XLSX_SCHEMA}}}}}


def _programme(args) -> Programme:
    return queries.get_programme(args.get("programme_id"))


@blp.get("/budget-cuts")
@blp.arguments(BudgetCutQuery, location="query")
@blp.doc(**ONE_OR_MANY)
@documented(blp)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def budget_cuts(args):
    """Why an organisation's budget for a year is lower: proposed, adopted, realised, lines."""
    programme = _programme(args)
    if "organisation_id" in args:
        organisation = permissions.get_visible_organisation(api_user(), args["organisation_id"],
                                                            programme.id)
        items = [explanations.explanation(organisation, args["year"], programme,
                                      on_of(args, programme))]
    else:
        user = api_user()
        items = [item for item in explanations.explanations(programme, args["year"],
                                                        on=on_of(args, programme))
                 if permissions.can_view_budget_cuts_of(user, item.organisation.id, programme.id)]
    if wants_xlsx(args):
        return xlsx_response(BUDGET_CUTS_NAME, BUDGET_CUT_YEAR_COLUMNS, items,
                             print_header=programme.name, totals_label=CITY_TOTAL_LABEL)
    if "organisation_id" in args:
        return items[0].as_dict()
    return [item.as_dict() for item in items]


@blp.get("/budget-cuts/totals")
@blp.arguments(TotalsQuery, location="query")
@documented(blp)
@blp.response(200, YearTotalSchema(many=True))
@exportable(blp)
@blp.alt_response(403, **PROBLEM)
@programme_filtered(blp)
def totals(args):
    """The city's cuts by budget year: proposed, adopted, in force, realised."""
    programme = _programme(args)
    _require_overview(programme)
    totals = explanations.city_totals(programme, on=on_of(args, programme))
    if wants_xlsx(args):
        return xlsx_response(BUDGET_CUTS_NAME, BUDGET_CUT_TOTAL_COLUMNS, totals,
                             print_header=programme.name)
    return totals


def _require_overview(programme: Programme) -> None:
    if not permissions.can_view_all_budget_cuts(api_user(), programme.id):
        raise Forbidden(_("Only programme roles and auditors see every organisation's "
                          "cuts; ask for your own with organisation_id."))


@blp.get("/budget-cuts/policies")
@blp.arguments(ProgrammeQuery, location="query")
@documented(blp)
@blp.response(200, PolicySchema(many=True))
@programme_filtered(blp)
def policies(args):
    """The programme's policies in the order they take effect."""
    return queries.policies(_programme(args))


@blp.post("/budget-cuts/policies")
@blp.arguments(PolicyInSchema)
@documented(blp)
@blp.response(201, PolicySchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def create_policy(data):
    """Add a policy in force from a budget year (the programme office)."""
    policy = services.create_policy(_programme(data), data, api_user())
    return policy


def _policy(policy_id: int) -> BudgetCutPolicy:
    policy = db.session.get(BudgetCutPolicy, policy_id)
    if policy is None:
        raise NotFound(_("There is no budget-cut policy %(policy_id)s.", policy_id=policy_id))
    return policy


@blp.put("/budget-cuts/policies/<int:policy_id>")
@blp.arguments(PolicyInSchema)
@documented(blp)
@blp.response(200, PolicySchema)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def update_policy(data, policy_id):
    """Change a policy that no proposal rests on yet (409 otherwise: add a new one)."""
    data.pop("programme_id", None)
    policy = services.update_policy(_policy(policy_id), data, api_user())
    return policy


@blp.delete("/budget-cuts/policies/<int:policy_id>")
@documented(blp)
@blp.response(204)
@blp.alt_response(409, **PROBLEM)
def delete_policy(policy_id):
    """Remove a policy that no proposal rests on yet."""
    services.delete_policy(_policy(policy_id), api_user())


def _entry_dict(entry: BudgetCutEntry) -> dict:
    return {"id": entry.id, "programme_id": entry.programme_id,
            "organisation_id": entry.organisation_id, "budget_year": entry.budget_year,
            "kind": entry.kind.value, "amount_sek": entry.amount_sek, "policy_id": entry.policy_id,
            "council_decision_ref": entry.council_decision_ref, "reason": entry.reason,
            "corrects_id": entry.corrects_id, "created_at": entry.created_at,
            "lines": [{"project_id": line.project_id, "benefit_id": line.benefit_id,
                       "calculation_version_id": line.calculation_version_id,
                       "saving_year": line.saving_year,
                       "cash_releasing_sek": line.cash_releasing_sek, "share": float(line.share),
                       "proposed_sek": line.proposed_sek} for line in entry.lines]}


@blp.get("/budget-cuts/entries")
@blp.arguments(EntryQuery, location="query")
@documented(blp)
@blp.response(200, EntrySchema(many=True))
@programme_filtered(blp)
def entries(args):
    """The ledger: every proposal, adoption and correction you may see, oldest first."""
    user = api_user()
    programme = _programme(args)
    return [_entry_dict(e) for e in queries.entries(programme, args.get("organisation_id"),
                                                      args.get("year"))
            if permissions.can_view_budget_cuts_of(user, e.organisation_id, programme.id)]


@blp.post("/budget-cuts/proposals")
@blp.arguments(ProposeSchema)
@documented(blp)
@blp.response(201, EntrySchema(many=True))
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def propose(data):
    """Propose every organisation's cut for a budget year (idempotent; history is kept)."""
    proposals = services.propose_budget_cuts(_programme(data), data["budget_year"], api_user())
    return [_entry_dict(e) for e in proposals]


@blp.post("/budget-cuts/adopted")
@blp.arguments(AdoptSchema)
@documented(blp)
@blp.response(201, EntrySchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def adopt(data):
    """Record the cut the council adopted for an organisation and year (immutable)."""
    organisation = queries.get_organisation(data["organisation_id"])
    entry = services.adopt_budget_cut(_programme(data), organisation, data["budget_year"],
                                      data["amount_sek"], data["council_decision_ref"],
                                      data["reason"], api_user())
    return _entry_dict(entry)


def _entry(entry_id: int) -> BudgetCutEntry:
    entry = db.session.get(BudgetCutEntry, entry_id)
    if entry is None or not permissions.can_view_budget_cuts_of(api_user(), entry.organisation_id,
                                                                entry.programme_id):
        raise NotFound(_("There is no budget-cut entry %(entry_id)s that you can see.",
                         entry_id=entry_id))
    return entry


@blp.route("/budget-cuts/entries/<int:entry_id>", methods=["PUT", "PATCH"])
@documented(blp)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, description="Always: ledger entries never change.", **PROBLEM)
def edit_entry(entry_id):
    """Refused: an adopted cut is corrected with a new entry, a proposal by proposing again."""
    services.refuse_edit(_entry(entry_id))


@blp.post("/budget-cuts/entries/<int:entry_id>/corrections")
@blp.arguments(DecisionSchema)
@documented(blp)
@blp.response(201, EntrySchema)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def correct(data, entry_id):
    """Correct an adopted cut with a new entry pointing back to it (the reason is required)."""
    correction = services.correct_budget_cut(_entry(entry_id), data, api_user())
    return _entry_dict(correction)


def _scenario_dict(scenario: rules.Scenario, organisations) -> dict:
    policy = scenario.policy
    return {
        "label": scenario.label,
        "policy": {"share": float(policy.share), "lag_years": policy.lag_years,
                   "net_running_costs": policy.net_running_costs,
                   "allow_before_go_live": policy.allow_before_go_live},
        "totals": [{"year": p.budget_year, "cut_sek": p.total_sek,
                    "increment_sek": p.total_increment_sek} for p in scenario.proposals],
        "organisations": [{"organisation_id": o.id, "name": o.name, "by_year": [
            {"year": p.budget_year, "cut_sek": p.for_organisation(o.id).proposed_sek,
             "increment_sek": p.for_organisation(o.id).increment_sek}
            for p in scenario.proposals]} for o in organisations],
    }


@blp.post("/budget-cuts/what-if")
@blp.arguments(WhatIfInSchema)
@documented(blp)
@blp.response(200, WhatIfSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def what_if(data):
    """Compare policies for the whole portfolio side by side; nothing is written."""
    programme = _programme(data)
    _require_overview(programme)
    policies_in = data["policies"]
    result = scenarios.what_if(programme, [
        {k: v for k, v in p.items() if k != "label"} for p in policies_in], data["budget_years"],
        labels=[p["label"] for p in policies_in])
    return {"budget_years": list(result.budget_years),
            "scenarios": [_scenario_dict(s, result.organisations) for s in result.scenarios]}
