"""Who may see benefits and record what they gave: the rules live here, not in the services."""

from datetime import date

import sqlalchemy as sa

from app.core.enums import Role
from app.core.permissions import in_portfolio_of, in_programmes_where
from app.extensions import db
from app.projects.models import Project

from . import queries
from .models import Benefit


def can_record_realisation(user, benefit: Benefit) -> bool:
    """The programme office of the benefit's programme, or its owner or project organisation."""
    project = db.session.get(Project, benefit.project_id)
    held = user.roles_for(project.programme_id)
    return Role.PROGRAMME_OFFICE in held or (
        Role.APPLICANT in held and user.organisation_id in (
            benefit.owner_organisation_id, project.organisation_id))


def visible_benefits(user, query: sa.Select, programme_id: int | None = None) -> sa.Select:
    """Narrow `query` (over Benefit) to the benefits `user` may see, in one programme if given.

    Programme roles and auditors see every benefit of the programmes they hold the role in; an
    applicant those of her organisation's projects or owned by it, in programmes she works in.
    """
    own = getattr(user, "organisation_id", None)
    own_benefit = (sa.and_(in_programmes_where(user, frozenset(Role), Project.programme_id),
                           sa.or_(Project.organisation_id == own,
                                  Benefit.owner_organisation_id == own))
                   if own else sa.false())
    project = sa.select(Project.id).where(
        Project.id == Benefit.project_id,
        sa.or_(in_portfolio_of(user, Project.programme_id), own_benefit))
    if programme_id is not None:
        project = project.where(Project.programme_id == programme_id)
    return query.where(project.exists())


def visible_register(user, up_to_year: int, on: date, *, organisation_id: int | None = None,
                     project_id: int | None = None, programme_id: int | None = None
                     ) -> sa.Select:
    """The register's figures on `on`, narrowed in SQL to the benefits `user` may see."""
    return visible_benefits(user, queries.register_figures(
        up_to_year, on, organisation_id=organisation_id, project_id=project_id), programme_id)
