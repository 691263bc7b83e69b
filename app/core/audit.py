"""The append-only, keyed hash chain of every state change, and the rows it seals.

Every state-changing service calls `record`. Each entry's hash is an HMAC (key
AUDIT_HMAC_KEY, kept outside the database) over its own content and the previous entry's
hash, so an edited, removed, reordered or wholly recomputed entry breaks the chain where it
happened. The chain's newest entry is kept, keyed too, in the `audit_head` row, so removing
the last entries shows. Immutable rows (decisions) are sealed: their entry carries the whole
row under `after["row"]`, and `verify_chain` (and `flask audit verify`) compares every such
row with its seal. On PostgreSQL the database itself refuses UPDATE, DELETE and TRUNCATE on
these tables (migration 20261206_5e4f0a7c1b2d).
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from werkzeug.local import LocalProxy

from app.core.models import AuditEntry, AuditHead, json_safe, utcnow
from app.extensions import db

GENESIS_HASH = "0" * 64
AUDIT_LOCK_KEY = 7_310_001
HEAD_ID = 1
SEALED_TABLES = ("decision",)
SEAL_KEY = "row"


def _key(key: str | bytes | None = None) -> bytes:
    """The chain's HMAC key, from the argument or the configuration."""
    key = key if key is not None else current_app.config.get("AUDIT_HMAC_KEY")
    if not key:
        raise RuntimeError("AUDIT_HMAC_KEY is not configured; the audit chain cannot be keyed.")
    return key.encode() if isinstance(key, str) else key


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "id": entry.id,
        "at": entry.at.astimezone(UTC).isoformat(),
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


def compute_hash(entry: AuditEntry, key: str | bytes | None = None) -> str:
    """Key the entry's canonical content and link with the chain's HMAC key."""
    return hmac.new(_key(key), _canonical(entry), hashlib.sha256).hexdigest()


def head_mac(last_id: int, last_hash: str, key: str | bytes | None = None) -> str:
    """Key the chain's head, so it cannot be moved back to hide removed last entries."""
    return hmac.new(_key(key), f"audit-head|{last_id}|{last_hash}".encode(),
                    hashlib.sha256).hexdigest()


def _sealed_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return json_safe(value)


def sealed_row(obj) -> dict:
    """Every column of an immutable row, as its audit entry keeps it."""
    return {column.key: _sealed_value(getattr(obj, column.key))
            for column in obj.__table__.columns}


def _is_sealed(obj) -> bool:
    return getattr(getattr(obj, "__table__", None), "name", None) in SEALED_TABLES


def _lock_chain() -> None:
    """Serialise appends on PostgreSQL; SQLite writers are already serialised by BEGIN IMMEDIATE."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def record(action: str, obj=None, *, actor=None, before=None, after=None,
           object_type: str | None = None, object_id=None) -> AuditEntry:
    """Append an audit entry for `action` on `obj` by `actor`; flushes, never commits.

    The chain's head row is locked, so concurrent appends queue and never fork the chain;
    an immutable `obj` (a decision) is sealed into the entry whole.
    """
    if isinstance(obj, LocalProxy):
        obj = obj._get_current_object()
    _lock_chain()
    head = db.session.get(AuditHead, HEAD_ID, with_for_update=True, populate_existing=True)
    if head is None:
        last = db.session.execute(
            sa.select(AuditEntry.id, AuditEntry.entry_hash).order_by(AuditEntry.id.desc())
            .limit(1)).first()
        head = AuditHead(id=HEAD_ID, last_id=last.id if last else 0,
                         last_hash=last.entry_hash if last else GENESIS_HASH)
        db.session.add(head)
    after = json_safe(after)
    if _is_sealed(obj):
        after = {**(after or {}), SEAL_KEY: sealed_row(obj)}
    entry = AuditEntry(
        id=head.last_id + 1,
        at=utcnow().replace(microsecond=0),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else "system"),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")) or None,
        before=json_safe(before),
        after=after,
        prev_hash=head.last_hash,
    )
    entry.entry_hash = compute_hash(entry)
    db.session.add(entry)
    head.last_id, head.last_hash = entry.id, entry.entry_hash
    head.head_mac = head_mac(entry.id, entry.entry_hash)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: entries checked and the first break (entry or decision)."""

    checked: int
    broken_at_id: int | None
    reason: str | None
    sealed_checked: int = 0
    broken_row: str | None = None
    kind: str | None = None
    head_hash: str | None = None

    @property
    def is_intact(self) -> bool:
        return self.broken_at_id is None and self.broken_row is None


