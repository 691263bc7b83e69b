"""Bulk-built portfolios for the dashboard tests: every kind of row a dashboard reads.

Rows are inserted with one multi-row INSERT per table (ids returned in order), so a portfolio
of a thousand projects takes a second or two, and the figures it should show are known.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import Area, Organisation
from app.applications.models import Application, ApplicationEvent, Decision
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
    ApplicationKind,
    ApplicationState,
    BenefitKind,
    BudgetCutEntryKind,
    CalculationVersionKind,
    CostKind,
    DecisionKind,
    DecisionOutcome,
    IdeaState,
    LedgerEntryKind,
    OrganisationKind,
    ProjectState,
    RagStatus,
    Recipient,
    ReportState,
)
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.programmes.models import AreaEstimate, EnvelopeEntry
from app.projects.models import Project, StatusReport

GRANT_SEK = 1_000_000
SPENT_SEK = 400_000
PLANNED_SEK = 50_000
REALISED_SEK = 30_000
STATUSES = (RagStatus.GREEN, RagStatus.AMBER, RagStatus.RED)


@dataclass(frozen=True)
class Portfolio:
    programme_id: int
    organisation_ids: list[int]
    area_ids: list[int]
    project_ids: list[int]


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert rows in one statement and return their ids in the order given."""
    if not rows:
        return []
    result = db.session.execute(
        sa.insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def build_portfolio(programme_id: int, size: int, tag: str) -> Portfolio:
    """`size` funded projects over three organisations and two areas, each fully reported."""
    area_ids = _insert(Area, [{"key": f"{tag}-a{i}", "name": f"{tag} område {i}"}
                              for i in range(2)])
    organisation_ids = _insert(Organisation, [
        {"name": f"{tag} förvaltning {i}", "kind": OrganisationKind.ADMINISTRATION,
         "area_id": area_ids[i % 2]} for i in range(3)])
    _insert(AreaEstimate, [{"programme_id": programme_id, "area_id": area_id,
                            "estimate_sek": 100_000_000 * (i + 1)}
                           for i, area_id in enumerate(area_ids)])
    org_of = [organisation_ids[n % 3] for n in range(size)]
    area_of = [area_ids[n % 2] for n in range(size)]
    _insert(ProjectIdea, [{"programme_id": programme_id, "organisation_id": org_of[n],
                           "title": f"Idé {n}", "description": "–",
                           "state": IdeaState.APPROVED_TO_APPLY if n % 2 else IdeaState.SUBMITTED,
                           "submitted_at": _at(date(2008, 1, 15)),
                           "screened_at": _at(date(2008, 2, 1)) if n % 2 else None}
                          for n in range(size)])
    application_ids = _insert(Application, [
        {"programme_id": programme_id, "organisation_id": org_of[n], "area_id": area_of[n],
         "kind": ApplicationKind.IMPLEMENTATION, "title": f"{tag} projekt {n:04d}",
         "state": ApplicationState.DECIDED, "requested_sek": GRANT_SEK,
         "estimated_users": 1000 + n, "created_at": _at(date(2008, 1, 20)),
         "submitted_at": _at(date(2008, 1, 21))} for n in range(size)])
    _insert(ApplicationEvent, [
        {"application_id": application_ids[n], "action": "decide",
         "from_state": ApplicationState.AWAITING_DECISION, "to_state": ApplicationState.DECIDED,
         "at": _at(date(2008, 3, 1))} for n in range(size)])
    _insert(Decision, [
        {"programme_id": programme_id, "application_id": application_ids[n],
         "kind": DecisionKind.ORIGINAL, "outcome": DecisionOutcome.APPROVED,
         "amount_sek": GRANT_SEK, "diary_number": f"{tag} 2008/{n:05d}",
         "decided_on": date(2008, 3, 1), "authority_key": "city_director"}
        for n in range(size)])
    project_ids = _insert(Project, [
        {"programme_id": programme_id, "application_id": application_ids[n],
         "organisation_id": org_of[n], "area_id": area_of[n], "title": f"{tag} projekt {n:04d}",
         "state": ProjectState.CLOSED if n % 10 == 9 else ProjectState.ACTIVE,
         "baseline_start_on": date(2008, 3, 1), "baseline_end_on": date(2009, 6, 30),
         "closed_on": date(2009, 6, 30) if n % 10 == 9 else None,
         "created_at": _at(date(2008, 3, 1))} for n in range(size)])
    _insert(EnvelopeEntry, [
        row for n in range(size) for row in (
            {"programme_id": programme_id, "kind": LedgerEntryKind.COMMITMENT,
             "amount_sek": GRANT_SEK, "booked_on": date(2008, 3, 1), "description": "Beslut",
             "project_id": project_ids[n]},
            {"programme_id": programme_id, "kind": LedgerEntryKind.SPENDING,
             "amount_sek": SPENT_SEK, "booked_on": date(2008, 12, 31), "description": "Utfall",
             "project_id": project_ids[n]})])
    _insert(StatusReport, [
        {"project_id": project_ids[n], "period_number": period, "period_starts_on": starts,
         "period_ends_on": ends, "due_on": due, "version": 1, "state": ReportState.SUBMITTED,
         "overall_status": STATUSES[(n + period) % 3], "cost_status": RagStatus.GREEN,
         "schedule_status": RagStatus.GREEN, "scope_status": RagStatus.GREEN,
         "benefit_status": RagStatus.GREEN, "actual_cost_to_date_sek": 200_000 * period,
         "forecast_cost_sek": GRANT_SEK + (200_000 if n % 4 == 0 else 0),
         "forecast_end_on": date(2009, 6, 30), "submitted_at": _at(due)}
        for n in range(size)
        for period, starts, ends, due in ((1, date(2008, 3, 1), date(2008, 4, 11),
                                           date(2008, 4, 21)),
                                          (2, date(2008, 4, 12), date(2008, 5, 23),
                                           date(2008, 6, 2)))])
    calculation_ids = _insert(BenefitCalculation, [{"application_id": application_ids[n]}
                                                   for n in range(size)])
    version_ids = _insert(CalculationVersion, [
        {"calculation_id": calculation_ids[n], "number": 1, "kind": CalculationVersionKind.BASELINE,
         "start_year": 2008, "years": 5, "discount_rate": Decimal("0.035"),
         "settings": {"adoption": {"target": 0.6, "ramp_years": 2, "go_live_index": 1}},
         "is_frozen": True} for n in range(size)])
    line_ids = _insert(BenefitLine, [
        {"version_id": version_ids[n], "position": 0, "kind": BenefitKind.PER_CASE,
         "name": "Porto", "recipient": Recipient.ORGANISATION,
         "params": {"volume_per_year": 10000 + n, "amount_sek": 12, "cash_releasing": True}}
        for n in range(size)])
    _insert(CostLine, [
        {"version_id": version_ids[n], "position": 0, "kind": CostKind.INVESTMENT,
         "name": "Utveckling", "by_year_sek": [GRANT_SEK, 0, 0, 0, 0]} for n in range(size)])
    benefit_ids = _insert(Benefit, [
        {"project_id": project_ids[n], "baseline_line_id": line_ids[n],
         "owner_organisation_id": org_of[n], "name": "Porto"} for n in range(size)])
    _insert(BenefitPlanYear, [
        {"benefit_id": benefit_ids[n], "year": year, "planned_sek": PLANNED_SEK,
         "planned_cash_releasing_sek": PLANNED_SEK}
        for n in range(size) for year in (2009, 2010)])
    _insert(RealisationEntry, [
        {"benefit_id": benefit_ids[n], "year": 2009, "actual_sek": amount,
         "actual_cash_releasing_sek": amount, "recorded_at": _at(date(2010, 2, day))}
        for n in range(size) for day, amount in ((1, 1), (2, REALISED_SEK))])
    _insert(BudgetCutEntry, [
        {"programme_id": programme_id, "organisation_id": org_id, "budget_year": 2010,
         "kind": kind, "amount_sek": amount, "created_at": _at(made_on)}
        for org_id in organisation_ids
        for kind, amount, made_on in ((BudgetCutEntryKind.PROPOSED, 90_000, date(2009, 9, 1)),
                                      (BudgetCutEntryKind.ADOPTED, 80_000, date(2009, 11, 20)))])
    db.session.flush()
    return Portfolio(programme_id, organisation_ids, area_ids, project_ids)
