"""Who may do what: `can_*(user, …)` functions that views and templates ask.

Templates never compare role names; they call these.
"""

from app.core.enums import ApplicationState, Role

OVERSIGHT_ROLES = frozenset({
    Role.PROGRAMME_OFFICE, Role.WORKING_GROUP, Role.DEVELOPMENT_COUNCIL, Role.BUDGET_MANAGEMENT,
    Role.DECISION_MAKER, Role.FINANCE_COMMITTEE, Role.ADMINISTRATOR, Role.AUDITOR,
})
PRIVATE_STATES = frozenset({ApplicationState.DRAFT})
# Roles that only read: a user holding nothing else changes nothing anywhere.
READ_ONLY_ROLES = frozenset({Role.ADMINISTRATION_READER})


def _roles(user) -> frozenset:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return user.roles


def can_administer(user) -> bool:
    return Role.ADMINISTRATOR in _roles(user)


def can_view_audit_log(user) -> bool:
    return bool(_roles(user) & {Role.AUDITOR, Role.ADMINISTRATOR})


def can_view_portfolio(user) -> bool:
    """See every organisation's submitted work (programme roles, auditors)."""
    return bool(_roles(user) & OVERSIGHT_ROLES)


def can_view_programme(user) -> bool:
    return bool(_roles(user))


def can_view_organisations(user) -> bool:
    return bool(_roles(user))


def belongs_to(user, organisation_id: int | None) -> bool:
    return organisation_id is not None and getattr(user, "organisation_id", None) == organisation_id


def can_view_application(user, application) -> bool:
    """Drafts are private to the applying organisation; submitted ones are open to the programme."""
    roles = _roles(user)
    if not roles:
        return False
    if belongs_to(user, application.organisation_id):
        return True
    if application.state in PRIVATE_STATES:
        return Role.AUDITOR in roles
    return can_view_portfolio(user)


def can_edit_application(user, application) -> bool:
    return (
        Role.APPLICANT in _roles(user)
        and belongs_to(user, application.organisation_id)
        and application.state in {ApplicationState.DRAFT, ApplicationState.RETURNED_FOR_COMPLETION}
    )


def can_change_anything(user) -> bool:
    """False for a user whose every role only reads (an administration's reader)."""
    return bool(_roles(user) - READ_ONLY_ROLES)
