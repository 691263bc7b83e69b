"""The budget-cut (nyttohemtagning) policy and ledger."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import BudgetCutEntryKind
from app.core.models import created_at_column, enum_column, money_column
from app.extensions import db


class BudgetCutPolicy(db.Model):
    """How much of the cash-releasing savings is taken back, and when (effective-dated)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    valid_from_year: Mapped[int]
    share: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))
    lag_years: Mapped[int] = mapped_column(default=1)
    net_running_costs: Mapped[bool] = mapped_column(default=False)
    allow_before_go_live: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        sa.CheckConstraint("share >= 0 AND share <= 1", name="share_range"),
        sa.CheckConstraint("lag_years >= 0", name="lag_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<BudgetCutPolicy from {self.valid_from_year} share={self.share}>"


class BudgetCutEntry(db.Model):
    """A proposed or adopted cut of one organisation's budget frame for one year."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    budget_year: Mapped[int]
    kind: Mapped[BudgetCutEntryKind] = enum_column(BudgetCutEntryKind)
    amount_sek: Mapped[int] = money_column()
    policy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("budget_cut_policy.id"))
    council_decision_ref: Mapped[str] = mapped_column(sa.String(200), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("budget_cut_entry.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = created_at_column()

    lines: Mapped[list["BudgetCutLine"]] = relationship(cascade="all, delete-orphan")

    # The as-of queries (a record counts on D when its business date is by D).
    __table_args__ = (
        sa.Index("ix_budget_cut_entry_programme_created", "programme_id", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<BudgetCutEntry org={self.organisation_id} {self.budget_year} {self.kind}>"


class BudgetCutLine(db.Model):
    """One contributing benefit line behind a proposed cut: the explanation, line by line."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("budget_cut_entry.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"))
    benefit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("benefit.id"))
    calculation_version_id: Mapped[int] = mapped_column(sa.ForeignKey("calculation_version.id"))
    saving_year: Mapped[int]
    cash_releasing_sek: Mapped[int] = money_column()
    share: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))
    proposed_sek: Mapped[int] = money_column()

    def __repr__(self) -> str:
        return f"<BudgetCutLine entry={self.entry_id} project={self.project_id}>"
