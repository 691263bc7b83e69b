"""API: evaluate a benefit calculation, an application's calculation and versions, the register.

The evaluate endpoint's JSON contract is public (other city systems call it). The engine in
`benefits/calculation.py` validates every request, so errors name fields the same way in
the API, the pages and the Excel import; the schemas below document every field and unit.
"""

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.accounts.models import Organisation
from app.applications import permissions as application_permissions
from app.benefits import queries as benefit_queries
from app.benefits import services
from app.benefits.exports import BENEFIT_REGISTER_NAME, benefit_register_sheets
from app.benefits.models import Benefit, CalculationVersion, RealisationEntry
from app.benefits.permissions import can_record_realisation, visible_benefits, visible_register
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.core.exports import sheets_response
from app.extensions import api, db
from app.programmes.choice import api_programme_id
from app.projects.models import Project
from app.projects.permissions import can_view_project

from . import api_blueprint, documented
from .asof import AsOfArgs, on_of
from .auth import api_user
from .exports import FormatArgs, exportable, wants_xlsx
from .programme_args import ProgrammeArgs, programme_filtered
from .schemas import ID_RANGE, ProblemSchema

blp = api_blueprint("api_benefits", "Benefit calculations (nyttokalkyl) and the benefit register.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
NUMBER_OR_LIST = "A number, or a list with one number per year of the calculation."


class AdoptionDoc(Schema):
    target = fields.Float(metadata={"description": "Target adoption share A in [0, 1]."})
    ramp_years = fields.Integer(metadata={"description": "Years R to reach the target (≥ 1)."})
    go_live_index = fields.Integer(metadata={
        "description": "Year index g of go-live (0 = the decision year)."})
    by_year = fields.List(fields.Float(), metadata={
        "description": "Instead of a ramp: the adoption share for each year."})


class BenefitLineDoc(Schema):
    kind = fields.String(required=True, metadata={"enum": [
        "channel_shift", "staff_time", "citizen_time", "per_case", "fixed", "qualitative"]})
    name = fields.String(required=True)
    recipient = fields.String(metadata={"enum": ["organisation", "citizens", "businesses"]})
    owner_organisation_id = fields.Integer(validate=ID_RANGE, metadata={
        "description": "The organisation that owns an organisation benefit."})
    adoption = fields.Nested(AdoptionDoc, metadata={"description": "Overrides the adoption."})
    volume_per_year = fields.Raw(metadata={"description": "Cases per year. " + NUMBER_OR_LIST})
    channel_mix = fields.Dict(keys=fields.String(), values=fields.Float(), metadata={
        "description": "channel_shift: baseline shares over phone, email, letter, visit "
                       "(summing to 1)."})
    cash_releasing_share = fields.Float(metadata={
        "description": "channel_shift: share of the value that is cash-releasing, [0, 1]."})
    minutes_saved_per_case = fields.Float(metadata={"description": "Minutes saved per case."})
    hourly_cost_sek = fields.Float(metadata={"description": "staff_time: SEK per hour."})
    salary_sek = fields.Float(metadata={
        "description": "staff_time: yearly salary SEK; hourly cost = salary·(1+oncost)/hours."})
    oncost_rate = fields.Float(metadata={"description": "staff_time: own on-cost rate."})
    committed_fte_by_year = fields.Raw(metadata={
        "description": "staff_time: FTEs the owner commits to remove. " + NUMBER_OR_LIST})
    value_per_hour_sek = fields.Float(metadata={
        "description": "citizen_time: value of an hour of a citizen's or business's time."})
    amount_sek = fields.Float(metadata={"description": "per_case: SEK saved per digital case."})
    cash_releasing = fields.Boolean(metadata={"description": "per_case / fixed: cash-releasing."})
    by_year_sek = fields.List(fields.Float(), metadata={"description": "fixed: SEK per year."})
    goal = fields.Integer(metadata={"description": "qualitative: the goal (1–4) it serves."})
    indicator = fields.String(metadata={"description": "qualitative: the indicator to show it."})


class CostLineDoc(Schema):
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["investment", "running"]})
    by_year_sek = fields.List(fields.Float(), required=True, metadata={
        "description": "SEK per year, one value per year."})


