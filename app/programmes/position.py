"""The programme's position as of a date, in the council report's own terms, summed by SQL.

Each figure is one statement over the as-of layer (`counts_on`): a record counts on D when its
business date is on or before D. The definitions, and the rows behind each figure:

- reserved / remaining: the envelope (`queries.envelope_position`), so remaining is always the
  envelope's own remaining (reserved less commitments net of releases).
- projects: the funded implementation projects existing on D (an approving decision on an
  implementation application by D); granted: their net grant by D (decisions less reductions
  and revocations, `projects.queries.granted_column`); finished: those closed by D.
- feasibility studies: feasibility applications with an approving decision by D; their SEK is
  the net of their decisions by D.
- other decisions: envelope commitments (less releases) booked by D that are not tied to an
  application of the programme: no decision, and no project or a project without application
  (money decided in other matters, e.g. the ongoing projects of 2007 and lump decisions).
- ideas: received by D; became projects when an implementation application from the idea
  (directly or through its feasibility study) had become a funded project by D; not approved
  when, short of that, the idea was screened as rejected by D or an application from it was
  rejected by D; awaiting application: the rest.
- budget cuts: per budget year, the adopted cut in force on D (each organisation's adoption
  or its latest correction made by D), summed.
- adherence: of the funded implementation projects with a submitted six-weekly report by D,
  the shares whose latest report by D does not keep the budget / the schedule (the follow-up's
  adherence rule and query, `followup.queries.facts_at`).
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.accounts.models import Organisation
from app.applications.models import Application, Decision
from app.budget_cuts.models import BudgetCutEntry
from app.core.asof import counts_on
from app.core.enums import (
    ApplicationKind,
    BudgetCutEntryKind,
    DecisionKind,
    DecisionOutcome,
    IdeaState,
    LedgerEntryKind,
)
from app.extensions import db
from app.followup import queries as followup_queries
from app.followup import rules as adherence_rules
from app.ideas import queries as idea_queries
from app.ideas.models import ProjectIdea
from app.projects import queries as project_queries
from app.projects.models import Project

from . import queries
from .models import EnvelopeEntry, Programme

DECIDED_CUT_KINDS = (BudgetCutEntryKind.ADOPTED, BudgetCutEntryKind.CORRECTION)


class IdeaOutcome(StrEnum):
    """Where an idea stood on a date, in the council report's three groups."""

    BECAME_PROJECT = "became_projects"
    NOT_APPROVED = "not_approved"
    AWAITING_APPLICATION = "awaiting_application"


@dataclass(frozen=True)
class Position:
    """The programme's figures on `on`; amounts integer SEK, shares 0–1 or None."""

    on: date
    reserved_sek: int
    granted_projects_sek: int
    projects: int
    finished_projects: int
    feasibility_sek: int
    feasibility_studies: int
    other_decisions_sek: int
    remaining_sek: int
    ideas_received: int
    ideas_became_projects: int
    ideas_not_approved: int
    ideas_awaiting_application: int
    budget_cuts_sek: dict[int, int]
    assessed_projects: int
    not_keeping_budget: int
    not_keeping_schedule: int
    not_keeping_budget_share: float | None
    not_keeping_schedule_share: float | None

    def as_dict(self) -> dict:
        """The API's contract: exactly these keys, years as strings."""
        return {
            "on": self.on.isoformat(),
            "reserved_sek": self.reserved_sek,
            "granted_projects_sek": self.granted_projects_sek,
            "projects": self.projects,
            "finished_projects": self.finished_projects,
            "feasibility_sek": self.feasibility_sek,
            "feasibility_studies": self.feasibility_studies,
            "other_decisions_sek": self.other_decisions_sek,
            "remaining_sek": self.remaining_sek,
            "ideas": {"received": self.ideas_received,
                      "became_projects": self.ideas_became_projects,
                      "not_approved": self.ideas_not_approved,
                      "awaiting_application": self.ideas_awaiting_application},
            "budget_cuts_sek": {str(year): amount for year, amount
                                in sorted(self.budget_cuts_sek.items())},
            "not_keeping_budget_share": self.not_keeping_budget_share,
            "not_keeping_schedule_share": self.not_keeping_schedule_share,
        }


