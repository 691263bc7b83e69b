"""Who may see and do what with prioritisation scenarios.

The programme office builds scenarios and sends one to the development council as its
proposal; the council (and auditors) read the sent ones only, never change them.
"""

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.enums import Role
from app.core.errors import NotFound
from app.core.permissions import _roles, in_programmes_where
from app.extensions import db

from .models import PrioritisationScenario

READERS_OF_SENT = frozenset({Role.DEVELOPMENT_COUNCIL, Role.AUDITOR})


def can_prioritise(user, programme_id: int | None = None) -> bool:
    """Build, change and send scenarios: the programme office (of that programme)."""
    return Role.PROGRAMME_OFFICE in _roles(user, programme_id)


def can_view_prioritisation(user, programme_id: int | None = None) -> bool:
    """See the prioritisation pages: the programme office, and the council and auditors."""
    return can_prioritise(user, programme_id) or bool(_roles(user, programme_id)
                                                      & READERS_OF_SENT)


def can_view_scenario(user, scenario: PrioritisationScenario) -> bool:
    return can_prioritise(user, scenario.programme_id) or (
        scenario.is_sent and bool(_roles(user, scenario.programme_id) & READERS_OF_SENT))


def can_edit_scenario(user, scenario: PrioritisationScenario) -> bool:
    """A sent proposal is what the council read: it is no longer changed."""
    return can_prioritise(user, scenario.programme_id) and not scenario.is_sent


def can_send_scenario(user, scenario: PrioritisationScenario) -> bool:
    return can_edit_scenario(user, scenario)


def visible_scenarios(user, query: sa.Select) -> sa.Select:
    """Narrow a scenario query to what the user may see, programme by programme."""
    programme = PrioritisationScenario.programme_id
    return query.where(sa.or_(
        in_programmes_where(user, {Role.PROGRAMME_OFFICE}, programme),
        sa.and_(in_programmes_where(user, READERS_OF_SENT, programme),
                PrioritisationScenario.sent_at.is_not(None))))


def get_visible_scenario(user, scenario_id: int) -> PrioritisationScenario:
    """Load a scenario the user may see; any other is 404, so its existence is not revealed."""
    scenario = db.session.get(PrioritisationScenario, scenario_id)
    if scenario is None or not can_view_scenario(user, scenario):
        raise NotFound(_("There is no scenario %(id)s that you can see.", id=scenario_id))
    return scenario
