"""Application queries, scoped to what the user may see."""

import sqlalchemy as sa

from app.core.enums import ApplicationState, Role
from app.core.errors import NotFound
from app.core.permissions import PRIVATE_STATES, can_view_application, can_view_portfolio
from app.extensions import db

from .models import Application


def visible_applications(user, state: ApplicationState | None = None) -> sa.Select:
    """Build the query of applications `user` may see: own organisation, or all but drafts."""
    query = sa.select(Application)
    own = Application.organisation_id == user.organisation_id
    if Role.AUDITOR not in user.roles:
        if can_view_portfolio(user):
            query = query.where(sa.or_(own, Application.state.not_in(PRIVATE_STATES)))
        else:
            query = query.where(own)
    if state is not None:
        query = query.where(Application.state == state)
    return query.order_by(Application.state_changed_at.desc(), Application.id.desc())


def get_visible_application(user, application_id: int) -> Application:
    """Return the application, or raise NotFound if it is missing or not the user's to see."""
    application = db.session.get(Application, application_id)
    if application is None or not can_view_application(user, application):
        raise NotFound("There is no application with that number that you can see.")
    return application
