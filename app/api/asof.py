"""The `on` query parameter every figure endpoint takes: the day its figures stand at."""

from datetime import date

from marshmallow import Schema, fields

from app.core.asof import parse_on
from app.programmes.queries import current_programme

ON_HELP = ("The day the figures stand at (YYYY-MM-DD), inside the programme's period; default "
           "the business date. A record counts when its business date (decided, booked, "
           "submitted, recorded) is on or before it.")


class AsOfArgs(Schema):
    on = fields.String(metadata={"description": ON_HELP, "format": "date"})


def on_of(args, programme=None) -> date:
    """The validated date of `args["on"]` (422 naming the allowed range); left out, the
    business date, without reading the programme whose range only a given date is held to."""
    if not (args.get("on") or "").strip():
        return parse_on(None)
    return parse_on(args["on"], programme or current_programme())
