"""Who may see and do what with project ideas: `can_*(user, …)` and the ideas one may see."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from app.accounts.models import Organisation
from app.core.enums import IdeaState, Role
from app.core.errors import NotFound
from app.core.permissions import (
    belongs_to,
    can_view_portfolio,
    can_view_programme,
    in_portfolio_of,
    in_programmes_where,
    roles_in,
)
from app.extensions import db

from . import queries
from .models import ProjectIdea

EDITABLE_STATES = frozenset({IdeaState.SUBMITTED, IdeaState.MORE_INFO_REQUESTED})
SCREENABLE_STATES = frozenset({IdeaState.SUBMITTED})


def _holds(user, role: Role, programme_id: int | None = None) -> bool:
    """Whether the user holds `role` in the programme (in any programme when None)."""
    return role in roles_in(user, programme_id)


def can_submit_idea(user, programme_id: int | None = None) -> bool:
    """Applicants of an organisation propose ideas on its behalf (in the programme, if named)."""
    return (_holds(user, Role.APPLICANT, programme_id)
            and getattr(user, "organisation_id", None) is not None)


def can_view_idea(user, idea) -> bool:
    """An organisation sees its own ideas; programme roles and auditors see every idea."""
    if not can_view_programme(user, idea.programme_id):
        return False
    return (belongs_to(user, idea.organisation_id)
            or can_view_portfolio(user, idea.programme_id))


def can_edit_idea(user, idea) -> bool:
    """The organisation's applicants edit an idea until it is screened (or to answer a question)."""
    return (_holds(user, Role.APPLICANT, idea.programme_id)
            and belongs_to(user, idea.organisation_id)
            and idea.state in EDITABLE_STATES)


def can_screen_ideas(user) -> bool:
    return _holds(user, Role.PROGRAMME_OFFICE)


def can_screen_idea(user, idea) -> bool:
    """The programme office screens an idea that waits for screening."""
    return (_holds(user, Role.PROGRAMME_OFFICE, idea.programme_id)
            and idea.state in SCREENABLE_STATES)


def can_view_idle_ideas(user) -> bool:
    """The programme office chases approved ideas that have not come back with an application."""
    return _holds(user, Role.PROGRAMME_OFFICE)


def visible_ideas(user, state: IdeaState | None = None,
                  organisation_id: int | None = None, on: date | None = None,
                  programme_id: int | None = None) -> sa.Select:
    """Build the query of ideas `user` may see: own organisation's, or all for programme roles.

    Each programme counts the roles the user holds there; `programme_id` keeps one programme.

    With `on`, only the ideas submitted by then, in the state they stood in then.
    """
    query = (sa.select(ProjectIdea)
             .join(Organisation, ProjectIdea.organisation_id == Organisation.id)
             .options(contains_eager(ProjectIdea.organisation)))
    own = getattr(user, "organisation_id", None)
    query = query.where(sa.or_(
        in_portfolio_of(user, ProjectIdea.programme_id),
        sa.and_(ProjectIdea.organisation_id == own,
                in_programmes_where(user, frozenset(Role), ProjectIdea.programme_id))
        if own else sa.false()))
    if programme_id is not None:
        query = query.where(ProjectIdea.programme_id == programme_id)
    if on is not None:
        query = query.where(queries.exists_on(on))
        if state is not None:
            query = query.where(queries.state_on(on) == state)
    elif state is not None:
        query = query.where(ProjectIdea.state == state)
    if organisation_id is not None:
        query = query.where(ProjectIdea.organisation_id == organisation_id)
    return query.order_by(ProjectIdea.submitted_at.desc(), ProjectIdea.id.desc())


def get_visible_idea(user, idea_id: int) -> ProjectIdea:
    """Return the idea, or raise NotFound if it is missing or not the user's to see."""
    idea = db.session.get(ProjectIdea, idea_id)
    if idea is None or not can_view_idea(user, idea):
        raise NotFound(_("There is no idea with that number that you can see."))
    return idea