class SensitivityDoc(Schema):
    benefits_change = fields.Float(metadata={"description": "Relative change, default -0.2."})
    costs_change = fields.Float(metadata={"description": "Relative change, default 0.2."})


class CalculationDoc(Schema):
    """A benefit calculation (nyttokalkyl). Missing settings take the programme's defaults."""

    start_year = fields.Integer(required=True, metadata={
        "description": "Calendar year of t = 0, the decision/investment year (undiscounted)."})
    years = fields.Integer(metadata={"description": "Number of years N (default 5)."})
    discount_rate = fields.Float(metadata={"description": "Real discount rate r (0.035)."})
    channel_unit_sek = fields.Float(metadata={"description": "SEK per channel index point (2)."})
    hours_per_fte = fields.Float(metadata={"description": "Working hours per FTE (1 700)."})
    oncost_rate = fields.Float(metadata={"description": "Payroll on-cost rate (0.54)."})
    adoption = fields.Nested(AdoptionDoc, required=True)
    benefits = fields.List(fields.Nested(BenefitLineDoc))
    costs = fields.List(fields.Nested(CostLineDoc))
    sensitivity = fields.Nested(SensitivityDoc)


class LineResultSchema(Schema):
    name = fields.String()
    kind = fields.String()
    by_year_sek = fields.List(fields.Integer())
    cash_releasing_by_year_sek = fields.List(fields.Integer())


class ColourSchema(Schema):
    green = fields.Integer(metadata={"description": "PV of cash-releasing benefits, SEK."})
    yellow = fields.Integer(metadata={"description": "PV of valued, non-cash benefits, SEK."})
    blue = fields.Integer(metadata={"description": "PV of costs, SEK."})


class EvaluationSchema(Schema):
    """The evaluated calculation; SEK rounded to whole kronor."""

    years = fields.List(fields.Integer())
    adoption_by_year = fields.List(fields.Float())
    benefits_by_year_sek = fields.List(fields.Integer())
    costs_by_year_sek = fields.List(fields.Integer())
    net_by_year_sek = fields.List(fields.Integer())
    cash_releasing_by_year_sek = fields.List(fields.Integer())
    cash_releasing_by_owner_sek = fields.Dict(keys=fields.String(),
                                              values=fields.List(fields.Integer()))
    pv_benefits_sek = fields.Integer()
    pv_costs_sek = fields.Integer()
    npv_sek = fields.Integer(metadata={"description": "Σ (B_t − C_t)·(1+r)^-t, t = 0 first."})
    bcr = fields.Float(allow_none=True,
                       metadata={"description": "PV(B)/PV(C); null without costs."})
    payback_year = fields.Integer(allow_none=True)
    payback_years = fields.Float(allow_none=True)
    discounted_payback_year = fields.Integer(allow_none=True)
    switching_adoption_target = fields.Float(allow_none=True, metadata={
        "description": "The adoption target A at which NPV = 0; null if none in [0, 1]."})
    sensitivity_npv_sek = fields.Integer()
    pv_by_colour_sek = fields.Nested(ColourSchema)
    qualitative_count = fields.Integer()
    lines = fields.List(fields.Nested(LineResultSchema))


class VersionSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    kind = fields.String()
    is_frozen = fields.Boolean()
    created_at = fields.DateTime()
    payload = fields.Dict()
    result = fields.Nested(EvaluationSchema)


class PlanYearSchema(Schema):
    year = fields.Integer()
    planned_sek = fields.Integer()
    planned_cash_releasing_sek = fields.Integer()


class RegisterRowSchema(Schema):
    id = fields.Integer(attribute="benefit.id")
    name = fields.String(attribute="benefit.name")
    project_id = fields.Integer(validate=ID_RANGE)
    owner_organisation_id = fields.Integer(validate=ID_RANGE)
    benefit_owner_name = fields.String(attribute="benefit.benefit_owner_name")
    indicator = fields.String(attribute="benefit.indicator")
    planned_total_sek = fields.Integer()
    planned_to_date_sek = fields.Integer()
    actual_to_date_sek = fields.Integer()
    actual_cash_releasing_to_date_sek = fields.Integer()
    variance_sek = fields.Integer()
    realisation_rate = fields.Float(allow_none=True)
    plan_years = fields.List(fields.Nested(PlanYearSchema), attribute="benefit.plan_years")


