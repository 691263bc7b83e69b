"""What the dashboards read, one query per kind of thing, never one per project.

Each function runs a single SQL statement (aggregating in SQL where it can) and returns plain
rows or a pandas DataFrame; the services put them together and hand them to reports/ to draw.
The projects a dashboard covers are always given as a `Select` of project ids (a subquery), so
the number of statements stays the same whatever the size of the portfolio.
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import Area, Organisation
from app.applications.models import Application
from app.benefits.models import (
    Benefit,
    BenefitCalculation,
    BenefitLine,
    BenefitPlanYear,
    CalculationVersion,
    CostLine,
    RealisationEntry,
)
from app.budget_cuts.models import BudgetCutEntry
from app.core.enums import (
    ApplicationState,
    BudgetCutEntryKind,
    CalculationVersionKind,
    IdeaState,
    LedgerEntryKind,
    ProjectState,
    RagStatus,
)
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.programmes.models import AreaEstimate, EnvelopeEntry
from app.projects.models import Project, StatusReport
from app.projects.services import FROZEN_STATES


@dataclass(frozen=True)
class Scope:
    """Which projects a dashboard covers: a programme, optionally one area, organisation, state."""

    programme_id: int
    area_id: int | None = None
    organisation_id: int | None = None
    state: ProjectState | None = None

    def project_ids(self) -> sa.Select:
        """The ids of the projects in scope, as a subquery for IN (...)."""
        query = sa.select(Project.id).where(Project.programme_id == self.programme_id)
        if self.area_id is not None:
            query = query.where(Project.area_id == self.area_id)
        if self.organisation_id is not None:
            query = query.where(Project.organisation_id == self.organisation_id)
        if self.state is not None:
            query = query.where(Project.state == self.state)
        return query


PROJECT_COLUMNS = ("project_id", "title", "organisation_id", "organisation", "area_id", "area",
                   "state", "application_id", "baseline_start_on", "baseline_end_on",
                   "go_live_on", "closed_on", "estimated_users")


def projects(scope: Scope) -> pd.DataFrame:
    """Every project in scope with its organisation, area and the application's user estimate."""
    query = (
        sa.select(Project.id, Project.title, Project.organisation_id, Organisation.name,
                  Project.area_id, Area.name, Project.state, Project.application_id,
                  Project.baseline_start_on, Project.baseline_end_on, Project.go_live_on,
                  Project.closed_on, Application.estimated_users)
        .join(Organisation, Organisation.id == Project.organisation_id)
        .outerjoin(Area, Area.id == Project.area_id)
        .outerjoin(Application, Application.id == Project.application_id)
        .where(Project.id.in_(scope.project_ids()))
        .order_by(Project.title, Project.id)
    )
    return pd.DataFrame([tuple(row) for row in db.session.execute(query)],
                        columns=PROJECT_COLUMNS)


def commitments_by_area(scope: Scope, as_of: date) -> dict[int | None, int]:
    """Net commitments (commitments less releases) booked by `as_of`, per project area."""
    signed = sa.case((EnvelopeEntry.kind == LedgerEntryKind.RELEASE, -EnvelopeEntry.amount_sek),
                     else_=EnvelopeEntry.amount_sek)
    query = (
        sa.select(Project.area_id, sa.func.coalesce(sa.func.sum(signed), 0))
        .join(Project, Project.id == EnvelopeEntry.project_id)
        .where(EnvelopeEntry.programme_id == scope.programme_id,
               EnvelopeEntry.kind.in_([LedgerEntryKind.COMMITMENT, LedgerEntryKind.RELEASE]),
               EnvelopeEntry.project_id.in_(scope.project_ids()),
               EnvelopeEntry.booked_on <= as_of)
        .group_by(Project.area_id)
    )
    return {area_id: int(total) for area_id, total in db.session.execute(query)}


