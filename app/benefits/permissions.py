"""Which benefits a user may see: the programme's roles every benefit there, others their own."""

import sqlalchemy as sa

from app.core.enums import Role
from app.core.permissions import in_portfolio_of, in_programmes_where
from app.projects.models import Project

from .models import Benefit


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
