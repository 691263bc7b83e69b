"""API: applications and every workflow step, decisions, delegation routing, queues."""

import dataclasses

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.applications import decisions, permissions, routing, services
from app.applications.exports import APPLICATION_COLUMNS, APPLICATIONS_NAME
from app.applications.models import Application, Decision
from app.core.enums import ApplicationKind, ApplicationState
from app.core.errors import InvalidInput, NotFound
from app.core.uploads import stream_size
from app.extensions import db
from app.programmes.choice import api_programme_id
from app.programmes.models import Programme

from . import api_blueprint, documented
from .asof import AsOfArgs, on_of
from .auth import api_user
from .exports import FormatArgs, exportable, page_or_export
from .pagination import page_of
from .programme_args import ProgrammeArgs, programme_filtered
from .schemas import ID_RANGE, OrganisationRefSchema, ProblemSchema

blp = api_blueprint("api_applications", "Funding applications, the workflow and decisions.")

MAX_SEK = 10**12
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}


class Kronor(fields.Integer):
    """Whole kronor: an integer (never a float, string or boolean) within 0 < x ≤ 10^12."""

    def __init__(self, minimum: int = 1, **kwargs):
        super().__init__(strict=True, validate=validate.Range(minimum, MAX_SEK), **kwargs)
        self.metadata.setdefault("description", "Whole Swedish kronor (SEK).")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError(_("Not a valid integer."))
        return super()._deserialize(value, attr, data, **kwargs)


class GoalScoreSchema(Schema):
    goal = fields.Integer(required=True, metadata={"description": "Goal number (1–4)."})
    score = fields.Integer(required=True, validate=validate.Range(0, 3))
    motivation = fields.String(load_default="")


class CostLineSchema(Schema):
    year = fields.Integer(required=True)
    cost_type = fields.String(required=True, validate=validate.OneOf(services.COST_TYPES))
    amount_sek = Kronor(minimum=0, required=True)


class MilestoneSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    due_on = fields.Date(required=True)


class RequirementsSchema(Schema):
    usable = fields.String()
    user_friendly = fields.String()
    time_saving = fields.String()
    secure = fields.String()
    user_driven = fields.String()
    transparent = fields.String()


class ApplicationInSchema(Schema):
    """The sections of an application; any subset may be saved while it is a draft."""

    kind = fields.String(validate=validate.OneOf([k.value for k in ApplicationKind]))
    title = fields.String(validate=validate.Length(min=1, max=300))
    programme_id = fields.Integer(validate=ID_RANGE)
    description = fields.String()
    process_description = fields.String()
    target_groups = fields.String()
    estimated_users = fields.Integer(strict=True, validate=validate.Range(0, 100_000_000))
    estimated_users_within_years = fields.Integer(strict=True, validate=validate.Range(1, 3))
    requested_sek = Kronor(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    benefit_owner_name = fields.String()
    benefit_owner_email = fields.Email()
    communication_plan = fields.String()
    operation_plan = fields.String()
    operation_payer = fields.String()
    reuse_analysis = fields.String()
    idea_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    feasibility_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    area_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    requirements = fields.Nested(RequirementsSchema)
    goal_scores = fields.List(fields.Nested(GoalScoreSchema))
    cost_lines = fields.List(fields.Nested(CostLineSchema))
    milestones = fields.List(fields.Nested(MilestoneSchema))


class ApplicationCreateSchema(ApplicationInSchema):
    kind = fields.String(required=True,
                         validate=validate.OneOf([k.value for k in ApplicationKind]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))


class ApplicationOutSchema(ApplicationInSchema):
    id = fields.Integer()
    reference = fields.String(allow_none=True)
    state = fields.String()
    state_changed_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    expected_decision_on = fields.Date(allow_none=True)
    organisation = fields.Nested(OrganisationRefSchema)
    requested_sek = fields.Integer(allow_none=True)
    estimated_users = fields.Integer(allow_none=True)
    estimated_users_within_years = fields.Integer(allow_none=True)
    benefit_owner_email = fields.String()
    goal_scores = fields.Method("_goal_scores")
    cost_lines = fields.Method("_cost_lines")
    requirements = fields.Dict()

    def _goal_scores(self, application):
        numbers = {goal.id: goal.number for goal in application.programme.goals}
        return [{"goal": numbers.get(s.goal_id), "score": s.score, "motivation": s.motivation}
                for s in application.goal_scores]

    def _cost_lines(self, application):
        return [{"year": c.year, "cost_type": c.cost_type, "amount_sek": c.amount_sek}
                for c in application.cost_lines]


class ListArgs(FormatArgs, AsOfArgs, ProgrammeArgs):
    state = fields.String(validate=validate.OneOf([s.value for s in ApplicationState]))
    kind = fields.String(validate=validate.OneOf([k.value for k in ApplicationKind]))
    organisation_id = fields.Integer(validate=ID_RANGE)


class CommentSchema(Schema):
    comment = fields.String(load_default="")


class RequiredCommentSchema(Schema):
    comment = fields.String(required=True, validate=validate.Regexp(r"\s*\S"), metadata={
        "description": "What the applicant must complete (not blank)."})


class AssessmentInSchema(Schema):
    recommendation = fields.String(required=True, validate=validate.OneOf(
        ["approve", "approve_reduced", "reject"]))
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(
        strict=True, validate=validate.Range(0, 3)), required=True, metadata={
        "description": "Score 0–3 per goal (goal_1…goal_4) and per requirement criterion."})
    comment = fields.String(load_default="")


