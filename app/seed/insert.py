"""Write the checked specs: programme, users, ideas and applications with their history."""

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from werkzeug.security import generate_password_hash

from app.accounts.models import Area, Organisation, User
from app.accounts.services import create_user, find_user_by_email
from app.applications import services
from app.applications.models import Application, ApplicationEvent
from app.applications.rules import TRANSITIONS, Action, expected_decision_date
from app.core import clock
from app.core.enums import (
    ApplicationState,
    OpinionOutcome,
    QualityCheckOutcome,
    Recommendation,
    Role,
)
from app.core.errors import DomainError
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.programmes import rules as delegation
from app.programmes.models import AreaEstimate, Goal, Programme
from app.projects import seed_phases
from app.seed.fields import DEFAULT_DATA_DIR
from app.seed.portfolio import ACTION_ROLE, ApplicationSpec, PortfolioData, _State
from app.seed.reference import ReferenceData, RuleSpec
from app.seed.rows import SeedReport, _at, _Context, _ensure, _find, _user_id

MAIN_PATH = (
    Action.SUBMIT, Action.START_PREPARATION, Action.COMPLETE_ASSESSMENT, Action.RECORD_OPINION,
    Action.APPROVE_QUALITY_CHECK, Action.DECIDE,
)


def _paths() -> dict[ApplicationState, tuple[Action, ...]]:
    """Map each seedable state to the steps that lead there from a draft (the state machine's)."""
    paths, state, taken = {_State.DRAFT: ()}, _State.DRAFT, ()
    for action in MAIN_PATH:
        state, taken = TRANSITIONS[(state, action)].to_state, (*taken, action)
        paths[state] = taken
    paths[_State.RETURNED_FOR_COMPLETION] = (*MAIN_PATH[:2], Action.RETURN_FOR_COMPLETION)
    return paths


PATH_TO_STATE = _paths()

ACTION_COMMENT: dict[Action, str] = {
    Action.SUBMIT: "Ansökan inskickad.",
    Action.START_PREPARATION: "Registrerad av programkontoret och lämnad till arbetsgruppen.",
    Action.COMPLETE_ASSESSMENT: "Beredd mot programmets fyra mål; arbetsgruppen tillstyrker.",
    Action.RECORD_OPINION: "Lilla utvecklingsrådet tillstyrker.",
    Action.APPROVE_QUALITY_CHECK: "Kvalitetssäkrad av budgetledningen utan anmärkning.",
}


def _setup_document(data: ReferenceData, phases: list[dict]) -> dict:
    """The programme's set-up in the shape `flask programme export` writes, for its importer."""
    from app.applications.services import REQUIREMENTS
    from app.programmes.transfer import CALENDAR

    settings = dict(data.programme)
    head = {key: settings.pop(key) for key in ("name", "description", "starts_on", "ends_on")}
    calendar = {key: settings.pop(key) for key in CALENDAR if key in settings}
    by_start: dict[date, list[RuleSpec]] = defaultdict(list)
    for rule in data.rules:
        by_start[rule.valid_from].append(rule)
    return {
        "programme": {**head, "settings": settings, "calendar": calendar},
        "goals": [dict(goal) for goal in data.goals],
        "requirements": list(REQUIREMENTS),
        "areas": [{"key": a.key, "name": a.name, "estimate_sek": a.estimate_sek}
                  for a in data.areas],
        "delegation_regimes": [
            {"valid_from": start, "reason": specs[0].reason, "source": specs[0].source,
             "rules": [{"authority_key": s.authority_key, "authority_name": s.authority_name,
                        "limit_sek": s.limit_sek, "source": s.source} for s in specs]}
            for start, specs in sorted(by_start.items())],
        "phases": phases,
    }


def _import_programme(data: ReferenceData, data_dir: Path, report: SeedReport) -> Programme:
    """Create the demo's programme through the importer that copies any programme's set-up."""
    from app.programmes import transfer

    document = _setup_document(data, seed_phases.read_phases(data_dir))
    try:
        values = transfer.read_setup(document)
    except transfer.SetupFileError as refused:
        raise ValueError(f"programme.yaml: {refused}") from None
    programme = transfer.import_setup(values, db.session)
    report.add("programmes")
    for kind, items in (("goals", values["goals"]), ("area_estimates", values["areas"]),
                        ("programme_phases", values["phases"])):
        for _item in items:
            report.add(kind)
    for regime in values["delegation_regimes"]:
        for _spec in regime["rules"]:
            report.add("delegation_rules")
    return programme


