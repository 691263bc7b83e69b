"""Which applications and decisions a user may see: one place for the pages, API and services."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.core.enums import ApplicationState, Role
from app.core.errors import NotFound
from app.core.permissions import (
    PRIVATE_STATES,
    can_view_application,
    in_portfolio_of,
    in_programmes_where,
)
from app.extensions import db

from . import queries
from .models import Application, Decision


def visible_applications(user, state: ApplicationState | None = None,
                         on: date | None = None, programme_id: int | None = None) -> sa.Select:
    """Build the query of applications `user` may see: own organisation, or all but drafts.

    Each programme counts the roles the user holds there; `programme_id` keeps one programme.
    With `on`, only the applications created by then, in the state they stood in then. The
    organisation comes in the same statement (lists and exports show its name).
    """
    query = sa.select(Application).options(joinedload(Application.organisation))
    in_programme = Application.programme_id
    own = sa.and_(Application.organisation_id == user.organisation_id,
                  in_programmes_where(user, frozenset(Role), in_programme))
    query = query.where(sa.or_(
        own,
        in_programmes_where(user, {Role.AUDITOR}, in_programme),
        sa.and_(in_portfolio_of(user, in_programme), Application.state.not_in(PRIVATE_STATES)),
    ))
    if programme_id is not None:
        query = query.where(Application.programme_id == programme_id)
    if on is not None:
        query = query.where(queries.exists_on(on))
        if state is not None:
            query = query.where(queries.state_on(on) == state)
    elif state is not None:
        query = query.where(Application.state == state)
    return query.order_by(Application.state_changed_at.desc(), Application.id.desc())


def get_visible_application(user, application_id: int, *, lock: bool = False) -> Application:
    """Return the application, or raise NotFound if it is missing or not the user's to see."""
    application = db.session.get(Application, application_id, with_for_update=lock or None,
                                 populate_existing=lock)
    if application is None or not can_view_application(user, application):
        raise NotFound(_("There is no application with that number that you can see."))
    return application


def get_visible_decision(user, decision_id: int) -> Decision:
    """Return the decision, or raise NotFound when it is missing or its application not the
    user's to see (a decision is read as its application is)."""
    decision = db.session.get(Decision, decision_id)
    if decision is None or not can_view_application(user, decision.application):
        raise NotFound(_("There is no decision %(decision_id)s that you can see.",
                         decision_id=decision_id))
    return decision
