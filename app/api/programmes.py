"""API: programmes and their envelopes, computed from the ledger."""

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.core.asof import parse_on
from app.core.errors import Forbidden, NotFound
from app.core.permissions import can_administer
from app.extensions import db
from app.programmes import queries, rules, services
from app.programmes.models import AreaEstimate, Goal, Programme

from . import api_blueprint, documented
from .auth import api_user
from .pagination import page_of
from .schemas import ID_RANGE, ProblemSchema, ProgrammeDetailSchema, ProgrammeSchema

blp = api_blueprint("api_programmes", "Programmes, their envelopes and delegation rules.")


def _with_envelope(programmes: list[Programme]) -> list[dict]:
    """The programmes with their envelopes as of `?on=` (default the business date)."""
    on = parse_on(request.args.get("on"), programmes[0] if len(programmes) == 1 else None)
    positions = queries.envelope_positions([p.id for p in programmes], on)
    return [{**_fields(p), "as_of": on, "envelope": positions[p.id].as_dict()}
            for p in programmes]


def _fields(programme: Programme) -> dict:
    return {
        "id": programme.id, "name": programme.name, "starts_on": programme.starts_on,
        "ends_on": programme.ends_on, "description": programme.description,
        "goals": programme.goals, "delegation_rules": programme.delegation_rules,
        "decision_backdating_days": programme.decision_backdating_days,
    }


@blp.get("/programmes")
@documented(blp)
@blp.response(200, ProgrammeSchema(many=True))
@blp.paginate()
def programmes(pagination_parameters):
    """All programmes with their envelopes (paginated)."""
    page = page_of(sa.select(Programme).order_by(Programme.starts_on), pagination_parameters)
    return _with_envelope(page)


@blp.get("/programmes/<int:programme_id>")
@documented(blp)
@blp.response(200, ProgrammeDetailSchema)
@blp.alt_response(404, schema=ProblemSchema, content_type="application/problem+json")
def programme(programme_id: int):
    """One programme with its envelope (reserved, committed, spent, remaining), goals and rules."""
    found = db.get_or_404(Programme, programme_id,
                          description=_("There is no programme with id %(programme_id)s.",
                                        programme_id=programme_id))
    return _with_envelope([found])[0]


# --- Setting programmes up as data (issue 17): administrators write, everyone signed in reads.

PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
DAYS = validate.Range(min=0, max=rules.MAX_DUE_DAYS)
WHOLE_SEK = validate.Range(min=0, max=rules.MAX_AMOUNT_SEK)


@blp.before_request
def _only_administrators_write() -> None:
    """A programme's set-up is changed by an administrator; others get 403 before the body."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and not can_administer(api_user()):
        raise Forbidden(_("Only an administrator changes a programme's set-up."))


def _programme_or_404(programme_id: int) -> Programme:
    found = db.session.get(Programme, programme_id)
    if found is None:
        raise NotFound(_("There is no programme with id %(programme_id)s.",
                         programme_id=programme_id))
    return found


class StageDaysField(fields.Dict):
    """Service days per preparation stage, e.g. {"in_preparation": 21}."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.OneOf(services.STAGES)),
                         values=fields.Integer(strict=True, validate=DAYS), **kwargs)


class CalendarSchema(Schema):
    six_weekly_period_days = fields.Integer(strict=True, validate=validate.Range(
        min=rules.MIN_PERIOD_DAYS, max=rules.MAX_PERIOD_DAYS), metadata={
        "description": "Length of a project's reporting period (42 = six weeks)."})
    report_due_after_days = fields.Integer(strict=True, validate=DAYS, metadata={
        "description": "Days after a period ends that its report is due."})
    report_early_days = fields.Integer(strict=True, validate=DAYS, metadata={
        "description": "Days before a period ends that its report may be submitted."})
    tertial_due_after_days = fields.Integer(strict=True, validate=DAYS, metadata={
        "description": "Days after a tertial ends that the tertial report is due."})


