"""Bounds checks on an application's amounts and dates, shared by drafts, routing and decisions."""

from datetime import date

from flask_babel import gettext as _

from app.core.errors import InvalidInput
from app.core.money import format_sek
from app.programmes import rules as delegation
from app.programmes.models import Programme

from .labels import field_label


def check_amount(value, field: str, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("Write %(field)s in whole kronor, without decimals.",
                           field=field_label(field)), field=field)
    if value < (0 if allow_zero else 1) or value > delegation.MAX_AMOUNT_SEK:
        raise InvalidInput(_("%(field)s must be from %(lowest)s to %(highest)s.",
                             field=field_label(field), lowest=format_sek(0 if allow_zero else 1),
                             highest=format_sek(delegation.MAX_AMOUNT_SEK)), field=field)
    return value


def check_in_period(programme: Programme, value: date | None, field: str) -> None:
    if value is not None and not programme.starts_on <= value <= programme.ends_on:
        raise InvalidInput(_(
            "%(field)s %(date)s is outside the programme period %(starts)s – %(ends)s.",
            field=field_label(field), date=value.isoformat(),
            starts=programme.starts_on.isoformat(), ends=programme.ends_on.isoformat()),
            field=field)
