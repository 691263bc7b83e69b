"""The benefits dependency network: enablers, changes and the links to benefits and goals."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organisation
from app.core.enums import ChangeState, NodeKind
from app.core.models import created_at_column, enum_column
from app.extensions import db


class NetworkNode(db.Model):
    """An enabler or a change of one application's network.

    `version_id` is None for the live network (edited with the application and, once funded,
    during the project); a frozen calculation version keeps its own copy, as it was.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    calculation_id: Mapped[int] = mapped_column(sa.ForeignKey("benefit_calculation.id"),
                                                index=True)
    version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("calculation_version.id", ondelete="CASCADE"), index=True)
    live_node_id: Mapped[int | None]
    kind: Mapped[NodeKind] = enum_column(NodeKind)
    label: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    responsible_name: Mapped[str] = mapped_column(sa.String(200), default="")
    prerequisite_project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project.id"),
                                                                index=True)
    due_on: Mapped[date | None]
    state: Mapped[ChangeState | None] = enum_column(ChangeState, nullable=True)
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    done_on: Mapped[date | None]
    created_on: Mapped[date]
    created_at: Mapped[datetime] = created_at_column()

    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("kind IN ('enabler', 'enabling_change', 'business_change')",
                           name="node_is_enabler_or_change"),
        sa.CheckConstraint("kind = 'enabler' OR (state IS NOT NULL AND due_on IS NOT NULL)",
                           name="change_has_state_and_due_date"),
        sa.CheckConstraint("state = 'done' OR done_on IS NULL", name="done_on_only_when_done"),
    )

    @property
    def is_change(self) -> bool:
        return self.kind in (NodeKind.ENABLING_CHANGE, NodeKind.BUSINESS_CHANGE)

    def __repr__(self) -> str:
        return f"<NetworkNode {self.id} {self.kind} {self.label[:30]}>"


class NetworkLink(db.Model):
    """A link from a node or benefit line (by position) to a node, benefit line or goal."""

    id: Mapped[int] = mapped_column(primary_key=True)
    calculation_id: Mapped[int] = mapped_column(sa.ForeignKey("benefit_calculation.id"),
                                                index=True)
    version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("calculation_version.id", ondelete="CASCADE"), index=True)
    from_node_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("network_node.id", ondelete="CASCADE"), index=True)
    from_benefit_position: Mapped[int | None]
    to_node_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("network_node.id", ondelete="CASCADE"), index=True)
    to_benefit_position: Mapped[int | None]
    to_goal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("goal.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        sa.CheckConstraint("(from_node_id IS NULL) <> (from_benefit_position IS NULL)",
                           name="link_has_one_source"),
        sa.CheckConstraint(
            "(CASE WHEN to_node_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN to_benefit_position IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN to_goal_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="link_has_one_target"),
    )

    def __repr__(self) -> str:
        return f"<NetworkLink {self.id} v={self.version_id}>"