def _insert_reference(data: ReferenceData, report: SeedReport,
                      data_dir: Path | None = None) -> _Context:
    areas = {
        spec.key: _ensure(report, "areas", Area, {"key": spec.key}, {"name": spec.name})
        for spec in data.areas
    }
    values = dict(data.programme)
    programme = _find(Programme, name=values["name"])
    if programme is None:
        programme = _import_programme(data, Path(data_dir or DEFAULT_DATA_DIR), report)
    else:
        programme = _ensure(report, "programmes", Programme, {"name": values.pop("name")}, values)
    for goal in data.goals:
        goal = dict(goal)
        _ensure(report, "goals", Goal,
                {"programme_id": programme.id, "number": goal.pop("number")}, goal)
    for spec in data.areas:
        _ensure(report, "area_estimates", AreaEstimate,
                {"programme_id": programme.id, "area_id": areas[spec.key].id},
                {"estimate_sek": spec.estimate_sek})
    _insert_regimes(data, programme, report)
    organisations = {
        spec.name: _ensure(
            report, "organisations", Organisation, {"name": spec.name},
            {"short_name": spec.short_name, "kind": spec.kind,
             "area_id": areas[spec.area].id if spec.area else None},
        )
        for spec in data.organisations
    }
    return _Context(programme, areas, organisations)


def _insert_regimes(data: ReferenceData, programme: Programme, report: SeedReport) -> None:
    """Load the file's delegation regimes missing from the database, as history.

    The demo's regimes started long before any business date, so they go through the regime
    service's history path (`history=True`): every rule on limits and keys holds, the rule
    that a new regime starts on or after the business date does not.
    """
    from app.programmes import regimes

    existing = {r.valid_from for r in regimes.regimes_of(programme)}
    by_start: dict[date, list[RuleSpec]] = defaultdict(list)
    for rule in data.rules:
        by_start[rule.valid_from].append(rule)
    for valid_from, specs in sorted(by_start.items()):
        if valid_from in existing:
            continue
        regimes.add_regime(programme, regimes.RegimeData(
            valid_from=valid_from, reason=specs[0].reason, source=specs[0].source,
            rules=tuple(delegation.RuleDraft(s.authority_key, s.authority_name, s.limit_sek,
                                             s.source) for s in specs),
        ), actor=None, history=True)
        for _spec in specs:
            report.add("delegation_rules")


def _insert_users(data: PortfolioData, context: _Context, report: SeedReport) -> None:
    """Create missing demo users through the account service; the shared password is hashed once."""
    context.users, password_hash = {}, None
    for spec in data.users:
        user = find_user_by_email(spec.email)
        if user is None:
            organisation = context.organisations.get(spec.organisation)
            user = create_user({
                "email": spec.email, "name": spec.name,
                "organisation_id": organisation.id if organisation else None,
                "roles": list(spec.roles),
            })
            password_hash = password_hash or generate_password_hash(data.demo_password)
            user.password_hash = password_hash
            report.add("users")
        context.users[spec.email] = user


def _insert_ideas(data: PortfolioData, context: _Context, report: SeedReport) -> None:
    screener = data.holder(Role.PROGRAMME_OFFICE)
    for spec in data.ideas:
        organisation = context.organisations[spec.organisation]
        screened = spec.screened_on is not None
        _ensure(report, "ideas", ProjectIdea,
                {"title": spec.title, "organisation_id": organisation.id},
                {"programme_id": context.programme.id, "state": spec.state,
                 "submitted_by_id": _user_id(context, spec.submitted_by),
                 "submitted_at": _at(spec.submitted_on),
                 "screened_by_id": _user_id(context, screener.email) if screened else None,
                 "screened_at": _at(spec.screened_on) if screened else None,
                 "screening_comment": spec.screening_comment, **spec.texts})


