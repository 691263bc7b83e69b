"""Reading a value a person typed into a form or an API body, with the refusal they read."""

from datetime import date

from flask_babel import gettext as _

from app.core.errors import InvalidInput


def parse_date(value, field: str) -> date | None:
    """A date written YYYY-MM-DD (or already a date); empty is None; anything else refused."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(_("Write the date as YYYY-MM-DD."), field=field) from None
