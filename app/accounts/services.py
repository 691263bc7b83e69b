"""Account services: users, roles, organisations, API tokens, authentication.

Services flush and never commit; the caller commits once.
"""

import secrets
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app.core import audit
from app.core.enums import OrganisationKind, Role
from app.core.errors import Conflict, InvalidInput
from app.core.models import utcnow
from app.extensions import db

from .models import ApiToken, Area, Organisation, RoleAssignment, User, hash_token
from .rules import TokenState, parse_session_user_id, token_state, token_use_worth_recording

API_TOKEN_PREFIX = "np_"
DEFAULT_API_TOKEN_DAYS = 90


@cache
def _timing_hash() -> str:
    """A hash to check unknown users against, so both failures take as long."""
    return generate_password_hash(secrets.token_hex(16))


def load_user(session_user_id: str) -> User | None:
    """Flask-Login's loader: a session of an ended generation or an inactive user is none."""
    parsed = parse_session_user_id(session_user_id)
    if parsed is None:
        return None
    user_id, generation = parsed
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.session_generation != generation:
        return None
    return user


def end_sessions(user: User, reason: str, actor=None) -> User:
    """End every session and remember-me cookie of `user`, on every device, at once."""
    before = {"session_generation": user.session_generation}
    user.session_generation += 1
    db.session.flush()
    audit.record("user.sessions_ended", user, actor=actor, before=before,
                 after={"session_generation": user.session_generation, "reason": reason})
    return user


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Return the user for a correct email and password, else None (never say which was wrong)."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or not user.check_password(password):
        if user is None:
            check_password_hash(_timing_hash(), password)
        return None
    user.last_login_at = utcnow()
    return user


def _user_snapshot(user: User) -> dict:
    return {
        "email": user.email, "name": user.name, "organisation_id": user.organisation_id,
        "is_active": user.is_active,
        "roles": sorted(grant_text(a.role, a.authority_key, a.programme_id)
                        for a in user.role_assignments),
    }


def grant_text(role: Role, authority_key: str | None, programme_id: int | None) -> str:
    """Write a grant as `parse_role_grants` reads it: role[:authority][@programme id]."""
    text = f"{role}:{authority_key or ''}"
    return f"{text}@{programme_id}" if programme_id is not None else text


def _grant_programme(text: str) -> int | None:
    from app.programmes.models import Programme

    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or db.session.get(Programme, int(text)) is None:
        raise InvalidInput(_("There is no programme %(programme)s to grant a role in.",
                             programme=text), field="roles")
    return int(text)


def parse_role_grants(grants) -> list[tuple[Role, str | None, int | None]]:
    """Turn ['applicant', 'decision_maker:city_director@2'] into (role, authority, programme).

    A grant without `@programme id` holds in every programme.
    """
    parsed = []
    for grant in grants:
        grant, _at, programme_text = str(grant).partition("@")
        programme_id = _grant_programme(programme_text)
        role_name, _colon, authority = grant.partition(":")
        try:
            role = Role(role_name.strip())
        except ValueError:
            raise InvalidInput(
                _("Unknown role %(role)s. Use one of: %(roles)s.", role=role_name,
                  roles=", ".join(r.value for r in Role)),
                field="roles",
            ) from None
        authority = authority.strip() or None
        if (role == Role.DECISION_MAKER) != (authority is not None):
            raise InvalidInput(
                _("A decision maker needs an authority key (decision_maker:city_director); "
                  "other roles take none."),
                field="roles",
            )
        parsed.append((role, authority, programme_id))
    return parsed


def _check_reader_organisation(user: User) -> None:
    """An administration reader reads one organisation's work, so she must belong to one."""
    if user.organisation_id is None and any(
            a.role == Role.ADMINISTRATION_READER for a in user.role_assignments):
        raise InvalidInput(_("An administration reader must belong to an organisation: choose "
                             "the organisation whose work the person reads."),
                           field="organisation_id")


def create_user(data: dict, actor=None) -> User:
    """Create a user with a password and roles; emails are unique, case-insensitively."""
    email = normalise_email(data["email"])
    if find_user_by_email(email) is not None:
        raise Conflict(_("A user with the e-mail address %(email)s already exists.",
                         email=email), field="email")
    user = User(
        email=email,
        name=data["name"].strip(),
        organisation_id=data.get("organisation_id"),
        locale=data.get("locale") or "sv",
        is_active=data.get("is_active", True),
    )
    if data.get("password"):
        user.set_password(data["password"])
    db.session.add(user)
    db.session.flush()
    for role, authority, programme_id in set(parse_role_grants(data.get("roles", []))):
        user.role_assignments.append(
            RoleAssignment(role=role, authority_key=authority, programme_id=programme_id,
                           granted_by_id=getattr(actor, "id", None))
        )
    db.session.flush()
    _check_reader_organisation(user)
    audit.record("user.created", user, actor=actor, after=_user_snapshot(user))
    return user


