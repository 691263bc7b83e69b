"""Benefits as of a date: planned per year, and realised per year from entries recorded by then.

A realisation counts on D when it was recorded on or before D (Stockholm day); of several
entries for one benefit and year, the latest recorded by D counts (later ones correct).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.asof import counts_on
from app.extensions import db
from app.projects import queries as project_queries
from app.projects.models import Project

from .models import Benefit, BenefitLine, BenefitPlanYear, CostLine, RealisationEntry


def effective_entry(on: date | None):
    """The SQL condition on RealisationEntry: it is the latest entry for its benefit and year
    recorded by `on` (None: the latest of all, for the write side). Written as NOT EXISTS a
    later one, so a page of the register probes the index per benefit instead of grouping
    every entry ever recorded for each row."""
    later = aliased(RealisationEntry, name="later_entry")
    newer = sa.exists().where(later.benefit_id == RealisationEntry.benefit_id,
                              later.year == RealisationEntry.year, later.id > RealisationEntry.id)
    if on is None:
        return ~newer
    return sa.and_(counts_on(RealisationEntry.recorded_at, on),
                   ~newer.where(counts_on(later.recorded_at, on)))


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
                    effective_entry(on))
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
                    effective_entry(on))
             .group_by(Benefit.owner_organisation_id, RealisationEntry.year))
    if organisation_id is not None:
        query = query.where(Benefit.owner_organisation_id == organisation_id)
    return {(int(org), int(year)): int(total) for org, year, total in db.session.execute(query)}


@dataclass(frozen=True)
class RealisedSums:
    """What one pass over the realisations gives two charts: the value realised per year by
    some projects' benefits, and the cash-releasing savings per owner and year."""

    by_year: dict[int, int]
    savings_by_owner: dict[tuple[int, int], int]


def realised_sums(every_project: sa.Select, project_ids: sa.Select, on: date, *,
                  realised_owner_id: int | None = None, savings_owner_id: int | None = None
                  ) -> RealisedSums:
    """`realised_by_year(project_ids, on, realised_owner_id)` and
    `realised_savings_by_owner(every_project, on, savings_owner_id)` in one statement, for
    `project_ids` among `every_project`: the effective entries are found once (at national
    scale each pass cost a twentieth of a dashboard)."""
    counted = Benefit.project_id.in_(project_ids)
    if realised_owner_id is not None:
        counted = sa.and_(counted, Benefit.owner_organisation_id == realised_owner_id)
    saved = (sa.true() if savings_owner_id is None
             else Benefit.owner_organisation_id == savings_owner_id)
    query = (sa.select(Benefit.owner_organisation_id, RealisationEntry.year,
                       sa.func.sum(sa.case((counted, RealisationEntry.actual_sek))),
                       sa.func.sum(sa.case((saved, RealisationEntry.actual_cash_releasing_sek))))
             .join(Benefit, Benefit.id == RealisationEntry.benefit_id)
             .where(Benefit.project_id.in_(every_project), effective_entry(on))
             .group_by(Benefit.owner_organisation_id, RealisationEntry.year))
    by_year: dict[int, int] = {}
    savings: dict[tuple[int, int], int] = {}
    for owner, year, realised, saving in db.session.execute(query):
        if realised is not None:
            by_year[int(year)] = by_year.get(int(year), 0) + int(realised)
        if saving is not None:
            savings[(int(owner), int(year))] = int(saving)
    return RealisedSums(by_year, savings)


def benefit_lines(project_ids: sa.Select, on: date, up_to_year: int) -> list[sa.Row]:
    """Per benefit of the projects: planned and realised (recorded by `on`) up to a year.

    Both sums are grouped once and joined, not correlated per benefit: a correlated sum over
    the effective entries made the tertial snapshot grow faster than the data. The projects'
    benefits are found once (a CTE both sums and the rows join) rather than by joining every
    programme's benefits to the projects three times.
    """
    scoped = (sa.select(Benefit.id, Benefit.project_id, Benefit.owner_organisation_id,
                        Benefit.name)
              .where(Benefit.project_id.in_(project_ids)).cte("scoped_benefit"))
    planned = (sa.select(BenefitPlanYear.benefit_id,
                         sa.func.sum(BenefitPlanYear.planned_sek).label("total"))
               .join(scoped, scoped.c.id == BenefitPlanYear.benefit_id)
               .where(BenefitPlanYear.year <= up_to_year)
               .group_by(BenefitPlanYear.benefit_id).subquery("planned"))
    realised = (sa.select(RealisationEntry.benefit_id,
                          sa.func.sum(RealisationEntry.actual_sek).label("total"))
                .join(scoped, scoped.c.id == RealisationEntry.benefit_id)
                .where(RealisationEntry.year <= up_to_year, effective_entry(on))
                .group_by(RealisationEntry.benefit_id).subquery("realised"))
    query = (sa.select(scoped.c.id.label("benefit_id"), scoped.c.project_id,
                       scoped.c.owner_organisation_id, scoped.c.name,
                       sa.func.coalesce(planned.c.total, 0).label("planned_sek"),
                       sa.func.coalesce(realised.c.total, 0).label("realised_sek"))
             .outerjoin(planned, planned.c.benefit_id == scoped.c.id)
             .outerjoin(realised, realised.c.benefit_id == scoped.c.id)
             .order_by(scoped.c.project_id, scoped.c.id))
    return list(db.session.execute(query))