class OpinionInSchema(Schema):
    outcome = fields.String(required=True,
                            validate=validate.OneOf(["supports", "does_not_support"]))
    comment = fields.String(load_default="")


class QualityCheckInSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["approved", "returned"]))
    comment = fields.String(load_default="")


class DecisionInSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(
        ["approved", "approved_reduced", "rejected"]))
    amount_sek = Kronor(minimum=0, metadata={
        "description": "Granted SEK; defaults to the requested amount (0 when rejected)."})
    decided_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "Defaults to the business date. An earlier date (a decision already "
                       "taken on paper) needs `backdating_reason` and lies within the "
                       "programme's `decision_backdating_days`; a later date is refused."})
    backdating_reason = fields.String(load_default="", validate=validate.Length(max=5000),
                                      metadata={"description": "Why a decision taken earlier "
                                                "is registered now; kept in the record."})
    decision_text = fields.String(load_default="")
    conditions = fields.String(load_default="")
    splitting_acknowledged = fields.Boolean(load_default=False, metadata={
        "description": "Required (with a reason) when the anti-splitting warning applies."})
    splitting_reason = fields.String(load_default="")


class CorrectionInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["supplementary", "reduction", "revocation"]))
    amount_sek = Kronor(metadata={"description": "Not used for a revocation."})
    decided_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "Defaults to the business date. An earlier date (a decision already "
                       "taken on paper) needs `backdating_reason` and lies within the "
                       "programme's `decision_backdating_days`; a later date is refused."})
    backdating_reason = fields.String(load_default="", validate=validate.Length(max=5000),
                                      metadata={"description": "Why a decision taken earlier "
                                                "is registered now; kept in the record."})
    decision_text = fields.String(load_default="")
    conditions = fields.String(load_default="")
    splitting_acknowledged = fields.Boolean(load_default=False, metadata={
        "description": "Required (with a reason) when a supplementary grant meets the "
                       "anti-splitting warning."})
    splitting_reason = fields.String(load_default="")

    @validates_schema
    def _amount_unless_revocation(self, data, **_kwargs):
        if data.get("kind") != "revocation" and data.get("amount_sek") is None:
            raise ValidationError(_("Give the amount in kronor."), field_name="amount_sek")


class DecisionOutSchema(Schema):
    id = fields.Integer()
    application_id = fields.Integer(validate=ID_RANGE)
    diary_number = fields.String()
    kind = fields.String()
    outcome = fields.String()
    amount_sek = fields.Integer()
    decided_on = fields.Date()
    authority_key = fields.String()
    decided_by_label = fields.String()
    decision_text = fields.String()
    conditions = fields.String()
    refers_to_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    splitting_acknowledged = fields.Boolean()
    splitting_reason = fields.String()
    backdating_reason = fields.String()
    delegation_rule_id = fields.Integer(validate=ID_RANGE, allow_none=True)


class ReceiptSchema(Schema):
    reference = fields.String()
    submitted_at = fields.DateTime()
    expected_decision_on = fields.Date()
    stage_due_dates = fields.Dict(keys=fields.String(), values=fields.Date())


class EventSchema(Schema):
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    actor_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    at = fields.DateTime()
    comment = fields.String()


