"""The envelope as of a date: reserved, committed, spent and left, summed by SQL from the ledger."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.core.asof import counts_on
from app.core.enums import LedgerEntryKind
from app.extensions import db

from .models import EnvelopeEntry, Programme


@dataclass(frozen=True)
class EnvelopePosition:
    """Reserved, committed (net of releases), spent and remaining kronor of one envelope."""

    reserved_sek: int
    committed_sek: int
    spent_sek: int

    @property
    def remaining_sek(self) -> int:
        return self.reserved_sek - self.committed_sek

    def as_dict(self) -> dict:
        return {"reserved_sek": self.reserved_sek, "committed_sek": self.committed_sek,
                "spent_sek": self.spent_sek, "remaining_sek": self.remaining_sek}


def _sum_of(kind: LedgerEntryKind):
    return sa.func.coalesce(
        sa.func.sum(sa.case((EnvelopeEntry.kind == kind, EnvelopeEntry.amount_sek), else_=0)), 0
    )


def envelope_positions(programme_ids, on: date | None) -> dict[int, EnvelopePosition]:
    """Every listed programme's envelope from entries booked on or before `on`; one query.

    `on=None` reads the whole ledger (only the write side, committing money, asks that).
    """
    ids = list(programme_ids)
    query = (
        sa.select(
            EnvelopeEntry.programme_id,
            _sum_of(LedgerEntryKind.RESERVATION).label("reserved"),
            _sum_of(LedgerEntryKind.COMMITMENT).label("committed"),
            _sum_of(LedgerEntryKind.RELEASE).label("released"),
            _sum_of(LedgerEntryKind.SPENDING).label("spent"),
        )
        .where(EnvelopeEntry.programme_id.in_(ids))
        .group_by(EnvelopeEntry.programme_id)
    )
    if on is not None:
        query = query.where(counts_on(EnvelopeEntry.booked_on, on))
    positions = {pid: EnvelopePosition(0, 0, 0) for pid in ids}
    for row in db.session.execute(query):
        positions[row.programme_id] = EnvelopePosition(
            reserved_sek=int(row.reserved),
            committed_sek=int(row.committed) - int(row.released),
            spent_sek=int(row.spent),
        )
    return positions


def envelope_position(programme, on: date | None) -> EnvelopePosition:
    return envelope_positions([programme.id], on)[programme.id]


def ledger_entries(programme, on: date, limit: int = 50):
    """The latest movements booked on or before `on`, newest first."""
    return db.session.scalars(
        sa.select(EnvelopeEntry).where(EnvelopeEntry.programme_id == programme.id,
                                       counts_on(EnvelopeEntry.booked_on, on))
        .order_by(EnvelopeEntry.booked_on.desc(), EnvelopeEntry.id.desc()).limit(limit)
    ).all()


def current_programme():
    """The programme a list without a programme filter stands in (the latest started)."""
    return db.session.scalar(sa.select(Programme).order_by(Programme.starts_on.desc()).limit(1))
