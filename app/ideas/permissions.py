"""Who may do what with project ideas: `can_*(user, …)` functions for views and templates."""

from app.core.enums import IdeaState, Role
from app.core.permissions import belongs_to, can_view_portfolio, can_view_programme, roles_in

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
