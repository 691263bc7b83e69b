"""The funding application workflow as a pure state machine, with the decision guards.

Flow per DOMAIN.md "The flow": submitted, prepared by the working group, advised on by the
development council, quality-checked by budget management, decided under delegation.
Pure: standard library and app.core.enums only.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    DecisionKind,
    DecisionOutcome,
    QualityCheckOutcome,
    Role,
)

MAX_AMOUNT_SEK = 10**12
MAX_SERVICE_DAYS = 3650

_State = ApplicationState


class Action(StrEnum):
    """A step someone takes on an application."""

    SUBMIT = "submit"
    START_PREPARATION = "start_preparation"
    COMPLETE_ASSESSMENT = "complete_assessment"
    RECORD_OPINION = "record_opinion"
    APPROVE_QUALITY_CHECK = "approve_quality_check"
    RETURN_FROM_QUALITY_CHECK = "return_from_quality_check"
    RETURN_FOR_COMPLETION = "return_for_completion"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    DECIDE = "decide"


class IllegalTransition(Exception):
    """The action is not possible from the application's current state (HTTP 409)."""

    def __init__(self, state: ApplicationState, action: Action) -> None:
        self.state = state
        self.action = action
        sources = ", ".join(s.value for s in sources_of(action)) or "no state"
        super().__init__(
            f"The step '{_words(action)}' is not possible while the application is "
            f"{_words(state)}; it is possible only from: {sources}."
        )


class NotPermitted(Exception):
    """The actor holds none of the roles the action requires (HTTP 403)."""

    def __init__(self, action: Action, required: frozenset[Role]) -> None:
        self.action = action
        self.required = required
        roles = ", ".join(sorted(r.value for r in required))
        super().__init__(
            f"The step '{_words(action)}' needs one of these roles, which you do not hold: {roles}."
        )


@dataclass(frozen=True)
class Transition:
    """Where an action leads and which roles may take it."""

    to_state: ApplicationState
    roles: frozenset[Role]


ACTION_ROLES: Mapping[Action, frozenset[Role]] = {
    Action.SUBMIT: frozenset({Role.APPLICANT}),
    Action.START_PREPARATION: frozenset({Role.PROGRAMME_OFFICE}),
    Action.COMPLETE_ASSESSMENT: frozenset({Role.WORKING_GROUP}),
    Action.RECORD_OPINION: frozenset({Role.DEVELOPMENT_COUNCIL}),
    Action.APPROVE_QUALITY_CHECK: frozenset({Role.BUDGET_MANAGEMENT}),
    Action.RETURN_FROM_QUALITY_CHECK: frozenset({Role.BUDGET_MANAGEMENT}),
    Action.RETURN_FOR_COMPLETION: frozenset({Role.PROGRAMME_OFFICE}),
    Action.RESUBMIT: frozenset({Role.APPLICANT}),
    Action.WITHDRAW: frozenset({Role.APPLICANT}),
    Action.DECIDE: frozenset({Role.DECISION_MAKER, Role.FINANCE_COMMITTEE}),
}

FINAL_STATES: frozenset[ApplicationState] = frozenset({_State.DECIDED, _State.WITHDRAWN})

PIPELINE_STAGES: tuple[ApplicationState, ...] = (
    _State.SUBMITTED,
    _State.IN_PREPARATION,
    _State.ADVISORY_OPINION,
    _State.QUALITY_CHECK,
    _State.AWAITING_DECISION,
)

_EDGES: tuple[tuple[ApplicationState, Action, ApplicationState], ...] = (
    (_State.DRAFT, Action.SUBMIT, _State.SUBMITTED),
    (_State.SUBMITTED, Action.START_PREPARATION, _State.IN_PREPARATION),
    (_State.IN_PREPARATION, Action.COMPLETE_ASSESSMENT, _State.ADVISORY_OPINION),
    (_State.ADVISORY_OPINION, Action.RECORD_OPINION, _State.QUALITY_CHECK),
    (_State.QUALITY_CHECK, Action.APPROVE_QUALITY_CHECK, _State.AWAITING_DECISION),
    (_State.QUALITY_CHECK, Action.RETURN_FROM_QUALITY_CHECK, _State.IN_PREPARATION),
    (_State.SUBMITTED, Action.RETURN_FOR_COMPLETION, _State.RETURNED_FOR_COMPLETION),
    (_State.IN_PREPARATION, Action.RETURN_FOR_COMPLETION, _State.RETURNED_FOR_COMPLETION),
    (_State.QUALITY_CHECK, Action.RETURN_FOR_COMPLETION, _State.RETURNED_FOR_COMPLETION),
    (_State.RETURNED_FOR_COMPLETION, Action.RESUBMIT, _State.SUBMITTED),
    (_State.AWAITING_DECISION, Action.DECIDE, _State.DECIDED),
    *(
        (state, Action.WITHDRAW, _State.WITHDRAWN)
        for state in ApplicationState
        if state not in FINAL_STATES
    ),
)

TRANSITIONS: Mapping[tuple[ApplicationState, Action], Transition] = {
    (source, action): Transition(target, ACTION_ROLES[action]) for source, action, target in _EDGES
}


