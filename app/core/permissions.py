"""Who may do what: `can_*(user, …)` functions that views and templates ask.

Templates never compare role names; they call these.

Roles may be granted for one programme or for all (issue 17). A check about one programme's
thing passes that programme's id, so only the roles held there count; a check without one
asks whether the user holds the role in any programme (menus, "may this person ever ...").
Lists narrow their queries with `in_programmes_where`, so they never show a programme's rows
to someone who holds no fitting role there.
"""

import sqlalchemy as sa

from app.core.enums import ApplicationState, Role

OVERSIGHT_ROLES = frozenset({
    Role.PROGRAMME_OFFICE, Role.WORKING_GROUP, Role.DEVELOPMENT_COUNCIL, Role.BUDGET_MANAGEMENT,
    Role.DECISION_MAKER, Role.FINANCE_COMMITTEE, Role.ADMINISTRATOR, Role.AUDITOR,
})
PRIVATE_STATES = frozenset({ApplicationState.DRAFT})
# Roles that only read: a user holding nothing else changes nothing anywhere.
READ_ONLY_ROLES = frozenset({Role.ADMINISTRATION_READER})


def _roles(user, programme_id: int | None = None) -> frozenset:
    """The user's roles in `programme_id`, or in any programme when it is None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if programme_id is None:
        return user.roles
    return user.roles_for(programme_id)


def roles_in(user, programme_id: int | None) -> frozenset:
    """The roles an active, logged-in user holds in one programme (all if None)."""
    return _roles(user, programme_id)


def programmes_where(user, roles) -> frozenset[int] | None:
    """The programmes in which the user holds one of `roles`: None means every programme."""
    if not _roles(user):
        return frozenset()
    ids = set()
    for assignment in user.role_assignments:
        if assignment.role not in roles:
            continue
        if assignment.programme_id is None:
            return None
        ids.add(assignment.programme_id)
    return frozenset(ids)


def in_programmes_where(user, roles, programme_column):
    """A SQL condition: the row's programme is one where the user holds one of `roles`."""
    ids = programmes_where(user, roles)
    if ids is None:
        return sa.true()
    if not ids:
        return sa.false()
    return programme_column.in_(sorted(ids))


def accessible_programme_ids(user) -> frozenset[int] | None:
    """The programmes the user holds any role in; None means all of them."""
    return programmes_where(user, frozenset(Role))


def can_access_programme(user, programme_id: int) -> bool:
    """Whether the user holds any role in the programme (a global role counts)."""
    return bool(_roles(user, programme_id))


def can_administer(user) -> bool:
    return Role.ADMINISTRATOR in _roles(user)


def can_view_audit_log(user) -> bool:
    return bool(_roles(user) & {Role.AUDITOR, Role.ADMINISTRATOR})


def can_view_portfolio(user, programme_id: int | None = None) -> bool:
    """See every organisation's submitted work in the programme (programme roles, auditors)."""
    return bool(_roles(user, programme_id) & OVERSIGHT_ROLES)


def in_portfolio_of(user, programme_column):
    """A SQL condition: the row lies in a programme whose portfolio the user may see."""
    return in_programmes_where(user, OVERSIGHT_ROLES, programme_column)


def can_view_programme(user, programme_id: int | None = None) -> bool:
    return bool(_roles(user, programme_id))


def can_view_organisations(user) -> bool:
    return bool(_roles(user))


def belongs_to(user, organisation_id: int | None) -> bool:
    return organisation_id is not None and getattr(user, "organisation_id", None) == organisation_id


def can_view_application(user, application) -> bool:
    """Drafts are private to the applying organisation; submitted ones are open to the programme."""
    roles = _roles(user, application.programme_id)
    if not roles:
        return False
    if belongs_to(user, application.organisation_id):
        return True
    if application.state in PRIVATE_STATES:
        return Role.AUDITOR in roles
    return can_view_portfolio(user, application.programme_id)


def can_edit_application(user, application) -> bool:
    return (
        Role.APPLICANT in _roles(user, application.programme_id)
        and belongs_to(user, application.organisation_id)
        and application.state in {ApplicationState.DRAFT, ApplicationState.RETURNED_FOR_COMPLETION}
    )


def can_change_anything(user) -> bool:
    """False for a user whose every role only reads (an administration's reader)."""
    return bool(_roles(user) - READ_ONLY_ROLES)
