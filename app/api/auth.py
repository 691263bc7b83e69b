"""Bearer-token authentication for /api/v1 (sessions are never accepted there)."""

from flask import g, request
from flask_babel import gettext as _
from werkzeug.exceptions import Unauthorized

from app.accounts.rules import TokenState
from app.accounts.services import api_token_state, token_record, user_for_token
from app.core import read_only
from app.core.unit_of_work import keep_before_the_view


def _how_to_authenticate() -> str:
    """What a refused caller should send instead, in the language of the response."""
    return _("Send a valid API token in the header 'Authorization: Bearer <token>'. An "
             "administrator creates one with: flask users token EMAIL.")


def authenticate_request() -> None:
    """Resolve the bearer token to a user, or refuse the request with 401."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(description=_("No API token was sent.") + " "
                           + _how_to_authenticate())
    user = user_for_token(token.strip())
    if user is None:
        raise Unauthorized(description=_refusal(token.strip()) + " " + _how_to_authenticate())
    keep_before_the_view()
    g.api_user = user


def _refusal(token: str) -> str:
    """Say why a token is refused; only its holder can learn it, so the reason may be named."""
    record = token_record(token)
    if record is not None and api_token_state(record) == TokenState.EXPIRED:
        return _("The API token has expired.")
    if record is not None and api_token_state(record) == TokenState.REVOKED:
        return _("The API token was revoked.")
    return _("The API token is not valid.")


def api_user():
    """The user the current API request is authenticated as."""
    return g.api_user


def refuse_writes_by_readers() -> None:
    """After authentication: a read-only user's write is 403 before its body is read."""
    read_only.refuse_writes_by_readers(api_user())
