"""Who may see and manage budget cuts: one place for the rules the pages, API and services ask."""

from flask_babel import gettext as _

from app.accounts.models import Organisation
from app.core.enums import Role
from app.core.errors import NotFound
from app.core.permissions import belongs_to, can_view_portfolio, roles_in
from app.extensions import db


def can_manage_budget_cuts(user, programme_id: int | None = None) -> bool:
    """Policies, proposals and adopted cuts are the programme office's (of that programme)."""
    return Role.PROGRAMME_OFFICE in roles_in(user, programme_id)


def can_view_all_budget_cuts(user, programme_id: int | None = None) -> bool:
    return can_view_portfolio(user, programme_id)


def can_view_budget_cuts_of(user, organisation_id: int, programme_id: int | None = None) -> bool:
    """An organisation sees its own cuts; programme roles and auditors see every one."""
    return can_view_portfolio(user, programme_id) or (
        bool(roles_in(user, programme_id)) and belongs_to(user, organisation_id))


def get_visible_organisation(user, organisation_id: int, programme_id: int) -> Organisation:
    """The organisation whose cuts in the programme `user` may see; 404 alike when missing."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not can_view_budget_cuts_of(user, organisation_id, programme_id):
        raise NotFound(_("There is no organisation %(organisation_id)s whose budget cuts you can "
                         "see.", organisation_id=organisation_id))
    return organisation
