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

from app.accounts.models import Area, Organisation
from app.applications import queries as application_queries
from app.applications.models import Application
from app.benefits import queries as benefit_queries
from app.benefits.models import (
    BenefitCalculation,
    CalculationVersion,
)
from app.budget_cuts import queries as budget_cut_queries
from app.core.asof import counts_on, local_day_reader
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
from app.ideas import queries as idea_queries
from app.programmes.models import AreaEstimate, EnvelopeEntry
from app.projects import queries as project_queries
from app.projects.models import Project


@dataclass(frozen=True)
class Scope:
    """Which projects a dashboard covers: a programme, optionally one area, organisation, state."""

    programme_id: int
    on: date
    area_id: int | None = None
    organisation_id: int | None = None
    state: ProjectState | None = None

    def project_ids(self) -> sa.Select:
        """The ids of the projects in scope on `on` (decided by then), a subquery for IN (...)."""
        return project_queries.existing_ids(self.programme_id, self.on, area_id=self.area_id,
                                            organisation_id=self.organisation_id,
                                            state=self.state)


PROJECT_COLUMNS = ("project_id", "title", "organisation_id", "organisation", "area_id", "area",
                   "state", "application_id", "baseline_start_on", "baseline_end_on",
                   "go_live_on", "closed_on", "estimated_users", "granted_sek")


def projects(scope: Scope) -> pd.DataFrame:
    """Every project in scope with its organisation, area, user estimate and net grant, as on
    `scope.on`."""
    on = scope.on
    query = (
        sa.select(Project.id, Project.title, Project.organisation_id, Organisation.name,
                  Project.area_id, Area.name, project_queries.state_on(on),
                  Project.application_id, Project.baseline_start_on, Project.baseline_end_on,
                  project_queries.go_live_on_column(on),
                  sa.case((counts_on(Project.closed_on, on), Project.closed_on),
                          else_=sa.null()),
                  Application.estimated_users, project_queries.granted_column(on))
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
               counts_on(EnvelopeEntry.booked_on, as_of))
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
    """How many ideas stood in each state on `scope.on` (the organisation filter applies)."""
    return idea_queries.idea_counts(scope.programme_id, scope.on, scope.organisation_id)


def application_counts(scope: Scope) -> dict[ApplicationState, int]:
    """How many applications stood in each state on `scope.on` (organisation, area apply)."""
    return application_queries.application_counts(
        scope.programme_id, scope.on, organisation_id=scope.organisation_id,
        area_id=scope.area_id)


REPORT_COLUMNS = ("project_id", "period_number", "version", "period_starts_on", "period_ends_on",
                  "submitted_on", "overall", "cost", "schedule", "scope", "benefit",
                  "actual_cost_to_date_sek", "forecast_cost_sek", "forecast_end_on")


def submitted_reports(project_ids: sa.Select, as_of: date, *,
                      period_ends_from: date | None = None) -> pd.DataFrame:
    """The current submitted version of every reported period, submitted on or before `as_of`
    (ranked in SQL); with `period_ends_from`, only periods that ended on or after that day."""
    local_day_of = local_day_reader()
    rows = [(row.project_id, row.period_number, row.version, row.period_starts_on,
             row.period_ends_on, local_day_of(row.submitted_at),
             *(None if status is None else RagStatus(status).value for status in (
                 row.overall_status, row.cost_status, row.schedule_status, row.scope_status,
                 row.benefit_status)),
             row.actual_cost_to_date_sek, row.forecast_cost_sek, row.forecast_end_on)
            for row in project_queries.current_versions(project_ids, as_of,
                                                        period_ends_from=period_ends_from)]
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


STATUS_COLUMNS = ("project_id", "period_number", "period_ends_on", "overall")


def report_statuses(project_ids: sa.Select, as_of: date, *,
                    period_ends_from: date | None = None) -> pd.DataFrame:
    """The overall status of each reported period's current version (as `submitted_reports`
    ranks them), without the columns a status heatmap does not draw; the rows go to the frame
    as read (statuses come as their stored text), since a national heatmap has 35 000."""
    rows = project_queries.current_versions(
        project_ids, as_of, period_ends_from=period_ends_from,
        fields=("project_id", "period_number", "period_ends_on", "overall_status"))
    return pd.DataFrame([tuple(row) for row in rows], columns=STATUS_COLUMNS)


def planned_by_year(project_ids: sa.Select, owner_organisation_id: int | None = None
                    ) -> dict[int, int]:
    return benefit_queries.planned_by_year(project_ids, owner_organisation_id)


def realised_by_year(project_ids: sa.Select, on: date,
                     owner_organisation_id: int | None = None) -> dict[int, int]:
    return benefit_queries.realised_by_year(project_ids, on, owner_organisation_id)


def realised_sums(programme_id: int, project_ids: sa.Select, on: date, *,
                  realised_owner_id: int | None = None, savings_owner_id: int | None = None
                  ) -> benefit_queries.RealisedSums:
    """The benefits chart's realised value per year (of `project_ids`) and the budget-cut
    chart's savings per owner and year (of every project of the programme), in one pass."""
    every_project = sa.select(Project.id).where(Project.programme_id == programme_id)
    return benefit_queries.realised_sums(every_project, project_ids, on,
                                         realised_owner_id=realised_owner_id,
                                         savings_owner_id=savings_owner_id)


CUT_COLUMNS = ("entry_id", "organisation_id", "organisation", "year", "kind", "amount_sek")


def budget_cut_entries(programme_id: int, on: date, organisation_id: int | None = None
                       ) -> pd.DataFrame:
    """Every budget-cut ledger entry made by `on`, oldest first, with organisation names."""
    return pd.DataFrame(
        [(row[0], row[1], row[2], row[3], BudgetCutEntryKind(row[4]).value, int(row[5]))
         for row in budget_cut_queries.cut_entries(programme_id, on, organisation_id)],
        columns=CUT_COLUMNS)


def _newest_baseline(*columns) -> sa.Select:
    return (sa.select(Project.id, *columns)
            .join(BenefitCalculation, BenefitCalculation.id == CalculationVersion.calculation_id)
            .join(Project, Project.application_id == BenefitCalculation.application_id)
            .where(CalculationVersion.kind == CalculationVersionKind.BASELINE)
            .order_by(Project.id, CalculationVersion.number))


def baseline_values(project_ids: sa.Select) -> dict[int, sa.Row]:
    """The newest baseline version of each project as (version_id, npv_sek, is_frozen): a
    frozen version's stored value is all a chart needs, without building thousands of objects."""
    query = _newest_baseline(CalculationVersion.id.label("version_id"), CalculationVersion.npv_sek,
                             CalculationVersion.is_frozen).where(Project.id.in_(project_ids))
    return {row.id: row for row in db.session.execute(query)}


def baseline_versions(project_ids: sa.Select) -> dict[int, CalculationVersion]:
    """The newest baseline calculation version of each project's application; one statement
    when every version holds its stored value, three when some must be evaluated."""
    query = _newest_baseline(CalculationVersion).where(Project.id.in_(project_ids))
    versions = {project_id: version for project_id, version in db.session.execute(query)}
    benefit_queries.load_lines_of_unvalued(versions.values())
    return versions
