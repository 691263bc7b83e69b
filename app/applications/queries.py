"""Applications as of a date: each stands in the state its last event by that day moved it to."""

from datetime import date

import sqlalchemy as sa

from app.core.asof import counts_on
from app.core.enums import ApplicationState
from app.extensions import db

from .models import Application, ApplicationEvent


def exists_on(on: date):
    """The condition: the application had been created by `on`."""
    return counts_on(Application.created_at, on)


def state_on(on: date):
    """The application's state on `on` (a correlated subquery over its history)."""
    last = (sa.select(ApplicationEvent.to_state)
            .where(ApplicationEvent.application_id == Application.id,
                   counts_on(ApplicationEvent.at, on))
            .order_by(ApplicationEvent.at.desc(), ApplicationEvent.id.desc())
            .limit(1).scalar_subquery())
    return sa.func.coalesce(last, sa.literal(ApplicationState.DRAFT.value))


def application_counts(programme_id: int, on: date, *, organisation_id: int | None = None,
                       area_id: int | None = None) -> dict[ApplicationState, int]:
    """How many applications stood in each state on `on`; one grouped query."""
    state = state_on(on).label("state")
    inner = (sa.select(state)
             .where(Application.programme_id == programme_id, exists_on(on)))
    if organisation_id is not None:
        inner = inner.where(Application.organisation_id == organisation_id)
    if area_id is not None:
        inner = inner.where(Application.area_id == area_id)
    states = inner.subquery()
    query = sa.select(states.c.state, sa.func.count()).group_by(states.c.state)
    return {ApplicationState(value): int(count) for value, count in db.session.execute(query)}
