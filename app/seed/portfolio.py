"""Read users, ideas, applications, projects and ledger.csv into specs, checked before any row."""

import csv
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from app.accounts.services import parse_role_grants
from app.applications.rules import Action
from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    IdeaState,
    LedgerEntryKind,
    ProjectState,
    Role,
)
from app.core.errors import DomainError
from app.programmes import rules as delegation
from app.seed.fields import DEFAULT_DATA_DIR, _Fields, _read_yaml, _unique
from app.seed.reference import ReferenceData

LEDGER_COLUMNS = ("booked_on", "kind", "amount_sek", "description", "project")

_State = ApplicationState

IN_FLIGHT_STATES = frozenset(ApplicationState) - {_State.DECIDED, _State.WITHDRAWN}

ACTION_ROLE: dict[Action, Role] = {
    Action.START_PREPARATION: Role.PROGRAMME_OFFICE,
    Action.RETURN_FOR_COMPLETION: Role.PROGRAMME_OFFICE,
    Action.COMPLETE_ASSESSMENT: Role.WORKING_GROUP,
    Action.RECORD_OPINION: Role.DEVELOPMENT_COUNCIL,
    Action.APPROVE_QUALITY_CHECK: Role.BUDGET_MANAGEMENT,
}

APPLICATION_TEXTS = (
    "description", "process_description", "target_groups", "benefit_owner_name",
    "benefit_owner_email", "communication_plan", "operation_plan", "operation_payer",
    "reuse_analysis",
)
IDEA_TEXTS = ("description", "target_group", "expected_benefit", "contact_name", "contact_email")


@dataclass(frozen=True)
class UserSpec:
    email: str
    name: str
    organisation: str | None
    roles: tuple[str, ...]
    grants: frozenset[tuple[Role, str | None]]


@dataclass(frozen=True)
class IdeaSpec:
    title: str
    organisation: str
    state: IdeaState
    submitted_on: date
    screened_on: date | None
    screening_comment: str
    submitted_by: str | None
    texts: dict
    where: str = ""


@dataclass(frozen=True)
class ApplicationSpec:
    reference: str | None
    title: str
    kind: ApplicationKind
    organisation: str
    area: str | None
    idea: str | None
    state: ApplicationState
    requested_sek: int
    created_on: date
    submitted_on: date | None
    state_since: date
    submitted_by: str | None
    comment: str
    details: dict
    where: str
    assessment_scores: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ProjectSpec:
    title: str
    organisation: str
    area: str | None
    is_enabling: bool
    state: ProjectState
    baseline_start_on: date
    baseline_end_on: date
    go_live_on: date | None
    closed_on: date | None
    project_manager: str | None
    decided_on: date
    granted_sek: int
    decided_by: str
    application: ApplicationSpec
    where: str


@dataclass(frozen=True)
class LedgerSpec:
    booked_on: date
    kind: LedgerEntryKind
    amount_sek: int
    description: str
    project: str | None
    where: str


@dataclass(frozen=True)
class PortfolioData:
    """The demo users, ideas, applications, funded projects and the envelope ledger."""

    demo_password: str
    users: tuple[UserSpec, ...]
    ideas: tuple[IdeaSpec, ...]
    applications: tuple[ApplicationSpec, ...]
    projects: tuple[ProjectSpec, ...]
    ledger: tuple[LedgerSpec, ...]

    def holder(self, role: Role, authority_key: str | None = None) -> UserSpec | None:
        """Return the first demo user holding a role (and authority), who acts in that role."""
        return next((u for u in self.users if (role, authority_key) in u.grants), None)


@dataclass(frozen=True)
class _Known:
    """Names the portfolio files may refer to, so a typo is reported with its file and item."""

    reference: ReferenceData
    organisations: frozenset[str]
    areas: frozenset[str]
    emails: frozenset[str] = frozenset()
    approved_ideas: frozenset[tuple[str, str]] = frozenset()

    def check(self, item: _Fields, key: str, value: str | None, names, file: str) -> None:
        if value is not None and value not in names:
            raise item.error(f"'{key}' {value!r} is not defined in {file}")