def update_user(user: User, data: dict, actor=None) -> User:
    """Change a user's name, organisation, active flag, roles and optionally password.

    A new password or a deactivation ends the user's sessions everywhere.
    """
    before = _user_snapshot(user)
    was_active = user.is_active
    for field in ("name", "organisation_id", "is_active", "locale"):
        if field in data:
            setattr(user, field, data[field])
    if data.get("password"):
        user.set_password(data["password"])
    if "roles" in data:
        wanted = set(parse_role_grants(data["roles"]))
        current = {(a.role, a.authority_key, a.programme_id): a for a in user.role_assignments}
        for key, assignment in current.items():
            if key not in wanted:
                user.role_assignments.remove(assignment)
        for role, authority, programme_id in wanted - set(current):
            user.role_assignments.append(
                RoleAssignment(role=role, authority_key=authority, programme_id=programme_id,
                               granted_by_id=getattr(actor, "id", None))
            )
    db.session.flush()
    _check_reader_organisation(user)
    audit.record("user.updated", user, actor=actor, before=before, after=_user_snapshot(user))
    if data.get("password"):
        end_sessions(user, "password_changed", actor=actor)
    elif was_active and not user.is_active:
        end_sessions(user, "deactivated", actor=actor)
    return user


def create_organisation(data: dict, actor=None) -> Organisation:
    name = data["name"].strip()
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.name == name)):
        raise Conflict(_("An organisation called %(name)s already exists.",
                         name=name), field="name")
    organisation = Organisation(
        name=name,
        short_name=(data.get("short_name") or "").strip() or None,
        kind=OrganisationKind(data["kind"]),
        area_id=data.get("area_id"),
        is_active=data.get("is_active", True),
    )
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", organisation, actor=actor,
                 after={"name": name, "kind": organisation.kind, "area_id": organisation.area_id})
    return organisation


def update_organisation(organisation: Organisation, data: dict, actor=None) -> Organisation:
    before = {"name": organisation.name, "kind": organisation.kind,
              "area_id": organisation.area_id, "is_active": organisation.is_active}
    for field in ("name", "short_name", "area_id", "is_active"):
        if field in data:
            setattr(organisation, field, data[field])
    if "kind" in data:
        organisation.kind = OrganisationKind(data["kind"])
    db.session.flush()
    audit.record("organisation.updated", organisation, actor=actor, before=before,
                 after={"name": organisation.name, "kind": organisation.kind,
                        "area_id": organisation.area_id, "is_active": organisation.is_active})
    return organisation


def api_token_lifetime() -> timedelta:
    """How long a new API token works (API_TOKEN_LIFETIME_DAYS, default 90 days)."""
    days = (current_app.config.get("API_TOKEN_LIFETIME_DAYS", DEFAULT_API_TOKEN_DAYS)
            if has_app_context() else DEFAULT_API_TOKEN_DAYS)
    return timedelta(days=int(days))


def _token_snapshot(token: ApiToken) -> dict:
    return {"user_id": token.user_id, "name": token.name, "expires_at": token.expires_at,
            "revoked_at": token.revoked_at}


def issue_api_token(user: User, name: str = "cli", actor=None, *,
                    lifetime: timedelta | None = None, revoke_others: bool = False) -> str:
    """Create a token and return it in clear text once; only its hash is stored.

    With `revoke_others` every other token of the user stops working at the same moment.
    """
    lifetime = lifetime if lifetime is not None else api_token_lifetime()
    if lifetime <= timedelta(0):
        raise InvalidInput(_("A token must be valid for at least one day."), field="days")
    if revoke_others:
        for other in active_api_tokens(user):
            revoke_api_token(other, actor=actor)
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_hash=hash_token(token), name=name,
                      expires_at=utcnow().replace(microsecond=0) + lifetime)
    db.session.add(record)
    db.session.flush()
    audit.record("api_token.issued", record, actor=actor, after=_token_snapshot(record))
    return token


def list_api_tokens(user: User) -> list[ApiToken]:
    """Every token of the user, newest first, revoked and expired ones included."""
    return db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


def active_api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work now."""
    now = utcnow()
    return db.session.scalars(sa.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > now).order_by(ApiToken.id)).all()


def revoke_api_token(token: ApiToken, actor=None) -> ApiToken:
    """Stop a token from working; revoking a revoked token changes nothing."""
    if token.revoked_at is not None:
        return token
    before = _token_snapshot(token)
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record("api_token.revoked", token, actor=actor, before=before,
                 after=_token_snapshot(token))
    return token


def token_record(token: str) -> ApiToken | None:
    """The stored token a bearer string names, whatever its state, or None; its user and the
    user's roles are read in the same statement, as every API request asks for all three."""
    if not token:
        return None
    return db.session.scalar(
        sa.select(ApiToken)
        .options(joinedload(ApiToken.user).joinedload(User.role_assignments))
        .where(ApiToken.token_hash == hash_token(token)))


def api_token_state(record: ApiToken) -> TokenState:
    return token_state(expires_at=record.expires_at, revoked_at=record.revoked_at, now=utcnow())


def user_for_token(token: str) -> User | None:
    """Return the active user a working (unexpired, unrevoked) bearer token belongs to."""
    record = token_record(token)
    if record is None or api_token_state(record) != TokenState.ACTIVE or (
            not record.user.is_active):
        return None
    now = utcnow()
    if token_use_worth_recording(record.last_used_at, now):
        record.last_used_at = now
    return record.user


def list_organisations():
    return db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()


def list_areas():
    return db.session.scalars(sa.select(Area).order_by(Area.name)).all()
