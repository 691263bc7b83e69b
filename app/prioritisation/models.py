"""Named prioritisation scenarios: their settings, choices, and the evaluated result."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.models import AwareDateTime, created_at_column, enum_column, money_column, utcnow
from app.extensions import db
from app.programmes.models import Programme

from .rules import ValueMeasure


class PrioritisationScenario(db.Model):
    """A programme office scenario: weights, value measure, budget, forced choices and result.

    `choices` holds, per candidate key ("application:12", "idea:5"), the forcing ("in"/"out")
    with its written reason and, for an idea without an application, the estimated cost.
    `result` is the evaluation as of `as_of_on`, so a scenario sent to the development
    council reads the same later, whatever happens to the candidates since.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    value_measure: Mapped[ValueMeasure] = enum_column(ValueMeasure, default=ValueMeasure.SCORE)
    score_share: Mapped[float] = mapped_column(sa.Float, default=0.5)
    weighting: Mapped[str] = mapped_column(sa.String(20), default="direct")
    weights: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    pairwise: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    consistency_ratio: Mapped[float | None] = mapped_column(sa.Float)
    budget_sek: Mapped[int | None] = money_column(nullable=True)
    choices: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    as_of_on: Mapped[date]
    remaining_envelope_sek: Mapped[int] = money_column(default=0)
    total_cost_sek: Mapped[int] = money_column(default=0)
    total_value: Mapped[float] = mapped_column(sa.Float, default=0.0)
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    programme: Mapped[Programme] = relationship()
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])

    __table_args__ = (
        sa.UniqueConstraint("programme_id", "name", name="uq_scenario_name"),
        sa.CheckConstraint("budget_sek IS NULL OR budget_sek >= 0", name="budget_not_negative"),
        sa.CheckConstraint("score_share BETWEEN 0 AND 1", name="score_share_range"),
    )

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None

    def __repr__(self) -> str:
        return f"<PrioritisationScenario {self.id} {self.name!r}>"