class RouteArgs(Schema):
    programme_id = fields.Integer(validate=ID_RANGE, required=True)
    amount_sek = fields.Integer(required=True, validate=validate.Range(1, MAX_SEK))
    date = fields.Date(required=True)
    application_id = fields.Integer(load_default=None, metadata={
        "description": "An application of the programme: the answer then carries the "
                       "anti-splitting warning for deciding the amount on it on the date."})


class SplittingWarningSchema(Schema):
    amount_sek = fields.Integer()
    earlier_sek = fields.Integer(metadata={
        "description": "Net granted on the same project or idea in the 12 months before."})
    total_sek = fields.Integer()
    limit_sek = fields.Integer()
    excess_sek = fields.Integer()
    message = fields.String()


class RouteSchema(Schema):
    authority = fields.String(metadata={"description": "The authority key that decides."})
    limit_sek = fields.Integer(allow_none=True, metadata={
        "description": "That authority's limit (inclusive); null means no upper limit."})
    rule_id = fields.Integer(validate=ID_RANGE)
    authority_name = fields.String()
    source = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    splitting_warning = fields.Nested(SplittingWarningSchema, allow_none=True, metadata={
        "description": "Present with an application: null when no warning applies."})
    earliest_decision_on = fields.Date(allow_none=True, metadata={
        "description": "With an application: the earliest date a decision may carry today."})
    latest_decision_on = fields.Date(allow_none=True, metadata={
        "description": "With an application: the latest date (the business date)."})


class QueuedApplicationSchema(Schema):
    id = fields.Integer()
    reference = fields.String(allow_none=True)
    title = fields.String()
    state = fields.String()
    state_changed_at = fields.DateTime()
    requested_sek = fields.Integer(allow_none=True)
    organisation = fields.Nested(OrganisationRefSchema)


class QueueItemSchema(Schema):
    application = fields.Nested(QueuedApplicationSchema)
    waiting_days = fields.Integer()
    authority = fields.Method("_authority")

    def _authority(self, item):
        return item.authority.authority_key if item.authority else None


def _visible(application_id: int, *, lock: bool = False) -> Application:
    return permissions.get_visible_application(api_user(), application_id, lock=lock)


def _route_payload(rule, application: Application | None = None, amount_sek: int = 0,
                   on=None) -> dict:
    """The routing answer; with an application, its anti-splitting warning and decision dates."""
    payload = {"authority": rule.authority_key, "limit_sek": rule.limit_sek, "rule_id": rule.id,
               "authority_name": rule.authority_name, "source": rule.source,
               "valid_from": rule.valid_from, "valid_to": rule.valid_to}
    if application is not None:
        warning = routing.splitting_check(application, amount_sek, on, rule)
        window = routing.decision_window(application)
        payload.update(
            splitting_warning=None if warning is None else {
                **dataclasses.asdict(warning),
                "message": routing.splitting_message(warning, rule)},
            earliest_decision_on=window.earliest if window else None,
            latest_decision_on=window.latest if window else None)
    return payload


@blp.get("/applications")
@documented(blp)
@blp.arguments(ListArgs, location="query")
@blp.response(200, ApplicationOutSchema(many=True))
@exportable(blp)
@programme_filtered(blp)
@blp.paginate()
def list_applications(args, pagination_parameters):
    """Applications the caller may see (own organisation; programme roles see all submitted)."""
    query = permissions.visible_applications(api_user(), ApplicationState(args["state"])
                                             if "state" in args else None, on=on_of(args),
                                             programme_id=api_programme_id(args))
    if "kind" in args:
        query = query.where(Application.kind == args["kind"])
    if "organisation_id" in args:
        query = query.where(Application.organisation_id == args["organisation_id"])
    return page_or_export(query, pagination_parameters, args, APPLICATIONS_NAME,
                          APPLICATION_COLUMNS)


@blp.post("/applications")
@documented(blp)
@blp.arguments(ApplicationCreateSchema)
@blp.response(201, ApplicationOutSchema)
@blp.alt_response(422, **PROBLEM)
def create_application(data):
    """Start a draft for the caller's organisation (any sections may be given now or later)."""
    programme_id = data.pop("programme_id", None)
    programme = (db.session.get(Programme, programme_id) if programme_id
                 else db.session.scalar(sa.select(Programme).order_by(Programme.id)))
    if programme is None:
        raise InvalidInput(_("There is no such programme."), field="programme_id")
    return services.create_draft(programme, data, api_user())


