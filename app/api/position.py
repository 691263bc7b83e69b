"""API: the programme's position ("Programmets läge") on a date, in the council's terms."""

from flask_babel import gettext as _
from marshmallow import Schema, fields

from app.core.asof import parse_on
from app.core.errors import Forbidden
from app.core.permissions import can_view_programme
from app.extensions import db
from app.programmes.models import Programme
from app.programmes.position import position as position_of

from . import api_blueprint, documented
from .asof import AsOfArgs
from .auth import api_user
from .schemas import ProblemSchema

blp = api_blueprint("api_position", "The programme's position as of a date: the council "
                                    "report's figures computed from the records.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}


class IdeaFiguresSchema(Schema):
    received = fields.Integer(metadata={"description": "Ideas submitted by the date."})
    became_projects = fields.Integer(metadata={
        "description": "Ideas whose implementation application (directly or through its "
                       "feasibility study) had become a funded project by the date."})
    not_approved = fields.Integer(metadata={
        "description": "Ideas, not become projects, screened as rejected or with an "
                       "application rejected by the date."})
    awaiting_application = fields.Integer(metadata={"description": "The rest of the ideas."})


class PositionSchema(Schema):
    on = fields.String(metadata={"format": "date", "description": "The day the figures stand at."})
    reserved_sek = fields.Integer(metadata={"description": "Reservations booked by the date."})
    granted_projects_sek = fields.Integer(metadata={
        "description": "Net grants of the funded implementation projects by the date."})
    projects = fields.Integer(metadata={"description": "Funded implementation projects."})
    finished_projects = fields.Integer(metadata={"description": "Of those, closed by the date."})
    feasibility_sek = fields.Integer(metadata={
        "description": "Net grants of the feasibility studies approved by the date."})
    feasibility_studies = fields.Integer(metadata={
        "description": "Feasibility studies approved by the date."})
    other_decisions_sek = fields.Integer(metadata={
        "description": "Envelope commitments less releases booked by the date that no "
                       "application of the programme stands behind (decided in other matters)."})
    remaining_sek = fields.Integer(metadata={
        "description": "Reserved less commitments net of releases: the envelope's remaining."})
    ideas = fields.Nested(IdeaFiguresSchema)
    budget_cuts_sek = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Per budget year, the adopted cuts in force on the date."})
    not_keeping_budget_share = fields.Float(allow_none=True, metadata={
        "description": "Of the funded projects with a submitted six-weekly report by the date, "
                       "the share whose latest report does not keep the budget (0–1); null "
                       "when no project reports."})
    not_keeping_schedule_share = fields.Float(allow_none=True, metadata={
        "description": "The same for the schedule (0–1); null when no project reports."})


@blp.get("/programmes/<int:programme_id>/position")
@documented(blp)
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, PositionSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def programme_position(args, programme_id: int):
    """The programme's position on `on` (default the business date), as the council reports it."""
    if not can_view_programme(api_user()):
        raise Forbidden(_("The programme's position is for the programme's users."))
    programme = db.get_or_404(Programme, programme_id,
                              description=_("There is no programme with id %(programme_id)s.",
                                            programme_id=programme_id))
    return position_of(programme, parse_on(args.get("on"), programme)).as_dict()
