"""Programmes, their goals, area estimates, delegation rules and the envelope ledger."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Area
from app.core.enums import LedgerEntryKind
from app.core.models import created_at_column, enum_column, money_column
from app.extensions import db


class Programme(db.Model):
    """A development programme with one envelope and its settings."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    diary_number_format: Mapped[str] = mapped_column(sa.String(60), default="SLK {year}/{seq:04d}")
    calculation_years: Mapped[int] = mapped_column(default=5)
    discount_rate: Mapped[Decimal] = mapped_column(sa.Numeric(6, 4), default=Decimal("0.035"))
    hours_per_fte: Mapped[int] = mapped_column(default=1700)
    oncost_rate: Mapped[Decimal] = mapped_column(sa.Numeric(6, 4), default=Decimal("0.54"))
    channel_unit_sek: Mapped[int] = money_column(default=2)
    stage_service_days: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    idea_idle_days: Mapped[int] = mapped_column(default=60)
    report_due_after_days: Mapped[int] = mapped_column(default=10)
    schedule_tolerance_days: Mapped[int] = mapped_column(default=0)
    decision_backdating_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # How many days before its period ends a six-weekly report may be submitted (0: not before).
    report_early_days: Mapped[int] = mapped_column(default=0, server_default="0")
    # The reporting calendar: a project's period length and the tertial reports' due days.
    six_weekly_period_days: Mapped[int] = mapped_column(default=42, server_default="42")
    tertial_due_after_days: Mapped[int] = mapped_column(default=15, server_default="15")
    created_at: Mapped[datetime] = created_at_column()

    goals: Mapped[list["Goal"]] = relationship(
        back_populates="programme", order_by="Goal.number", cascade="all, delete-orphan"
    )
    delegation_rules: Mapped[list["DelegationRule"]] = relationship(
        back_populates="programme", order_by="DelegationRule.valid_from",
        cascade="all, delete-orphan",
    )
    delegation_regimes: Mapped[list["DelegationRegime"]] = relationship(
        back_populates="programme", order_by="DelegationRegime.valid_from",
        cascade="all, delete-orphan",
    )
    area_estimates: Mapped[list["AreaEstimate"]] = relationship(
        back_populates="programme", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="period_in_order"),
        sa.CheckConstraint("decision_backdating_days BETWEEN 0 AND 366",
                           name="decision_backdating_days_range"),
    )

    def __repr__(self) -> str:
        return f"<Programme {self.id} {self.name}>"


class Goal(db.Model):
    """One of the programme's goals that every application is assessed against."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    programme: Mapped[Programme] = relationship(back_populates="goals")

    __table_args__ = (sa.UniqueConstraint("programme_id", "number", name="uq_goal_number"),)

    def __repr__(self) -> str:
        return f"<Goal {self.number} {self.title[:30]}>"


class AreaEstimate(db.Model):
    """The first-stage cost estimate for one area (to compare commitments against)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("area.id"))
    estimate_sek: Mapped[int] = money_column()

    programme: Mapped[Programme] = relationship(back_populates="area_estimates")
    area: Mapped[Area] = relationship()

    __table_args__ = (sa.UniqueConstraint("programme_id", "area_id", name="uq_area_estimate"),)

    def __repr__(self) -> str:
        return f"<AreaEstimate programme={self.programme_id} area={self.area_id}>"


class DelegationRegime(db.Model):
    """A programme's delegation from one date: a set of rules replacing the regime before.

    A regime ends when the next one starts: its rules' `valid_to` is the next regime's
    `valid_from` minus one day (none for the latest), kept so by the regime service
    (`app.programmes.regimes`) whenever a regime is added, edited or deleted. A regime whose
    start date has passed is immutable; a correction is a new regime from a later date.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"),
                                              index=True)
    valid_from: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = created_at_column()

    programme: Mapped[Programme] = relationship(back_populates="delegation_regimes")
    rules: Mapped[list["DelegationRule"]] = relationship(
        back_populates="regime", order_by="DelegationRule.id")

    __table_args__ = (
        sa.UniqueConstraint("programme_id", "valid_from", name="uq_delegation_regime_start"),
    )

    @property
    def valid_to(self) -> date | None:
        """The regime's last day: its rules' common end (none while it is the latest)."""
        return self.rules[0].valid_to if self.rules else None

    def __repr__(self) -> str:
        return f"<DelegationRegime {self.id} programme={self.programme_id} from {self.valid_from}>"


class DelegationRule(db.Model):
    """Who may decide up to which amount, in force between two dates (delegation is data).

    Rows are kept for good: a decision points at the rule it was routed by.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    regime_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation_regime.id", ondelete="CASCADE"), index=True)
    authority_key: Mapped[str] = mapped_column(sa.String(60))
    authority_name: Mapped[str] = mapped_column(sa.String(200))
    limit_sek: Mapped[int | None] = money_column(nullable=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    source: Mapped[str] = mapped_column(sa.String(300))

    programme: Mapped[Programme] = relationship(back_populates="delegation_rules")
    regime: Mapped[DelegationRegime | None] = relationship(back_populates="rules")

    __table_args__ = (
        sa.CheckConstraint("limit_sek IS NULL OR limit_sek > 0", name="limit_positive"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_in_order"),
    )

    def __repr__(self) -> str:
        return f"<DelegationRule {self.authority_key} <= {self.limit_sek} from {self.valid_from}>"


class EnvelopeEntry(db.Model):
    """One append-only movement on a programme's envelope; balances are sums of these."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    kind: Mapped[LedgerEntryKind] = enum_column(LedgerEntryKind)
    amount_sek: Mapped[int] = money_column()
    booked_on: Mapped[date]
    description: Mapped[str] = mapped_column(sa.String(500))
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision.id"))
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("envelope_entry.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        sa.Index("ix_envelope_entry_programme_booked", "programme_id", "booked_on"),
        sa.CheckConstraint("amount_sek <> 0", name="amount_not_zero"),
        sa.CheckConstraint(
            "amount_sek > 0 OR corrects_id IS NOT NULL", name="negative_only_as_correction"
        ),
    )

    def __repr__(self) -> str:
        return f"<EnvelopeEntry {self.id} {self.kind} {self.amount_sek}>"