def load_portfolio(reference: ReferenceData, data_dir: Path | None = None) -> PortfolioData:
    """Read and validate users, ideas, applications, projects and the ledger."""
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    known = _Known(reference, frozenset(o.name for o in reference.organisations),
                   frozenset(a.key for a in reference.areas))
    root = _read_yaml(data_dir, "users.yaml")
    password = root.text("demo_password")
    users = [_read_user(item, known) for item in root.items("users", "user", "email")]
    _unique((u.email for u in users), "users.yaml", "user")
    known = replace(known, emails=frozenset(u.email for u in users))

    ideas = [_read_idea(item, known)
             for item in _read_yaml(data_dir, "ideas.yaml").items("ideas", "idea", "title")]
    _unique(((i.title, i.organisation) for i in ideas), "ideas.yaml", "idea (title, organisation)")
    known = replace(known, approved_ideas=frozenset(
        (i.title, i.organisation) for i in ideas if i.state is IdeaState.APPROVED_TO_APPLY))

    applications = [
        _read_application(item, known) for item in _read_yaml(data_dir, "applications.yaml")
        .items("applications", "application", "title")
    ]
    projects = [
        _read_project(item, known, users)
        for item in _read_yaml(data_dir, "projects.yaml").items("projects", "project", "title")
    ]
    _unique((p.title for p in projects), "projects.yaml", "project")
    _unique(
        [a.reference for a in applications if a.reference]
        + [p.application.reference for p in projects],
        "applications.yaml/projects.yaml", "application reference",
    )
    _unique(
        [(a.title, a.organisation) for a in applications if not a.reference],
        "applications.yaml", "draft (title, organisation)",
    )

    portfolio = PortfolioData(
        demo_password=password, users=tuple(users), ideas=tuple(ideas),
        applications=tuple(applications), projects=tuple(projects),
        ledger=tuple(_load_ledger(data_dir, reference, projects)),
    )
    for role in ACTION_ROLE.values():
        if portfolio.holder(role) is None:
            raise ValueError(f"users.yaml: no demo user holds the role {role.value}, "
                             "who is needed to move the seeded applications along")
    return portfolio


def check_business_date(data: PortfolioData, business_date: date) -> None:
    """Stop at the first event dated after the demo's business date: the demo ends on that
    date, so every idea, application, decision, go-live, closing and booking has happened."""
    events = [(idea.where, key, day) for idea in data.ideas
              for key, day in (("submitted_on", idea.submitted_on),
                               ("screened_on", idea.screened_on))]
    events += [(spec.where, key, day) for spec in data.applications
               for key, day in (("created_on", spec.created_on),
                                ("submitted_on", spec.submitted_on),
                                ("state_since", spec.state_since))]
    events += [(spec.where, key, day) for spec in data.projects
               for key, day in (("submitted_on", spec.application.submitted_on),
                                ("decided_on", spec.decided_on), ("go_live_on", spec.go_live_on),
                                ("closed_on", spec.closed_on))]
    events += [(row.where, "booked_on", row.booked_on) for row in data.ledger]
    for where, key, day in events:
        if day is not None and day > business_date:
            raise ValueError(
                f"{where}: '{key}' {day.isoformat()} is after the demo's business date "
                f"{business_date.isoformat()} ('as_of' in status_reports.yaml): the demo ends "
                "on its business date")


def _read_user(item: _Fields, known: _Known) -> UserSpec:
    roles = tuple(item.texts("roles"))
    try:
        grants = frozenset(grant[:2] for grant in parse_role_grants(roles))
    except DomainError as error:
        raise item.error(error.detail) from None
    spec = UserSpec(item.text("email").lower(), item.text("name"),
                    item.text("organisation", required=False), roles, grants)
    known.check(item, "organisation", spec.organisation, known.organisations,
                "organisations.yaml")
    return spec


def _read_idea(item: _Fields, known: _Known) -> IdeaSpec:
    spec = IdeaSpec(
        title=item.text("title"), organisation=item.text("organisation"),
        state=item.choice("state", IdeaState), submitted_on=item.day("submitted_on"),
        screened_on=item.day("screened_on", required=False),
        screening_comment=item.text("screening_comment", required=False) or "",
        submitted_by=item.text("submitted_by", required=False),
        texts={key: item.text(key, required=key == "description") or "" for key in IDEA_TEXTS},
        where=item.where,
    )
    known.check(item, "organisation", spec.organisation, known.organisations,
                "organisations.yaml")
    known.check(item, "submitted_by", spec.submitted_by, known.emails, "users.yaml")
    known.reference.in_period(item, "submitted_on", spec.submitted_on)
    known.reference.in_period(item, "screened_on", spec.screened_on)
    screened = spec.state is not IdeaState.SUBMITTED
    if screened and spec.screened_on is None:
        raise item.error("the field 'screened_on' is missing (the idea has been screened)")
    if not screened and spec.screened_on is not None:
        raise item.error("'screened_on' is given, but the idea is still waiting for screening")
    if spec.screened_on and spec.screened_on < spec.submitted_on:
        raise item.error("'screened_on' is before 'submitted_on'")
    needs_reason = spec.state in (IdeaState.REJECTED, IdeaState.MORE_INFO_REQUESTED)
    if needs_reason and not spec.screening_comment:
        raise item.error("the field 'screening_comment' is missing (the reason is required)")
    return spec


