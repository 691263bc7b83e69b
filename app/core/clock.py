"""The business clock: real time, or a fixed demo date (DEMO_DATE) for a historical demo.

The Stockholm demo lives in 2007–2012; with DEMO_DATE=2010-03-01 every submission,
reminder and default decision date falls inside the programme period. Tests set it to
control time. A replay of history (the demo seed) stands the clock at each event's moment
with `standing_at`, so the services date and check what they do as they did then.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

_standing: ContextVar[date | None] = ContextVar("business_clock_standing", default=None)


@contextmanager
def standing_at(moment: date) -> Iterator[None]:
    """Stand the business clock at `moment` for the block, before any DEMO_DATE.

    An aware datetime stops the clock at that instant (a replayed event's exact time); a date
    stands it at that day the way DEMO_DATE does.
    """
    if isinstance(moment, datetime) and moment.tzinfo is None:
        raise ValueError("the clock stands at an aware datetime or at a date")
    token = _standing.set(moment)
    try:
        yield
    finally:
        _standing.reset(token)


def _configured_date() -> date | None:
    from flask import current_app, has_app_context

    standing = _standing.get()
    if standing is not None:
        return standing.astimezone(local_zone()).date() if isinstance(standing, datetime) \
            else standing
    if not has_app_context():
        return None
    value = current_app.config.get("DEMO_DATE")
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def now() -> datetime:
    """Return the current UTC time, moved to the demo date when one is configured.

    The demo date is a day in Stockholm and in UTC alike: the real local time of day is put
    on it, and the hour or two after local midnight (still the previous day in UTC) is held
    at UTC midnight, so every moment stamped in a demo falls on the demo date in both.
    """
    standing = _standing.get()
    if isinstance(standing, datetime):
        return standing.astimezone(UTC)
    real = datetime.now(UTC)
    fixed = _configured_date()
    if fixed is None:
        return real
    local_time = real.astimezone(local_zone()).time()
    moved = datetime.combine(fixed, local_time, tzinfo=local_zone()).astimezone(UTC)
    return max(moved, datetime.combine(fixed, time(0), tzinfo=UTC))


def is_fixed() -> bool:
    """Say whether the business clock stands at a demo date: the time of day it stamps is
    then the real clock's, not the business's, so pages show such moments by date only."""
    return _configured_date() is not None


def today() -> date:
    """The business date: today in the city's time zone (the demo date in a demo)."""
    return local_date(now())


def local_zone() -> ZoneInfo:
    """The city's time zone (BABEL_DEFAULT_TIMEZONE, Europe/Stockholm)."""
    from flask import current_app, has_app_context

    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "Europe/Stockholm")


def local_date(moment: datetime) -> date:
    """The date in the city's time zone of a UTC moment (what a receipt should say)."""
    return moment.astimezone(local_zone()).date()
