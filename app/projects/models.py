"""Funded projects, their six-weekly status reports and final reports."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.accounts.models import Area, Organisation, User
from app.applications.models import Decision
from app.core.enums import DecisionOutcome, ProjectState, RagStatus, ReportState
from app.core.errors import Conflict
from app.core.models import AwareDateTime, created_at_column, enum_column, money_column
from app.extensions import db


class Project(db.Model):
    """A funded project; its granted budget is the sum of its decisions, never stored.

    `decided_on` is the day of its first approving decision (NULL for a project imported
    without one), kept by `_keep_first_decision_day`: decisions never change, so the day a
    project exists from is stored once instead of searched among the decisions by every list.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"))
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("application.id"), unique=True
    )
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"))
    title: Mapped[str] = mapped_column(sa.String(300))
    is_enabling: Mapped[bool] = mapped_column(default=False)
    state: Mapped[ProjectState] = enum_column(ProjectState, default=ProjectState.ACTIVE)
    project_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    baseline_start_on: Mapped[date]
    baseline_end_on: Mapped[date]
    go_live_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    decided_on: Mapped[date | None]
    created_at: Mapped[datetime] = created_at_column()

    organisation: Mapped[Organisation] = relationship()
    area: Mapped[Area | None] = relationship()
    project_manager: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("baseline_end_on >= baseline_start_on", name="baseline_in_order"),
        # The list pages by title, in a programme or across all: the first page is read in order.
        sa.Index("ix_project_programme_title", "programme_id", "title", "id"),
        sa.Index("ix_project_title", "title", "id"),
    )

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.title[:30]}>"


class StatusReport(db.Model):
    """A six-weekly report; once submitted it is frozen, and corrections are new versions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"), index=True)
    period_number: Mapped[int]
    period_starts_on: Mapped[date]
    period_ends_on: Mapped[date]
    due_on: Mapped[date]
    version: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("status_report.id"))
    state: Mapped[ReportState] = enum_column(ReportState, default=ReportState.DRAFT)
    overall_status: Mapped[RagStatus | None] = enum_column(
        RagStatus, nullable=True, check_name="overall_status"
    )
    cost_status: Mapped[RagStatus | None] = enum_column(
        RagStatus, nullable=True, check_name="cost_status"
    )
    schedule_status: Mapped[RagStatus | None] = enum_column(
        RagStatus, nullable=True, check_name="schedule_status"
    )
    scope_status: Mapped[RagStatus | None] = enum_column(
        RagStatus, nullable=True, check_name="scope_status"
    )
    benefit_status: Mapped[RagStatus | None] = enum_column(
        RagStatus, nullable=True, check_name="benefit_status"
    )
    overall_explanation: Mapped[str] = mapped_column(sa.Text, default="")
    cost_explanation: Mapped[str] = mapped_column(sa.Text, default="")
    schedule_explanation: Mapped[str] = mapped_column(sa.Text, default="")
    scope_explanation: Mapped[str] = mapped_column(sa.Text, default="")
    benefit_explanation: Mapped[str] = mapped_column(sa.Text, default="")
    actual_cost_to_date_sek: Mapped[int | None] = money_column(nullable=True)
    forecast_cost_sek: Mapped[int | None] = money_column(nullable=True)
    forecast_end_on: Mapped[date | None]
    milestones_reached: Mapped[str] = mapped_column(sa.Text, default="")
    next_milestones: Mapped[str] = mapped_column(sa.Text, default="")
    risks: Mapped[str] = mapped_column(sa.Text, default="")
    decisions_needed: Mapped[str] = mapped_column(sa.Text, default="")
    completion_comment: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = created_at_column()

    project: Mapped[Project] = relationship()

    __table_args__ = (
        sa.Index("ix_status_report_project_submitted", "project_id", "submitted_at"),
        sa.UniqueConstraint("project_id", "period_number", "version", name="uq_report_version"),
        sa.CheckConstraint(
            "actual_cost_to_date_sek IS NULL OR actual_cost_to_date_sek >= 0",
            name="actual_not_negative",
        ),
        sa.CheckConstraint(
            "forecast_cost_sek IS NULL OR forecast_cost_sek >= 0", name="forecast_not_negative"
        ),
    )

    def __repr__(self) -> str:
        return f"<StatusReport project={self.project_id} p{self.period_number} v{self.version}>"


class FinalReport(db.Model):
    """What a closing project delivered and how its benefits will be followed up after a year."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"), unique=True)
    delivered: Mapped[str] = mapped_column(sa.Text)
    final_cost_sek: Mapped[int] = money_column()
    go_live_on: Mapped[date | None]
    lessons: Mapped[str] = mapped_column(sa.Text, default="")
    followup_indicators: Mapped[str] = mapped_column(sa.Text, default="")
    followup_responsible: Mapped[str] = mapped_column(sa.String(200), default="")
    followup_on: Mapped[date | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = created_at_column()

    __table_args__ = (sa.CheckConstraint("final_cost_sek >= 0", name="final_cost_not_negative"),)

    def __repr__(self) -> str:
        return f"<FinalReport project={self.project_id}>"


class ProgrammePhase(db.Model):
    """A phase of the programme's project model and what its gate requires (keys of
    `app.projects.rules.REQUIREMENTS`); which phases a programme uses is data."""

    __tablename__ = "programme_phase"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    requirements: Mapped[list] = mapped_column(sa.JSON, default=list)

    __table_args__ = (
        sa.UniqueConstraint("programme_id", "key", name="uq_programme_phase_key"),
        sa.UniqueConstraint("programme_id", "position", name="uq_programme_phase_position"),
    )

    def __repr__(self) -> str:
        return f"<ProgrammePhase {self.programme_id}:{self.position} {self.key}>"


class GateDecision(db.Model):
    """The programme office's decision that a project entered a phase; append-only: a
    correction is a new decision with a note."""

    __tablename__ = "gate_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"))
    phase_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_phase.id"))
    decided_on: Mapped[date]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    phase: Mapped[ProgrammePhase] = relationship()
    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_gate_decision_project_decided", "project_id", "decided_on"),
    )

    def __repr__(self) -> str:
        return f"<GateDecision project={self.project_id} phase={self.phase_id} {self.decided_on}>"


