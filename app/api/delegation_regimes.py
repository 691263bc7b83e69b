"""API: a programme's delegation regimes, listed and changed by an administrator.

A regime added here routes decisions dated on or after its start at once
(`GET /api/v1/delegation/route`). A regime in force is never changed: 409.
"""

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.core import clock
from app.core.errors import Forbidden, NotFound
from app.core.permissions import can_administer
from app.extensions import db
from app.programmes import regimes
from app.programmes import rules as regime_rules
from app.programmes.models import DelegationRegime, Programme

from . import api_blueprint, documented
from .auth import api_user
from .schemas import DelegationRuleSchema, ProblemSchema

PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}

blp = api_blueprint("api_delegation_regimes",
                    "Delegation regimes: effective-dated delegation, edited by an administrator.")


@blp.before_request
def _require_administrator() -> None:
    """Only an administrator reads or changes regimes; refused before the body is read."""
    if not can_administer(api_user()):
        raise Forbidden(_("Only an administrator may read or change delegation regimes."))


class RuleInSchema(Schema):
    authority_key = fields.String(required=True, validate=validate.Length(
        min=1, max=regime_rules.MAX_KEY_LENGTH), metadata={
        "description": "Lower-case letters, digits and underscores, starting with a letter "
                       "(for example chief_of_staff); unique within the regime."})
    authority_name = fields.String(required=True, validate=validate.Length(
        min=1, max=regime_rules.MAX_NAME_LENGTH))
    limit_sek = fields.Integer(load_default=None, allow_none=True, strict=True,
                               validate=validate.Range(1, regime_rules.MAX_AMOUNT_SEK), metadata={
        "description": "Highest amount decided (inclusive), whole kronor; null: no upper "
                       "limit (at most one authority, the last)."})
    source = fields.String(load_default="", validate=validate.Length(
        max=regime_rules.MAX_SOURCE_LENGTH), metadata={
        "description": "The decision that gives the delegation; default the regime's."})


class RegimeInSchema(Schema):
    valid_from = fields.Date(required=True, metadata={
        "description": "First day; today (the business date) or later, after the start of "
                       "the regime in force, within the programme period."})
    reason = fields.String(required=True, validate=validate.Length(
        max=regime_rules.MAX_REASON_LENGTH), metadata={"description": "Why the delegation changes "
                                                               "(required, not blank)."})
    source = fields.String(load_default="", validate=validate.Length(
        max=regime_rules.MAX_SOURCE_LENGTH), metadata={
        "description": "The regime's decision reference; default the first rule's source."})
    rules = fields.List(fields.Nested(RuleInSchema), required=True, validate=validate.Length(
        min=1, max=regime_rules.MAX_RULES_PER_REGIME), metadata={
        "description": "The authorities from the lowest limit to the highest; limits rise "
                       "strictly."})


class RegimePatchSchema(RegimeInSchema):
    """The same fields, each optional: what is left out stays as it is."""

    valid_from = fields.Date(metadata={"description": RegimeInSchema._declared_fields[
        "valid_from"].metadata["description"]})
    reason = fields.String(validate=validate.Length(max=regime_rules.MAX_REASON_LENGTH))
    source = fields.String(validate=validate.Length(max=regime_rules.MAX_SOURCE_LENGTH))
    rules = fields.List(fields.Nested(RuleInSchema), validate=validate.Length(
        min=1, max=regime_rules.MAX_RULES_PER_REGIME))


class RegimeSchema(Schema):
    id = fields.Integer()
    programme_id = fields.Integer()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True, metadata={
        "description": "The day before the next regime starts; null while it is the latest."})
    reason = fields.String()
    source = fields.String()
    state = fields.String(validate=validate.OneOf([s.value for s in regime_rules.RegimeState]),
                          metadata={"description": "future, in_force or past, on the "
                                                   "business date."})
    in_force = fields.Boolean()
    editable = fields.Boolean(metadata={"description": "Only a future regime may be changed."})
    created_at = fields.DateTime()
    rules = fields.List(fields.Nested(DelegationRuleSchema))


def _programme(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(_("There is no programme with id %(programme_id)s.",
                         programme_id=programme_id))
    return programme


def _regime(programme: Programme, regime_id: int) -> DelegationRegime:
    regime = db.session.get(DelegationRegime, regime_id)
    if regime is None or regime.programme_id != programme.id:
        raise NotFound(_("Programme %(programme_id)s has no delegation regime %(regime_id)s.",
                         programme_id=programme.id, regime_id=regime_id))
    return regime


def _regime_dict(regime: DelegationRegime) -> dict:
    state = regimes.regime_state(regime, clock.today())
    return {"id": regime.id, "programme_id": regime.programme_id,
            "valid_from": regime.valid_from, "valid_to": regime.valid_to,
            "reason": regime.reason, "source": regime.source, "state": state.value,
            "in_force": state == regime_rules.RegimeState.IN_FORCE,
            "editable": state == regime_rules.RegimeState.FUTURE,
            "created_at": regime.created_at, "rules": regime.rules}


@blp.get("/programmes/<int:programme_id>/delegation-regimes")
@documented(blp)
@blp.response(200, RegimeSchema(many=True))
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
def list_regimes(programme_id: int):
    """The programme's delegation regimes, earliest first, each with its rules and state."""
    return [_regime_dict(r) for r in regimes.regimes_of(_programme(programme_id))]


@blp.post("/programmes/<int:programme_id>/delegation-regimes")
@documented(blp)
@blp.arguments(RegimeInSchema)
@blp.response(201, RegimeSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def add_regime(data, programme_id: int):
    """Add a regime from a date (today or later); the regime before it ends the day before.

    422 naming the problem (limits not rising, two authorities without a limit, a start
    before the business date or inside the regime in force, no reason), nothing saved.
    """
    regime = regimes.add_regime(_programme(programme_id), data, api_user())
    return _regime_dict(regime)


@blp.patch("/programmes/<int:programme_id>/delegation-regimes/<int:regime_id>")
@documented(blp)
@blp.arguments(RegimePatchSchema)
@blp.response(200, RegimeSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def edit_regime(data, programme_id: int, regime_id: int):
    """Change a future regime; 409 for one in force or past (correct it with a new regime)."""
    regime = _regime(_programme(programme_id), regime_id)
    current = {"valid_from": regime.valid_from, "reason": regime.reason,
               "source": regime.source,
               "rules": [{"authority_key": r.authority_key, "authority_name": r.authority_name,
                          "limit_sek": r.limit_sek, "source": r.source} for r in regime.rules]}
    regime = regimes.edit_regime(regime, {**current, **data}, api_user())
    return _regime_dict(regime)


@blp.delete("/programmes/<int:programme_id>/delegation-regimes/<int:regime_id>")
@documented(blp)
@blp.response(204)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def delete_regime(programme_id: int, regime_id: int):
    """Delete a future regime; 409 for one in force or past."""
    regimes.delete_regime(_regime(_programme(programme_id), regime_id), api_user())
