"""Browser sessions: a fresh one at every login, and a recent login before deciding on money."""

import secrets
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_fresh, login_user

from app.core.models import utcnow

from .rules import login_is_recent_enough

# Kept across the new session a login starts: only the chosen language, nothing a visitor
# could have planted before logging in.
KEPT_AT_LOGIN = ("lang",)


def start_session(user, remember: bool = False) -> None:
    """Log `user` in with a new session: nothing of the anonymous one carries over."""
    kept = {key: session[key] for key in KEPT_AT_LOGIN if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=remember)
    session["_sid"] = secrets.token_urlsafe(16)
    session["_login_at"] = int(utcnow().timestamp())
    session["_remembered"] = bool(remember)


def login_is_recent() -> bool:
    """Whether this session may decide on money now (see rules.login_is_recent_enough)."""
    logged_in_at = session.get("_login_at")
    return login_is_recent_enough(
        is_fresh=login_fresh(),
        is_remembered=bool(session.get("_remembered")),
        logged_in_at=datetime.fromtimestamp(logged_in_at, UTC) if logged_in_at else None,
        now=utcnow(),
        max_age=timedelta(minutes=current_app.config["RECENT_LOGIN_MINUTES"]),
    )


def recent_login_required(return_endpoint: str):
    """Send a session without a recent login to log in again, then back to `return_endpoint`."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not login_is_recent():
                flash(_("Deciding on money needs a recent login with your password. Log in "
                        "again, then take the decision."), "warning")
                back = url_for(return_endpoint, **(request.view_args or {}))
                return redirect(url_for("accounts.login", next=back, reauth=1))
            return view(*args, **kwargs)

        return wrapper

    return decorate
