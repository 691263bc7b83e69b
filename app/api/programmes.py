"""API: programmes and their envelopes, computed from the ledger."""

import sqlalchemy as sa
from flask import request

from app.core.asof import parse_on
from app.extensions import db
from app.programmes import queries
from app.programmes.models import Programme

from . import api_blueprint, documented
from .pagination import page_of
from .schemas import ProblemSchema, ProgrammeDetailSchema, ProgrammeSchema

blp = api_blueprint("api_programmes", "Programmes, their envelopes and delegation rules.")


def _with_envelope(programmes: list[Programme]) -> list[dict]:
    """The programmes with their envelopes as of `?on=` (default the business date)."""
    on = parse_on(request.args.get("on"), programmes[0] if len(programmes) == 1 else None)
    positions = queries.envelope_positions([p.id for p in programmes], on)
    return [{**_fields(p), "as_of": on, "envelope": positions[p.id].as_dict()}
            for p in programmes]


def _fields(programme: Programme) -> dict:
    return {
        "id": programme.id, "name": programme.name, "starts_on": programme.starts_on,
        "ends_on": programme.ends_on, "description": programme.description,
        "goals": programme.goals, "delegation_rules": programme.delegation_rules,
        "decision_backdating_days": programme.decision_backdating_days,
    }


@blp.get("/programmes")
@documented(blp)
@blp.response(200, ProgrammeSchema(many=True))
@blp.paginate()
def programmes(pagination_parameters):
    """All programmes with their envelopes (paginated)."""
    page = page_of(sa.select(Programme).order_by(Programme.starts_on), pagination_parameters)
    return _with_envelope(page)


@blp.get("/programmes/<int:programme_id>")
@documented(blp)
@blp.response(200, ProgrammeDetailSchema)
@blp.alt_response(404, schema=ProblemSchema, content_type="application/problem+json")
def programme(programme_id: int):
    """One programme with its envelope (reserved, committed, spent, remaining), goals and rules."""
    found = db.get_or_404(Programme, programme_id,
                          description=f"There is no programme with id {programme_id}.")
    return _with_envelope([found])[0]
