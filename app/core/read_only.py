"""Refuse every write by a user whose roles only read, before any form or body is looked at.

The domains' own `can_*` checks refuse these writes too; this guard makes the answer the same
403 everywhere (not a 409 or 422 that depends on the object's state or the body sent).
"""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from app.core.errors import Forbidden
from app.core.permissions import can_change_anything

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes that touch only the person's own session or settings, or compute without storing.
SELF_SERVICE_ENDPOINTS = frozenset({
    "accounts.login", "accounts.logout", "core.set_language", "core.notifications_read",
    "core.notification_settings", "api_notification_settings.update_settings",
    "benefits.evaluate", "api_benefits.evaluate", "api_budget_cuts.what_if",
    "accounts.issue_token", "accounts.revoke_token", "api_accounts.revoke_my_token",
})


def refuse_writes_by_readers(user) -> None:
    """Raise Forbidden when a read-only user sends anything but a read or self-service."""
    if request.method in SAFE_METHODS or request.endpoint in SELF_SERVICE_ENDPOINTS:
        return
    if getattr(user, "is_authenticated", False) and not can_change_anything(user):
        raise Forbidden(_("Your role can only read; it cannot change anything."))


def refuse_page_writes_by_readers() -> None:
    """`before_request` for pages: the logged-in user (API requests carry no session)."""
    refuse_writes_by_readers(current_user)
