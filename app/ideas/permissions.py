"""Who may do what with project ideas: `can_*(user, …)` functions for views and templates."""

from app.core.enums import IdeaState, Role
from app.core.permissions import belongs_to, can_view_portfolio, can_view_programme

EDITABLE_STATES = frozenset({IdeaState.SUBMITTED, IdeaState.MORE_INFO_REQUESTED})
SCREENABLE_STATES = frozenset({IdeaState.SUBMITTED})


def _holds(user, role: Role) -> bool:
    return can_view_programme(user) and role in user.roles


def can_submit_idea(user) -> bool:
    """Applicants of an organisation propose ideas on its behalf."""
    return _holds(user, Role.APPLICANT) and getattr(user, "organisation_id", None) is not None


def can_view_idea(user, idea) -> bool:
    """An organisation sees its own ideas; programme roles and auditors see every idea."""
    if not can_view_programme(user):
        return False
    return belongs_to(user, idea.organisation_id) or can_view_portfolio(user)


def can_edit_idea(user, idea) -> bool:
    """The organisation's applicants edit an idea until it is screened (or to answer a question)."""
    return (_holds(user, Role.APPLICANT) and belongs_to(user, idea.organisation_id)
            and idea.state in EDITABLE_STATES)


def can_screen_ideas(user) -> bool:
    return _holds(user, Role.PROGRAMME_OFFICE)


def can_screen_idea(user, idea) -> bool:
    """The programme office screens an idea that waits for screening."""
    return can_screen_ideas(user) and idea.state in SCREENABLE_STATES


def can_view_idle_ideas(user) -> bool:
    """The programme office chases approved ideas that have not come back with an application."""
    return _holds(user, Role.PROGRAMME_OFFICE)