def sources_of(action: Action) -> tuple[ApplicationState, ...]:
    """List the states an action may be taken from, in the enum's order."""
    return tuple(state for state in ApplicationState if (state, action) in TRANSITIONS)


def transition(
    state: ApplicationState, action: Action, actor_roles: Iterable[Role]
) -> ApplicationState:
    """Return the next state, or refuse: role first (403), then state (409); nothing changes."""
    state, action = ApplicationState(state), Action(action)
    required = ACTION_ROLES[action]
    if required.isdisjoint(_roles(actor_roles)):
        raise NotPermitted(action, required)
    step = TRANSITIONS.get((state, action))
    if step is None:
        raise IllegalTransition(state, action)
    return step.to_state


def allowed_actions(state: ApplicationState, actor_roles: Iterable[Role]) -> tuple[Action, ...]:
    """List what this actor may do now, in the Action enum's order, so pages show only those."""
    state, roles = ApplicationState(state), _roles(actor_roles)
    return tuple(
        action
        for action in Action
        if (step := TRANSITIONS.get((state, action))) is not None
        and not step.roles.isdisjoint(roles)
    )


def waiting_on(state: ApplicationState) -> frozenset[Role]:
    """Name the roles holding an application in this state, for queues and the receipt."""
    state = ApplicationState(state)
    return frozenset(
        role
        for (source, action), step in TRANSITIONS.items()
        if source == state and action is not Action.WITHDRAW
        for role in step.roles
    )


def quality_check_action(outcome: QualityCheckOutcome) -> Action:
    """Map budget management's outcome to the workflow step it takes."""
    if QualityCheckOutcome(outcome) is QualityCheckOutcome.APPROVED:
        return Action.APPROVE_QUALITY_CHECK
    return Action.RETURN_FROM_QUALITY_CHECK


def decider_conflict(
    decider_id: int,
    submitted_by_id: int | Collection[int] | None,
    assessed_by_ids: int | Collection[int] | None,
    quality_checked_by_id: int | Collection[int] | None,
) -> str | None:
    """Say why the decider may not decide: segregation of duties beats holding the authority."""
    if decider_id is None:
        raise ValueError("decider_id is required")
    duties = (
        ("submitted", submitted_by_id),
        ("assessed", assessed_by_ids),
        ("quality-checked", quality_checked_by_id),
    )
    done = [verb for verb, ids in duties if decider_id in _ids(ids)]
    if not done:
        return None
    if len(done) > 1:
        done = [", ".join(done[:-1]) + " and " + done[-1]]
    return (
        f"You {done[0]} this application, so you cannot also decide it (segregation of "
        "duties): the decision must be taken by another person holding the authority."
    )


def decision_amount_ok(requested_sek: int, granted_sek: int, outcome: DecisionOutcome) -> None:
    """Refuse a granted amount that does not match the outcome, naming the field at fault."""
    _check_int(requested_sek, "requested_sek", minimum=1)
    _check_int(granted_sek, "granted_sek", minimum=0)
    outcome = DecisionOutcome(outcome)
    if outcome is DecisionOutcome.APPROVED and granted_sek != requested_sek:
        raise ValueError(
            f"granted_sek must equal the requested {requested_sek} SEK for an approval; "
            "choose approved with a reduced amount to grant less."
        )
    if outcome is DecisionOutcome.APPROVED_REDUCED and not 0 < granted_sek < requested_sek:
        raise ValueError(
            f"granted_sek must be above 0 and below the requested {requested_sek} SEK "
            "for an approval with a reduced amount."
        )
    if outcome is DecisionOutcome.REJECTED and granted_sek != 0:
        raise ValueError("granted_sek must be 0 for a rejection.")


def funds_project(kind: ApplicationKind, outcome: DecisionOutcome) -> bool:
    """Say whether a decision creates a funded project: only an approved implementation does.

    A feasibility study is a small grant to study the process first (DOMAIN.md, step 2), not
    a funded project: its money is committed against the decision, and it has no six-weekly
    reports, final report or benefit baseline.
    """
    return (ApplicationKind(kind) is ApplicationKind.IMPLEMENTATION
            and DecisionOutcome(outcome) is not DecisionOutcome.REJECTED)


def stage_due_dates(
    submitted_on: date,
    service_days: Mapping[ApplicationState, int],
    *,
    from_stage: ApplicationState = _State.SUBMITTED,
) -> dict[ApplicationState, date]:
    """Give the date each stage should be done by, in calendar days, for the receipt."""
    if not isinstance(submitted_on, date) or isinstance(submitted_on, datetime):
        raise TypeError(f"submitted_on must be a date, not {submitted_on!r}")
    from_stage = ApplicationState(from_stage)
    if from_stage not in PIPELINE_STAGES:
        raise ValueError(f"from_stage must be one of: {', '.join(PIPELINE_STAGES)}")
    missing = [stage.value for stage in PIPELINE_STAGES if stage not in service_days]
    if missing:
        raise ValueError(f"service_days has no value for: {', '.join(missing)}")
    due, dates = submitted_on, {}
    for stage in PIPELINE_STAGES[PIPELINE_STAGES.index(from_stage) :]:
        days = service_days[stage]
        _check_int(days, f"service_days[{stage.value}]", minimum=0, maximum=MAX_SERVICE_DAYS)
        due += timedelta(days=days)
        dates[stage] = due
    return dates