@blp.get("/applications/<int:application_id>")
@documented(blp)
@blp.response(200, ApplicationOutSchema)
@blp.alt_response(404, **PROBLEM)
def get_application(application_id):
    """One application with every section."""
    return _visible(application_id)


@blp.patch("/applications/<int:application_id>")
@documented(blp)
@blp.arguments(ApplicationInSchema)
@blp.response(200, ApplicationOutSchema)
@blp.alt_response(409, **PROBLEM)
def update_application(data, application_id):
    """Save sections of a draft (or of an application returned for completion)."""
    data.pop("programme_id", None)
    data.pop("kind", None)
    return services.update_draft(_visible(application_id), data, api_user())


@blp.post("/applications/<int:application_id>/submit")
@documented(blp)
@blp.response(200, ReceiptSchema)
@blp.alt_response(422, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def submit_application(application_id):
    """Submit or resubmit; every problem is listed at once (422 with `errors`)."""
    application = services.submit(_visible(application_id), api_user())
    return services.receipt_for(application)


@blp.get("/applications/<int:application_id>/receipt")
@documented(blp)
@blp.response(200, ReceiptSchema)
def application_receipt(application_id):
    """The receipt: reference, when received, the expected decision date per stage."""
    application = _visible(application_id)
    if application.submitted_at is None:
        raise NotFound(_("The application has not been submitted, so there is no receipt yet."))
    return services.receipt_for(application)


@blp.get("/applications/<int:application_id>/history")
@documented(blp)
@blp.response(200, EventSchema(many=True))
def application_history(application_id):
    """Every step: who moved the application, from where to where, when and why."""
    return services.history(_visible(application_id))


def _step(application_id: int, perform):
    application = _visible(application_id, lock=True)
    perform(application, api_user())
    return application


@blp.post("/applications/<int:application_id>/start-preparation")
@documented(blp)
@blp.arguments(CommentSchema)
@blp.response(200, ApplicationOutSchema)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(403, **PROBLEM)
def start_preparation(data, application_id):
    """Programme office: register the application and hand it to the working group."""
    return _step(application_id,
                 lambda a, u: services.start_preparation(a, u, data["comment"]))


@blp.post("/applications/<int:application_id>/assessment")
@documented(blp)
@blp.arguments(AssessmentInSchema)
@blp.response(200, ApplicationOutSchema)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(403, **PROBLEM)
def assess(data, application_id):
    """Working group: scores per goal and criterion and a recommendation."""
    return _step(application_id, lambda a, u: services.complete_assessment(a, data, u))


@blp.post("/applications/<int:application_id>/opinion")
@documented(blp)
@blp.arguments(OpinionInSchema)
@blp.response(200, ApplicationOutSchema)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(403, **PROBLEM)
def opinion(data, application_id):
    """Development council: supports or does not support."""
    return _step(application_id, lambda a, u: services.record_opinion(
        a, data["outcome"], data["comment"], u))


@blp.post("/applications/<int:application_id>/quality-check")
@documented(blp)
@blp.arguments(QualityCheckInSchema)
@blp.response(200, ApplicationOutSchema)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(403, **PROBLEM)
def quality_check(data, application_id):
    """Budget management: approved goes to decision, returned goes back to preparation."""
    return _step(application_id, lambda a, u: services.quality_check(
        a, data["outcome"], data["comment"], u))


@blp.post("/applications/<int:application_id>/return-for-completion")
@documented(blp)
@blp.arguments(RequiredCommentSchema)
@blp.response(200, ApplicationOutSchema)
@blp.alt_response(409, **PROBLEM)
def return_for_completion(data, application_id):
    """Programme office: send back to the applicant for completion (a comment is required)."""
    return _step(application_id, lambda a, u: services.return_for_completion(
        a, data["comment"], u))


@blp.post("/applications/<int:application_id>/withdraw")
@documented(blp)
@blp.arguments(CommentSchema)
@blp.response(200, ApplicationOutSchema)
@blp.alt_response(409, **PROBLEM)
def withdraw(data, application_id):
    """Applicant: withdraw before a decision."""
    return _step(application_id, lambda a, u: services.withdraw(a, data["comment"], u))


@blp.post("/applications/<int:application_id>/decision")
@documented(blp)
@blp.arguments(DecisionInSchema)
@blp.response(201, DecisionOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def decide(data, application_id):
    """Decide within your delegation. 409 when decided already, when the envelope is short
    (with `remaining_sek`) or when the anti-splitting warning needs acknowledging."""
    return decisions.decide(_visible(application_id), data, api_user())


@blp.get("/applications/<int:application_id>/routing")
@documented(blp)
@blp.response(200, RouteSchema)
def application_routing(application_id):
    """Who decides this application on its planned decision date."""
    application = _visible(application_id)
    rule = routing.routed_authority(application)
    if rule is None:
        raise NotFound(_("The application has no requested amount yet, so it is not routed."))
    return _route_payload(rule, application, application.requested_sek,
                          routing.planned_decision_date(application))


@blp.post("/applications/<int:application_id>/attachments")
@documented(blp)
@blp.response(201, Schema.from_dict({"id": fields.Integer(), "filename": fields.String(),
                                     "size_bytes": fields.Integer()})())
@blp.alt_response(422, **PROBLEM)
def add_attachment(application_id):
    """Attach a PDF, XLSX or DOCX file (multipart/form-data, field `file`)."""
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput(_("Send the file as multipart/form-data in the field 'file'."),
                           field="attachment")
    return services.add_attachment(_visible(application_id), upload.filename or "",
                                   upload.read(services.MAX_ATTACHMENT_BYTES + 1),
                                   api_user(), size_bytes=stream_size(upload.stream))


@blp.get("/decisions")
@documented(blp)
@blp.arguments(ProgrammeArgs, location="query")
@blp.response(200, DecisionOutSchema(many=True))
@programme_filtered(blp)
@blp.paginate()
def list_decisions(args, pagination_parameters):
    """Decisions on applications the caller may see, newest first."""
    visible = permissions.visible_applications(
        api_user(), programme_id=api_programme_id(args)).with_only_columns(
        Application.id).order_by(None).subquery()
    query = (sa.select(Decision).where(Decision.application_id.in_(sa.select(visible.c.id)))
             .order_by(Decision.decided_on.desc(), Decision.id.desc()))
    return page_of(query, pagination_parameters)


@blp.get("/decisions/<int:decision_id>")
@documented(blp)
@blp.response(200, DecisionOutSchema)
@blp.alt_response(404, **PROBLEM)
def get_decision(decision_id):
    """One decision with its diary number and the delegation rule applied."""
    return permissions.get_visible_decision(api_user(), decision_id)


@blp.post("/decisions/<int:decision_id>/corrections")
@documented(blp)
@blp.arguments(CorrectionInSchema)
@blp.response(201, DecisionOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def correct(data, decision_id):
    """Correct by a new decision: supplementary grant, reduction or revocation. 409 when the
    anti-splitting warning needs acknowledging (with `splitting_total_sek`)."""
    decision = permissions.get_visible_decision(api_user(), decision_id)
    return decisions.correct_decision(decision, data, api_user())


@blp.get("/delegation/route")
@documented(blp)
@blp.arguments(RouteArgs, location="query")
@blp.response(200, RouteSchema)
@blp.alt_response(422, **PROBLEM)
def delegation_route(args):
    """Which authority decides an amount on a date: the lowest limit that covers it
    (limits inclusive)."""
    programme = db.session.get(Programme, args["programme_id"])
    if programme is None:
        raise InvalidInput(_("There is no programme %(id)s.", id=args["programme_id"]),
                           field="programme_id")
    if not programme.starts_on <= args["date"] <= programme.ends_on:
        raise InvalidInput(_(
            "The date %(date)s is outside the programme period %(starts)s – %(ends)s.",
            date=args["date"].isoformat(), starts=programme.starts_on.isoformat(),
            ends=programme.ends_on.isoformat()), field="date")
    application = None
    if args["application_id"] is not None:
        try:
            application = permissions.get_visible_application(api_user(), args["application_id"])
        except NotFound:
            application = None
        if application is None or application.programme_id != programme.id:
            raise InvalidInput(_("There is no application %(id)s in this programme that you can "
                                 "see.", id=args["application_id"]), field="application_id")
    return _route_payload(routing.route(programme, args["amount_sek"], args["date"]),
                          application, args["amount_sek"], args["date"])


@blp.get("/queue")
@documented(blp)
@blp.arguments(ProgrammeArgs, location="query")
@blp.response(200, QueueItemSchema(many=True))
@programme_filtered(blp)
def my_queue(args):
    """What waits for the caller now, oldest first, with waiting days."""
    return services.queue_for(api_user(), programme_id=api_programme_id(args))
