"""Pure rules for sessions, API tokens and login attempts: no Flask, no models."""

import enum
from datetime import datetime, timedelta


class TokenState(enum.StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def parse_session_user_id(value: str | None) -> tuple[int, int] | None:
    """Split a session's user id 'ID.GENERATION' into two ints; None for any other form."""
    user_id, dot, generation = (value or "").partition(".")
    if not dot or not user_id.isdigit() or not generation.isdigit():
        return None
    return int(user_id), int(generation)


# How exactly a token's last use is kept: a write on every request would make every API read
# a write, and concurrent requests with one token would queue for its row.
TOKEN_USE_PRECISION = timedelta(minutes=5)


def token_use_worth_recording(last_used_at: datetime | None, now: datetime) -> bool:
    """Record a token's use when it was never used, or last used at least the precision ago."""
    return last_used_at is None or now - last_used_at >= TOKEN_USE_PRECISION


def token_state(*, expires_at: datetime, revoked_at: datetime | None,
                now: datetime) -> TokenState:
    """A revoked token stays revoked; otherwise it works until the moment it expires."""
    if revoked_at is not None:
        return TokenState.REVOKED
    if now >= expires_at:
        return TokenState.EXPIRED
    return TokenState.ACTIVE


def login_is_recent_enough(*, is_fresh: bool, is_remembered: bool,
                           logged_in_at: datetime | None, now: datetime,
                           max_age: timedelta) -> bool:
    """Decide money only in a session a password started; a remembered one only shortly after.

    A session restored from the remember-me cookie, or one whose address or browser changed,
    is not fresh. A fresh session the person asked to be remembered lasts for days, so it
    also needs its password login to be at most `max_age` old.
    """
    if not is_fresh:
        return False
    if not is_remembered:
        return True
    return logged_in_at is not None and timedelta(0) <= now - logged_in_at <= max_age


def login_attempt_failed(status_code: int) -> bool:
    """Only failed attempts count against the login limits.

    A successful login redirects; a request already refused as too many (429) tried no
    password, so it does not extend the wait either.
    """
    return status_code not in (302, 303, 429)