def area_estimates(programme_id: int) -> list[tuple[int, str, int]]:
    """The first-stage estimate of each area (area id, name, SEK), by area name."""
    query = (sa.select(AreaEstimate.area_id, Area.name, AreaEstimate.estimate_sek)
             .join(Area, Area.id == AreaEstimate.area_id)
             .where(AreaEstimate.programme_id == programme_id).order_by(Area.name))
    return [(area_id, name, int(estimate)) for area_id, name, estimate
            in db.session.execute(query)]


def idea_counts(scope: Scope) -> dict[IdeaState, int]:
    """How many ideas there are in each state (the organisation filter applies)."""
    query = (sa.select(ProjectIdea.state, sa.func.count())
             .where(ProjectIdea.programme_id == scope.programme_id)
             .group_by(ProjectIdea.state))
    if scope.organisation_id is not None:
        query = query.where(ProjectIdea.organisation_id == scope.organisation_id)
    return {IdeaState(state): int(count) for state, count in db.session.execute(query)}


def application_counts(scope: Scope) -> dict[ApplicationState, int]:
    """How many applications there are in each state (organisation and area filters apply)."""
    query = (sa.select(Application.state, sa.func.count())
             .where(Application.programme_id == scope.programme_id)
             .group_by(Application.state))
    if scope.organisation_id is not None:
        query = query.where(Application.organisation_id == scope.organisation_id)
    if scope.area_id is not None:
        query = query.where(Application.area_id == scope.area_id)
    return {ApplicationState(state): int(count) for state, count in db.session.execute(query)}


REPORT_COLUMNS = ("project_id", "period_number", "version", "period_starts_on", "period_ends_on",
                  "submitted_on", "overall", "cost", "schedule", "scope", "benefit",
                  "actual_cost_to_date_sek", "forecast_cost_sek", "forecast_end_on")


def submitted_reports(project_ids: sa.Select, as_of: date | None = None) -> pd.DataFrame:
    """The current submitted version of every reported period, submitted on or before `as_of`.

    One query for all versions; pandas keeps the highest version of each period.
    """
    query = (
        sa.select(StatusReport.project_id, StatusReport.period_number, StatusReport.version,
                  StatusReport.period_starts_on, StatusReport.period_ends_on,
                  StatusReport.submitted_at, StatusReport.overall_status,
                  StatusReport.cost_status, StatusReport.schedule_status,
                  StatusReport.scope_status, StatusReport.benefit_status,
                  StatusReport.actual_cost_to_date_sek, StatusReport.forecast_cost_sek,
                  StatusReport.forecast_end_on)
        .where(StatusReport.project_id.in_(project_ids),
               StatusReport.state.in_(FROZEN_STATES), StatusReport.submitted_at.is_not(None))
        .order_by(StatusReport.project_id, StatusReport.period_number, StatusReport.version)
    )
    rows = []
    for row in db.session.execute(query):
        submitted_on = row.submitted_at.date()
        if as_of is not None and submitted_on > as_of:
            continue
        rows.append((row.project_id, row.period_number, row.version, row.period_starts_on,
                     row.period_ends_on, submitted_on,
                     *(None if status is None else RagStatus(status).value for status in (
                         row.overall_status, row.cost_status, row.schedule_status,
                         row.scope_status, row.benefit_status)),
                     row.actual_cost_to_date_sek, row.forecast_cost_sek, row.forecast_end_on))
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    if frame.empty:
        return frame
    return (frame.drop_duplicates(["project_id", "period_number"], keep="last")
            .reset_index(drop=True))


def _effective_entry_ids() -> sa.Select:
    """The id of the latest realisation entry per benefit and year: later ones correct."""
    return (sa.select(sa.func.max(RealisationEntry.id))
            .group_by(RealisationEntry.benefit_id, RealisationEntry.year))


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


