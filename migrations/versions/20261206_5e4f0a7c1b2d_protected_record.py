"""protected record: a keyed audit chain with its head, sealed decisions, database-refused edits

Re-keys the existing chain with AUDIT_HMAC_KEY (as far as it still verifies with plain
SHA-256; entries after a break keep their old hashes, so `flask audit verify` still shows
the break), seals every existing decision with a `decision.sealed` entry, records the
chain's keyed head, and on PostgreSQL makes `audit_entry`, `decision` and `audit_head`
refuse UPDATE/DELETE/TRUNCATE (the head may only move forward) and makes a decision
without its audit entry fail at commit.

The triggers belong to the role that runs this migration (the tables' owner). Run the
application as another role with ordinary grants: only an owner or a superuser can drop
or disable a trigger. Downgrading drops the triggers and the head; hashes stay keyed.

Revision ID: 5e4f0a7c1b2d
Revises: a3c1e5f7b9d2
Create Date: 2026-12-06 21:10:00
"""
import hashlib
import hmac
import json
import os
from datetime import UTC, date, datetime
from enum import Enum

import sqlalchemy as sa
from alembic import op

revision = '5e4f0a7c1b2d'
down_revision = 'a3c1e5f7b9d2'
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
PROTECTED = ("audit_entry", "decision")

audit_entry = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer), sa.column("actor_label", sa.String),
    sa.column("action", sa.String), sa.column("object_type", sa.String),
    sa.column("object_id", sa.String), sa.column("before", sa.JSON),
    sa.column("after", sa.JSON), sa.column("prev_hash", sa.String),
    sa.column("entry_hash", sa.String),
)


def _key() -> bytes:
    try:
        from flask import current_app

        key = current_app.config.get("AUDIT_HMAC_KEY")
    except RuntimeError:
        key = None
    key = key or os.environ.get("AUDIT_HMAC_KEY")
    if not key:
        raise RuntimeError("AUDIT_HMAC_KEY is needed to key the audit chain; set it first.")
    return key.encode()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _canonical(row: dict, prev_hash: str) -> bytes:
    """The same canonical form as app.core.audit._canonical (frozen here)."""
    body = {
        "id": row["id"], "at": _utc(row["at"]).isoformat(), "actor_id": row["actor_id"],
        "actor_label": row["actor_label"], "action": row["action"],
        "object_type": row["object_type"], "object_id": row["object_id"],
        "before": row["before"], "after": row["after"], "prev_hash": prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _mac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _sealed_value(value):
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _rekey(connection, key: bytes) -> tuple[int, str]:
    """Re-key the chain while it still verifies; return the last re-keyed id and hash."""
    rows = connection.execute(sa.select(audit_entry).order_by(audit_entry.c.id)).mappings().all()
    old_prev = new_prev = GENESIS_HASH
    last_id = 0
    for row in rows:
        row = dict(row)
        if (row["id"] != last_id + 1 or row["prev_hash"] != old_prev
                or hashlib.sha256(_canonical(row, old_prev)).hexdigest() != row["entry_hash"]):
            break
        new_hash = _mac(key, _canonical(row, new_prev))
        connection.execute(sa.update(audit_entry).where(audit_entry.c.id == row["id"])
                           .values(prev_hash=new_prev, entry_hash=new_hash))
        old_prev, new_prev, last_id = row["entry_hash"], new_hash, row["id"]
    if rows and last_id != rows[-1]["id"]:
        return rows[-1]["id"], rows[-1]["entry_hash"]
    return last_id, new_prev


def _seal_decisions(connection, key: bytes, last_id: int, last_hash: str) -> tuple[int, str]:
    """Append a `decision.sealed` entry carrying each existing decision's whole row."""
    decision = sa.Table("decision", sa.MetaData(), autoload_with=connection)
    now = datetime.now(UTC).replace(microsecond=0)
    for row in connection.execute(sa.select(decision).order_by(decision.c.id)).mappings():
        entry = {
            "id": last_id + 1, "at": now, "actor_id": None, "actor_label": "system",
            "action": "decision.sealed", "object_type": "Decision", "object_id": str(row["id"]),
            "before": None,
            "after": {"row": {name: _sealed_value(value) for name, value in row.items()}},
        }
        entry_hash = _mac(key, _canonical(entry, last_hash))
        connection.execute(sa.insert(audit_entry).values(
            **entry, prev_hash=last_hash, entry_hash=entry_hash))
        last_id, last_hash = entry["id"], entry_hash
    return last_id, last_hash


POSTGRES_TRIGGERS = """
CREATE FUNCTION refuse_changing_the_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is part of the permanent record: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Corrections are new rows; see SECURITY.md.';
END $$;

CREATE FUNCTION audit_head_only_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.last_id <= OLD.last_id THEN
        RAISE EXCEPTION 'the audit chain''s head may only move forward'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION decision_needs_its_audit_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_entry
                   WHERE object_type = 'Decision' AND object_id = NEW.id::text) THEN
        RAISE EXCEPTION 'decision % has no audit entry: a decision and its entry commit together',
            NEW.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION refuse_changing_the_record();

CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_changing_the_record();

CREATE TRIGGER decision_append_only BEFORE UPDATE OR DELETE ON decision
    FOR EACH ROW EXECUTE FUNCTION refuse_changing_the_record();

CREATE TRIGGER decision_no_truncate BEFORE TRUNCATE ON decision
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_changing_the_record();

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION refuse_changing_the_record();

CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_changing_the_record();

CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_only_moves_forward();

CREATE CONSTRAINT TRIGGER decision_audited AFTER INSERT ON decision
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION decision_needs_its_audit_entry();
"""

DROP_POSTGRES_TRIGGERS = """
DROP TRIGGER IF EXISTS decision_audited ON decision;
DROP TRIGGER IF EXISTS audit_head_forward ON audit_head;
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head;
DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head;
DROP TRIGGER IF EXISTS decision_no_truncate ON decision;
DROP TRIGGER IF EXISTS decision_append_only ON decision;
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry;
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry;
DROP FUNCTION IF EXISTS decision_needs_its_audit_entry();
DROP FUNCTION IF EXISTS audit_head_only_moves_forward();
DROP FUNCTION IF EXISTS refuse_changing_the_record();
"""


def upgrade():
    op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('head_mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')),
    )
    connection = op.get_bind()
    key = _key()
    last_id, last_hash = _rekey(connection, key)
    last_id, last_hash = _seal_decisions(connection, key, last_id, last_hash)
    connection.execute(sa.text(
        "INSERT INTO audit_head (id, last_id, last_hash, head_mac) VALUES (1, :i, :h, :m)"),
        {"i": last_id, "h": last_hash,
         "m": _mac(key, f"audit-head|{last_id}|{last_hash}".encode())})
    if connection.dialect.name == "postgresql":
        for statement in POSTGRES_TRIGGERS.strip().split("\n\n"):
            connection.exec_driver_sql(statement.replace("%", "%%"))


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for statement in DROP_POSTGRES_TRIGGERS.strip().splitlines():
            connection.exec_driver_sql(statement)
    op.drop_table('audit_head')
