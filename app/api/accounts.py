"""API: the authenticated user, their API tokens, and organisations."""

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.accounts import services
from app.accounts.models import ApiToken, Organisation, User
from app.accounts.permissions import can_manage_tokens_of, get_visible_token
from app.core.enums import Role
from app.core.errors import Forbidden, NotFound
from app.core.permissions import can_administer
from app.extensions import db

from . import api_blueprint, documented
from .auth import api_user
from .pagination import page_of
from .schemas import ID_RANGE, ApiTokenSchema, MeSchema, OrganisationSchema, ProblemSchema

PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}

blp = api_blueprint("api_accounts", "Who am I, and the city's organisations.")


@blp.get("/me")
@documented(blp)
@blp.response(200, MeSchema)
def me():
    """The user the token belongs to, with roles and delegation authorities."""
    user = api_user()
    return {
        "id": user.id, "email": user.email, "name": user.name, "locale": user.locale,
        "organisation": user.organisation,
        "roles": sorted(r.value for r in user.roles),
        "authority_keys": sorted(user.authority_keys),
        **_grants_of(user),
    }


@blp.get("/organisations")
@documented(blp)
@blp.response(200, OrganisationSchema(many=True))
@blp.paginate()
def organisations(pagination_parameters):
    """All organisations, by name (paginated: page, page_size; totals in X-Pagination)."""
    return page_of(sa.select(Organisation).order_by(Organisation.name), pagination_parameters)


def _token_dict(token: ApiToken) -> dict:
    return {"id": token.id, "user_id": token.user_id, "name": token.name,
            "created_at": token.created_at, "last_used_at": token.last_used_at,
            "expires_at": token.expires_at, "revoked_at": token.revoked_at,
            "state": services.api_token_state(token).value}


def _token_owner(user_id: int) -> User:
    """The user whose tokens the caller may manage, or 404 alike for anyone else."""
    owner = db.session.get(User, user_id)
    if owner is None or not can_manage_tokens_of(api_user(), user_id):
        raise NotFound(_("There is no user with that number whose tokens you can manage."))
    return owner


@blp.get("/me/tokens")
@documented(blp)
@blp.response(200, ApiTokenSchema(many=True))
def my_tokens():
    """The caller's own tokens, newest first, revoked and expired ones included."""
    return [_token_dict(t) for t in services.list_api_tokens(api_user())]


@blp.delete("/me/tokens/<int:token_id>")
@documented(blp)
@blp.response(204)
@blp.alt_response(404, **PROBLEM)
def revoke_my_token(token_id):
    """Revoke one of the caller's tokens (also the one this request uses); idempotent."""
    user = api_user()
    services.revoke_api_token(get_visible_token(user, token_id, user.id), actor=user)


@blp.get("/users/<int:user_id>/tokens")
@documented(blp)
@blp.response(200, ApiTokenSchema(many=True))
@blp.alt_response(404, **PROBLEM)
def user_tokens(user_id):
    """A user's tokens, for the administrator (anyone else: 404 unless it is their own)."""
    return [_token_dict(t) for t in services.list_api_tokens(_token_owner(user_id))]


@blp.delete("/users/<int:user_id>/tokens/<int:token_id>")
@documented(blp)
@blp.response(204)
@blp.alt_response(404, **PROBLEM)
def revoke_user_token(user_id, token_id):
    """Revoke a user's token, for the administrator; idempotent."""
    owner = _token_owner(user_id)
    services.revoke_api_token(get_visible_token(api_user(), token_id, owner.id),
                              actor=api_user())


class RoleGrantSchema(Schema):
    """One role a user holds: in one programme, or in every programme (programme_id null)."""

    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    authority_key = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(min=1, max=60), metadata={
                                      "description": "Decision makers only: the delegation "
                                                     "authority they decide under."})
    programme_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE,
                                  metadata={"description": "The one programme the role holds "
                                                           "in; null: every programme."})


class RoleGrantsSchema(Schema):
    grants = fields.List(fields.Nested(RoleGrantSchema), required=True)


def _administered_user(user_id: int) -> User:
    if not can_administer(api_user()):
        raise Forbidden(_("Only an administrator sees and grants users' roles."))
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no user %(user_id)s.", user_id=user_id))
    return user


def _grants_of(user: User) -> dict:
    return {"grants": sorted(
        ({"role": a.role.value, "authority_key": a.authority_key,
          "programme_id": a.programme_id} for a in user.role_assignments),
        key=lambda g: (g["role"], g["authority_key"] or "", g["programme_id"] or 0))}


@blp.get("/users/<int:user_id>/roles")
@documented(blp)
@blp.response(200, RoleGrantsSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
def user_roles(user_id):
    """A user's roles, each in one programme or in all (the administrator)."""
    return _grants_of(_administered_user(user_id))


@blp.put("/users/<int:user_id>/roles")
@documented(blp)
@blp.arguments(RoleGrantsSchema)
@blp.response(200, RoleGrantsSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def set_user_roles(data, user_id):
    """Replace a user's roles; a grant with programme_id holds in that programme only."""
    user = _administered_user(user_id)
    grants = [services.grant_text(Role(g["role"]), g["authority_key"], g["programme_id"])
              for g in data["grants"]]
    services.update_user(user, {"roles": grants}, actor=api_user())
    return _grants_of(user)
