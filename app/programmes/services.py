"""Programme queries and the envelope position, always computed from the ledger."""

from datetime import date

import sqlalchemy as sa

from app.extensions import db

from . import queries
from .models import Programme
from .queries import EnvelopePosition

__all__ = ["EnvelopePosition", "envelope_position", "envelope_positions", "list_programmes"]


def envelope_positions(programme_ids, as_of: date | None = None) -> dict[int, EnvelopePosition]:
    """Every listed programme's envelope (the write side reads the whole ledger)."""
    return queries.envelope_positions(programme_ids, as_of)


def envelope_position(programme: Programme, as_of: date | None = None) -> EnvelopePosition:
    return queries.envelope_positions([programme.id], as_of)[programme.id]


def list_programmes():
    return db.session.scalars(sa.select(Programme).order_by(Programme.starts_on)).all()

