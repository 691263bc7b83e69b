"""Who may see which dashboard: the rules live here, not in the services that draw them."""

from app.core.permissions import belongs_to, can_view_portfolio, roles_in


def can_view_programme_dashboard(user, programme_id: int | None = None) -> bool:
    """The whole portfolio at a glance: programme roles and auditors (of that programme)."""
    return can_view_portfolio(user, programme_id)


def can_view_organisation_dashboard(user, organisation_id: int,
                                    programme_id: int | None = None) -> bool:
    """An administration sees its own dashboard; programme roles and auditors see any."""
    return can_view_portfolio(user, programme_id) or (
        bool(roles_in(user, programme_id)) and belongs_to(user, organisation_id))
