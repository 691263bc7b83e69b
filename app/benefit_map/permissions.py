"""Who may see and edit a benefits dependency network.

Read as the application or project is read; the applicant edits its own organisation's network
(while the application can be edited, and once it is a funded project); the programme office
edits every network.
"""

import sqlalchemy as sa
from flask_babel import gettext as _

from app.applications.models import Application
from app.benefits.models import BenefitCalculation
from app.core.enums import ApplicationState, Role
from app.core.errors import NotFound
from app.core.permissions import (
    _roles,
    belongs_to,
    can_view_application,
    can_view_portfolio,
    in_portfolio_of,
    in_programmes_where,
)
from app.extensions import db
from app.projects.models import Project

from .models import NetworkNode

APPLICANT_EDITABLE = frozenset({ApplicationState.DRAFT, ApplicationState.RETURNED_FOR_COMPLETION})


def project_of(application: Application) -> Project | None:
    return db.session.scalar(sa.select(Project).where(Project.application_id == application.id))


def can_view_network(user, application: Application) -> bool:
    """See a network wherever its application (or project) may be seen."""
    project = project_of(application)
    if project is not None and bool(_roles(user, project.programme_id)) and (
            belongs_to(user, project.organisation_id)
            or can_view_portfolio(user, project.programme_id)):
        return True
    return can_view_application(user, application)


def can_edit_network(user, application: Application) -> bool:
    """The programme office edits every network; an applicant its own organisation's."""
    roles = _roles(user, application.programme_id)
    if Role.PROGRAMME_OFFICE in roles:
        return True
    if Role.APPLICANT not in roles or not belongs_to(user, application.organisation_id):
        return False
    return application.state in APPLICANT_EDITABLE or project_of(application) is not None


def can_view_programme_network(user, programme_id: int | None = None) -> bool:
    """The whole programme's network: the programme's roles and auditors."""
    return can_view_portfolio(user, programme_id)


def get_visible_application(user, application_id: int) -> Application:
    """Return the application whose network `user` may see, or raise NotFound."""
    application = db.session.get(Application, application_id)
    if application is None or not can_view_network(user, application):
        raise NotFound(_("There is no application with that number that you can see."))
    return application


def get_visible_project(user, project_id: int) -> Project:
    """Return the project whose network `user` may see, or raise NotFound."""
    project = db.session.get(Project, project_id)
    application = (db.session.get(Application, project.application_id)
                   if project is not None and project.application_id else None)
    if application is None or not can_view_network(user, application):
        raise NotFound(_("There is no project with that number that you can see."))
    return project


def get_visible_node(user, node_id: int) -> NetworkNode:
    """Return a live node (enabler or change) `user` may see, or raise NotFound."""
    node = db.session.get(NetworkNode, node_id)
    calculation = db.session.get(BenefitCalculation, node.calculation_id) if node else None
    application = db.session.get(Application, calculation.application_id) if calculation else None
    if node is None or node.version_id is not None or application is None \
            or not can_view_network(user, application):
        raise NotFound(_("There is no change or enabler with that number that you can see."))
    return node


def visible_projects(user, query: sa.Select) -> sa.Select:
    """Narrow a query of projects to those whose network `user` may see."""
    return query.where(sa.or_(
        in_portfolio_of(user, Project.programme_id),
        sa.and_(Project.organisation_id == getattr(user, "organisation_id", None),
                in_programmes_where(user, frozenset(Role), Project.programme_id))))
