"""Sessions, API tokens and login attempts: the pure rules, one row per case."""

from datetime import UTC, datetime, timedelta

import pytest

from app.accounts.rules import (
    TOKEN_USE_PRECISION,
    TokenState,
    login_attempt_failed,
    login_is_recent_enough,
    parse_session_user_id,
    token_state,
    token_use_worth_recording,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
FIFTEEN = timedelta(minutes=15)


@pytest.mark.parametrize("value, expected", [
    ("12.0", (12, 0)),
    ("12.7", (12, 7)),
    ("12", None),              # the old form, without a generation: refused
    ("", None),
    (None, None),
    ("12.", None),
    (".3", None),
    ("12.-1", None),
    ("a.1", None),
    ("12.1.2", None),
    ("12.1 ", None),
])
def test_parse_session_user_id(value, expected):
    assert parse_session_user_id(value) == expected


@pytest.mark.parametrize("expires_at, revoked_at, expected", [
    (NOW + timedelta(days=1), None, TokenState.ACTIVE),
    (NOW + timedelta(seconds=1), None, TokenState.ACTIVE),
    (NOW, None, TokenState.EXPIRED),                       # expires at that very moment
    (NOW - timedelta(seconds=1), None, TokenState.EXPIRED),
    (NOW + timedelta(days=1), NOW - timedelta(days=1), TokenState.REVOKED),
    (NOW - timedelta(days=1), NOW - timedelta(days=2), TokenState.REVOKED),  # revoked wins
])
def test_token_state(expires_at, revoked_at, expected):
    assert token_state(expires_at=expires_at, revoked_at=revoked_at, now=NOW) == expected


@pytest.mark.parametrize("is_fresh, is_remembered, logged_in_ago, expected", [
    (True, False, timedelta(hours=8), True),     # a browser session: its age does not matter
    (True, True, timedelta(minutes=1), True),    # remembered, password given a minute ago
    (True, True, FIFTEEN, True),                 # exactly at the limit
    (True, True, FIFTEEN + timedelta(seconds=1), False),
    (True, True, None, False),                   # remembered without a recorded login time
    (True, True, -timedelta(minutes=1), False),  # a login time in the future is not believed
    (False, False, timedelta(0), False),         # restored from the cookie or moved address
    (False, True, timedelta(0), False),
])
def test_login_is_recent_enough(is_fresh, is_remembered, logged_in_ago, expected):
    logged_in_at = None if logged_in_ago is None else NOW - logged_in_ago
    assert login_is_recent_enough(is_fresh=is_fresh, is_remembered=is_remembered,
                                  logged_in_at=logged_in_at, now=NOW,
                                  max_age=FIFTEEN) is expected


@pytest.mark.parametrize("status_code, failed", [
    (302, False),   # logged in: redirected on
    (303, False),
    (200, True),    # wrong password: the form again
    (422, True),    # the form did not validate
    (400, True),    # CSRF refused
    (429, False),   # already blocked: not another attempt at a password
])
def test_only_failed_attempts_count(status_code, failed):
    assert login_attempt_failed(status_code) is failed


@pytest.mark.parametrize("last_used_ago, recorded", [
    (None, True),  # never used
    (timedelta(0), False),
    (TOKEN_USE_PRECISION - timedelta(seconds=1), False),
    (TOKEN_USE_PRECISION, True),
    (timedelta(days=30), True),
])
def test_a_tokens_use_is_recorded_at_most_once_per_precision(last_used_ago, recorded):
    now = datetime(2010, 3, 1, 12, tzinfo=UTC)
    last_used_at = None if last_used_ago is None else now - last_used_ago
    assert token_use_worth_recording(last_used_at, now) is recorded
