"""Ideas as of a date: an idea counts from the day it was submitted, screened from its screening."""

from datetime import date

import sqlalchemy as sa

from app.core.asof import counts_on
from app.core.enums import IdeaState
from app.extensions import db

from .models import ProjectIdea


def exists_on(on: date):
    """The condition: the idea had been submitted by `on`."""
    return counts_on(ProjectIdea.submitted_at, on)


def state_on(on: date):
    """The idea's state on `on`: its screening outcome from the screening day, else submitted."""
    return sa.case((sa.and_(ProjectIdea.screened_at.is_not(None),
                            counts_on(ProjectIdea.screened_at, on)), ProjectIdea.state),
                   else_=sa.literal(IdeaState.SUBMITTED.value))


def idea_counts(programme_id: int, on: date, organisation_id: int | None = None
                ) -> dict[IdeaState, int]:
    """How many ideas stood in each state on `on`; one grouped query."""
    state = state_on(on).label("state")
    query = (sa.select(state, sa.func.count())
             .where(ProjectIdea.programme_id == programme_id, exists_on(on))
             .group_by(state))
    if organisation_id is not None:
        query = query.where(ProjectIdea.organisation_id == organisation_id)
    return {IdeaState(value): int(count) for value, count in db.session.execute(query)}