# ---- the sets behind the figures ------------------------------------------------------------

def implementation_project_ids(programme_id: int, on: date, *, finished: bool = False
                               ) -> sa.Select:
    """The ids of the funded implementation projects existing on `on` (closed by then)."""
    query = (sa.select(Project.id)
             .join(Application, Application.id == Project.application_id)
             .where(Project.programme_id == programme_id,
                    Application.kind == ApplicationKind.IMPLEMENTATION,
                    project_queries.exists_on(on)))
    if finished:
        query = query.where(Project.closed_on.is_not(None), counts_on(Project.closed_on, on))
    return query


def _signed_decision():
    return sa.case(
        (Decision.kind.in_([DecisionKind.REDUCTION, DecisionKind.REVOCATION]),
         -Decision.amount_sek),
        (Decision.outcome == DecisionOutcome.REJECTED, 0),
        else_=Decision.amount_sek)


def feasibility_grants(programme_id: int, on: date) -> sa.Subquery:
    """Per feasibility application approved by `on`: its net grant and first decision day."""
    approving = sa.case((sa.and_(Decision.kind == DecisionKind.ORIGINAL,
                                 Decision.outcome != DecisionOutcome.REJECTED), 1), else_=0)
    net = sa.func.sum(_signed_decision())
    return (sa.select(Application.id.label("application_id"),
                      sa.case((net < 0, 0), else_=net).label("granted_sek"),
                      sa.func.min(Decision.decided_on).label("decided_on"))
            .join(Decision, Decision.application_id == Application.id)
            .where(Application.programme_id == programme_id,
                   Application.kind == ApplicationKind.FEASIBILITY,
                   counts_on(Decision.decided_on, on))
            .group_by(Application.id)
            .having(sa.func.sum(approving) > 0)
            .subquery("feasibility_grants"))


def other_decision_entries(programme_id: int, on: date) -> sa.Select:
    """The commitments and releases booked by `on` tied to no application of the programme."""
    project_application = (sa.select(Project.application_id)
                           .where(Project.id == EnvelopeEntry.project_id).scalar_subquery())
    return (sa.select(EnvelopeEntry)
            .where(EnvelopeEntry.programme_id == programme_id,
                   EnvelopeEntry.kind.in_([LedgerEntryKind.COMMITMENT, LedgerEntryKind.RELEASE]),
                   EnvelopeEntry.decision_id.is_(None),
                   sa.or_(EnvelopeEntry.project_id.is_(None), project_application.is_(None)),
                   counts_on(EnvelopeEntry.booked_on, on)))


def _signed_entry():
    return sa.case((EnvelopeEntry.kind == LedgerEntryKind.RELEASE, -EnvelopeEntry.amount_sek),
                   else_=EnvelopeEntry.amount_sek)


def idea_outcome(programme_id: int, on: date):
    """The SQL expression of an idea's group on `on` (correlated to `ProjectIdea`)."""
    feasibility = aliased(Application)
    became = (sa.select(Project.id)
              .join(Application, Application.id == Project.application_id)
              .outerjoin(feasibility, feasibility.id == Application.feasibility_id)
              .where(Project.programme_id == programme_id,
                     Application.kind == ApplicationKind.IMPLEMENTATION,
                     project_queries.exists_on(on),
                     sa.or_(Application.idea_id == ProjectIdea.id,
                            feasibility.idea_id == ProjectIdea.id))
              .exists())
    rejected_application = (
        sa.select(Decision.id).join(Application, Application.id == Decision.application_id)
        .where(Application.idea_id == ProjectIdea.id,
               Decision.kind == DecisionKind.ORIGINAL,
               Decision.outcome == DecisionOutcome.REJECTED,
               counts_on(Decision.decided_on, on))
        .exists())
    screened_out = idea_queries.state_on(on) == IdeaState.REJECTED.value
    return sa.case((became, sa.literal(IdeaOutcome.BECAME_PROJECT.value)),
                   (sa.or_(screened_out, rejected_application),
                    sa.literal(IdeaOutcome.NOT_APPROVED.value)),
                   else_=sa.literal(IdeaOutcome.AWAITING_APPLICATION.value))


