"""Tertial report snapshots and follow-up tasks."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from app.core.enums import TertialReportState
from app.core.errors import Conflict
from app.core.models import AwareDateTime, created_at_column, enum_column
from app.extensions import db

FROZEN_WHEN_PRESENTED = ("programme_id", "year", "tertial", "as_of", "state", "snapshot",
                         "frozen_adherence", "summary", "presented_by_id", "presented_at")


class TertialReport(db.Model):
    """A tertial report; once presented its snapshot never changes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    year: Mapped[int]
    tertial: Mapped[int]
    as_of: Mapped[date]
    state: Mapped[TertialReportState] = enum_column(
        TertialReportState, default=TertialReportState.DRAFT
    )
    snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The snapshot's adherence figures and schedule tolerance, kept apart so a past date reads
    # a few bytes instead of parsing the whole snapshot (megabytes at national scale).
    frozen_adherence: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    presented_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    presented_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    committee_minute: Mapped[str] = mapped_column(sa.Text, default="")
    committee_recorded_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        sa.UniqueConstraint("programme_id", "year", "tertial", name="uq_tertial_report_period"),
        sa.CheckConstraint("tertial BETWEEN 1 AND 3", name="tertial_range"),
    )

    def __repr__(self) -> str:
        return f"<TertialReport T{self.tertial} {self.year} {self.state}>"


def adherence_of_snapshot(snapshot: dict | None) -> dict | None:
    """The part of a snapshot that past dates read: its adherence and the tolerance it used."""
    if not snapshot or "adherence" not in snapshot:
        return None
    return {**snapshot["adherence"],
            "schedule_tolerance_days": snapshot.get("schedule_tolerance_days")}


@sa.event.listens_for(TertialReport.snapshot, "set")
def _keep_adherence_with_snapshot(report: TertialReport, snapshot, _old, _initiator) -> None:
    """Whoever writes a snapshot writes its adherence too, so the two cannot differ."""
    report.frozen_adherence = adherence_of_snapshot(snapshot)


@sa.event.listens_for(TertialReport, "before_update")
def _refuse_changing_a_presented_report(_mapper, _connection, report: TertialReport) -> None:
    """Keep the committee's record whatever code runs: only the minute may follow presenting."""
    attributes = sa.inspect(report).attrs
    state_history = attributes["state"].history
    was = state_history.deleted[0] if state_history.deleted else report.state
    if was != TertialReportState.PRESENTED:
        return
    changed = [name for name in FROZEN_WHEN_PRESENTED if attributes[name].history.has_changes()]
    if changed:
        raise Conflict(_("Tertial report %(id)s has been presented and is frozen; %(fields)s "
                         "cannot change.", id=report.id, fields=", ".join(changed)))


class FollowUpTask(db.Model):
    """A dated task such as the one-year benefit follow-up after go-live."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    due_on: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (sa.UniqueConstraint("project_id", "kind", name="uq_follow_up_task_kind"),)

    def __repr__(self) -> str:
        return f"<FollowUpTask project={self.project_id} {self.kind} {self.due_on}>"