class ProgrammeChangeSchema(CalendarSchema):
    """A programme's fields; on PATCH every one is optional."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=20000))
    starts_on = fields.Date()
    ends_on = fields.Date()
    diary_number_format = fields.String(validate=validate.Length(min=1, max=60), metadata={
        "description": "Python format with {year} and {seq}, e.g. 'SLK {year}/{seq:04d}'."})
    calculation_years = fields.Integer(strict=True, validate=validate.Range(min=1, max=50))
    discount_rate = fields.Decimal(as_string=False, metadata={
        "description": "A fraction from 0 to below 1 (0.035 is 3.5 %)."})
    hours_per_fte = fields.Integer(strict=True, validate=validate.Range(min=1, max=8784))
    oncost_rate = fields.Decimal(as_string=False, metadata={
        "description": "A fraction from 0 to below 10 (0.54 is 54 %)."})
    channel_unit_sek = fields.Integer(strict=True, validate=WHOLE_SEK)
    stage_service_days = StageDaysField(metadata={
        "description": "Service days per preparation stage."})
    idea_idle_days = fields.Integer(strict=True, validate=DAYS)
    schedule_tolerance_days = fields.Integer(strict=True, validate=DAYS)
    decision_backdating_days = fields.Integer(strict=True, validate=validate.Range(
        min=0, max=rules.MAX_BACKDATING_DAYS))


class ProgrammeCreateSchema(ProgrammeChangeSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class ProgrammeSetupSchema(ProgrammeDetailSchema):
    """A programme with its envelope and every setting an administrator edits."""

    diary_number_format = fields.String()
    calculation_years = fields.Integer()
    discount_rate = fields.Float()
    hours_per_fte = fields.Integer()
    oncost_rate = fields.Float()
    channel_unit_sek = fields.Integer()
    stage_service_days = fields.Dict(keys=fields.String(), values=fields.Integer())
    idea_idle_days = fields.Integer()
    schedule_tolerance_days = fields.Integer()
    six_weekly_period_days = fields.Integer()
    report_due_after_days = fields.Integer()
    report_early_days = fields.Integer()
    tertial_due_after_days = fields.Integer()


def _setup_of(programme: Programme) -> dict:
    return {**_with_envelope([programme])[0], **services.programme_snapshot(programme)}


@blp.post("/programmes")
@blp.arguments(ProgrammeCreateSchema)
@documented(blp)
@blp.response(201, ProgrammeSetupSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def create_programme(data):
    """Create a programme (administrators): name, period, description and settings."""
    programme = services.create_programme(data, actor=api_user())
    return _setup_of(programme)


@blp.patch("/programmes/<int:programme_id>")
@blp.arguments(ProgrammeChangeSchema)
@documented(blp)
@blp.response(200, ProgrammeSetupSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def update_programme(data, programme_id: int):
    """Change a programme's name, period, description or settings (administrators)."""
    programme = services.update_programme(_programme_or_404(programme_id), data,
                                          actor=api_user())
    return _setup_of(programme)


class GoalOutSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    title = fields.String()
    description = fields.String()


class GoalInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="", validate=validate.Length(max=5000))


class GoalChangeSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    description = fields.String(validate=validate.Length(max=5000))


class GoalOrderSchema(Schema):
    goal_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE), required=True,
                           metadata={"description": "Every goal's id once, in the new order."})


@blp.get("/programmes/<int:programme_id>/goals")
@documented(blp)
@blp.response(200, GoalOutSchema(many=True))
@blp.alt_response(404, **PROBLEM)
def goals(programme_id: int):
    """The programme's goals in their order; every application is assessed against them."""
    return _programme_or_404(programme_id).goals


