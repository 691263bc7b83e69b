"""Benefit calculations with versions and lines, the benefit register and realisations."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.core.enums import BenefitKind, CalculationVersionKind, CostKind, Recipient
from app.core.models import created_at_column, enum_column, money_column
from app.extensions import db


class BenefitCalculation(db.Model):
    """The benefit calculation (nyttokalkyl) of one application, across its versions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), unique=True)
    created_at: Mapped[datetime] = created_at_column()

    versions: Mapped[list["CalculationVersion"]] = relationship(
        back_populates="calculation", order_by="CalculationVersion.number"
    )

    def __repr__(self) -> str:
        return f"<BenefitCalculation {self.id} app={self.application_id}>"


class CalculationVersion(db.Model):
    """One version: as submitted, baseline (frozen at decision), re-estimate or realised."""

    id: Mapped[int] = mapped_column(primary_key=True)
    calculation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("benefit_calculation.id"), index=True
    )
    number: Mapped[int]
    kind: Mapped[CalculationVersionKind] = enum_column(CalculationVersionKind)
    start_year: Mapped[int]
    years: Mapped[int]
    discount_rate: Mapped[Decimal] = mapped_column(sa.Numeric(6, 4))
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    is_frozen: Mapped[bool] = mapped_column(default=False)
    # The net present value, stored once when the version is frozen (it cannot change then),
    # so portfolio charts need not evaluate every calculation on every request.
    npv_sek: Mapped[int | None] = money_column(nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = created_at_column()

    calculation: Mapped[BenefitCalculation] = relationship(back_populates="versions")
    benefit_lines: Mapped[list["BenefitLine"]] = relationship(
        cascade="all, delete-orphan", order_by="BenefitLine.position"
    )
    cost_lines: Mapped[list["CostLine"]] = relationship(
        cascade="all, delete-orphan", order_by="CostLine.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("calculation_id", "number", name="uq_calculation_version_number"),
    )

    def __repr__(self) -> str:
        return f"<CalculationVersion {self.calculation_id}.{self.number} {self.kind}>"


class BenefitLine(db.Model):
    """A benefit line; its kind-specific inputs (volumes, mix, minutes…) are in `params`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("calculation_version.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[BenefitKind] = enum_column(BenefitKind)
    name: Mapped[str] = mapped_column(sa.String(300))
    recipient: Mapped[Recipient | None] = enum_column(Recipient, nullable=True)
    owner_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    def __repr__(self) -> str:
        return f"<BenefitLine {self.position} {self.kind} {self.name[:30]}>"


class CostLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("calculation_version.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[CostKind] = enum_column(CostKind)
    name: Mapped[str] = mapped_column(sa.String(300))
    by_year_sek: Mapped[list] = mapped_column(sa.JSON)

    @validates("by_year_sek")
    def _whole_kronor(self, _key, amounts):
        """Keep money exact inside the JSON list too: whole, non-negative kronor only."""
        if not isinstance(amounts, list) or not all(
            isinstance(a, int) and not isinstance(a, bool) and a >= 0 for a in amounts
        ):
            raise ValueError("by_year_sek must be a list of whole, non-negative kronor")
        return amounts

    def __repr__(self) -> str:
        return f"<CostLine {self.position} {self.kind} {self.name[:30]}>"


class Benefit(db.Model):
    """A register entry: one valued line of a project's baseline, owned by an organisation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"), index=True)
    baseline_line_id: Mapped[int] = mapped_column(sa.ForeignKey("benefit_line.id"), unique=True)
    owner_organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    benefit_owner_name: Mapped[str] = mapped_column(sa.String(200), default="")
    name: Mapped[str] = mapped_column(sa.String(300))
    indicator: Mapped[str] = mapped_column(sa.String(300), default="")
    indicator_baseline: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))

    plan_years: Mapped[list["BenefitPlanYear"]] = relationship(
        cascade="all, delete-orphan", order_by="BenefitPlanYear.year"
    )

    def __repr__(self) -> str:
        return f"<Benefit {self.id} {self.name[:30]}>"


class BenefitPlanYear(db.Model):
    """The planned value of a benefit in one calendar year (from the frozen baseline)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("benefit.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    planned_sek: Mapped[int] = money_column()
    planned_cash_releasing_sek: Mapped[int] = money_column(default=0)

    __table_args__ = (sa.UniqueConstraint("benefit_id", "year", name="uq_benefit_plan_year"),)

    def __repr__(self) -> str:
        return f"<BenefitPlanYear {self.benefit_id} {self.year} {self.planned_sek}>"


class RealisationEntry(db.Model):
    """A measured realisation of a benefit for a year; corrections are new entries."""

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(sa.ForeignKey("benefit.id"), index=True)
    year: Mapped[int]
    actual_sek: Mapped[int] = money_column()
    actual_cash_releasing_sek: Mapped[int] = money_column(default=0)
    indicator_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    measured_by: Mapped[str] = mapped_column(sa.String(200), default="")
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("realisation_entry.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = created_at_column()

    # The as-of queries (a record counts on D when its business date is by D).
    __table_args__ = (
        sa.Index("ix_realisation_entry_benefit_year_recorded", "benefit_id", "year", "recorded_at"),
    )

    def __repr__(self) -> str:
        return f"<RealisationEntry benefit={self.benefit_id} {self.year} {self.actual_sek}>"
