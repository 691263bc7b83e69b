"""Who may see and do what with prioritisation scenarios.

The programme office builds scenarios and sends one to the development council as its
proposal; the council (and auditors) read the sent ones only, never change them.
"""

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.enums import Role
from app.core.errors import NotFound
from app.core.permissions import can_view_programme
from app.extensions import db

from .models import PrioritisationScenario

READERS_OF_SENT = frozenset({Role.DEVELOPMENT_COUNCIL, Role.AUDITOR})


def _roles(user) -> frozenset:
    return frozenset(user.roles) if can_view_programme(user) else frozenset()


def can_prioritise(user) -> bool:
    """Build, change and send scenarios: the programme office."""
    return Role.PROGRAMME_OFFICE in _roles(user)


def can_view_prioritisation(user) -> bool:
    """See the prioritisation pages: the programme office, and the council and auditors."""
    return can_prioritise(user) or bool(_roles(user) & READERS_OF_SENT)


def can_view_scenario(user, scenario: PrioritisationScenario) -> bool:
    return can_prioritise(user) or (scenario.is_sent and bool(_roles(user) & READERS_OF_SENT))


def can_edit_scenario(user, scenario: PrioritisationScenario) -> bool:
    """A sent proposal is what the council read: it is no longer changed."""
    return can_prioritise(user) and not scenario.is_sent


def can_send_scenario(user, scenario: PrioritisationScenario) -> bool:
    return can_edit_scenario(user, scenario)


def visible_scenarios(user, query: sa.Select) -> sa.Select:
    """Narrow a scenario query to what the user may see."""
    if can_prioritise(user):
        return query
    if _roles(user) & READERS_OF_SENT:
        return query.where(PrioritisationScenario.sent_at.is_not(None))
    return query.where(sa.false())


def get_visible_scenario(user, scenario_id: int) -> PrioritisationScenario:
    """Load a scenario the user may see; any other is 404, so its existence is not revealed."""
    scenario = db.session.get(PrioritisationScenario, scenario_id)
    if scenario is None or not can_view_scenario(user, scenario):
        raise NotFound(_("There is no scenario %(id)s that you can see.", id=scenario_id))
    return scenario
