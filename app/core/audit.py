"""The append-only, hash-chained audit log.

Every state-changing service calls `record`. Each entry's hash covers its own content and
the previous entry's hash, so altering or deleting any row breaks the chain at that point,
which `verify_chain` (and `flask audit verify`) reports.
"""

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.local import LocalProxy

from app.core.models import AuditEntry, json_safe, utcnow
from app.extensions import db

GENESIS_HASH = "0" * 64
AUDIT_LOCK_KEY = 7_310_001


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _lock_chain() -> None:
    """Serialise appends on PostgreSQL; SQLite writers are already serialised by BEGIN IMMEDIATE."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def record(action: str, obj=None, *, actor=None, before=None, after=None,
           object_type: str | None = None, object_id=None) -> AuditEntry:
    """Append an audit entry for `action` on `obj` by `actor`; flushes, never commits."""
    if isinstance(obj, LocalProxy):
        obj = obj._get_current_object()
    _lock_chain()
    last = db.session.execute(
        sa.select(AuditEntry.id, AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        at=utcnow().replace(microsecond=0),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else "system"),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")) or None,
        before=json_safe(before),
        after=json_safe(after),
        prev_hash=last.entry_hash if last else GENESIS_HASH,
    )
    entry.entry_hash = compute_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at_id: int | None
    reason: str | None

    @property
    def is_intact(self) -> bool:
        return self.broken_at_id is None


def verify_chain(batch_size: int = 1000) -> ChainReport:
    """Walk the chain in id order and report the first entry whose link or hash is wrong."""
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    last_id = 0
    while True:
        batch = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.id > last_id)
            .order_by(AuditEntry.id).limit(batch_size)
        ).all()
        if not batch:
            return ChainReport(checked, None, None)
        for entry in batch:
            if entry.id != expected_id:
                return ChainReport(checked, expected_id, f"entry {expected_id} is missing")
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.id, "link to the previous entry does not match")
            if compute_hash(entry) != entry.entry_hash:
                return ChainReport(checked, entry.id, "content does not match its hash")
            expected_prev = entry.entry_hash
            expected_id += 1
            checked += 1
            last_id = entry.id
        for entry in batch:
            db.session.expunge(entry)
