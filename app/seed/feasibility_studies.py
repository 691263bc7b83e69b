"""Load feasibility_studies.yaml: each study's decided application, decision and commitment."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.applications import decisions, routing
from app.core import clock
from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    DecisionOutcome,
    IdeaState,
    Role,
)
from app.core.errors import DomainError
from app.core.money import format_sek
from app.seed.fields import DEFAULT_DATA_DIR, _Fields, _read_yaml
from app.seed.insert import _insert_application
from app.seed.portfolio import (
    APPLICATION_TEXTS,
    ApplicationSpec,
    PortfolioData,
    check_decider,
    read_assessment_scores,
)
from app.seed.reference import ReferenceData
from app.seed.rows import SeedReport, _at, _Context

FILE = "feasibility_studies.yaml"

CONDITIONS = ("Förstudien redovisas till programkontoret med processkartläggning, nulägesanalys "
              "och en rekommendation om en ansökan om genomförande ska lämnas.")


@dataclass(frozen=True)
class StudySpec:
    reference: str
    title: str
    organisation: str
    area: str
    idea: str | None
    submitted_on: date
    decided_on: date
    granted_sek: int
    decided_by: str
    description: str
    where: str
    assessment_scores: tuple[tuple[str, int], ...] = ()

    def application(self) -> ApplicationSpec:
        """The study's feasibility application, decided on its decision day."""
        details = {key: "" for key in APPLICATION_TEXTS}
        details.update(description=self.description, estimated_users=None,
                       estimated_users_within_years=None, starts_on=None, ends_on=None)
        return ApplicationSpec(
            reference=self.reference, title=self.title, kind=ApplicationKind.FEASIBILITY,
            organisation=self.organisation, area=self.area, idea=self.idea,
            state=ApplicationState.DECIDED, requested_sek=self.granted_sek,
            created_on=self.submitted_on, submitted_on=self.submitted_on,
            state_since=self.decided_on, submitted_by=None, comment="", details=details,
            where=self.where, assessment_scores=self.assessment_scores)


def load_feasibility_studies(reference: ReferenceData, portfolio: PortfolioData,
                             business_date: date, data_dir: Path | None = None
                             ) -> tuple[StudySpec, ...]:
    """Read and check feasibility_studies.yaml against the reference data, the portfolio and
    the demo's business date (no study is decided after it)."""
    root = _read_yaml(Path(data_dir or DEFAULT_DATA_DIR), FILE)
    organisations = {o.name for o in reference.organisations}
    areas = {a.key for a in reference.areas}
    ideas = {(i.title, i.organisation): i for i in portfolio.ideas}
    used = {a.reference for a in portfolio.applications if a.reference}
    used |= {p.application.reference for p in portfolio.projects}
    studies, seen, titles = [], set(), set()
    for item in root.items("feasibility_studies", "study", "title"):
        spec = _read_study(item)
        if spec.organisation not in organisations:
            raise item.error(f"'organisation' {spec.organisation!r} is not defined in "
                             "organisations.yaml")
        if spec.area not in areas:
            raise item.error(f"'area' {spec.area!r} is not defined in programme.yaml")
        if spec.idea is not None:
            idea = ideas.get((spec.idea, spec.organisation))
            if idea is None or idea.state is not IdeaState.APPROVED_TO_APPLY:
                raise item.error(f"'idea' {spec.idea!r} is not an idea of {spec.organisation} "
                                 "approved to apply in ideas.yaml")
            if idea.screened_on > spec.submitted_on:
                raise item.error(f"the idea {spec.idea!r} was screened on "
                                 f"{idea.screened_on.isoformat()}, after the study was submitted")
        _check_dates(item, spec, reference, business_date)
        check_decider(item, reference, portfolio.users, spec.granted_sek, spec.decided_on,
                      spec.decided_by)
        if spec.reference in seen:
            raise item.error(f"the reference {spec.reference!r} appears more than once in {FILE}")
        if spec.reference in used:
            raise item.error(f"the reference {spec.reference!r} is already used in "
                             "applications.yaml or projects.yaml")
        if (spec.title, spec.organisation) in titles:
            raise item.error(f"the study {spec.title!r} of {spec.organisation} appears more "
                             "than once")
        seen.add(spec.reference)
        titles.add((spec.title, spec.organisation))
        studies.append(spec)
    return tuple(studies)


def _read_study(item: _Fields) -> StudySpec:
    return StudySpec(
        reference=item.text("reference"), title=item.text("title"),
        organisation=item.text("organisation"), area=item.text("area"),
        idea=item.text("idea", required=False), submitted_on=item.day("submitted_on"),
        decided_on=item.day("decided_on"), granted_sek=item.whole("granted_sek", minimum=1),
        decided_by=item.text("decided_by"), description=item.text("description"),
        where=item.where, assessment_scores=read_assessment_scores(item))


def _check_dates(item: _Fields, spec: StudySpec, reference: ReferenceData,
                 business_date: date) -> None:
    reference.in_period(item, "submitted_on", spec.submitted_on)
    reference.in_period(item, "decided_on", spec.decided_on)
    if spec.decided_on <= spec.submitted_on:
        raise item.error(f"'decided_on' {spec.decided_on.isoformat()} is not after "
                         f"'submitted_on' {spec.submitted_on.isoformat()}")
    if spec.decided_on > business_date:
        raise item.error(f"'decided_on' {spec.decided_on.isoformat()} is after the demo's "
                         f"business date {business_date.isoformat()}")


def _replay_study(spec: StudySpec, portfolio: PortfolioData, context: _Context,
                  report: SeedReport) -> None:
    """Decide a missing study through the decision service on its decision day, as for a
    funded project (`app.seed.replay`): its diary number comes from the same series in the
    same order, and its grant is committed against the decision, with no project."""
    programme = context.programme
    rule = routing.route(programme, spec.granted_sek, spec.decided_on)
    if rule.authority_key != spec.decided_by:
        raise ValueError(
            f"{spec.where}: the database's delegation rules route {spec.granted_sek} SEK on "
            f"{spec.decided_on.isoformat()} to {rule.authority_key}, not {spec.decided_by}")
    decider = context.users[portfolio.holder(Role.DECISION_MAKER, rule.authority_key).email]
    application = _insert_application(spec.application(), portfolio, context, report,
                                      until_decision=True)
    if application.state is not ApplicationState.AWAITING_DECISION:
        return
    with clock.standing_at(_at(spec.decided_on)):
        try:
            decisions.decide(application, {
                "outcome": DecisionOutcome.APPROVED.value, "amount_sek": spec.granted_sek,
                "decision_text": (f"{spec.title}: {format_sek(spec.granted_sek)} beviljas ur "
                                  f"{programme.name} för förstudie enligt ansökan "
                                  f"{spec.reference}. Beslutet fattas av "
                                  f"{rule.authority_name.lower()} med stöd av delegation "
                                  f"({rule.source})."),
                "conditions": CONDITIONS,
            }, decider)
        except DomainError as refused:
            raise ValueError(f"{spec.where}: {refused.detail}") from None
    report.add("decisions")
    report.add("application_events")
    report.add("ledger_entries")