def realised_by_year(project_ids: sa.Select, owner_organisation_id: int | None = None
                     ) -> dict[int, int]:
    """Realised benefit value per year (the latest entry of each benefit and year counts)."""
    query = (sa.select(RealisationEntry.year, sa.func.sum(RealisationEntry.actual_sek))
             .join(Benefit, Benefit.id == RealisationEntry.benefit_id)
             .where(Benefit.project_id.in_(project_ids),
                    RealisationEntry.id.in_(_effective_entry_ids()))
             .group_by(RealisationEntry.year))
    if owner_organisation_id is not None:
        query = query.where(Benefit.owner_organisation_id == owner_organisation_id)
    return {int(year): int(total) for year, total in db.session.execute(query)}


def realised_savings_by_owner(programme_id: int, organisation_id: int | None = None
                              ) -> dict[tuple[int, int], int]:
    """Realised cash-releasing savings per owning organisation and year (budget-cut follow-up)."""
    query = (sa.select(Benefit.owner_organisation_id, RealisationEntry.year,
                       sa.func.sum(RealisationEntry.actual_cash_releasing_sek))
             .join(Benefit, Benefit.id == RealisationEntry.benefit_id)
             .join(Project, Project.id == Benefit.project_id)
             .where(Project.programme_id == programme_id,
                    RealisationEntry.id.in_(_effective_entry_ids()))
             .group_by(Benefit.owner_organisation_id, RealisationEntry.year))
    if organisation_id is not None:
        query = query.where(Benefit.owner_organisation_id == organisation_id)
    return {(int(org), int(year)): int(total) for org, year, total in db.session.execute(query)}


CUT_COLUMNS = ("entry_id", "organisation_id", "organisation", "year", "kind", "amount_sek")


def budget_cut_entries(programme_id: int, organisation_id: int | None = None) -> pd.DataFrame:
    """Every budget-cut ledger entry of the programme, oldest first, with organisation names."""
    query = (sa.select(BudgetCutEntry.id, BudgetCutEntry.organisation_id, Organisation.name,
                       BudgetCutEntry.budget_year, BudgetCutEntry.kind, BudgetCutEntry.amount_sek)
             .join(Organisation, Organisation.id == BudgetCutEntry.organisation_id)
             .where(BudgetCutEntry.programme_id == programme_id)
             .order_by(BudgetCutEntry.id))
    if organisation_id is not None:
        query = query.where(BudgetCutEntry.organisation_id == organisation_id)
    return pd.DataFrame(
        [(row[0], row[1], row[2], row[3], BudgetCutEntryKind(row[4]).value, int(row[5]))
         for row in db.session.execute(query)], columns=CUT_COLUMNS)


def baseline_versions(project_ids: sa.Select) -> dict[int, CalculationVersion]:
    """The newest baseline calculation version of each project's application, lines loaded.

    Three statements whatever the count: the versions, their benefit lines, their cost lines
    (selectin loading would split a large portfolio into batches of 500).
    """
    query = (
        sa.select(Project.id, CalculationVersion)
        .join(BenefitCalculation, BenefitCalculation.id == CalculationVersion.calculation_id)
        .join(Project, Project.application_id == BenefitCalculation.application_id)
        .where(Project.id.in_(project_ids),
               CalculationVersion.kind == CalculationVersionKind.BASELINE)
        .order_by(Project.id, CalculationVersion.number)
    )
    versions = {project_id: version for project_id, version in db.session.execute(query)}
    version_ids = (
        sa.select(CalculationVersion.id)
        .join(BenefitCalculation, BenefitCalculation.id == CalculationVersion.calculation_id)
        .join(Project, Project.application_id == BenefitCalculation.application_id)
        .where(Project.id.in_(project_ids),
               CalculationVersion.kind == CalculationVersionKind.BASELINE))
    for model, attribute in ((BenefitLine, "benefit_lines"), (CostLine, "cost_lines")):
        lines: dict[int, list] = {}
        for line in db.session.scalars(sa.select(model).where(model.version_id.in_(version_ids))
                                       .order_by(model.version_id, model.position)):
            lines.setdefault(line.version_id, []).append(line)
        for version in versions.values():
            set_committed_value(version, attribute, lines.get(version.id, []))
    return versions
