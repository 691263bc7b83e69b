"""What every inserting step shares: the run's `SeedReport`, the context and natural-key lookups."""

from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from app.accounts.models import Area, Organisation, User
from app.extensions import db
from app.programmes.models import Programme

EVENT_HOUR = time(8, 0, tzinfo=UTC)


@dataclass
class SeedReport:
    """Rows inserted per kind by one seed run; all zero when everything was already there."""

    areas: int = 0
    programmes: int = 0
    goals: int = 0
    area_estimates: int = 0
    delegation_rules: int = 0
    organisations: int = 0
    users: int = 0
    ideas: int = 0
    applications: int = 0
    application_events: int = 0
    assessments: int = 0
    advisory_opinions: int = 0
    quality_checks: int = 0
    decisions: int = 0
    diary_counters: int = 0
    projects: int = 0
    ledger_entries: int = 0
    benefit_calculations: int = 0
    realisations: int = 0
    budget_cut_policies: int = 0
    adopted_budget_cuts: int = 0
    benefit_map_nodes: int = 0
    benefit_map_links: int = 0
    status_reports: int = 0
    tertial_reports: int = 0
    programme_phases: int = 0
    gate_decisions: int = 0

    @property
    def total(self) -> int:
        """Count every inserted row, to tell a first run from a repeated one."""
        return sum(self.as_dict().values())

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, kind: str, count: int = 1) -> None:
        setattr(self, kind, getattr(self, kind) + count)

    def __str__(self) -> str:
        if not self.total:
            return "nothing inserted (the demo data was already loaded)"
        parts = ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self)
                          if getattr(self, f.name))
        return f"{self.total} rows inserted ({parts})"


def _at(day: date) -> datetime:
    """Give a seeded event a fixed time on its day, so reruns compare equal."""
    return datetime.combine(day, EVENT_HOUR)


def _find(model, **key):
    return db.session.scalar(sa.select(model).filter_by(**key))


def _ensure(report: SeedReport, kind: str, model, key: dict, values: dict):
    """Return the row with this natural key, inserting it with `values` when missing."""
    row = _find(model, **key)
    if row is None:
        row = model(**key, **values)
        db.session.add(row)
        db.session.flush()
        report.add(kind)
    return row


@dataclass
class _Context:
    """What later steps look up: the programme and rows by their natural keys."""

    programme: Programme
    areas: dict[str, Area]
    organisations: dict[str, Organisation]
    users: dict[str, User] | None = None


def _user_id(context: _Context, email: str | None) -> int | None:
    return context.users[email].id if email else None
