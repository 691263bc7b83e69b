"""Funding applications, their preparation chain, decisions and diary numbers."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Area, Organisation, User
from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    DecisionKind,
    DecisionOutcome,
    OpinionOutcome,
    QualityCheckOutcome,
    Recommendation,
)
from app.core.models import AwareDateTime, created_at_column, enum_column, money_column, utcnow
from app.extensions import db
from app.programmes.models import Programme


class Application(db.Model):
    """A feasibility or implementation application with everything the city asks for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project_idea.id"))
    feasibility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"))
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"))
    kind: Mapped[ApplicationKind] = enum_column(ApplicationKind)
    reference: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    state: Mapped[ApplicationState] = enum_column(ApplicationState, default=ApplicationState.DRAFT)
    state_changed_at: Mapped[datetime] = created_at_column()
    description: Mapped[str] = mapped_column(sa.Text, default="")
    process_description: Mapped[str] = mapped_column(sa.Text, default="")
    target_groups: Mapped[str] = mapped_column(sa.Text, default="")
    estimated_users: Mapped[int | None]
    estimated_users_within_years: Mapped[int | None]
    requirements: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    requested_sek: Mapped[int | None] = money_column(nullable=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    benefit_owner_name: Mapped[str] = mapped_column(sa.String(200), default="")
    benefit_owner_email: Mapped[str] = mapped_column(sa.String(254), default="")
    communication_plan: Mapped[str] = mapped_column(sa.Text, default="")
    operation_plan: Mapped[str] = mapped_column(sa.Text, default="")
    operation_payer: Mapped[str] = mapped_column(sa.String(200), default="")
    reuse_analysis: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    expected_decision_on: Mapped[date | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)

    programme: Mapped[Programme] = relationship()
    organisation: Mapped[Organisation] = relationship()
    area: Mapped[Area | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    goal_scores: Mapped[list["ApplicationGoalScore"]] = relationship(cascade="all, delete-orphan")
    cost_lines: Mapped[list["CostBreakdownLine"]] = relationship(cascade="all, delete-orphan")
    milestones: Mapped[list["Milestone"]] = relationship(
        cascade="all, delete-orphan", order_by="Milestone.due_on"
    )
    attachments: Mapped[list["Attachment"]] = relationship(cascade="all, delete-orphan")
    events: Mapped[list["ApplicationEvent"]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationEvent.id"
    )
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="application", order_by="Decision.id"
    )

    __table_args__ = (
        sa.CheckConstraint("requested_sek IS NULL OR requested_sek > 0", name="requested_positive"),
    )

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.kind} {self.state}>"


class ApplicationGoalScore(db.Model):
    """The applicant's own alignment with one programme goal (0–3 and a motivation)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goal.id"))
    score: Mapped[int]
    motivation: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        sa.UniqueConstraint("application_id", "goal_id", name="uq_goal_score"),
        sa.CheckConstraint("score BETWEEN 0 AND 3", name="score_range"),
    )

    def __repr__(self) -> str:
        return f"<ApplicationGoalScore app={self.application_id} goal={self.goal_id}>"


class CostBreakdownLine(db.Model):
    """Requested money for one year and cost type."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    cost_type: Mapped[str] = mapped_column(sa.String(40))
    amount_sek: Mapped[int] = money_column()

    __table_args__ = (sa.CheckConstraint("amount_sek >= 0", name="amount_not_negative"),)

    def __repr__(self) -> str:
        return f"<CostBreakdownLine {self.year} {self.cost_type} {self.amount_sek}>"


class Milestone(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(300))
    due_on: Mapped[date]

    def __repr__(self) -> str:
        return f"<Milestone {self.name} {self.due_on}>"


class Attachment(db.Model):
    """An uploaded document, kept in the database so both engines hold everything."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size_bytes: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = created_at_column()

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename}>"


class ApplicationEvent(db.Model):
    """One step in an application's history: who moved it, from where to where, and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[ApplicationState | None] = enum_column(
        ApplicationState, nullable=True, check_name="from_state"
    )
    to_state: Mapped[ApplicationState] = enum_column(ApplicationState, check_name="to_state")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[datetime] = created_at_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User | None] = relationship()

    # The as-of queries (a record counts on D when its business date is by D).
    __table_args__ = (
        sa.Index("ix_application_event_application_at", "application_id", "at"),
    )

    def __repr__(self) -> str:
        return f"<ApplicationEvent {self.application_id} {self.from_state}->{self.to_state}>"


class Assessment(db.Model):
    """The working group's preparation: scores per goal and criterion, and a recommendation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    recommendation: Mapped[Recommendation] = enum_column(Recommendation)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    scores: Mapped[list["AssessmentScore"]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Assessment {self.id} app={self.application_id} {self.recommendation}>"


class AssessmentScore(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    criterion: Mapped[str] = mapped_column(sa.String(60))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.CheckConstraint("score BETWEEN 0 AND 3", name="score_range"),)

    def __repr__(self) -> str:
        return f"<AssessmentScore {self.criterion}={self.score}>"


class AdvisoryOpinion(db.Model):
    """The development council's advice: supports or does not support."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    outcome: Mapped[OpinionOutcome] = enum_column(OpinionOutcome)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = created_at_column()

    def __repr__(self) -> str:
        return f"<AdvisoryOpinion app={self.application_id} {self.outcome}>"


class QualityCheck(db.Model):
    """Budget management's check before a decision: approved, or returned to preparation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    outcome: Mapped[QualityCheckOutcome] = enum_column(QualityCheckOutcome)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    checked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    checked_at: Mapped[datetime] = created_at_column()

    def __repr__(self) -> str:
        return f"<QualityCheck app={self.application_id} {self.outcome}>"


class Decision(db.Model):
    """An immutable decision with its diary number; corrections are new decisions referring back."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    kind: Mapped[DecisionKind] = enum_column(DecisionKind, default=DecisionKind.ORIGINAL)
    outcome: Mapped[DecisionOutcome] = enum_column(DecisionOutcome)
    amount_sek: Mapped[int] = money_column()
    diary_number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    decided_on: Mapped[date]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_by_label: Mapped[str] = mapped_column(sa.String(200), default="")
    delegation_rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delegation_rule.id"))
    authority_key: Mapped[str] = mapped_column(sa.String(60))
    decision_text: Mapped[str] = mapped_column(sa.Text, default="")
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    refers_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision.id"))
    splitting_acknowledged: Mapped[bool] = mapped_column(default=False)
    splitting_reason: Mapped[str] = mapped_column(sa.Text, default="")
    backdating_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = created_at_column()

    application: Mapped[Application] = relationship(back_populates="decisions")

    __table_args__ = (
        sa.Index("ix_decision_application_decided", "application_id", "decided_on"),
        sa.CheckConstraint("amount_sek >= 0", name="amount_not_negative"),
        sa.CheckConstraint(
            "(kind = 'original') = (refers_to_id IS NULL)", name="corrections_refer_back"
        ),
    )

    def __repr__(self) -> str:
        return f"<Decision {self.diary_number} {self.outcome} {self.amount_sek}>"