class RegisterArgs(FormatArgs, AsOfArgs, ProgrammeArgs):
    year = fields.Integer(required=True, metadata={"description": "Figures up to this year."})
    organisation_id = fields.Integer(validate=ID_RANGE)
    project_id = fields.Integer(validate=ID_RANGE)


class BenefitPatchSchema(Schema):
    indicator = fields.String(validate=validate.Length(max=300))
    indicator_baseline = fields.Decimal(allow_none=True, as_string=False)
    benefit_owner_name = fields.String(validate=validate.Length(max=200))


class RealisationInSchema(Schema):
    year = fields.Integer(required=True, strict=True)
    actual_sek = fields.Integer(required=True, strict=True,
                                validate=validate.Range(0, 10**12))
    actual_cash_releasing_sek = fields.Integer(strict=True, load_default=0,
                                               validate=validate.Range(0, 10**12))
    indicator_value = fields.Decimal(allow_none=True, as_string=False)
    measured_by = fields.String(load_default="")
    evidence = fields.String(load_default="")


class RealisationOutSchema(Schema):
    id = fields.Integer()
    benefit_id = fields.Integer(validate=ID_RANGE)
    year = fields.Integer()
    actual_sek = fields.Integer()
    actual_cash_releasing_sek = fields.Integer()
    indicator_value = fields.Float(allow_none=True)
    measured_by = fields.String()
    evidence = fields.String()
    corrects_id = fields.Integer(validate=ID_RANGE, allow_none=True)


def register_docs() -> None:
    if "BenefitCalculationInput" not in api.spec.components.schemas:
        api.spec.components.schema("BenefitCalculationInput", schema=CalculationDoc)


CALCULATION_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/BenefitCalculationInput"}}}}}


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(_("Send the calculation as a JSON object."), field="payload")
    return body


def _version_payload(version: CalculationVersion) -> dict:
    return {"id": version.id, "number": version.number, "kind": version.kind.value,
            "is_frozen": version.is_frozen, "created_at": version.created_at,
            "payload": services.payload_of(version), "result": services.result_of(version)}


@blp.post("/benefit-calculations/evaluate")
@blp.doc(**CALCULATION_BODY)
@documented(blp)
@blp.response(200, EvaluationSchema)
@blp.alt_response(422, **PROBLEM)
def evaluate():
    """Evaluate a calculation without storing anything."""
    return services.evaluate_payload(_json_body())


@blp.get("/applications/<int:application_id>/benefit-calculation")
@documented(blp)
@blp.response(200, VersionSchema)
@blp.alt_response(404, **PROBLEM)
def application_calculation(application_id):
    """The application's latest calculation version with its results."""
    application = application_permissions.get_visible_application(api_user(), application_id)
    version = services.latest_version(application)
    if version is None:
        raise NotFound(_("The application has no benefit calculation yet."))
    return _version_payload(version)


@blp.put("/applications/<int:application_id>/benefit-calculation")
@blp.doc(**CALCULATION_BODY)
@documented(blp)
@blp.response(200, VersionSchema)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def save_application_calculation(application_id):
    """Save the calculation of a draft application (frozen at submission)."""
    application = application_permissions.get_visible_application(api_user(), application_id)
    version = services.save_working_calculation(application, _json_body(), api_user())
    return _version_payload(version)


@blp.get("/applications/<int:application_id>/benefit-calculation/versions")
@documented(blp)
@blp.response(200, VersionSchema(many=True))
def application_calculation_versions(application_id):
    """Every version: as submitted, baseline (frozen at decision), re-estimates."""
    application = application_permissions.get_visible_application(api_user(), application_id)
    calc = services.calculation_of(application)
    return [_version_payload(v) for v in (calc.versions if calc else [])]