def idea_outcomes(programme_id: int, on: date) -> sa.Subquery:
    """Every idea received by `on` with its group on `on`."""
    return (sa.select(ProjectIdea.id.label("idea_id"),
                      idea_outcome(programme_id, on).label("outcome"))
            .where(ProjectIdea.programme_id == programme_id, idea_queries.exists_on(on))
            .subquery("idea_outcomes"))


def adopted_cuts(programme_id: int, on: date) -> sa.Subquery:
    """Each organisation's adopted cut in force on `on` per budget year (rank 1 of its entries)."""
    ranked = (sa.select(BudgetCutEntry.id, BudgetCutEntry.organisation_id,
                        BudgetCutEntry.budget_year, BudgetCutEntry.amount_sek,
                        BudgetCutEntry.council_decision_ref, BudgetCutEntry.created_at,
                        sa.func.row_number().over(
                            partition_by=(BudgetCutEntry.organisation_id,
                                          BudgetCutEntry.budget_year),
                            order_by=BudgetCutEntry.id.desc()).label("rank"))
              .where(BudgetCutEntry.programme_id == programme_id,
                     BudgetCutEntry.kind.in_(DECIDED_CUT_KINDS),
                     counts_on(BudgetCutEntry.created_at, on))
              .subquery("ranked_cuts"))
    return sa.select(ranked).where(ranked.c.rank == 1).subquery("adopted_cuts")


# ---- the figures ----------------------------------------------------------------------------

def _project_figures(programme_id: int, on: date) -> tuple[int, int, int]:
    ids = implementation_project_ids(programme_id, on)
    rows = (sa.select(project_queries.granted_column(on).label("granted_sek"),
                      sa.case((sa.and_(Project.closed_on.is_not(None),
                                       counts_on(Project.closed_on, on)), 1),
                              else_=0).label("finished"))
            .where(Project.id.in_(ids)).subquery("implementation_projects"))
    count, granted, finished = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(rows.c.granted_sek), 0),
                  sa.func.coalesce(sa.func.sum(rows.c.finished), 0))).one()
    return int(count), int(granted), int(finished)


def _feasibility_figures(programme_id: int, on: date) -> tuple[int, int]:
    grants = feasibility_grants(programme_id, on)
    count, granted = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(grants.c.granted_sek), 0))).one()
    return int(count), int(granted)


def _other_decisions_sek(programme_id: int, on: date) -> int:
    entries = other_decision_entries(programme_id, on).subquery("other_entries")
    signed = sa.case((entries.c.kind == LedgerEntryKind.RELEASE, -entries.c.amount_sek),
                     else_=entries.c.amount_sek)
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(signed), 0))))


def _idea_figures(programme_id: int, on: date) -> dict[IdeaOutcome, int]:
    outcomes = idea_outcomes(programme_id, on)
    counts = {outcome: 0 for outcome in IdeaOutcome}
    for outcome, count in db.session.execute(
            sa.select(outcomes.c.outcome, sa.func.count()).group_by(outcomes.c.outcome)):
        counts[IdeaOutcome(outcome)] = int(count)
    return counts


def budget_cuts_by_year(programme_id: int, on: date) -> dict[int, int]:
    """The adopted cuts in force on `on`, summed per budget year."""
    cuts = adopted_cuts(programme_id, on)
    query = (sa.select(cuts.c.budget_year, sa.func.sum(cuts.c.amount_sek))
             .group_by(cuts.c.budget_year).order_by(cuts.c.budget_year))
    return {int(year): int(total) for year, total in db.session.execute(query)}


def adherence_facts(programme: Programme, on: date) -> list[adherence_rules.ProjectFacts]:
    """The implementation projects' adherence facts on `on` (the follow-up's own query)."""
    return followup_queries.facts_at(
        programme.id, [on], project_ids=implementation_project_ids(programme.id, on))[on]