def by_year(project_ids: sa.Select, realised: Mapping[int, int], up_to_year: int
            ) -> list[dict]:
    """Planned per year up to `up_to_year`, beside `realised` (the projects' value realised
    per year, as `realised_by_year` or `realised_sums` read it)."""
    planned = planned_by_year(project_ids)
    years = sorted(y for y in set(planned) | set(realised) if y <= up_to_year)
    return [{"year": y, "planned_sek": planned.get(y, 0), "realised_sek": realised.get(y, 0)}
            for y in years]


# ---- the register ---------------------------------------------------------------------------

FIGURES = ("planned_total_sek", "planned_to_date_sek", "actual_to_date_sek",
           "actual_cash_releasing_to_date_sek")


@dataclass(frozen=True)
class RegisterRow:
    """One benefit with planned and realised figures up to a year, and the variance."""

    benefit: Benefit
    project_id: int
    owner_organisation_id: int
    planned_total_sek: int
    planned_to_date_sek: int
    actual_to_date_sek: int
    actual_cash_releasing_to_date_sek: int

    @property
    def variance_sek(self) -> int:
        return self.actual_to_date_sek - self.planned_to_date_sek

    @property
    def realisation_rate(self) -> float | None:
        if self.planned_to_date_sek == 0:
            return None
        return self.actual_to_date_sek / self.planned_to_date_sek


def register_figures(up_to_year: int, on: date, *, organisation_id: int | None = None,
                     project_id: int | None = None) -> sa.Select:
    """Per benefit of a project existing on `on`: planned in total and to `up_to_year`, and
    realised to `up_to_year` from entries recorded by `on`; a select over Benefit, by project."""
    def planned(*conditions):
        return (sa.select(sa.func.coalesce(sa.func.sum(BenefitPlanYear.planned_sek), 0))
                .where(BenefitPlanYear.benefit_id == Benefit.id, *conditions).scalar_subquery())

    def realised(column):
        return (sa.select(sa.func.coalesce(sa.func.sum(column), 0))
                .where(RealisationEntry.benefit_id == Benefit.id,
                       RealisationEntry.year <= up_to_year, effective_entry(on))
                .scalar_subquery())

    query = (sa.select(Benefit.id.label("benefit_id"), Benefit.project_id,
                       Benefit.owner_organisation_id,
                       planned().label("planned_total_sek"),
                       planned(BenefitPlanYear.year <= up_to_year).label("planned_to_date_sek"),
                       realised(RealisationEntry.actual_sek).label("actual_to_date_sek"),
                       realised(RealisationEntry.actual_cash_releasing_sek)
                       .label("actual_cash_releasing_to_date_sek"))
             .where(Benefit.project_id.in_(sa.select(Project.id)
                                           .where(project_queries.exists_on(on))))
             .order_by(Benefit.project_id, Benefit.id))
    if organisation_id is not None:
        query = query.where(Benefit.owner_organisation_id == organisation_id)
    if project_id is not None:
        query = query.where(Benefit.project_id == project_id)
    return query


def register_rows(figures: sa.Select, *, limit: int | None = None, offset: int = 0
                  ) -> list[RegisterRow]:
    """The register's rows of `figures` (one page when `limit` is given), benefits loaded
    with their plan years in one further statement."""
    page = figures.limit(limit).offset(offset).subquery("register_page")
    query = (sa.select(Benefit, *(page.c[name] for name in FIGURES))
             .join(page, page.c.benefit_id == Benefit.id)
             .order_by(page.c.project_id, page.c.benefit_id)
             .options(selectinload(Benefit.plan_years)))
    return [RegisterRow(benefit, benefit.project_id, benefit.owner_organisation_id,
                        *(int(value) for value in values))
            for benefit, *values in db.session.execute(query)]


def register_count(figures: sa.Select) -> int:
    """How many benefits `figures` holds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        figures.order_by(None).subquery()))


def register_totals(figures: sa.Select, key: str) -> dict[int, dict]:
    """Sum `figures` per `project_id` or `owner_organisation_id` in SQL, with the variance and
    realisation rate, over every row (not one page)."""
    rows = figures.order_by(None).subquery("register")
    query = (sa.select(rows.c[key], *(sa.func.sum(rows.c[name]).label(name)
                                      for name in FIGURES[:3]))
             .group_by(rows.c[key]).order_by(rows.c[key]))
    grouped: dict[int, dict] = {}
    for group, total, to_date, actual in db.session.execute(query):
        planned_total, planned, realised = int(total), int(to_date), int(actual)
        grouped[group] = {
            "planned_total_sek": planned_total, "planned_to_date_sek": planned,
            "actual_to_date_sek": realised, "variance_sek": realised - planned,
            "realisation_rate": realised / planned if planned else None}
    return grouped


def load_lines_of_unvalued(versions) -> None:
    """Load the lines of the versions that have no stored value yet (two statements at most),
    so their value can be evaluated; frozen versions keep their value and need no lines."""
    unvalued = {version.id: version for version in versions if version.npv_sek is None}
    if not unvalued:
        return
    for model, attribute in ((BenefitLine, "benefit_lines"), (CostLine, "cost_lines")):
        lines: dict[int, list] = {}
        for line in db.session.scalars(sa.select(model).where(model.version_id.in_(list(unvalued)))
                                       .order_by(model.version_id, model.position)):
            lines.setdefault(line.version_id, []).append(line)
        for version_id, version in unvalued.items():
            set_committed_value(version, attribute, lines.get(version_id, []))
