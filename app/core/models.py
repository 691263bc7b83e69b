"""Shared column helpers and the cross-domain tables: notifications and the audit log."""

from datetime import UTC, date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def utcnow() -> datetime:
    """Return the current business time as an aware UTC datetime (column default)."""
    from app.core import clock

    return clock.now()


def money_column(*, nullable: bool = False, **kwargs) -> Mapped[int]:
    """Return an integer-kronor column: money is never a float in the database."""
    return mapped_column(sa.BigInteger, nullable=nullable, **kwargs)


def enum_column(enum_type: type[StrEnum], *, nullable: bool = False, check_name: str | None = None,
                **kwargs):
    """Store a StrEnum by value as a plain string, checked by the database.

    `check_name` names the CHECK constraint; give one per column when a table has two
    columns of the same enum, since constraint names must be unique.
    """
    return mapped_column(
        sa.Enum(
            enum_type,
            native_enum=False,
            create_constraint=True,
            length=40,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
            name=check_name or enum_type.__name__.lower(),
        ),
        nullable=nullable,
        **kwargs,
    )


class AwareDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use core.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def created_at_column() -> Mapped[datetime]:
    return mapped_column(AwareDateTime(), default=utcnow, nullable=False)


class Notification(db.Model):
    """A message to one user, shown under the bell and optionally e-mailed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    message: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(500))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    read_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id}>"


class AuditEntry(db.Model):
    """One append-only, hash-chained record of a state change (see core.audit)."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    actor_label: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(80))
    object_id: Mapped[str | None] = mapped_column(sa.String(80))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    entry_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id"),)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.object_type}:{self.object_id}>"


class AuditHead(db.Model):
    """The audit chain's newest entry, keyed with the HMAC key, so a deleted last entry shows."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    head_mac: Mapped[str] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<AuditHead {self.last_id} {self.last_hash[:12]}>"


def json_safe(value):
    """Turn model values into JSON-storable ones for audit before/after snapshots."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class DiaryCounter(db.Model):
    """The last number used per series and year; locked while a number is drawn, so none repeat.

    Series: "dnr" (decision diary numbers) and "application" (application references).
    """

    series: Mapped[str] = mapped_column(sa.String(20), primary_key=True, default="dnr")
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<DiaryCounter {self.series} {self.year}: {self.last_seq}>"