def _step_days(spec: ApplicationSpec, actions, service_days: dict) -> list[date]:
    """Spread the steps between submission and the current stage by each stage's service days."""
    if not actions:
        return []
    weights, state = [], _State.DRAFT
    for action in actions:
        weights.append(0 if action is Action.SUBMIT else max(1, service_days.get(state, 1)))
        state = TRANSITIONS[(state, action)].to_state
    total, span = sum(weights) or 1, (spec.state_since - spec.submitted_on).days
    running, days = 0, []
    for weight in weights:
        running += weight
        days.append(spec.submitted_on + timedelta(days=span * running // total))
    return days


def _insert_application(
    spec: ApplicationSpec, data: PortfolioData, context: _Context, report: SeedReport, *,
    until_decision: bool = False,
) -> Application:
    """Insert one application and replay its history through the workflow services, unless
    it exists.

    The draft and its submission are written as the file records them (`_submitted`); every
    later step is taken by its service with the business clock at the step's day and the demo
    user holding the step's role as the actor, so its rules, history, audit entry and notices
    are those any user's step produces. A decided application stops awaiting its decision,
    for the decision service to take (`until_decision`, `app.seed.replay`).
    """
    organisation = context.organisations[spec.organisation]
    key = ({"reference": spec.reference} if spec.reference
           else {"title": spec.title, "organisation_id": organisation.id, "reference": None})
    application = _find(Application, **key)
    if application is not None:
        return application

    service_days = {ApplicationState(k): v
                    for k, v in context.programme.stage_service_days.items()}
    actions = PATH_TO_STATE[spec.state]
    days = _step_days(spec, actions, service_days)
    if actions and actions[-1] is Action.DECIDE:
        if not until_decision:
            raise ValueError(f"{spec.where}: the decision service takes a decided "
                             "application's decision (app.seed.replay, until_decision)")
        actions, days = actions[:-1], days[:-1]
    application = _submitted(spec, context, service_days)
    report.add("applications")
    if actions:
        report.add("application_events")
    for action, day in zip(actions[1:], days[1:], strict=True):
        actor = context.users[data.holder(ACTION_ROLE[action]).email]
        with clock.standing_at(_at(day)):
            try:
                record = _take_step(application, action, spec, actor)
            except DomainError as refused:
                raise ValueError(f"{spec.where}: the step {action.value} on "
                                 f"{day.isoformat()} was refused: {refused.detail}") from None
        report.add("application_events")
        if record:
            report.add(record)
    return application


def _submitted(spec: ApplicationSpec, context: _Context,
               service_days: dict[ApplicationState, int]) -> Application:
    """Write the application as a draft, or as submitted on its day with its reference.

    Not through `services.create_draft` and `services.submit`: they act only for an applicant
    of the applying organisation, and the demo has one (Trafikkontoret's) while the files name
    no submitter for most applications; and the completeness check asks for sections the
    files do not record (requirements, motivated goal scores, cost lines, milestones, a
    benefit calculation), which could not be invented without changing the demo's figures.
    """
    organisation = context.organisations[spec.organisation]
    idea = (_find(ProjectIdea, title=spec.idea, organisation_id=organisation.id)
            if spec.idea else None)
    submitter_id = _user_id(context, spec.submitted_by)
    submitted = spec.submitted_on is not None
    expected = None
    if submitted and spec.state is not _State.RETURNED_FOR_COMPLETION:
        expected = expected_decision_date(spec.submitted_on, service_days)
    since = _at(spec.submitted_on if submitted else spec.created_on)
    application = Application(
        programme_id=context.programme.id, organisation_id=organisation.id,
        idea_id=idea.id if idea else None,
        area_id=context.areas[spec.area].id if spec.area else organisation.area_id,
        kind=spec.kind, reference=spec.reference, title=spec.title,
        state=_State.SUBMITTED if submitted else _State.DRAFT, state_changed_at=since,
        requested_sek=spec.requested_sek, created_by_id=submitter_id,
        submitted_by_id=submitter_id if submitted else None,
        submitted_at=since if submitted else None, expected_decision_on=expected,
        created_at=_at(spec.created_on), updated_at=since, **spec.details,
    )
    db.session.add(application)
    db.session.flush()
    if submitted:
        db.session.add(ApplicationEvent(
            application_id=application.id, action=Action.SUBMIT.value, from_state=_State.DRAFT,
            to_state=_State.SUBMITTED, actor_id=submitter_id, at=since,
            comment=ACTION_COMMENT[Action.SUBMIT]))
        db.session.flush()
    return application


def _take_step(application: Application, action: Action, spec: ApplicationSpec, actor: User
               ) -> str | None:
    """Take one preparation step through its service; name the record kind it adds, if any."""
    comment = ACTION_COMMENT.get(action, "")
    if action is Action.START_PREPARATION:
        services.start_preparation(application, actor, comment)
        return None
    if action is Action.COMPLETE_ASSESSMENT:
        services.complete_assessment(application, {
            "recommendation": Recommendation.APPROVE.value,
            "scores": dict(spec.assessment_scores), "comment": comment}, actor)
        return "assessments"
    if action is Action.RECORD_OPINION:
        services.record_opinion(application, OpinionOutcome.SUPPORTS.value, comment, actor)
        return "advisory_opinions"
    if action is Action.APPROVE_QUALITY_CHECK:
        services.quality_check(application, QualityCheckOutcome.APPROVED.value, comment, actor)
        return "quality_checks"
    if action is Action.RETURN_FOR_COMPLETION:
        services.return_for_completion(application, spec.comment, actor)
        return None
    raise ValueError(f"{spec.where}: the seed has no step {action.value}")