@sa.event.listens_for(GateDecision, "before_update")
def _refuse_changing_a_gate_decision(_mapper, _connection, decision: GateDecision) -> None:
    """Keep the record whatever code runs: a gate decision is never edited."""
    raise Conflict(_("Gate decision %(decision_id)s is recorded and cannot change; record a "
                     "correction instead.", decision_id=decision.id))


@sa.event.listens_for(GateDecision, "before_delete")
def _refuse_deleting_a_gate_decision(_mapper, _connection, decision: GateDecision) -> None:
    """A gate decision is never removed."""
    raise Conflict(_("Gate decision %(decision_id)s is recorded and cannot be removed.",
                     decision_id=decision.id))


def _first_approval_day(session: Session, application_id: int) -> date | None:
    return session.scalar(sa.select(sa.func.min(Decision.decided_on)).where(
        Decision.application_id == application_id,
        Decision.outcome != DecisionOutcome.REJECTED))


@sa.event.listens_for(Session, "before_flush")
def _keep_first_decision_day(session: Session, _context, _instances) -> None:
    """Whatever code adds them, a new project takes the day of its application's first
    approving decision, and a new approving decision moves its project's day back if earlier
    (a project written without the day, by a bulk insert, gets it from its decisions then)."""
    new_projects = [row for row in session.new if isinstance(row, Project)]
    approvals = [row for row in session.new if isinstance(row, Decision)
                 and row.outcome != DecisionOutcome.REJECTED]
    if not new_projects and not approvals:
        return
    with session.no_autoflush:
        for project in new_projects:
            if project.application_id is not None:
                project.decided_on = _earlier(
                    project.decided_on, _first_approval_day(session, project.application_id))
        for decision in approvals:
            application_id = decision.application_id or getattr(decision.application, "id", None)
            if application_id is None:
                continue
            project = next((p for p in new_projects if p.application_id == application_id),
                           None) or session.scalar(
                sa.select(Project).where(Project.application_id == application_id))
            if project is not None:
                recorded = project.decided_on
                if recorded is None and project.id is not None:
                    recorded = _first_approval_day(session, application_id)
                project.decided_on = _earlier(recorded, decision.decided_on)


def _earlier(first: date | None, second: date | None) -> date | None:
    return min((day for day in (first, second) if day is not None), default=None)
