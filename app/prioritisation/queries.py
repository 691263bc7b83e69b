"""What prioritisation reads, as of a business date: the candidates and their figures.

A candidate is an application that on the date had been submitted and not yet decided (its
newest step by the end of that day left it in preparation, advisory opinion, quality check
or awaiting decision), or an idea approved by then without a submitted application. Each
query is one statement whatever the number of candidates.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.accounts.models import Organisation
from app.applications.models import Application, ApplicationEvent, Assessment, AssessmentScore
from app.benefits import queries as benefit_queries
from app.benefits.models import BenefitCalculation, CalculationVersion
from app.core import clock
from app.core.enums import ApplicationState, CalculationVersionKind, IdeaState
from app.extensions import db
from app.ideas.models import ProjectIdea

UNDECIDED_STATES = (
    ApplicationState.SUBMITTED, ApplicationState.IN_PREPARATION,
    ApplicationState.ADVISORY_OPINION, ApplicationState.QUALITY_CHECK,
    ApplicationState.AWAITING_DECISION,
)
IDEA = "idea"


@dataclass(frozen=True)
class CandidateRow:
    """One application or idea that could be funded, with what prioritisation needs of it."""

    key: str
    kind: str
    source_id: int
    title: str
    organisation: str
    reference: str | None
    stage: str
    requested_sek: int | None
    feasibility_id: int | None = None
    scores: dict[str, int] = field(default_factory=dict)


def application_key(application_id: int) -> str:
    return f"application:{application_id}"


def idea_key(idea_id: int) -> str:
    return f"idea:{idea_id}"


def end_of(on: date) -> datetime:
    """The first moment after the business date `on`, in the city's time zone."""
    return datetime.combine(on + timedelta(days=1), time(), tzinfo=clock.local_zone())


def undecided_applications(programme_id: int, on: date) -> list[CandidateRow]:
    """Applications submitted and not yet decided at the end of `on`, by reference."""
    latest = (sa.select(ApplicationEvent.application_id,
                        sa.func.max(ApplicationEvent.id).label("event_id"))
              .where(ApplicationEvent.at < end_of(on))
              .group_by(ApplicationEvent.application_id).subquery())
    query = (
        sa.select(Application.id, Application.kind, Application.title, Organisation.name,
                  Application.reference, ApplicationEvent.to_state, Application.requested_sek,
                  Application.feasibility_id)
        .join(latest, latest.c.application_id == Application.id)
        .join(ApplicationEvent, ApplicationEvent.id == latest.c.event_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.programme_id == programme_id,
               ApplicationEvent.to_state.in_(UNDECIDED_STATES))
        .order_by(Application.reference, Application.id)
    )
    return [CandidateRow(key=application_key(row[0]), kind=str(row[1]), source_id=row[0],
                         title=row[2], organisation=row[3], reference=row[4], stage=str(row[5]),
                         requested_sek=None if row[6] is None else int(row[6]),
                         feasibility_id=row[7])
            for row in db.session.execute(query)]


def approved_ideas_without_application(programme_id: int, on: date) -> list[CandidateRow]:
    """Ideas approved to apply by the end of `on` with no application submitted by then."""
    end = end_of(on)
    applied = sa.exists().where(Application.idea_id == ProjectIdea.id,
                                Application.submitted_at < end)
    query = (
        sa.select(ProjectIdea.id, ProjectIdea.title, Organisation.name)
        .join(Organisation, Organisation.id == ProjectIdea.organisation_id)
        .where(ProjectIdea.programme_id == programme_id,
               ProjectIdea.state == IdeaState.APPROVED_TO_APPLY,
               ProjectIdea.screened_at < end, ~applied)
        .order_by(ProjectIdea.title, ProjectIdea.id)
    )
    return [CandidateRow(key=idea_key(row[0]), kind=IDEA, source_id=row[0], title=row[1],
                         organisation=row[2], reference=None,
                         stage=str(IdeaState.APPROVED_TO_APPLY), requested_sek=None)
            for row in db.session.execute(query)]


def assessment_scores(application_ids: list[int], on: date) -> dict[int, dict[str, int]]:
    """The working group's newest assessment by the end of `on`: criterion → score 0–3."""
    if not application_ids:
        return {}
    latest = (sa.select(sa.func.max(Assessment.id))
              .where(Assessment.application_id.in_(application_ids),
                     Assessment.created_at < end_of(on))
              .group_by(Assessment.application_id))
    query = (sa.select(Assessment.application_id, AssessmentScore.criterion,
                       AssessmentScore.score)
             .join(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
             .where(Assessment.id.in_(latest)))
    scores: dict[int, dict[str, int]] = {}
    for application_id, criterion, score in db.session.execute(query):
        scores.setdefault(application_id, {})[criterion] = int(score)
    return scores


def calculation_versions(application_ids: list[int], on: date
                         ) -> dict[int, CalculationVersion]:
    """Each application's newest frozen baseline or as-submitted calculation by `on` (lines
    loaded only for those without a stored value)."""
    if not application_ids:
        return {}
    version_ids = (
        sa.select(CalculationVersion.id)
        .join(BenefitCalculation, BenefitCalculation.id == CalculationVersion.calculation_id)
        .where(BenefitCalculation.application_id.in_(application_ids),
               CalculationVersion.is_frozen.is_(True),
               CalculationVersion.kind.in_([CalculationVersionKind.AS_SUBMITTED,
                                            CalculationVersionKind.BASELINE]),
               CalculationVersion.created_at < end_of(on)))
    query = (sa.select(BenefitCalculation.application_id, CalculationVersion)
             .join(BenefitCalculation,
                   BenefitCalculation.id == CalculationVersion.calculation_id)
             .where(CalculationVersion.id.in_(version_ids))
             .order_by(BenefitCalculation.application_id, CalculationVersion.number))
    versions = {application_id: version
                for application_id, version in db.session.execute(query)}
    benefit_queries.load_lines_of_unvalued(versions.values())
    return versions
