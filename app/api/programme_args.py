"""The `programme_id` query parameter every API list takes, and its 404 (issue 17)."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from .schemas import ID_RANGE, ProblemSchema

PROGRAMME_HELP = ("Only this programme's rows. Without it, every programme the caller holds a "
                  "role in; an id that names no programme is 404.")


class ProgrammeArgs(Schema):
    """Mixed into a list's query arguments."""

    programme_id = fields.Integer(validate=ID_RANGE, metadata={"description": PROGRAMME_HELP})


def programme_filtered(blueprint: Blueprint):
    """Document the 404 a list gives for a programme_id that names no programme."""
    return blueprint.alt_response(
        404, schema=ProblemSchema, content_type="application/problem+json",
        description="There is no programme with that programme_id.")