def _read_application(item: _Fields, known: _Known, funded: dict | None = None) -> ApplicationSpec:
    """Read an application in flight, or (with `funded`) a funded project's decided one."""
    if funded is None:
        state = item.choice("state", ApplicationState)
        if state not in IN_FLIGHT_STATES:
            raise item.error(f"'state' {state.value} belongs in projects.yaml, not here")
        requested = item.whole("requested_sek", minimum=1)
        kind = item.choice("kind", ApplicationKind)
    else:
        state, requested = _State.DECIDED, funded["granted_sek"]
        kind = ApplicationKind.IMPLEMENTATION
    draft = state is _State.DRAFT
    submitted_on = None if draft else item.day("submitted_on")
    created_on = item.day("created_on", required=draft) or submitted_on
    if funded is not None:
        state_since = funded["decided_on"]
    elif state in (_State.DRAFT, _State.SUBMITTED):
        state_since = submitted_on or created_on
    else:
        state_since = item.day("state_since")
    details = {key: item.text(key, required=False) or "" for key in APPLICATION_TEXTS}
    details["estimated_users"] = item.whole("estimated_users", required=False)
    details["estimated_users_within_years"] = item.whole(
        "estimated_users_within_years", required=False, minimum=1)
    if funded is None:
        details["starts_on"] = item.day("starts_on", required=False)
        details["ends_on"] = item.day("ends_on", required=False)
    else:
        details["starts_on"] = funded["baseline_start_on"]
        details["ends_on"] = funded["baseline_end_on"]
    spec = ApplicationSpec(
        reference=item.text("reference", required=not draft), title=item.text("title"),
        kind=kind, organisation=item.text("organisation"),
        area=item.text("area", required=False), idea=item.text("idea", required=False),
        state=state, requested_sek=requested, created_on=created_on,
        submitted_on=submitted_on, state_since=state_since,
        submitted_by=item.text("submitted_by", required=False),
        comment=item.text("return_comment",
                          required=state is _State.RETURNED_FOR_COMPLETION) or "",
        details=details, where=item.where,
        assessment_scores=read_assessment_scores(item),
    )
    known.check(item, "organisation", spec.organisation, known.organisations,
                "organisations.yaml")
    known.check(item, "area", spec.area, known.areas, "programme.yaml")
    known.check(item, "submitted_by", spec.submitted_by, known.emails, "users.yaml")
    if spec.idea is not None and (spec.idea, spec.organisation) not in known.approved_ideas:
        raise item.error(f"'idea' {spec.idea!r} is not an idea of {spec.organisation} "
                         "approved to apply in ideas.yaml")
    for key, value in (("created_on", created_on), ("submitted_on", submitted_on),
                       ("state_since", state_since), ("starts_on", details["starts_on"]),
                       ("ends_on", details["ends_on"])):
        known.reference.in_period(item, key, value)
    if submitted_on and not created_on <= submitted_on <= state_since:
        raise item.error("dates out of order: need created_on <= submitted_on <= state_since")
    if details["starts_on"] and details["ends_on"] and details["ends_on"] < details["starts_on"]:
        raise item.error("'ends_on' is before 'starts_on'")
    return spec


def _read_project(item: _Fields, known: _Known, users) -> ProjectSpec:
    funded = {
        "decided_on": item.day("decided_on"),
        "granted_sek": item.whole("granted_sek", minimum=1),
        "baseline_start_on": item.day("baseline_start_on"),
        "baseline_end_on": item.day("baseline_end_on"),
    }
    for key, value in funded.items():
        if isinstance(value, date):
            known.reference.in_period(item, key, value)
    spec = ProjectSpec(
        title=item.text("title"), organisation=item.text("organisation"),
        area=item.text("area", required=False), is_enabling=item.flag("enabling"),
        state=item.choice("state", ProjectState),
        baseline_start_on=funded["baseline_start_on"], baseline_end_on=funded["baseline_end_on"],
        go_live_on=item.day("go_live_on", required=False),
        closed_on=item.day("closed_on", required=False),
        project_manager=item.text("project_manager", required=False),
        decided_on=funded["decided_on"], granted_sek=funded["granted_sek"],
        decided_by=item.text("decided_by"),
        application=_read_application(item, known, funded), where=item.where,
    )
    known.check(item, "project_manager", spec.project_manager, known.emails, "users.yaml")
    _check_project(item, spec, known.reference, users)
    return spec