@blp.post("/programmes/<int:programme_id>/goals")
@blp.arguments(GoalInSchema)
@documented(blp)
@blp.response(201, GoalOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def add_goal(data, programme_id: int):
    """Add a goal after the last one (administrators)."""
    goal = services.add_goal(_programme_or_404(programme_id), data, actor=api_user())
    return goal


def _goal_or_404(programme_id: int, goal_id: int) -> Goal:
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.programme_id != _programme_or_404(programme_id).id:
        raise NotFound(_("Programme %(programme_id)s has no goal with id %(goal_id)s.",
                         programme_id=programme_id, goal_id=goal_id))
    return goal


@blp.patch("/programmes/<int:programme_id>/goals/<int:goal_id>")
@blp.arguments(GoalChangeSchema)
@documented(blp)
@blp.response(200, GoalOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def update_goal(data, programme_id: int, goal_id: int):
    """Change a goal's title or description (administrators)."""
    goal = services.update_goal(_goal_or_404(programme_id, goal_id), data, actor=api_user())
    return goal


@blp.delete("/programmes/<int:programme_id>/goals/<int:goal_id>")
@documented(blp)
@blp.response(204)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def delete_goal(programme_id: int, goal_id: int):
    """Delete a goal nobody has scored (409 once an application or assessment scored it)."""
    services.delete_goal(_goal_or_404(programme_id, goal_id), actor=api_user())


@blp.put("/programmes/<int:programme_id>/goals/order")
@blp.arguments(GoalOrderSchema)
@documented(blp)
@blp.response(200, GoalOutSchema(many=True))
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def reorder_goals(data, programme_id: int):
    """Renumber the goals in the given order: 404 for an id that is not one of the programme's
    goals, 409 when the list does not name every goal once or a scored goal would move."""
    goals = services.reorder_goals(_programme_or_404(programme_id), data["goal_ids"],
                                   actor=api_user())
    return goals


class AreaEstimateSchema(Schema):
    area_id = fields.Integer()
    key = fields.String()
    name = fields.String()
    estimate_sek = fields.Integer(metadata={"description": "First-stage cost estimate, SEK."})


class AreaEstimateInSchema(Schema):
    area_id = fields.Integer(strict=True, validate=ID_RANGE, metadata={
        "description": "An existing (shared) area; or give key and name for a new one."})
    key = fields.String(validate=validate.Length(min=1, max=40))
    name = fields.String(validate=validate.Length(min=1, max=200))
    estimate_sek = fields.Integer(required=True, strict=True, validate=WHOLE_SEK)


def _estimate_row(estimate: AreaEstimate) -> dict:
    return {"area_id": estimate.area_id, "key": estimate.area.key, "name": estimate.area.name,
            "estimate_sek": estimate.estimate_sek}


@blp.get("/programmes/<int:programme_id>/areas")
@documented(blp)
@blp.response(200, AreaEstimateSchema(many=True))
@blp.alt_response(404, **PROBLEM)
def areas(programme_id: int):
    """The areas (verksamhetsområden) with the programme's first-stage estimates."""
    return [_estimate_row(e) for e in services.area_estimates(_programme_or_404(programme_id))]


@blp.post("/programmes/<int:programme_id>/areas")
@blp.arguments(AreaEstimateInSchema)
@documented(blp)
@blp.response(201, AreaEstimateSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def set_area_estimate(data, programme_id: int):
    """Set an area's first-stage estimate; a new key with a name adds a shared area."""
    estimate = services.set_area_estimate(_programme_or_404(programme_id), data,
                                          actor=api_user())
    return _estimate_row(estimate)


class ReservationSchema(Schema):
    id = fields.Integer()
    amount_sek = fields.Integer(metadata={"description": "Negative: a withdrawal."})
    booked_on = fields.Date()
    description = fields.String(metadata={"description": "The decision that gives the money."})
    corrects_id = fields.Integer(allow_none=True, metadata={
        "description": "For a withdrawal: the reservation it withdraws from."})
    created_at = fields.DateTime()


class ReservationInSchema(Schema):
    amount_sek = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=-rules.MAX_AMOUNT_SEK, max=rules.MAX_AMOUNT_SEK), metadata={
        "description": "Positive: a reservation; negative: a withdrawal (needs corrects_id)."})
    booked_on = fields.Date(metadata={"description": "Default: the business date."})
    description = fields.String(required=True, validate=validate.Length(min=1, max=500),
                                metadata={"description": "The decision and its reference, e.g. "
                                                         "'KF 2007-10-01, dnr 031-2487/2007'."})
    corrects_id = fields.Integer(strict=True, validate=ID_RANGE, allow_none=True)


@blp.get("/programmes/<int:programme_id>/reservations")
@documented(blp)
@blp.response(200, ReservationSchema(many=True))
@blp.alt_response(404, **PROBLEM)
def reservations(programme_id: int):
    """The envelope's reservations and withdrawals with their decisions, in booking order."""
    return services.reservations(_programme_or_404(programme_id))


@blp.post("/programmes/<int:programme_id>/reservations")
@blp.arguments(ReservationInSchema)
@documented(blp)
@blp.response(201, ReservationSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def add_reservation(data, programme_id: int):
    """Reserve money, or withdraw it by a new correcting entry (never by editing one)."""
    entry = services.add_reservation(_programme_or_404(programme_id), data, actor=api_user())
    return entry


@blp.get("/programmes/<int:programme_id>/calendar")
@documented(blp)
@blp.response(200, CalendarSchema)
@blp.alt_response(404, **PROBLEM)
def calendar(programme_id: int):
    """The programme's reporting calendar: period length and due days."""
    return services.calendar_of(_programme_or_404(programme_id))


@blp.patch("/programmes/<int:programme_id>/calendar")
@blp.arguments(CalendarSchema)
@documented(blp)
@blp.response(200, CalendarSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def update_calendar(data, programme_id: int):
    """Change the reporting calendar (administrators); reports already due keep their dates."""
    programme = services.update_calendar(_programme_or_404(programme_id), data, actor=api_user())
    return services.calendar_of(programme)
