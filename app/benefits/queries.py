"""Benefits as of a date: planned per year, and realised per year from entries recorded by then.

A realisation counts on D when it was recorded on or before D (Stockholm day); of several
entries for one benefit and year, the latest recorded by D counts (later ones correct).
"""

from datetime import date

import sqlalchemy as sa

from app.core.asof import counts_on
from app.extensions import db

from .models import Benefit, BenefitPlanYear, RealisationEntry


def effective_entry_ids(on: date | None) -> sa.Select:
    """The id of the latest realisation entry per benefit and year recorded by `on` (None: the
    latest of all, for the write side)."""
    query = (sa.select(sa.func.max(RealisationEntry.id))
             .group_by(RealisationEntry.benefit_id, RealisationEntry.year))
    return query if on is None else query.where(counts_on(RealisationEntry.recorded_at, on))


def planned_by_year(project_ids: sa.Select, owner_organisation_id: int | None = None
                    ) -> dict[int, int]:
    """Planned benefit value per calendar year of the projects' benefits, summed in SQL."""
    query = (sa.select(BenefitPlanYear.year, sa.func.sum(BenefitPlanYear.planned_sek))
             .join(Benefit, Benefit.id == BenefitPlanYear.benefit_id)
             .where(Benefit.project_id.in_(project_ids))
             .group_by(BenefitPlanYear.year))
    if owner_organisation_id is not None:
        query = query.where(Benefit.owner_organisation_id == owner_organisation_id)
    return {int(year): int(total) for year, total in db.session.execute(query)}


def realised_by_year(project_ids: sa.Select, on: date,
                     owner_organisation_id: int | None = None) -> dict[int, int]:
    """Realised benefit value per year as recorded by `on`."""
    query = (sa.select(RealisationEntry.year, sa.func.sum(RealisationEntry.actual_sek))
             .join(Benefit, Benefit.id == RealisationEntry.benefit_id)
             .where(Benefit.project_id.in_(project_ids),
                    RealisationEntry.id.in_(effective_entry_ids(on)))
             .group_by(RealisationEntry.year))
    if owner_organisation_id is not None:
        query = query.where(Benefit.owner_organisation_id == owner_organisation_id)
    return {int(year): int(total) for year, total in db.session.execute(query)}


def realised_savings_by_owner(project_ids: sa.Select, on: date,
                              organisation_id: int | None = None) -> dict[tuple[int, int], int]:
    """Realised cash-releasing savings per owning organisation and year, recorded by `on`."""
    query = (sa.select(Benefit.owner_organisation_id, RealisationEntry.year,
                       sa.func.sum(RealisationEntry.actual_cash_releasing_sek))
             .join(Benefit, Benefit.id == RealisationEntry.benefit_id)
             .where(Benefit.project_id.in_(project_ids),
                    RealisationEntry.id.in_(effective_entry_ids(on)))
             .group_by(Benefit.owner_organisation_id, RealisationEntry.year))
    if organisation_id is not None:
        query = query.where(Benefit.owner_organisation_id == organisation_id)
    return {(int(org), int(year)): int(total) for org, year, total in db.session.execute(query)}


def benefit_lines(project_ids: sa.Select, on: date, up_to_year: int) -> list[sa.Row]:
    """Per benefit of the projects: planned and realised (recorded by `on`) up to a year."""
    planned = (sa.select(sa.func.coalesce(sa.func.sum(BenefitPlanYear.planned_sek), 0))
               .where(BenefitPlanYear.benefit_id == Benefit.id,
                      BenefitPlanYear.year <= up_to_year).scalar_subquery())
    realised = (sa.select(sa.func.coalesce(sa.func.sum(RealisationEntry.actual_sek), 0))
                .where(RealisationEntry.benefit_id == Benefit.id,
                       RealisationEntry.year <= up_to_year,
                       RealisationEntry.id.in_(effective_entry_ids(on))).scalar_subquery())
    query = (sa.select(Benefit.id.label("benefit_id"), Benefit.project_id,
                       Benefit.owner_organisation_id, Benefit.name,
                       planned.label("planned_sek"), realised.label("realised_sek"))
             .where(Benefit.project_id.in_(project_ids))
             .order_by(Benefit.project_id, Benefit.id))
    return list(db.session.execute(query))


def by_year(project_ids: sa.Select, on: date, up_to_year: int) -> list[dict]:
    """Planned and realised (recorded by `on`) per year up to `up_to_year`."""
    planned = planned_by_year(project_ids)
    realised = realised_by_year(project_ids, on)
    years = sorted(y for y in set(planned) | set(realised) if y <= up_to_year)
    return [{"year": y, "planned_sek": planned.get(y, 0), "realised_sek": realised.get(y, 0)}
            for y in years]