def _check_project(item: _Fields, spec: ProjectSpec, reference: ReferenceData, users) -> None:
    """Check a funded project's dates, state and that its decider is the one routing picks."""
    if spec.baseline_end_on < spec.baseline_start_on:
        raise item.error("'baseline_end_on' is before 'baseline_start_on'")
    if spec.application.submitted_on > spec.decided_on:
        raise item.error("'submitted_on' is after 'decided_on'")
    if spec.go_live_on is not None and spec.go_live_on < spec.baseline_start_on:
        raise item.error("'go_live_on' is before 'baseline_start_on'")
    if (spec.state is ProjectState.CLOSED) != (spec.closed_on is not None):
        raise item.error("'closed_on' is required for a closed project and only for one")
    check_decider(item, reference, users, spec.granted_sek, spec.decided_on, spec.decided_by)


def check_decider(item: _Fields, reference: ReferenceData, users, amount_sek: int,
                  decided_on: date, decided_by: str) -> None:
    """The decider must be the one the delegation in force on the day routes the amount to,
    and a demo user must hold that authority."""
    try:
        routed = reference.route(amount_sek, decided_on)
    except delegation.NoDelegationRule as error:
        raise item.error(str(error)) from None
    if routed.authority_key != decided_by:
        raise item.error(
            f"'decided_by' is {decided_by}, but the delegation in force on "
            f"{decided_on.isoformat()} routes {amount_sek} SEK to "
            f"{routed.authority_key} ({routed.source})"
        )
    if not any((Role.DECISION_MAKER, decided_by) in u.grants for u in users):
        raise item.error(f"no demo user in users.yaml holds decision_maker:{decided_by}")


def _load_ledger(data_dir: Path, reference: ReferenceData, projects) -> list[LedgerSpec]:
    """Read ledger.csv and check it against the funded projects and the envelope."""
    path = Path(data_dir) / "ledger.csv"
    if not path.is_file():
        raise ValueError(f"ledger.csv: the seed file is missing (looked for {path})")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in LEDGER_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"ledger.csv: the column(s) {', '.join(missing)} are missing")
        rows = []
        for row in reader:
            item = _Fields(row, f"ledger.csv, row {reader.line_num}")
            spec = LedgerSpec(
                booked_on=item.day("booked_on"), kind=item.choice("kind", LedgerEntryKind),
                amount_sek=item.whole("amount_sek", minimum=1),
                description=item.text("description"),
                project=item.text("project", required=False), where=item.where,
            )
            reference.in_period(item, "booked_on", spec.booked_on)
            rows.append(spec)
    if not rows:
        raise ValueError("ledger.csv: the file has no rows")
    _unique(((r.booked_on, r.kind.value, r.amount_sek, r.description) for r in rows),
            "ledger.csv", "row (booked_on, kind, amount_sek, description)")

    by_title = {p.title: p for p in projects}
    per_project = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.project is not None:
            if row.project not in by_title:
                raise ValueError(f"{row.where}: the project {row.project!r} is not in "
                                 "projects.yaml")
            per_project[row.project][row.kind].append(row)
    for project in projects:
        commitments = per_project[project.title][LedgerEntryKind.COMMITMENT]
        if len(commitments) != 1:
            raise ValueError(f"ledger.csv: the project {project.title!r} needs exactly one "
                             f"commitment row, found {len(commitments)}")
        row = commitments[0]
        if (row.amount_sek, row.booked_on) != (project.granted_sek, project.decided_on):
            raise ValueError(
                f"{row.where}: the commitment for {project.title!r} must equal its decision "
                f"({project.granted_sek} SEK on {project.decided_on.isoformat()})"
            )
        used = sum(r.amount_sek for kind in (LedgerEntryKind.SPENDING, LedgerEntryKind.RELEASE)
                   for r in per_project[project.title][kind])
        if used > project.granted_sek:
            raise ValueError(f"ledger.csv: spending and releases for {project.title!r} exceed "
                             f"its grant of {project.granted_sek} SEK")

    balance = 0
    for row in sorted(rows, key=lambda r: (r.booked_on, r.kind != LedgerEntryKind.RESERVATION)):
        sign = {LedgerEntryKind.RESERVATION: 1, LedgerEntryKind.COMMITMENT: -1,
                LedgerEntryKind.RELEASE: 1}.get(row.kind, 0)
        balance += sign * row.amount_sek
        if balance < 0:
            raise ValueError(f"{row.where}: commits more than the envelope has left "
                             f"({-balance} SEK over) on {row.booked_on.isoformat()}")
    return rows


def read_assessment_scores(item: _Fields) -> tuple[tuple[str, int], ...]:
    """The working group's scores 0–3 per goal (goal_N) and requirement, when the file has them."""
    scores = item._get("assessment_scores", required=False) or {}
    if not isinstance(scores, dict) or not all(
            isinstance(key, str) and isinstance(value, int) and not isinstance(value, bool)
            and 0 <= value <= 3 for key, value in scores.items()):
        raise item.error("'assessment_scores' maps criteria (goal_1, usable, …) to 0–3")
    return tuple(sorted(scores.items()))
