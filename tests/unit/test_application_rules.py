"""The application workflow: every legal and illegal step, roles, segregation, amounts, dates."""

import ast
import itertools
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from app.applications.rules import (
    ACTION_ROLES,
    FINAL_STATES,
    PIPELINE_STAGES,
    TRANSITIONS,
    Action,
    IllegalTransition,
    NotPermitted,
    allowed_actions,
    decider_conflict,
    decision_amount_ok,
    expected_decision_date,
    funds_project,
    quality_check_action,
    stage_due_dates,
    transition,
    waiting_on,
)
from app.core.enums import ApplicationKind, DecisionOutcome, QualityCheckOutcome, Role
from app.core.enums import ApplicationState as S

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "app" / "applications" / "rules.py"
EVERYONE = frozenset(Role)

A = Action
R = Role

# The workflow of issue 3 item 4, written out by hand: (from, action, role, to).
LEGAL = [
    (S.DRAFT, A.SUBMIT, R.APPLICANT, S.SUBMITTED),
    (S.SUBMITTED, A.START_PREPARATION, R.PROGRAMME_OFFICE, S.IN_PREPARATION),
    (S.IN_PREPARATION, A.COMPLETE_ASSESSMENT, R.WORKING_GROUP, S.ADVISORY_OPINION),
    (S.ADVISORY_OPINION, A.RECORD_OPINION, R.DEVELOPMENT_COUNCIL, S.QUALITY_CHECK),
    (S.QUALITY_CHECK, A.APPROVE_QUALITY_CHECK, R.BUDGET_MANAGEMENT, S.AWAITING_DECISION),
    (S.QUALITY_CHECK, A.RETURN_FROM_QUALITY_CHECK, R.BUDGET_MANAGEMENT, S.IN_PREPARATION),
    (S.AWAITING_DECISION, A.DECIDE, R.DECISION_MAKER, S.DECIDED),
    (S.AWAITING_DECISION, A.DECIDE, R.FINANCE_COMMITTEE, S.DECIDED),
    (S.SUBMITTED, A.RETURN_FOR_COMPLETION, R.PROGRAMME_OFFICE, S.RETURNED_FOR_COMPLETION),
    (S.IN_PREPARATION, A.RETURN_FOR_COMPLETION, R.PROGRAMME_OFFICE, S.RETURNED_FOR_COMPLETION),
    (S.QUALITY_CHECK, A.RETURN_FOR_COMPLETION, R.PROGRAMME_OFFICE, S.RETURNED_FOR_COMPLETION),
    (S.RETURNED_FOR_COMPLETION, A.RESUBMIT, R.APPLICANT, S.SUBMITTED),
    (S.DRAFT, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.SUBMITTED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.IN_PREPARATION, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.ADVISORY_OPINION, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.QUALITY_CHECK, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.AWAITING_DECISION, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.RETURNED_FOR_COMPLETION, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
]
LEGAL_PAIRS = {(source, action) for source, action, _, _ in LEGAL}
ILLEGAL = sorted(set(itertools.product(S, A)) - LEGAL_PAIRS)
ROLE_GRANTS = {(action, role) for _, action, role, _ in LEGAL}
WRONG_ROLES = [
    (source, action, role)
    for source, action in sorted(LEGAL_PAIRS)
    for role in R
    if (action, role) not in ROLE_GRANTS
]


def _id(value):
    """Name a parameter by its enum value."""
    return value.value if hasattr(value, "value") else str(value)


def test_the_table_is_exactly_the_written_workflow():
    written = {(source, action): to for source, action, _, to in LEGAL}
    assert {pair: step.to_state for pair, step in TRANSITIONS.items()} == written
    for source, action, role, _ in LEGAL:
        assert role in TRANSITIONS[source, action].roles
    assert {(a, r) for a, roles in ACTION_ROLES.items() for r in roles} == ROLE_GRANTS


def test_every_pair_is_covered_exactly_once():
    assert len(LEGAL_PAIRS) + len(ILLEGAL) == len(S) * len(A) == 90
    assert len(ILLEGAL) == 72


@pytest.mark.parametrize(("source", "action", "role", "target"), LEGAL, ids=_id)
def test_legal_transition(source, action, role, target):
    assert transition(source, action, frozenset({role})) is target


@pytest.mark.parametrize(("source", "action", "role", "target"), LEGAL, ids=_id)
def test_legal_transition_for_an_actor_with_several_roles(source, action, role, target):
    assert transition(source, action, frozenset({role, R.AUDITOR, R.ADMINISTRATOR})) is target


@pytest.mark.parametrize(("source", "action", "role", "target"), LEGAL, ids=_id)
def test_legal_transition_accepts_role_names(source, action, role, target):
    assert transition(source.value, action.value, [role.value]) is target


@pytest.mark.parametrize(("source", "action"), ILLEGAL, ids=_id)
def test_illegal_transition_is_a_conflict(source, action):
    with pytest.raises(IllegalTransition) as refused:
        transition(source, action, EVERYONE)
    assert (refused.value.state, refused.value.action) == (source, action)
    assert source.value.replace("_", " ") in str(refused.value)


@pytest.mark.parametrize(("source", "action"), ILLEGAL, ids=_id)
def test_illegal_transition_is_a_conflict_for_the_right_role(source, action):
    with pytest.raises(IllegalTransition):
        transition(source, action, ACTION_ROLES[action])


@pytest.mark.parametrize(("source", "action", "role"), WRONG_ROLES, ids=_id)
def test_wrong_role_is_not_permitted(source, action, role):
    with pytest.raises(NotPermitted) as refused:
        transition(source, action, frozenset({role}))
    assert refused.value.action is action
    assert refused.value.required == ACTION_ROLES[action]


@pytest.mark.parametrize(("source", "action"), sorted(LEGAL_PAIRS), ids=_id)
def test_no_role_is_not_permitted(source, action):
    with pytest.raises(NotPermitted):
        transition(source, action, frozenset())


@pytest.mark.parametrize(
    ("source", "action", "roles"),
    [
        (S.SUBMITTED, A.DECIDE, {R.APPLICANT}),
        (S.DECIDED, A.WITHDRAW, {R.PROGRAMME_OFFICE}),
        (S.DRAFT, A.APPROVE_QUALITY_CHECK, {R.WORKING_GROUP}),
    ],
    ids=_id,
)
def test_role_is_checked_before_state(source, action, roles):
    with pytest.raises(NotPermitted):
        transition(source, action, frozenset(roles))


@pytest.mark.parametrize("roles", [{"superuser"}, {"APPLICANT"}])
def test_unknown_role_names_are_refused(roles):
    with pytest.raises(ValueError):
        transition(S.DRAFT, A.SUBMIT, roles)


def test_refusals_are_distinct():
    assert not issubclass(IllegalTransition, NotPermitted)
    assert not issubclass(NotPermitted, IllegalTransition)


@pytest.mark.parametrize("final", sorted(FINAL_STATES), ids=_id)
def test_final_states_allow_nothing(final):
    assert allowed_actions(final, EVERYONE) == ()
    assert waiting_on(final) == frozenset()
    assert FINAL_STATES == {S.DECIDED, S.WITHDRAWN}


def test_the_happy_path_reaches_a_decision():
    state = S.DRAFT
    path = [
        (A.SUBMIT, R.APPLICANT),
        (A.START_PREPARATION, R.PROGRAMME_OFFICE),
        (A.COMPLETE_ASSESSMENT, R.WORKING_GROUP),
        (A.RECORD_OPINION, R.DEVELOPMENT_COUNCIL),
        (A.RETURN_FROM_QUALITY_CHECK, R.BUDGET_MANAGEMENT),
        (A.COMPLETE_ASSESSMENT, R.WORKING_GROUP),
        (A.RECORD_OPINION, R.DEVELOPMENT_COUNCIL),
        (A.RETURN_FOR_COMPLETION, R.PROGRAMME_OFFICE),
        (A.RESUBMIT, R.APPLICANT),
        (A.START_PREPARATION, R.PROGRAMME_OFFICE),
        (A.COMPLETE_ASSESSMENT, R.WORKING_GROUP),
        (A.RECORD_OPINION, R.DEVELOPMENT_COUNCIL),
        (A.APPROVE_QUALITY_CHECK, R.BUDGET_MANAGEMENT),
        (A.DECIDE, R.FINANCE_COMMITTEE),
    ]
    for action, role in path:
        state = transition(state, action, {role})
    assert state is S.DECIDED


@pytest.mark.parametrize(
    ("state", "roles", "expected"),
    [
        (S.DRAFT, {R.APPLICANT}, (A.SUBMIT, A.WITHDRAW)),
        (S.DRAFT, {R.PROGRAMME_OFFICE}, ()),
        (S.SUBMITTED, {R.PROGRAMME_OFFICE}, (A.START_PREPARATION, A.RETURN_FOR_COMPLETION)),
        (S.SUBMITTED, {R.APPLICANT}, (A.WITHDRAW,)),
        (S.IN_PREPARATION, {R.WORKING_GROUP}, (A.COMPLETE_ASSESSMENT,)),
        (S.IN_PREPARATION, {R.PROGRAMME_OFFICE}, (A.RETURN_FOR_COMPLETION,)),
        (S.ADVISORY_OPINION, {R.DEVELOPMENT_COUNCIL}, (A.RECORD_OPINION,)),
        (S.ADVISORY_OPINION, {R.PROGRAMME_OFFICE}, ()),
        (
            S.QUALITY_CHECK,
            {R.BUDGET_MANAGEMENT},
            (A.APPROVE_QUALITY_CHECK, A.RETURN_FROM_QUALITY_CHECK),
        ),
        (
            S.QUALITY_CHECK,
            EVERYONE,
            (
                A.APPROVE_QUALITY_CHECK,
                A.RETURN_FROM_QUALITY_CHECK,
                A.RETURN_FOR_COMPLETION,
                A.WITHDRAW,
            ),
        ),
        (S.AWAITING_DECISION, {R.DECISION_MAKER}, (A.DECIDE,)),
        (S.AWAITING_DECISION, {R.FINANCE_COMMITTEE}, (A.DECIDE,)),
        (S.AWAITING_DECISION, {R.ADMINISTRATOR, R.AUDITOR}, ()),
        (S.RETURNED_FOR_COMPLETION, {R.APPLICANT}, (A.RESUBMIT, A.WITHDRAW)),
        (S.DECIDED, {R.APPLICANT}, ()),
        (S.WITHDRAWN, {R.APPLICANT}, ()),
    ],
    ids=_id,
)
def test_allowed_actions(state, roles, expected):
    assert allowed_actions(state, roles) == expected


@pytest.mark.parametrize("role", list(R), ids=_id)
@pytest.mark.parametrize("state", list(S), ids=_id)
def test_allowed_actions_agree_with_transition(state, role):
    allowed = set(allowed_actions(state, {role}))
    for action in A:
        if action in allowed:
            transition(state, action, {role})
        else:
            with pytest.raises((IllegalTransition, NotPermitted)):
                transition(state, action, {role})


@pytest.mark.parametrize(
    ("state", "roles"),
    [
        (S.DRAFT, {R.APPLICANT}),
        (S.SUBMITTED, {R.PROGRAMME_OFFICE}),
        (S.IN_PREPARATION, {R.WORKING_GROUP, R.PROGRAMME_OFFICE}),
        (S.ADVISORY_OPINION, {R.DEVELOPMENT_COUNCIL}),
        (S.QUALITY_CHECK, {R.BUDGET_MANAGEMENT, R.PROGRAMME_OFFICE}),
        (S.AWAITING_DECISION, {R.DECISION_MAKER, R.FINANCE_COMMITTEE}),
        (S.RETURNED_FOR_COMPLETION, {R.APPLICANT}),
        (S.DECIDED, set()),
        (S.WITHDRAWN, set()),
    ],
    ids=_id,
)
def test_waiting_on(state, roles):
    assert waiting_on(state) == roles


@pytest.mark.parametrize(
    ("outcome", "action"),
    [
        (QualityCheckOutcome.APPROVED, A.APPROVE_QUALITY_CHECK),
        (QualityCheckOutcome.RETURNED, A.RETURN_FROM_QUALITY_CHECK),
        ("returned", A.RETURN_FROM_QUALITY_CHECK),
    ],
)
def test_quality_check_action(outcome, action):
    assert quality_check_action(outcome) is action


@pytest.mark.parametrize(
    ("decider", "submitted", "assessed", "checked", "words"),
    [
        (7, 1, [2, 3], 4, None),
        (7, None, [], None, None),
        (7, 7, [2, 3], 4, "You submitted this application"),
        (7, 1, [2, 7], 4, "You assessed this application"),
        (7, 1, 7, 4, "You assessed this application"),
        (7, 1, [2, 3], 7, "You quality-checked this application"),
        (7, 1, [2, 3], [4, 7], "You quality-checked this application"),
        (7, 7, [7], None, "You submitted and assessed this application"),
        (7, 7, [7], 7, "You submitted, assessed and quality-checked this application"),
        (7, [1, 7], [2], 4, "You submitted this application"),
        (7, 1, [None, 2], None, None),
    ],
)
def test_segregation_of_duties(decider, submitted, assessed, checked, words):
    reason = decider_conflict(decider, submitted, assessed, checked)
    if words is None:
        assert reason is None
    else:
        assert reason.startswith(words)
        assert "segregation of duties" in reason


def test_segregation_needs_a_decider():
    with pytest.raises(ValueError, match="decider_id"):
        decider_conflict(None, None, [], None)


@pytest.mark.parametrize(
    ("requested", "granted", "outcome"),
    [
        (1_000_000, 1_000_000, DecisionOutcome.APPROVED),
        (1, 1, DecisionOutcome.APPROVED),
        (10**12, 10**12, DecisionOutcome.APPROVED),
        (1_000_000, 999_999, DecisionOutcome.APPROVED_REDUCED),
        (1_000_000, 1, DecisionOutcome.APPROVED_REDUCED),
        (1_000_000, 0, DecisionOutcome.REJECTED),
        (1_000_000, 0, "rejected"),
    ],
)
def test_decision_amount_accepted(requested, granted, outcome):
    assert decision_amount_ok(requested, granted, outcome) is None


@pytest.mark.parametrize(
    ("requested", "granted", "outcome", "field"),
    [
        (1_000_000, 999_999, DecisionOutcome.APPROVED, "granted_sek"),
        (1_000_000, 1_000_001, DecisionOutcome.APPROVED, "granted_sek"),
        (1_000_000, 0, DecisionOutcome.APPROVED, "granted_sek"),
        (1_000_000, 1_000_000, DecisionOutcome.APPROVED_REDUCED, "granted_sek"),
        (1_000_000, 1_000_001, DecisionOutcome.APPROVED_REDUCED, "granted_sek"),
        (1_000_000, 0, DecisionOutcome.APPROVED_REDUCED, "granted_sek"),
        (1, 1, DecisionOutcome.APPROVED_REDUCED, "granted_sek"),
        (1_000_000, 1, DecisionOutcome.REJECTED, "granted_sek"),
        (1_000_000, 1_000_000, DecisionOutcome.REJECTED, "granted_sek"),
        (1_000_000, -1, DecisionOutcome.REJECTED, "granted_sek"),
        (1_000_000, 1.0, DecisionOutcome.REJECTED, "granted_sek"),
        (1_000_000, 999_999.5, DecisionOutcome.APPROVED_REDUCED, "granted_sek"),
        (1_000_000, True, DecisionOutcome.APPROVED_REDUCED, "granted_sek"),
        (1_000_000, 10**12 + 1, DecisionOutcome.APPROVED, "granted_sek"),
        (0, 0, DecisionOutcome.REJECTED, "requested_sek"),
        (-5, 0, DecisionOutcome.REJECTED, "requested_sek"),
        (False, 0, DecisionOutcome.REJECTED, "requested_sek"),
        ("1000", 0, DecisionOutcome.REJECTED, "requested_sek"),
        (10**12 + 1, 10**12 + 1, DecisionOutcome.APPROVED, "requested_sek"),
    ],
)
def test_decision_amount_refused(requested, granted, outcome, field):
    with pytest.raises(ValueError, match=field):
        decision_amount_ok(requested, granted, outcome)


def test_decision_amount_refuses_an_unknown_outcome():
    with pytest.raises(ValueError):
        decision_amount_ok(1_000, 1_000, "granted")


@pytest.mark.parametrize(
    ("kind", "outcome", "funded"),
    [
        (ApplicationKind.IMPLEMENTATION, DecisionOutcome.APPROVED, True),
        (ApplicationKind.IMPLEMENTATION, DecisionOutcome.APPROVED_REDUCED, True),
        (ApplicationKind.IMPLEMENTATION, DecisionOutcome.REJECTED, False),
        (ApplicationKind.FEASIBILITY, DecisionOutcome.APPROVED, False),
        (ApplicationKind.FEASIBILITY, DecisionOutcome.APPROVED_REDUCED, False),
        (ApplicationKind.FEASIBILITY, DecisionOutcome.REJECTED, False),
        ("implementation", "approved", True),
        ("feasibility", "approved", False),
    ],
)
def test_only_an_approved_implementation_becomes_a_funded_project(kind, outcome, funded):
    assert funds_project(kind, outcome) is funded


@pytest.mark.parametrize(("kind", "outcome"), [("study", "approved"),
                                               ("implementation", "granted")])
def test_funds_project_refuses_an_unknown_kind_or_outcome(kind, outcome):
    with pytest.raises(ValueError):
        funds_project(kind, outcome)


SERVICE_DAYS = {
    S.SUBMITTED: 5,
    S.IN_PREPARATION: 21,
    S.ADVISORY_OPINION: 14,
    S.QUALITY_CHECK: 10,
    S.AWAITING_DECISION: 7,
}


def test_stage_due_dates_accumulate_calendar_days():
    assert stage_due_dates(date(2010, 3, 1), SERVICE_DAYS) == {
        S.SUBMITTED: date(2010, 3, 6),
        S.IN_PREPARATION: date(2010, 3, 27),
        S.ADVISORY_OPINION: date(2010, 4, 10),
        S.QUALITY_CHECK: date(2010, 4, 20),
        S.AWAITING_DECISION: date(2010, 4, 27),
    }
    assert list(stage_due_dates(date(2010, 3, 1), SERVICE_DAYS)) == list(PIPELINE_STAGES)


@pytest.mark.parametrize(
    ("submitted_on", "days", "expected"),
    [
        (date(2010, 3, 1), SERVICE_DAYS, date(2010, 4, 27)),
        (date(2010, 12, 10), SERVICE_DAYS, date(2011, 2, 5)),
        (date(2012, 2, 1), dict.fromkeys(PIPELINE_STAGES, 7), date(2012, 3, 7)),
        (date(2011, 2, 1), dict.fromkeys(PIPELINE_STAGES, 7), date(2011, 3, 8)),
        (date(2010, 3, 1), dict.fromkeys(PIPELINE_STAGES, 0), date(2010, 3, 1)),
        (date(2010, 3, 1), {**SERVICE_DAYS, S.DRAFT: 99, "decided": 99}, date(2010, 4, 27)),
        (
            date(2010, 3, 1),
            {stage.value: n for stage, n in SERVICE_DAYS.items()},
            date(2010, 4, 27),
        ),
    ],
    ids=str,
)
def test_expected_decision_date(submitted_on, days, expected):
    assert expected_decision_date(submitted_on, days) == expected


@pytest.mark.parametrize(
    ("from_stage", "entered_on", "expected_dates"),
    [
        (
            S.IN_PREPARATION,
            date(2010, 5, 1),
            {
                S.IN_PREPARATION: date(2010, 5, 22),
                S.ADVISORY_OPINION: date(2010, 6, 5),
                S.QUALITY_CHECK: date(2010, 6, 15),
                S.AWAITING_DECISION: date(2010, 6, 22),
            },
        ),
        (S.AWAITING_DECISION, date(2010, 5, 1), {S.AWAITING_DECISION: date(2010, 5, 8)}),
    ],
    ids=_id,
)
def test_due_dates_from_a_later_stage(from_stage, entered_on, expected_dates):
    assert stage_due_dates(entered_on, SERVICE_DAYS, from_stage=from_stage) == expected_dates
    assert (
        expected_decision_date(entered_on, SERVICE_DAYS, from_stage=from_stage)
        == (expected_dates[S.AWAITING_DECISION])
    )


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ({k: v for k, v in SERVICE_DAYS.items() if k is not S.QUALITY_CHECK}, "quality_check"),
        ({}, "submitted"),
        ({**SERVICE_DAYS, S.IN_PREPARATION: -1}, r"service_days\[in_preparation\]"),
        ({**SERVICE_DAYS, S.IN_PREPARATION: 1.5}, r"service_days\[in_preparation\]"),
        ({**SERVICE_DAYS, S.IN_PREPARATION: True}, r"service_days\[in_preparation\]"),
        ({**SERVICE_DAYS, S.IN_PREPARATION: 10**6}, r"service_days\[in_preparation\]"),
    ],
    ids=_id,
)
def test_bad_service_days_are_refused(days, message):
    with pytest.raises(ValueError, match=message):
        expected_decision_date(date(2010, 3, 1), days)


@pytest.mark.parametrize("from_stage", [S.DRAFT, S.DECIDED, S.RETURNED_FOR_COMPLETION], ids=_id)
def test_due_dates_start_only_from_a_pipeline_stage(from_stage):
    with pytest.raises(ValueError, match="from_stage"):
        stage_due_dates(date(2010, 3, 1), SERVICE_DAYS, from_stage=from_stage)


@pytest.mark.parametrize("submitted_on", [datetime(2010, 3, 1, 9), "2010-03-01"], ids=repr)
def test_due_dates_need_a_date(submitted_on):
    with pytest.raises(TypeError, match="submitted_on"):
        stage_due_dates(submitted_on, SERVICE_DAYS)


def test_module_imports_only_the_standard_library_and_enums():
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    outside = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names}
    assert outside <= {"app.core.enums"}


def test_importing_the_rules_does_not_import_flask():
    code = (
        "import sys, app.applications.rules; "
        "bad = [m for m in ('flask', 'sqlalchemy', 'app.extensions') if m in sys.modules]; "
        "sys.exit(', '.join(bad) or 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