def verify_chain(batch_size: int = 1000, key: str | bytes | None = None) -> ChainReport:
    """Walk the chain in id order, check the keyed head, then every sealed row against its seal.

    Names the first entry whose id, link or keyed hash is wrong; a chain that ends before its
    head, a head that does not match its key, and a sealed row that was changed, removed or
    never recorded are breaks too.
    """
    key = _key(key)
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    seals: dict[tuple[str, str], tuple[int, dict]] = {}
    sealed_types = {table: _object_type_of(table) for table in SEALED_TABLES}
    while True:
        batch = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.id >= expected_id)
            .order_by(AuditEntry.id).limit(batch_size)
        ).all()
        for entry in batch:
            if entry.id != expected_id:
                return ChainReport(checked, expected_id, f"entry {expected_id} is missing",
                                   kind="missing")
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.id, "link to the previous entry does not match",
                                   kind="link")
            if not hmac.compare_digest(compute_hash(entry, key), entry.entry_hash):
                return ChainReport(checked, entry.id,
                                   "content does not match its keyed hash (edited, moved or "
                                   "recomputed without the key)", kind="hash")
            if (entry.object_type in sealed_types.values() and isinstance(entry.after, dict)
                    and SEAL_KEY in entry.after):
                seals.setdefault((entry.object_type, entry.object_id),
                                 (entry.id, entry.after[SEAL_KEY]))
            expected_prev = entry.entry_hash
            expected_id += 1
            checked += 1
        for entry in batch:
            db.session.expunge(entry)
        if len(batch) < batch_size:
            break
    head_problem = _check_head(checked, expected_prev, key)
    if head_problem:
        return ChainReport(checked, head_problem[0], head_problem[1], kind=head_problem[2])
    sealed_checked = 0
    for table, object_type in sealed_types.items():
        problem, count = _check_sealed_rows(table, object_type, seals)
        sealed_checked += count
        if problem:
            return ChainReport(checked, problem[0], problem[1], sealed_checked, problem[2],
                               problem[3])
    return ChainReport(checked, None, None, sealed_checked, head_hash=expected_prev)


def _object_type_of(table: str) -> str:
    """The model name entries give for rows of `table` (e.g. decision -> Decision)."""
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_.__name__
    raise LookupError(f"no model maps the sealed table {table}")


def _check_head(checked: int, last_hash: str, key: bytes) -> tuple[int, str, str] | None:
    """Compare the chain's end with the keyed head row."""
    head = db.session.get(AuditHead, HEAD_ID, populate_existing=True)
    if head is None:
        if checked:
            return checked + 1, (f"the chain's head record is missing, so entries after "
                                 f"{checked} may have been removed"), "head_missing"
        return None
    if not hmac.compare_digest(head_mac(head.last_id, head.last_hash, key), head.head_mac):
        return checked + 1, (f"the chain's head record does not match its keyed hash, so "
                             f"entries after {checked} may have been removed"), "head_mac"
    if head.last_id > checked:
        return checked + 1, (f"entry {checked + 1} is missing: the chain ends at {checked} "
                             f"but its head says {head.last_id}"), "missing"
    if head.last_id < checked:
        return head.last_id + 1, (f"entry {head.last_id + 1} is after the chain's recorded "
                                  f"head ({head.last_id})"), "head_behind"
    if head.last_hash != last_hash:
        return checked, "the last entry does not match the chain's head", "head_hash"
    return None


def _check_sealed_rows(table_name: str, object_type: str,
                       seals: dict) -> tuple[tuple | None, int]:
    """Compare every row of a sealed table with the row its audit entry keeps."""
    table = db.metadata.tables[table_name]
    present = set()
    count = 0
    rows = db.session.execute(sa.select(table).order_by(table.c.id))
    for row in rows.mappings():
        count += 1
        object_id = str(row["id"])
        present.add(object_id)
        label = f"{table_name} {object_id}"
        seal = seals.get((object_type, object_id))
        if seal is None:
            return (None, f"{label} has no audit entry", label, "row_unsealed"), count
        entry_id, sealed = seal
        changed = sorted(name for name, value in sealed.items()
                         if name not in row or _sealed_value(row[name]) != value)
        if changed:
            return (entry_id, f"{label} differs from its audit entry {entry_id} in "
                              f"{', '.join(changed)}", label, "row_changed"), count
    for (kind, object_id), (entry_id, _) in sorted(seals.items(), key=lambda s: s[1][0]):
        if kind == object_type and object_id not in present:
            label = f"{table_name} {object_id}"
            return (entry_id, f"{label}, sealed by audit entry {entry_id}, was removed",
                    label, "row_removed"), count
    return None, count
