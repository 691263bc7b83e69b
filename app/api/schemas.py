"""Marshmallow schemas: they validate requests and generate the OpenAPI document."""

from marshmallow import INCLUDE, Schema, fields, validate

from app.core.urls import ID_MAX


class IdRange(validate.Range):
    """An id the database's integer keys can hold; a larger one is the 400 a path id gives."""

    def __call__(self, value):
        from app.core.errors import NumberTooLarge

        if isinstance(value, int) and self.max is not None and value > self.max:
            raise NumberTooLarge()
        return super().__call__(value)


ID_RANGE = IdRange(min=0, max=ID_MAX)


class ProblemErrorSchema(Schema):
    """One invalid input: the field at fault (null when the whole request is) and why."""

    field = fields.String(allow_none=True)
    code = fields.String(metadata={
        "description": "When given, a stable name for the kind of problem (e.g. `between` for a "
                       "number out of its range), for programs to act on; `message` says it "
                       "in the reader's language."})
    message = fields.String()


class MissingBenefitSchema(Schema):
    benefit_id = fields.Integer(validate=ID_RANGE)
    name = fields.String()
    link = fields.String(metadata={"description": "The benefit's page, where the realised value "
                                                  "is entered."})


class ProblemSchema(Schema):
    """An RFC 9457 problem document: the body of every error the API answers.

    Besides the standard members it may carry extension members (RFC 9457, 3.2), such as
    the state an object is in on 409 or the newer report's id; those in use are listed.
    """

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Unauthorized"})
    status = fields.Integer(required=True, metadata={"example": 401})
    detail = fields.String(required=True, metadata={
        "description": "What went wrong and what to do about it."})
    field = fields.String(metadata={"description": "The input field at fault, when there is one."})
    errors = fields.List(fields.Nested(ProblemErrorSchema), metadata={
        "description": "One entry per invalid field."})
    state = fields.String(metadata={"description": "On 409: the state the object is in."})
    report_id = fields.Integer(validate=ID_RANGE, metadata={
        "description": "On 409 about a report: the newest version's id."})
    done_at = fields.String(metadata={
        "description": "On 409 about a follow-up: when it was marked as done (UTC, ISO 8601)."})
    missing_benefits = fields.List(fields.Nested(MissingBenefitSchema), metadata={
        "description": "On 409 about a follow-up: the benefits still without a realised value."})


class AreaSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()


class OrganisationRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class OrganisationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String(allow_none=True)
    kind = fields.String(metadata={"enum": ["administration", "company", "district"]})
    area = fields.Nested(AreaSchema, allow_none=True)
    is_active = fields.Boolean()


class ApiTokenSchema(Schema):
    """An API token as its owner and the administrator see it (never the token itself)."""

    id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    state = fields.String(metadata={"enum": ["active", "expired", "revoked"]})


class HeldGrantSchema(Schema):
    role = fields.String()
    authority_key = fields.String(allow_none=True)
    programme_id = fields.Integer(allow_none=True)


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    locale = fields.String()
    organisation = fields.Nested(OrganisationRefSchema, allow_none=True)
    roles = fields.List(fields.String())
    authority_keys = fields.List(fields.String(), metadata={
        "description": "Delegation authorities the user may decide under."})
    grants = fields.List(fields.Nested(HeldGrantSchema), metadata={
        "description": "Each role as granted: in one programme (programme_id), or in every "
                       "programme (programme_id null)."})


class EnvelopeSchema(Schema):
    reserved_sek = fields.Integer(metadata={"description": "Reserved for the programme, SEK."})
    committed_sek = fields.Integer(metadata={"description": "Committed by decisions net of "
                                             "releases, SEK."})
    spent_sek = fields.Integer(metadata={"description": "Spent by projects, SEK."})
    remaining_sek = fields.Integer(metadata={"description": "Reserved minus committed, SEK."})


class GoalSchema(Schema):
    number = fields.Integer()
    title = fields.String()


class DelegationRuleSchema(Schema):
    id = fields.Integer()
    authority_key = fields.String()
    authority_name = fields.String()
    limit_sek = fields.Integer(allow_none=True, metadata={
        "description": "Highest amount decided (inclusive); null means no upper limit."})
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    source = fields.String()


class ProgrammeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    as_of = fields.Date(metadata={"description": "The day the envelope stands at (?on=)."})
    envelope = fields.Nested(EnvelopeSchema)


class ProgrammeDetailSchema(ProgrammeSchema):
    description = fields.String()
    goals = fields.List(fields.Nested(GoalSchema))
    delegation_rules = fields.List(fields.Nested(DelegationRuleSchema))
    decision_backdating_days = fields.Integer(metadata={
        "description": "How many days before the business date a decision already taken may "
                       "be registered (with a written reason)."})