@blp.post("/projects/<int:project_id>/re-estimates")
@blp.doc(**CALCULATION_BODY)
@documented(blp)
@blp.response(201, VersionSchema)
@blp.alt_response(409, **PROBLEM)
def re_estimate(project_id):
    """Record a re-estimate of a funded project's calculation (the baseline never changes)."""
    project = _visible_project(project_id)
    version = services.add_re_estimate(project, _json_body(), api_user())
    return _version_payload(version)


def _visible_project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    user = api_user()
    if project is None or not can_view_project(user, project):
        raise NotFound(_("There is no project %(project_id)s that you can see.",
                         project_id=project_id))
    return project


def _visible_benefits(query: sa.Select, programme_id: int | None = None) -> sa.Select:
    return visible_benefits(api_user(), query, programme_id)


def _visible_benefit(benefit_id: int) -> Benefit:
    benefit = db.session.scalar(_visible_benefits(sa.select(Benefit))
                                .where(Benefit.id == benefit_id))
    if benefit is None:
        raise NotFound(_("There is no benefit %(benefit_id)s that you can see.",
                         benefit_id=benefit_id))
    return benefit


@blp.get("/benefits")
@documented(blp)
@blp.arguments(RegisterArgs, location="query")
@blp.response(200, RegisterRowSchema(many=True))
@exportable(blp)
@programme_filtered(blp)
@blp.paginate()
def benefit_register(args, pagination_parameters):
    """The benefit register: planned vs realised up to a year, variance and realisation rate
    (paginated: page, page_size; totals in X-Pagination; format=xlsx holds every row)."""
    figures = visible_register(
        api_user(), args["year"], on_of(args), organisation_id=args.get("organisation_id"),
        project_id=args.get("project_id"), programme_id=api_programme_id(args))
    pagination_parameters.item_count = benefit_queries.register_count(figures)
    if wants_xlsx(args):
        rows = benefit_queries.register_rows(figures)
        projects = {p.id: p for p in db.session.scalars(
            sa.select(Project).where(Project.id.in_({row.project_id for row in rows})))}
        organisations = {o.id: o for o in db.session.scalars(sa.select(Organisation).where(
            Organisation.id.in_({row.owner_organisation_id for row in rows})))}
        return sheets_response(BENEFIT_REGISTER_NAME, benefit_register_sheets(
            rows, benefit_queries.register_totals(figures, "owner_organisation_id"),
            benefit_queries.register_totals(figures, "project_id"), projects, organisations))
    return benefit_queries.register_rows(figures, limit=pagination_parameters.page_size,
                                         offset=pagination_parameters.first_item)


@blp.patch("/benefits/<int:benefit_id>")
@documented(blp)
@blp.arguments(BenefitPatchSchema)
@blp.response(200, Schema.from_dict({"id": fields.Integer(), "indicator": fields.String(),
                                     "benefit_owner_name": fields.String()},
                                    name="BenefitUpdated")())
def update_benefit(data, benefit_id):
    """Set the benefit owner and the indicator that will show the benefit."""
    benefit = _visible_benefit(benefit_id)
    if not can_record_realisation(api_user(), benefit):
        raise Forbidden(_("Only the benefit's owner or the programme office can change it."))
    services.update_benefit(benefit, data, api_user())
    return benefit


@blp.get("/benefits/<int:benefit_id>/realisations")
@documented(blp)
@blp.response(200, RealisationOutSchema(many=True))
def realisations(benefit_id):
    """Every realisation entry of a benefit, corrections included."""
    benefit = _visible_benefit(benefit_id)
    return db.session.scalars(sa.select(RealisationEntry)
                              .where(RealisationEntry.benefit_id == benefit.id)
                              .order_by(RealisationEntry.id)).all()


@blp.post("/benefits/<int:benefit_id>/realisations")
@documented(blp)
@blp.arguments(RealisationInSchema)
@blp.response(201, RealisationOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def add_realisation(data, benefit_id):
    """Enter a realised value for a year; a new entry for the same year corrects the earlier."""
    entry = services.record_realisation(_visible_benefit(benefit_id), data, api_user())
    return entry

