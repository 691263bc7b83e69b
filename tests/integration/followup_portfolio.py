"""Hand-made portfolios for follow-up tests: projects, decisions and reports written directly.

The workflow is tested elsewhere; here rows are inserted as the workflow would leave them,
so a portfolio of fifty projects costs milliseconds and every figure is known in advance.
"""

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from app.applications.models import Application, Decision
from app.benefits.models import (
    Benefit,
    BenefitCalculation,
    BenefitLine,
    BenefitPlanYear,
    CalculationVersion,
    RealisationEntry,
)
from app.budget_cuts.models import BudgetCutEntry
from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    BenefitKind,
    BudgetCutEntryKind,
    CalculationVersionKind,
    DecisionKind,
    DecisionOutcome,
    LedgerEntryKind,
    ProjectState,
    RagStatus,
    ReportState,
)
from app.extensions import db
from app.programmes.models import EnvelopeEntry
from app.projects.models import Project, StatusReport

_diary = itertools.count(1)


def at(day: date) -> datetime:
    """Noon UTC on `day`, as a submission time."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def add_project(programme_id: int, organisation_id: int, *, title: str, granted_sek: int,
                decided_on: date = date(2008, 3, 1), area_id: int | None = None,
                baseline_start_on: date = date(2008, 3, 1),
                baseline_end_on: date = date(2009, 6, 30)) -> Project:
    """A funded project with its decided application and commitment on the envelope."""
    application = Application(programme_id=programme_id, organisation_id=organisation_id,
                              area_id=area_id, kind=ApplicationKind.IMPLEMENTATION, title=title,
                              state=ApplicationState.DECIDED, requested_sek=granted_sek)
    db.session.add(application)
    db.session.flush()
    add_decision(application.id, programme_id, granted_sek, decided_on)
    project = Project(programme_id=programme_id, application_id=application.id,
                      organisation_id=organisation_id, area_id=area_id, title=title,
                      state=ProjectState.ACTIVE, baseline_start_on=baseline_start_on,
                      baseline_end_on=baseline_end_on)
    db.session.add(project)
    db.session.flush()
    db.session.add(EnvelopeEntry(programme_id=programme_id, project_id=project.id,
                                 kind=LedgerEntryKind.COMMITMENT, amount_sek=granted_sek,
                                 booked_on=decided_on, description=f"Commitment {title}"))
    db.session.flush()
    return project


def add_decision(application_id: int, programme_id: int, amount_sek: int, decided_on: date,
                 kind: DecisionKind = DecisionKind.ORIGINAL,
                 outcome: DecisionOutcome = DecisionOutcome.APPROVED,
                 refers_to_id: int | None = None) -> Decision:
    """A decision with a fresh diary number."""
    decision = Decision(programme_id=programme_id, application_id=application_id, kind=kind,
                        outcome=outcome, amount_sek=amount_sek,
                        diary_number=f"SLK {decided_on.year}/{next(_diary):04d}",
                        decided_on=decided_on, authority_key="city_director",
                        refers_to_id=refers_to_id)
    db.session.add(decision)
    db.session.flush()
    return decision


def add_report(project: Project, *, submitted_on: date, actual_sek: int, forecast_sek: int,
               forecast_end_on: date | None = None, period_number: int = 1, version: int = 1,
               overall: RagStatus = RagStatus.GREEN, cost: RagStatus = RagStatus.GREEN,
               schedule: RagStatus = RagStatus.GREEN, explanation: str = "",
               state: ReportState = ReportState.SUBMITTED) -> StatusReport:
    """A submitted (by default) report version for `period_number`."""
    report = StatusReport(
        project_id=project.id, period_number=period_number, period_starts_on=submitted_on,
        period_ends_on=submitted_on, due_on=submitted_on, version=version, state=state,
        overall_status=overall, cost_status=cost, schedule_status=schedule,
        scope_status=RagStatus.GREEN, benefit_status=RagStatus.GREEN,
        overall_explanation=explanation if overall != RagStatus.GREEN else "",
        cost_explanation=explanation if cost != RagStatus.GREEN else "",
        schedule_explanation=explanation if schedule != RagStatus.GREEN else "",
        actual_cost_to_date_sek=actual_sek, forecast_cost_sek=forecast_sek,
        forecast_end_on=forecast_end_on or project.baseline_end_on,
        submitted_at=at(submitted_on) if state != ReportState.DRAFT else None)
    db.session.add(report)
    db.session.flush()
    return report


def add_entry(programme_id: int, kind: LedgerEntryKind, amount_sek: int, booked_on: date,
              project_id: int | None = None) -> EnvelopeEntry:
    """An envelope ledger movement."""
    entry = EnvelopeEntry(programme_id=programme_id, project_id=project_id, kind=kind,
                          amount_sek=amount_sek, booked_on=booked_on,
                          description=f"{kind.value} {amount_sek}")
    db.session.add(entry)
    db.session.flush()
    return entry


def add_benefit(project: Project, owner_organisation_id: int, *, name: str,
                planned_by_year: dict[int, int]) -> Benefit:
    """A registered benefit with its yearly plan, on a minimal baseline calculation."""
    calculation = db.session.scalar(sa.select(BenefitCalculation).where(
        BenefitCalculation.application_id == project.application_id))
    if calculation is None:
        calculation = BenefitCalculation(application_id=project.application_id)
        db.session.add(calculation)
        db.session.flush()
    version = CalculationVersion(calculation_id=calculation.id, number=len(
        calculation.versions) + 1, kind=CalculationVersionKind.BASELINE, start_year=2008,
        years=5, discount_rate=Decimal("0.035"), is_frozen=True)
    db.session.add(version)
    db.session.flush()
    line = BenefitLine(version_id=version.id, position=1, kind=BenefitKind.FIXED, name=name,
                       owner_organisation_id=owner_organisation_id)
    db.session.add(line)
    db.session.flush()
    benefit = Benefit(project_id=project.id, baseline_line_id=line.id,
                      owner_organisation_id=owner_organisation_id, name=name)
    benefit.plan_years = [BenefitPlanYear(year=year, planned_sek=amount,
                                          planned_cash_releasing_sek=amount // 2)
                          for year, amount in planned_by_year.items()]
    db.session.add(benefit)
    db.session.flush()
    return benefit


def add_realisation(benefit: Benefit, year: int, actual_sek: int, recorded_on: date,
                    cash_releasing_sek: int = 0) -> RealisationEntry:
    """A realised value for a benefit and year, recorded on `recorded_on` (later ones correct)."""
    entry = RealisationEntry(benefit_id=benefit.id, year=year, actual_sek=actual_sek,
                             actual_cash_releasing_sek=cash_releasing_sek,
                             recorded_at=at(recorded_on))
    db.session.add(entry)
    db.session.flush()
    return entry


def add_budget_cut(programme_id: int, organisation_id: int, budget_year: int,
                   kind: BudgetCutEntryKind, amount_sek: int, recorded_on: date) -> BudgetCutEntry:
    """A budget-cut ledger entry written on `recorded_on`."""
    entry = BudgetCutEntry(programme_id=programme_id, organisation_id=organisation_id,
                           budget_year=budget_year, kind=kind, amount_sek=amount_sek,
                           created_at=at(recorded_on))
    db.session.add(entry)
    db.session.flush()
    return entry


def build_two_project_world(programme_id: int, traffic_id: int, school_id: int,
                            trafik_area_id: int, skola_area_id: int) -> dict:
    """The portfolio of test_tertial_reports.py's docstring; returns the projects by name."""
    from app.accounts.models import Organisation

    db.session.get(Organisation, traffic_id).area_id = trafik_area_id
    db.session.get(Organisation, school_id).name = "Skolförvaltningen"
    p1 = add_project(programme_id, traffic_id, title="Cykelreseplanerare", granted_sek=1_000_000,
                     decided_on=date(2008, 2, 1), area_id=trafik_area_id)
    p2 = add_project(programme_id, school_id, title="Skolval online", granted_sek=2_000_000,
                     decided_on=date(2008, 3, 15), area_id=skola_area_id)
    p3 = add_project(programme_id, traffic_id, title="Parkeringstillstånd",
                     granted_sek=4_000_000, decided_on=date(2008, 9, 1), area_id=trafik_area_id)
    add_report(p1, submitted_on=date(2008, 4, 10), actual_sek=200_000, forecast_sek=1_000_000)
    add_report(p1, submitted_on=date(2008, 5, 20), actual_sek=450_000, forecast_sek=1_100_000,
               period_number=2, cost=RagStatus.AMBER, explanation="Konsultpriserna steg.")
    add_report(p2, submitted_on=date(2008, 6, 1), actual_sek=300_000, forecast_sek=2_200_000,
               forecast_end_on=date(2009, 9, 30), overall=RagStatus.RED,
               schedule=RagStatus.RED, explanation="Leverantören är sen.")
    add_decision(p2.application_id, programme_id, 500_000, date(2008, 7, 1),
                 kind=DecisionKind.SUPPLEMENTARY, refers_to_id=original_decision_id(p2))
    add_entry(programme_id, LedgerEntryKind.COMMITMENT, 500_000, date(2008, 7, 1), p2.id)
    add_entry(programme_id, LedgerEntryKind.SPENDING, 100_000, date(2008, 6, 15), p1.id)
    add_entry(programme_id, LedgerEntryKind.SPENDING, 50_000, date(2008, 9, 5), p1.id)
    benefit = add_benefit(p1, traffic_id, name="Färre samtal",
                          planned_by_year={2008: 100_000, 2009: 300_000})
    add_realisation(benefit, 2008, 40_000, date(2008, 8, 15), cash_releasing_sek=20_000)
    add_realisation(benefit, 2008, 60_000, date(2008, 9, 10), cash_releasing_sek=30_000)
    add_budget_cut(programme_id, traffic_id, 2009, BudgetCutEntryKind.PROPOSED, 30_000,
                   date(2008, 6, 1))
    add_budget_cut(programme_id, traffic_id, 2009, BudgetCutEntryKind.ADOPTED, 25_000,
                   date(2008, 10, 1))
    return {"p1": p1, "p2": p2, "p3": p3}


def original_decision_id(project: Project) -> int:
    """The project's original decision (the one corrections refer back to)."""
    return db.session.scalar(sa.select(Decision.id).where(
        Decision.application_id == project.application_id, Decision.refers_to_id.is_(None)))
