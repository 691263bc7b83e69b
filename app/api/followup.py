"""API: tertial reports for the finance committee and adherence figures at any date.

A tertial report's `snapshot` holds its figures as they stood at the period end; once the
report is presented the snapshot never changes. Amounts are whole kronor; shares are decimal
strings with 4 places ("0.3077"), null when no project has reported.
"""

from datetime import date

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.core.asof import parse_on
from app.core.enums import TertialReportState
from app.core.errors import Forbidden
from app.followup import permissions, services
from app.followup.models import TertialReport
from app.programmes.choice import api_programme_id
from app.programmes.models import Programme

from . import api_blueprint, documented
from .auth import api_user
from .pagination import page_of
from .programme_args import programme_filtered
from .schemas import ID_RANGE, ProblemSchema

blp = api_blueprint("api_followup", "Follow-up: tertial reports for the finance committee "
                                    "(generate, summarise, present, minute, compare) and the "
                                    "shares of projects not keeping budget or schedule.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
RAG = {"enum": ["green", "amber", "red"]}
SHARE = {"description": "A share of the assessed projects: a decimal string with 4 places, "
                        "e.g. \"0.3077\"; null when no project has reported."}


def _iso_date(description: str = "", **kwargs):
    """A date the snapshot already holds as an ISO string (YYYY-MM-DD)."""
    return fields.String(metadata={"format": "date", "description": description}, **kwargs)


def _sek(description: str, **kwargs):
    return fields.Integer(metadata={"description": description + " Whole kronor (SEK)."}, **kwargs)


class ProgrammeRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class SnapshotEnvelopeSchema(Schema):
    reserved_sek = _sek("Reserved for the programme at the period end.")
    committed_sek = _sek("Committed by decisions net of releases at the period end.")
    spent_sek = _sek("Spent on the envelope at the period end.")
    left_sek = _sek("Reserved minus committed.")


class SnapshotProjectSchema(Schema):
    project_id = fields.Integer(validate=ID_RANGE)
    title = fields.String()
    organisation_id = fields.Integer(validate=ID_RANGE)
    organisation = fields.String()
    area = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": ["active", "closed"]})
    decision_references = fields.List(fields.String(), metadata={
        "description": "Diary numbers of the decisions dated on or before the period end."})
    granted_sek = _sek("Net of every decision dated on or before the period end.")
    spent_in_period_sek = _sek("Cost to date at the period end minus at its start.")
    spent_to_date_sek = _sek("Cost to date in the latest report submitted by the period end.")
    forecast_sek = _sek("Forecast at completion in that report.", allow_none=True)
    overall_status = fields.String(allow_none=True, metadata=RAG)
    cost_status = fields.String(allow_none=True, metadata=RAG)
    schedule_status = fields.String(allow_none=True, metadata=RAG)
    deviation_explanation = fields.String(metadata={
        "description": "The explanations of every aspect that is not green."})
    baseline_end_on = _iso_date()
    forecast_end_on = _iso_date(allow_none=True)
    go_live_on = _iso_date(allow_none=True)
    kept_budget = fields.Boolean(allow_none=True)
    kept_schedule = fields.Boolean(allow_none=True)


class GroupTotalsSchema(Schema):
    projects = fields.Integer()
    granted_sek = fields.Integer()
    spent_in_period_sek = fields.Integer()
    spent_to_date_sek = fields.Integer()
    forecast_sek = fields.Integer()


class AreaTotalsSchema(GroupTotalsSchema):
    area = fields.String(metadata={"description": "The area's name; empty without an area."})


class OrganisationTotalsSchema(GroupTotalsSchema):
    organisation_id = fields.Integer(validate=ID_RANGE)
    organisation = fields.String()


class SnapshotAdherenceSchema(Schema):
    projects = fields.Integer()
    assessed = fields.Integer(metadata={"description": "Projects with a submitted report."})
    not_kept_budget = fields.Integer()
    not_kept_schedule = fields.Integer()
    not_kept_budget_share = fields.String(allow_none=True, metadata=SHARE)
    not_kept_schedule_share = fields.String(allow_none=True, metadata=SHARE)


class BenefitYearSchema(Schema):
    year = fields.Integer()
    planned_sek = fields.Integer()
    realised_sek = fields.Integer()


class BenefitLineSchema(Schema):
    benefit_id = fields.Integer(validate=ID_RANGE)
    project = fields.String()
    organisation = fields.String()
    name = fields.String()
    planned_sek = _sek("Planned up to and including the report year.")
    realised_sek = _sek("Realised up to the report year, as recorded by the period end.")


class BudgetCutRowSchema(Schema):
    organisation = fields.String()
    year = fields.Integer(metadata={"description": "The budget year."})
    proposed_sek = fields.Integer()
    adopted_sek = fields.Integer()
    realised_sek = _sek("Cash-releasing savings realised in the saving year.")


class SnapshotSchema(Schema):
    """The report's figures as they stood at the period end (schema 1)."""

    schema = fields.Integer()
    programme = fields.Nested(ProgrammeRefSchema)
    year = fields.Integer()
    tertial = fields.Integer(metadata={"description": "1 = January–April, 2 = May–August, "
                                                      "3 = September–December."})
    period_starts_on = _iso_date()
    period_ends_on = _iso_date()
    as_of = _iso_date()
    generated_at = fields.String(metadata={"description": "When the figures were computed."})
    schedule_tolerance_days = fields.Integer()
    envelope = fields.Nested(SnapshotEnvelopeSchema)
    projects = fields.List(fields.Nested(SnapshotProjectSchema))
    by_area = fields.List(fields.Nested(AreaTotalsSchema))
    by_organisation = fields.List(fields.Nested(OrganisationTotalsSchema))
    adherence = fields.Nested(SnapshotAdherenceSchema)
    benefits = fields.List(fields.Nested(BenefitYearSchema))
    benefit_lines = fields.List(fields.Nested(BenefitLineSchema))
    budget_cuts = fields.List(fields.Nested(BudgetCutRowSchema))


class TertialReportOutSchema(Schema):
    id = fields.Integer()
    programme_id = fields.Integer(validate=ID_RANGE)
    year = fields.Integer()
    tertial = fields.Integer()
    as_of = fields.Date()
    state = fields.String(metadata={"enum": [s.value for s in TertialReportState]})
    summary = fields.String()
    presented_by_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    presented_at = fields.DateTime(allow_none=True)
    committee_minute = fields.String()
    committee_recorded_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class TertialReportDetailSchema(TertialReportOutSchema):
    snapshot = fields.Nested(SnapshotSchema)


class TertialReportListArgs(Schema):
    programme_id = fields.Integer(validate=ID_RANGE)
    year = fields.Integer()


class GenerateSchema(Schema):
    programme_id = fields.Integer(validate=ID_RANGE, required=True, strict=True)
    year = fields.Integer(required=True, strict=True, metadata={
        "description": "A year of the programme."})
    tertial = fields.Integer(required=True, strict=True, metadata={
        "description": "1, 2 or 3; the period must have ended."})


class SummarySchema(Schema):
    summary = fields.String(required=True, validate=validate.Length(max=services.MAX_TEXT))


class PresentSchema(Schema):
    summary = fields.String(validate=validate.Length(max=services.MAX_TEXT), metadata={
        "description": "The summary to present with; the saved one when left out."})


class MinuteSchema(Schema):
    minute = fields.String(required=True, validate=validate.Length(max=services.MAX_TEXT),
                           metadata={"description": "The committee's minute; recorded once."})


class FigureChangeSchema(Schema):
    key = fields.String()
    current = fields.Raw(allow_none=True)
    previous = fields.Raw(allow_none=True)
    change = fields.Raw(allow_none=True, metadata={
        "description": "current − previous (shares as decimal strings); null when either is "
                       "unknown."})


class StatusChangeSchema(Schema):
    key = fields.String()
    current = fields.String(allow_none=True)
    previous = fields.String(allow_none=True)
    changed = fields.Boolean()


class ProjectChangeSchema(Schema):
    project_id = fields.Integer(validate=ID_RANGE)
    title = fields.String()
    organisation = fields.String()
    presence = fields.String(metadata={"enum": ["continuing", "new", "gone"]})
    figures = fields.List(fields.Nested(FigureChangeSchema))
    statuses = fields.List(fields.Nested(StatusChangeSchema))


class PeriodRefSchema(Schema):
    year = fields.Integer()
    tertial = fields.Integer()


class ComparisonSchema(Schema):
    current = fields.Nested(PeriodRefSchema)
    previous = fields.Nested(PeriodRefSchema, allow_none=True, metadata={
        "description": "The previous presented report's period; null when there is none."})
    envelope = fields.List(fields.Nested(FigureChangeSchema))
    adherence = fields.List(fields.Nested(FigureChangeSchema))
    projects = fields.List(fields.Nested(ProjectChangeSchema))


class AdherenceArgs(Schema):
    programme_id = fields.Integer(validate=ID_RANGE, required=True)
    on = fields.Date(metadata={"description": "YYYY-MM-DD; today when left out."})
    group_by = fields.String(validate=validate.OneOf(["area", "organisation"]))
    tolerance_days = fields.Integer(validate=validate.Range(min=0), metadata={
        "description": "Days late still counted as on schedule; the programme's setting when "
                       "left out."})


class AdherenceFiguresSchema(SnapshotAdherenceSchema):
    group = fields.String(allow_none=True, metadata={
        "description": "The area's name or the organisation's id; null for the portfolio."})


class AdherenceOutSchema(Schema):
    programme_id = fields.Integer(validate=ID_RANGE)
    on = fields.Date()
    tolerance_days = fields.Integer()
    portfolio = fields.Nested(AdherenceFiguresSchema)
    groups = fields.List(fields.Nested(AdherenceFiguresSchema), metadata={
        "description": "Per area or organisation when group_by is given, else empty."})


def _report(report_id: int) -> TertialReport:
    return permissions.get_visible_tertial_report(api_user(), report_id)


def _programme(programme_id: int) -> Programme:
    return services.get_programme(programme_id)


def _require_viewer() -> None:
    if not permissions.can_view_tertial_reports(api_user()):
        raise Forbidden(_("Tertial reports are for the programme's roles and auditors."))


@blp.get("/tertial-reports")
@documented(blp)
@blp.arguments(TertialReportListArgs, location="query")
@blp.response(200, TertialReportOutSchema(many=True))
@blp.alt_response(403, **PROBLEM)
@programme_filtered(blp)
@blp.paginate()
def list_tertial_reports(args, pagination_parameters):
    """Tertial reports, newest period first; drafts only for the programme office."""
    _require_viewer()
    filters = {**args, "programme_id": api_programme_id(args)}
    return page_of(permissions.visible_tertial_reports(api_user(), **filters),
                   pagination_parameters)


@blp.post("/tertial-reports")
@documented(blp)
@blp.arguments(GenerateSchema)
@blp.response(201, TertialReportDetailSchema)
@blp.alt_response(200, schema=TertialReportDetailSchema, description="The period's report "
                  "existed: a draft is refreshed, a presented report is returned unchanged.")
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def generate_tertial_report(data):
    """Generate the draft of an ended tertial from the data as of its last day."""
    programme = _programme(data["programme_id"])
    existing = services.find_tertial_report(programme.id, data["year"], data["tertial"])
    report = services.generate_tertial_report(programme, data["year"], data["tertial"],
                                              api_user())
    return report, 200 if existing is not None else 201


@blp.get("/tertial-reports/<int:report_id>")
@documented(blp)
@blp.response(200, TertialReportDetailSchema)
@blp.alt_response(404, **PROBLEM)
def get_tertial_report(report_id):
    """One tertial report with its snapshot, summary, state and the committee's minute."""
    return _report(report_id)


@blp.patch("/tertial-reports/<int:report_id>")
@documented(blp)
@blp.arguments(SummarySchema)
@blp.response(200, TertialReportDetailSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def update_tertial_summary(data, report_id):
    """Save the programme office's summary of a draft; a presented report is frozen (409)."""
    report = services.update_summary(_report(report_id), data["summary"], api_user())
    return report


@blp.post("/tertial-reports/<int:report_id>/present")
@documented(blp)
@blp.arguments(PresentSchema)
@blp.response(200, TertialReportDetailSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def present_tertial_report(data, report_id):
    """Present the report: its figures are computed a last time and frozen for good."""
    report = services.present_tertial_report(_report(report_id), data.get("summary"),
                                             api_user())
    return report


@blp.post("/tertial-reports/<int:report_id>/committee-minute")
@documented(blp)
@blp.arguments(MinuteSchema)
@blp.response(200, TertialReportDetailSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def record_committee_minute(data, report_id):
    """Record the finance committee's minute on a presented report; once only (409 after)."""
    report = services.record_committee_minute(_report(report_id), data["minute"], api_user())
    return report


@blp.get("/tertial-reports/<int:report_id>/comparison")
@documented(blp)
@blp.response(200, ComparisonSchema)
@blp.alt_response(404, **PROBLEM)
def compare_tertial_report(report_id):
    """Each key figure beside the previous presented report's, with the change."""
    return services.compare_with_previous(_report(report_id))


def _figures(figures, group=None) -> dict:
    return {"group": None if group is None else str(group), **services.adherence_dict(figures)}


@blp.get("/adherence")
@documented(blp)
@blp.arguments(AdherenceArgs, location="query")
@blp.response(200, AdherenceOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def adherence(args):
    """Shares of projects not keeping budget or schedule at a date, from the latest reports."""
    if not permissions.can_view_adherence(api_user()):
        raise Forbidden(_("Adherence figures are for the programme's roles and auditors."))
    programme = _programme(args["programme_id"])
    if not permissions.can_view_adherence(api_user(), programme.id):
        raise Forbidden(_("Adherence figures are for the programme's roles and auditors."))
    on: date = parse_on(args["on"].isoformat() if args.get("on") else None, programme)
    tolerance, portfolio, grouped = services.portfolio_and_groups(
        programme, on, args.get("group_by"), args.get("tolerance_days"))
    groups = [_figures(figures, key)
              for key, figures in sorted(grouped.items(), key=lambda item: str(item[0]))]
    return {"programme_id": programme.id, "on": on, "tolerance_days": tolerance,
            "portfolio": _figures(portfolio), "groups": groups}