def _share(value) -> float | None:
    return None if value is None else float(value)


def position(programme: Programme, on: date) -> Position:
    """The programme's position on `on`, every figure summed by SQL from records dated by then."""
    envelope = queries.envelope_position(programme, on)
    projects, granted, finished = _project_figures(programme.id, on)
    studies, feasibility_sek = _feasibility_figures(programme.id, on)
    ideas = _idea_figures(programme.id, on)
    adherence = adherence_rules.adherence(adherence_facts(programme, on), on,
                                          programme.schedule_tolerance_days or 0)
    return Position(
        on=on, reserved_sek=envelope.reserved_sek, granted_projects_sek=granted,
        projects=projects, finished_projects=finished, feasibility_sek=feasibility_sek,
        feasibility_studies=studies,
        other_decisions_sek=_other_decisions_sek(programme.id, on),
        remaining_sek=envelope.remaining_sek,
        ideas_received=sum(ideas.values()),
        ideas_became_projects=ideas[IdeaOutcome.BECAME_PROJECT],
        ideas_not_approved=ideas[IdeaOutcome.NOT_APPROVED],
        ideas_awaiting_application=ideas[IdeaOutcome.AWAITING_APPLICATION],
        budget_cuts_sek=budget_cuts_by_year(programme.id, on),
        assessed_projects=adherence.assessed,
        not_keeping_budget=adherence.not_kept_budget,
        not_keeping_schedule=adherence.not_kept_schedule,
        not_keeping_budget_share=_share(adherence.not_kept_budget_share),
        not_keeping_schedule_share=_share(adherence.not_kept_schedule_share))


# ---- the rows behind the figures ------------------------------------------------------------

def project_rows(programme_id: int, on: date, *, finished: bool = False) -> list[sa.Row]:
    """The funded implementation projects (or the finished ones) on `on`, with their grant."""
    return project_queries.project_rows(
        implementation_project_ids(programme_id, on, finished=finished), on)


def feasibility_rows(programme_id: int, on: date) -> list[sa.Row]:
    """The feasibility studies approved by `on` with their net grant."""
    grants = feasibility_grants(programme_id, on)
    return list(db.session.execute(
        sa.select(Application.id, Application.reference, Application.title,
                  Organisation.name.label("organisation"), grants.c.granted_sek,
                  grants.c.decided_on)
        .join(grants, grants.c.application_id == Application.id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .order_by(grants.c.decided_on, Application.id)))


def other_decision_rows(programme_id: int, on: date) -> list:
    """The envelope entries behind the other decisions, oldest first."""
    return list(db.session.scalars(other_decision_entries(programme_id, on)
                                   .order_by(EnvelopeEntry.booked_on, EnvelopeEntry.id)))


def idea_rows(programme_id: int, on: date, outcome: IdeaOutcome | None = None) -> list[sa.Row]:
    """The ideas received by `on` (in one group) with their organisation and group."""
    outcomes = idea_outcomes(programme_id, on)
    query = (sa.select(ProjectIdea.id, ProjectIdea.title, ProjectIdea.submitted_at,
                       Organisation.name.label("organisation"), outcomes.c.outcome)
             .join(outcomes, outcomes.c.idea_id == ProjectIdea.id)
             .join(Organisation, Organisation.id == ProjectIdea.organisation_id)
             .order_by(ProjectIdea.submitted_at, ProjectIdea.id))
    if outcome is not None:
        query = query.where(outcomes.c.outcome == outcome.value)
    return list(db.session.execute(query))


def budget_cut_rows(programme_id: int, on: date) -> list[sa.Row]:
    """Each organisation's adopted cut in force on `on`, by year and organisation."""
    cuts = adopted_cuts(programme_id, on)
    return list(db.session.execute(
        sa.select(cuts.c.budget_year, cuts.c.organisation_id,
                  Organisation.name.label("organisation"), cuts.c.amount_sek,
                  cuts.c.council_decision_ref)
        .join(Organisation, Organisation.id == cuts.c.organisation_id)
        .order_by(cuts.c.budget_year, Organisation.name)))
