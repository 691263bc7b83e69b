"""API: project ideas, their screening and the reuse check (similar ideas and projects)."""

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.core.enums import IdeaState
from app.core.errors import InvalidInput
from app.core.urls import ID_MAX
from app.extensions import db
from app.ideas import permissions, services
from app.ideas.exports import IDEA_COLUMNS, IDEAS_NAME
from app.ideas.services import MAX_COMMENT_LENGTH, MAX_LENGTHS, SCREENING_OUTCOMES
from app.ideas.similarity import DEFAULT_LIMIT
from app.programmes.choice import api_programme_id
from app.programmes.models import Programme

from . import api_blueprint, documented
from .asof import AsOfArgs, on_of
from .auth import api_user
from .exports import FormatArgs, exportable, page_or_export
from .programme_args import ProgrammeArgs, programme_filtered
from .schemas import ID_RANGE, IdRange, OrganisationRefSchema, ProblemSchema

blp = api_blueprint("api_ideas", "Project ideas, their screening, and similar ideas and projects "
                                 "of other organisations (the reuse check).")

MAX_SIMILAR = 20
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}


def _text(name: str, *, required: bool = False, description: str = "") -> fields.String:
    return fields.String(required=required, validate=validate.Length(max=MAX_LENGTHS[name]),
                         metadata={"description": description} if description else {})


class IdeaSchema(Schema):
    id = fields.Integer()
    programme_id = fields.Integer(validate=ID_RANGE)
    organisation = fields.Nested(OrganisationRefSchema)
    title = fields.String()
    description = fields.String()
    target_group = fields.String()
    expected_benefit = fields.String()
    contact_name = fields.String()
    contact_email = fields.String()
    state = fields.Enum(IdeaState, by_value=True)
    submitted_by_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    submitted_at = fields.DateTime()
    screened_by_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    screened_at = fields.DateTime(allow_none=True)
    screening_comment = fields.String(metadata={
        "description": "The reason for a rejection, or what more information is needed."})


class IdeaUpdateSchema(Schema):
    """Fields an applicant may change while the idea waits for screening or for an answer."""

    title = _text("title", description="Short name of the e-service or change.")
    description = _text("description", description="What the idea is and which process "
                                                    "it changes.")
    target_group = _text("target_group", description="Who will use it, and roughly how many.")
    expected_benefit = _text("expected_benefit", description="The expected benefit, in words.")
    contact_name = _text("contact_name")
    contact_email = fields.Email(validate=validate.Length(max=MAX_LENGTHS["contact_email"]))


class IdeaCreateSchema(IdeaUpdateSchema):
    programme_id = fields.Integer(required=True, strict=True,
                                  validate=IdRange(min=1, max=ID_MAX))
    title = _text("title", required=True, description="Short name of the e-service or change.")
    description = _text("description", required=True,
                        description="What the idea is and which process it changes.")


class IdeaQuerySchema(FormatArgs, AsOfArgs, ProgrammeArgs):
    state = fields.Enum(IdeaState, by_value=True)
    organisation_id = fields.Integer(validate=IdRange(min=1, max=ID_MAX))


class ScreeningSchema(Schema):
    outcome = fields.String(required=True,
                            validate=validate.OneOf([s.value for s in SCREENING_OUTCOMES]))
    comment = fields.String(load_default="", validate=validate.Length(max=MAX_COMMENT_LENGTH),
                            metadata={"description": "Required when the outcome is rejected or "
                                                     "more_info_requested."})


class SimilarQuerySchema(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT,
                           validate=validate.Range(min=1, max=MAX_SIMILAR))


class SimilarTextQuerySchema(SimilarQuerySchema):
    text = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_LENGTHS["title"] + MAX_LENGTHS["description"]), metadata={
        "description": "The idea's text; its first line is read as the title."})


class MatchSchema(Schema):
    kind = fields.String(metadata={"enum": ["idea", "project"]})
    id = fields.Integer()
    title = fields.String()
    organisation = fields.String(metadata={"description": "The organisation's name."})
    state = fields.String(allow_none=True, metadata={
        "description": "The idea's state, or the project's (active, closed)."})
    score = fields.Integer(metadata={"description": "Similarity, 0 to 100."})
    shared_words = fields.List(fields.String(), metadata={
        "description": "The candidate's words that the text shares."})


def _programme(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise InvalidInput(_("There is no programme with id %(programme_id)s.",
                             programme_id=programme_id),
                           field="programme_id")
    return programme


@blp.get("/ideas")
@documented(blp)
@blp.arguments(IdeaQuerySchema, location="query")
@blp.response(200, IdeaSchema(many=True))
@exportable(blp)
@programme_filtered(blp)
@blp.paginate()
def ideas(filters, pagination_parameters):
    """Ideas the user may see, newest first (paginated; filters: state, organisation_id)."""
    query = permissions.visible_ideas(api_user(), filters.get("state"),
                                      filters.get("organisation_id"), on=on_of(filters),
                                      programme_id=api_programme_id(filters))
    return page_or_export(query, pagination_parameters, filters, IDEAS_NAME, IDEA_COLUMNS)


@blp.post("/ideas")
@documented(blp)
@blp.arguments(IdeaCreateSchema)
@blp.response(201, IdeaSchema)
@blp.alt_response(403, **PROBLEM)
def submit_idea(data):
    """Submit an idea on behalf of the applicant's organisation; the programme office is told."""
    programme = _programme(data.pop("programme_id"))
    return services.submit_idea(programme, data, actor=api_user())


@blp.get("/ideas/similar")
@documented(blp)
@blp.arguments(SimilarTextQuerySchema, location="query")
@blp.response(200, MatchSchema(many=True))
def similar_to_text(args):
    """Ideas and projects of other organisations similar to a text (reuse check while writing)."""
    user = api_user()
    return services.similar_to(args["text"], user.organisation_id, limit=args["limit"])


@blp.get("/ideas/<int:idea_id>")
@documented(blp)
@blp.response(200, IdeaSchema)
@blp.alt_response(404, **PROBLEM)
def idea(idea_id: int):
    """One idea, if the user may see it."""
    return permissions.get_visible_idea(api_user(), idea_id)


@blp.patch("/ideas/<int:idea_id>")
@documented(blp)
@blp.arguments(IdeaUpdateSchema)
@blp.response(200, IdeaSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def update_idea(data, idea_id: int):
    """Edit an idea before screening; editing one with a question answers it (back to submitted)."""
    user = api_user()
    found = permissions.get_visible_idea(user, idea_id)
    services.update_idea(found, data, actor=user)
    return found


@blp.post("/ideas/<int:idea_id>/screening")
@documented(blp)
@blp.arguments(ScreeningSchema)
@blp.response(200, IdeaSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def screen_idea(data, idea_id: int):
    """Screen a submitted idea (programme office): approved_to_apply, rejected, more_info_requested.

    A comment is required for rejected (the reason) and more_info_requested (what is missing).
    """
    user = api_user()
    found = permissions.get_visible_idea(user, idea_id)
    services.screen_idea(found, data["outcome"], data["comment"], actor=user)
    return found


@blp.get("/ideas/<int:idea_id>/similar")
@documented(blp)
@blp.arguments(SimilarQuerySchema, location="query")
@blp.response(200, MatchSchema(many=True))
@blp.alt_response(404, **PROBLEM)
def similar_to_idea(args, idea_id: int):
    """Ideas and projects of other organisations similar to this idea (reuse check)."""
    found = permissions.get_visible_idea(api_user(), idea_id)
    return services.similar_to_idea(found, limit=args["limit"])
