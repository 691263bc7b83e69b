"""The programme's ledger, written in one place: every reservation, commitment and release.

The ledger's owner is the programme; applications (decisions), projects (closing) and the
importers book through `book`, so every entry is made the same way and can be found here.
"""

from datetime import date, datetime

from app.core.enums import LedgerEntryKind
from app.extensions import db

from .models import EnvelopeEntry


def book(programme_id: int, kind: LedgerEntryKind, amount_sek: int, booked_on: date,
         description: str, *, project_id: int | None = None, decision_id: int | None = None,
         corrects_id: int | None = None, actor=None,
         recorded_at: datetime | None = None) -> EnvelopeEntry:
    """Add one entry and flush it (the caller checked the rules and writes the audit entry).

    `recorded_at` is for replaying history (the demo seed): the moment it was recorded then.
    """
    entry = EnvelopeEntry(
        programme_id=programme_id, kind=kind, amount_sek=amount_sek, booked_on=booked_on,
        description=description[:500], project_id=project_id, decision_id=decision_id,
        corrects_id=corrects_id, created_by_id=getattr(actor, "id", None))
    if recorded_at is not None:
        entry.created_at = recorded_at
    db.session.add(entry)
    db.session.flush()
    return entry
