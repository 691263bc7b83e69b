"""Who may see and revoke which API tokens: the owner and the administrator."""

from flask_babel import gettext as _

from app.core.errors import NotFound
from app.core.permissions import can_administer
from app.extensions import db

from .models import ApiToken


def can_manage_tokens_of(actor, owner_id: int) -> bool:
    """A person manages their own tokens; the administrator manages everyone's."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return actor.id == owner_id or can_administer(actor)


def get_visible_token(actor, token_id: int, owner_id: int) -> ApiToken:
    """Load `owner_id`'s token `token_id`, or 404 alike for a missing or someone else's token."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != owner_id or not can_manage_tokens_of(actor, owner_id):
        raise NotFound(_("There is no API token with that number that you can manage."))
    return token
