"""The as-of rule, written once: a record counts on date D when its business date is on or before D.

Business dates are dates (decided on, booked on) or UTC moments (submitted at, recorded at);
a moment belongs to the day it falls on in the city's time zone (Europe/Stockholm), so a
report submitted at 23:30 UTC on 31 December counts from 1 January. Every `queries.py` builds
its conditions with `counts_on`, and every view reads its date with `parse_on`.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import clock
from app.core.errors import InvalidInput


def day_ends_at(on: date) -> datetime:
    """The UTC moment the city's day `on` ends (the next local midnight)."""
    return datetime.combine(on + timedelta(days=1), time(), clock.local_zone()).astimezone(UTC)


def counts_on(column, on: date):
    """The SQL condition: the record's business date (date or UTC moment) is on or before `on`."""
    if isinstance(column.type, sa.DateTime | sa.types.TypeDecorator):
        return column < day_ends_at(on)
    return column <= on


def counts_from(column, on: date):
    """The SQL condition: the record's business date is on or after `on` (a window's start)."""
    if isinstance(column.type, sa.DateTime | sa.types.TypeDecorator):
        return column >= day_ends_at(on - timedelta(days=1))
    return column >= on


def local_day_of(moment: datetime | None) -> date | None:
    """The city's date of a UTC moment, for showing a business date beside the rule."""
    return None if moment is None else clock.local_date(moment)


def local_day_reader() -> Callable[[datetime | None], date | None]:
    """`local_day_of` with the city's time zone looked up once, for loops over many rows (the
    lookup through the app's config cost more than the conversion)."""
    zone = clock.local_zone()
    return lambda moment: None if moment is None else moment.astimezone(zone).date()


def parse_on(value: str | None, programme=None, *, default: date | None = None) -> date:
    """Read `on=YYYY-MM-DD` inside the programme's period; left out, the business date.

    Raises InvalidInput (422) naming the field and the allowed range.
    """
    starts_on = programme.starts_on if programme is not None else None
    ends_on = programme.ends_on if programme is not None else None
    text = (value or "").strip()
    if not text:
        return default or clock.today()
    try:
        on = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        on = None
    if on is None:
        raise InvalidInput(_range_message(starts_on, ends_on, not_a_date=True), field="on",
                           **_range_extra(starts_on, ends_on))
    if (starts_on and on < starts_on) or (ends_on and on > ends_on):
        raise InvalidInput(_range_message(starts_on, ends_on), field="on",
                           **_range_extra(starts_on, ends_on))
    return on


def _range_extra(starts_on: date | None, ends_on: date | None) -> dict:
    if starts_on is None or ends_on is None:
        return {}
    return {"allowed_from": starts_on.isoformat(), "allowed_to": ends_on.isoformat()}


def _range_message(starts_on: date | None, ends_on: date | None,
                   not_a_date: bool = False) -> str:
    if starts_on is None or ends_on is None:
        return _("Give the date as YYYY-MM-DD.")
    if not_a_date:
        return _("Give the date as YYYY-MM-DD, from %(start)s to %(end)s.",
                 start=starts_on.isoformat(), end=ends_on.isoformat())
    return _("The programme runs from %(start)s to %(end)s; choose a date in between.",
             start=starts_on.isoformat(), end=ends_on.isoformat())


def on_from_request(programme=None, *, default: date | None = None) -> tuple[date, str | None]:
    """Read a page's `?on=`: the date, or the default with the message to show beside the field."""
    from flask import request

    try:
        return parse_on(request.args.get("on"), programme, default=default), None
    except InvalidInput as error:
        return parse_on(None, programme, default=default), error.detail


def page_status(error: str | None) -> int:
    """A page refusing its date still renders (with the message) but answers 422."""
    return 422 if error else 200