def expected_decision_date(
    submitted_on: date,
    service_days: Mapping[ApplicationState, int],
    *,
    from_stage: ApplicationState = _State.SUBMITTED,
) -> date:
    """Sum the stages' service days from submission to decision (programme setting)."""
    return stage_due_dates(submitted_on, service_days, from_stage=from_stage)[
        _State.AWAITING_DECISION
    ]


def _words(name: StrEnum) -> str:
    """Turn an enum value into words for a message a person reads."""
    return name.value.replace("_", " ")


def _roles(actor_roles: Iterable[Role]) -> frozenset[Role]:
    """Read the actor's roles as Role members, refusing unknown names."""
    return frozenset(Role(role) for role in actor_roles)


def _ids(value: int | Collection[int] | None) -> frozenset[int]:
    """Read one user id, several, or none, as a set."""
    if value is None:
        return frozenset()
    if isinstance(value, int):
        return frozenset({value})
    return frozenset(v for v in value if v is not None)


def _check_int(value: object, field: str, *, minimum: int, maximum: int = MAX_AMOUNT_SEK) -> None:
    """Refuse a non-integer or out-of-range value, naming the field (the API maps it to 422)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{field} must be a whole number, not {value!r}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{field} must be from {minimum} to {maximum}")


# ---- completeness on submission ---------------------------------------------------------

REQUIRED_TEXTS = ("title", "description", "process_description", "target_groups",
                  "benefit_owner_name", "communication_plan", "operation_plan",
                  "operation_payer", "reuse_analysis")


@dataclass(frozen=True)
class SubmissionFacts:
    """What the completeness check reads of an application, saved or still only a form."""

    kind: str | None
    texts: Mapping[str, str | None]
    estimated_users: int | None
    estimated_users_within_years: int | None
    requirements: Mapping[str, str | None]
    requirement_keys: tuple[str, ...]
    goal_numbers: tuple[int, ...]
    motivated_goal_numbers: frozenset[int]
    requested_sek: int | None
    cost_amounts_sek: tuple[int, ...]
    starts_on: date | None
    ends_on: date | None
    milestone_count: int
    has_benefit_calculation: bool


@dataclass(frozen=True)
class Gap:
    """One thing missing for submission: the field it belongs to and a code the edge words."""

    field: str
    code: str
    number: int | None = None
    total_sek: int | None = None
    requested_sek: int | None = None


def submission_gaps(facts: SubmissionFacts) -> list[Gap]:
    """Every gap that stops submission, all at once, in the order the form shows the fields."""
    gaps = [Gap(field, "text_missing") for field in REQUIRED_TEXTS
            if not (facts.texts.get(field) or "").strip()]
    if not (facts.estimated_users or 0) > 0:
        gaps.append(Gap("estimated_users", "users_missing"))
    if facts.estimated_users_within_years not in (1, 2, 3):
        gaps.append(Gap("estimated_users_within_years", "users_years_missing"))
    gaps += [Gap(f"requirements.{key}", "requirement_missing") for key in facts.requirement_keys
             if not (facts.requirements.get(key) or "").strip()]
    gaps += [Gap(f"goal_scores.{number}", "goal_unscored", number=number)
             for number in facts.goal_numbers if number not in facts.motivated_goal_numbers]
    if not facts.requested_sek:
        gaps.append(Gap("requested_sek", "amount_missing"))
    if not facts.cost_amounts_sek:
        gaps.append(Gap("cost_lines", "costs_missing"))
    elif facts.requested_sek and sum(facts.cost_amounts_sek) != facts.requested_sek:
        gaps.append(Gap("cost_lines", "costs_differ", total_sek=sum(facts.cost_amounts_sek),
                        requested_sek=facts.requested_sek))
    if facts.starts_on is None:
        gaps.append(Gap("starts_on", "start_missing"))
    if facts.ends_on is None:
        gaps.append(Gap("ends_on", "end_missing"))
    if facts.starts_on and facts.ends_on and facts.ends_on < facts.starts_on:
        gaps.append(Gap("ends_on", "end_before_start"))
    if facts.kind == "implementation" and facts.milestone_count == 0:
        gaps.append(Gap("milestones", "milestones_missing"))
    if not facts.has_benefit_calculation:
        gaps.append(Gap("benefit_calculation", "calculation_missing"))
    return gaps


def net_granted_sek(decisions) -> int:
    """Sum what decisions grant, less reductions and revocations; never below 0."""
    total = 0
    for decision in decisions:
        if decision.kind in (DecisionKind.REDUCTION, DecisionKind.REVOCATION):
            total -= decision.amount_sek
        elif decision.outcome != DecisionOutcome.REJECTED:
            total += decision.amount_sek
    return max(total, 0)
