"""Project ideas and their screening."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organisation
from app.core.enums import IdeaState
from app.core.models import AwareDateTime, created_at_column, enum_column
from app.extensions import db


class ProjectIdea(db.Model):
    """An administration's idea, screened by the programme office before any application."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text)
    target_group: Mapped[str] = mapped_column(sa.Text, default="")
    expected_benefit: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    state: Mapped[IdeaState] = enum_column(IdeaState, default=IdeaState.SUBMITTED)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = created_at_column()
    screened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    screened_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    screening_comment: Mapped[str] = mapped_column(sa.Text, default="")

    organisation: Mapped[Organisation] = relationship()

    # The as-of queries (a record counts on D when its business date is by D).
    __table_args__ = (
        sa.Index("ix_project_idea_programme_submitted", "programme_id", "submitted_at"),
    )

    def __repr__(self) -> str:
        return f"<ProjectIdea {self.id} {self.state} {self.title[:30]}>"
