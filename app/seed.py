"""Demo data: load the Stockholm e-services programme from seed_data/ into the database.

The files are readable YAML and one CSV (see seed_data/). Everything is validated before a
row is written: a missing file, field or reference raises ValueError naming the file and the
item. Rows are matched on natural keys and only missing ones are inserted, so running the
seed again changes nothing. Like every service it flushes and never commits: the caller
(`flask seed demo`, the tests) commits.
"""

import csv
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
import yaml
from werkzeug.security import generate_password_hash

from app.accounts.models import Area, Organisation, User
from app.accounts.services import create_user, find_user_by_email, parse_role_grants
from app.applications.models import (
    AdvisoryOpinion,
    Application,
    ApplicationEvent,
    Assessment,
    AssessmentScore,
    Decision,
    QualityCheck,
)
from app.applications.rules import PIPELINE_STAGES, TRANSITIONS, Action, expected_decision_date
from app.core import audit, periods
from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    DecisionKind,
    DecisionOutcome,
    IdeaState,
    LedgerEntryKind,
    OpinionOutcome,
    OrganisationKind,
    ProjectState,
    QualityCheckOutcome,
    RagStatus,
    Recommendation,
    ReportState,
    Role,
    TertialReportState,
)
from app.core.errors import DomainError
from app.core.models import DiaryCounter
from app.core.money import format_sek
from app.core.periods import ReportingPeriod
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.programmes import ledger
from app.programmes import rules as delegation
from app.programmes.models import AreaEstimate, DelegationRule, EnvelopeEntry, Goal, Programme
from app.projects import seed_phases
from app.projects import services as project_services
from app.projects.models import Project, StatusReport

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "seed_data"
LEDGER_COLUMNS = ("booked_on", "kind", "amount_sek", "description", "project")
EVENT_HOUR = time(8, 0, tzinfo=UTC)

_State = ApplicationState
E = TypeVar("E", bound=StrEnum)

IN_FLIGHT_STATES = frozenset(ApplicationState) - {_State.DECIDED, _State.WITHDRAWN}

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

ACTION_ROLE: dict[Action, Role] = {
    Action.START_PREPARATION: Role.PROGRAMME_OFFICE,
    Action.RETURN_FOR_COMPLETION: Role.PROGRAMME_OFFICE,
    Action.COMPLETE_ASSESSMENT: Role.WORKING_GROUP,
    Action.RECORD_OPINION: Role.DEVELOPMENT_COUNCIL,
    Action.APPROVE_QUALITY_CHECK: Role.BUDGET_MANAGEMENT,
}

ACTION_COMMENT: dict[Action, str] = {
    Action.SUBMIT: "Ansökan inskickad.",
    Action.START_PREPARATION: "Registrerad av programkontoret och lämnad till arbetsgruppen.",
    Action.COMPLETE_ASSESSMENT: "Beredd mot programmets fyra mål; arbetsgruppen tillstyrker.",
    Action.RECORD_OPINION: "Lilla utvecklingsrådet tillstyrker.",
    Action.APPROVE_QUALITY_CHECK: "Kvalitetssäkrad av budgetledningen utan anmärkning.",
}

APPLICATION_TEXTS = (
    "description", "process_description", "target_groups", "benefit_owner_name",
    "benefit_owner_email", "communication_plan", "operation_plan", "operation_payer",
    "reuse_analysis",
)
IDEA_TEXTS = ("description", "target_group", "expected_benefit", "contact_name", "contact_email")


@dataclass
class SeedReport:
    """Rows inserted per kind by one seed run; all zero when everything was already there."""

    areas: int = 0
    programmes: int = 0
    goals: int = 0
    area_estimates: int = 0
    delegation_rules: int = 0
    organisations: int = 0
    users: int = 0
    ideas: int = 0
    applications: int = 0
    application_events: int = 0
    assessments: int = 0
    advisory_opinions: int = 0
    quality_checks: int = 0
    decisions: int = 0
    diary_counters: int = 0
    projects: int = 0
    ledger_entries: int = 0
    benefit_calculations: int = 0
    realisations: int = 0
    budget_cut_policies: int = 0
    adopted_budget_cuts: int = 0
    benefit_map_nodes: int = 0
    benefit_map_links: int = 0
    status_reports: int = 0
    tertial_reports: int = 0
    programme_phases: int = 0
    gate_decisions: int = 0

    @property
    def total(self) -> int:
        """Count every inserted row, to tell a first run from a repeated one."""
        return sum(self.as_dict().values())

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, kind: str, count: int = 1) -> None:
        setattr(self, kind, getattr(self, kind) + count)

    def __str__(self) -> str:
        if not self.total:
            return "nothing inserted (the demo data was already loaded)"
        parts = ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self)
                          if getattr(self, f.name))
        return f"{self.total} rows inserted ({parts})"


# --- Reading and validating the files ---------------------------------------------------


class _Fields:
    """One mapping from a seed file; every accessor names the file and item when it fails."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a mapping of fields, not {type(data).__name__}")
        self._data = data
        self.where = where

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.where}: {message}")

    def keys(self) -> list[str]:
        return list(self._data)

    def _get(self, key: str, required: bool) -> Any:
        value = self._data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(f"the field '{key}' is missing")
            return None
        return value

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"'{key}' must be text, not {value!r}")
        return value.strip()

    def whole(self, key: str, *, required: bool = True, minimum: int = 0) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(f"'{key}' must be a whole number, not {value!r}")
        if value < minimum:
            raise self.error(f"'{key}' must be at least {minimum}, not {value}")
        return value

    def day(self, key: str, *, required: bool = True) -> date | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                raise self.error(f"'{key}' must be a date (YYYY-MM-DD), not {value!r}") from None
        if not isinstance(value, date) or isinstance(value, datetime):
            raise self.error(f"'{key}' must be a date (YYYY-MM-DD), not {value!r}")
        return value

    def number(self, key: str) -> Decimal:
        value = self._get(key, True)
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise self.error(f"'{key}' must be a number, not {value!r}") from None

    def choice(self, key: str, enum_type: type[E], *, default: E | None = None) -> E:
        value = self._get(key, default is None)
        if value is None:
            return default
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise self.error(f"'{key}' must be one of: {allowed}; not {value!r}") from None

    def flag(self, key: str) -> bool:
        value = self._get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(f"'{key}' must be true or false, not {value!r}")
        return value

    def texts(self, key: str) -> list[str]:
        value = self._get(key, True)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.error(f"'{key}' must be a non-empty list of text")
        return value

    def section(self, key: str) -> "_Fields":
        return _Fields(self._get(key, True), f"{self.where}, '{key}'")

    def items(self, key: str, noun: str, label: str | None = None) -> list["_Fields"]:
        value = self._get(key, True)
        if not isinstance(value, list) or not value:
            raise self.error(f"'{key}' must be a non-empty list")
        file = self.where.split(",")[0]
        result = []
        for number, item in enumerate(value, start=1):
            name = item.get(label) if label and isinstance(item, dict) else None
            suffix = f" ({name})" if name else ""
            result.append(_Fields(item, f"{file}, {noun} {number}{suffix}"))
        return result


def _read_yaml(data_dir: Path, name: str) -> _Fields:
    path = Path(data_dir) / name
    if not path.is_file():
        raise ValueError(f"{name}: the seed file is missing (looked for {path})")
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{name}: not valid YAML: {error}") from None
    return _Fields(content, name)


def _unique(keys, file: str, noun: str) -> None:
    """Refuse a file that names the same thing twice, since natural keys must be unique."""
    seen = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{file}: the {noun} {key!r} appears more than once")
        seen.add(key)


@dataclass(frozen=True)
class AreaSpec:
    key: str
    name: str
    estimate_sek: int


@dataclass(frozen=True)
class RuleSpec:
    authority_key: str
    authority_name: str
    limit_sek: int | None
    valid_from: date
    valid_to: date | None
    source: str
    reason: str = ""


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    short_name: str | None
    kind: OrganisationKind
    area: str | None


@dataclass(frozen=True)
class ReferenceData:
    """The programme with its settings, goals, areas and delegation, and the organisations."""

    programme: dict
    goals: tuple[dict, ...]
    areas: tuple[AreaSpec, ...]
    rules: tuple[RuleSpec, ...]
    organisations: tuple[OrganisationSpec, ...]

    def in_period(self, item: _Fields, key: str, day: date | None) -> None:
        """Refuse a date outside the programme period, naming the field."""
        if day is not None and not self.programme["starts_on"] <= day <= self.programme["ends_on"]:
            raise item.error(
                f"'{key}' {day.isoformat()} is outside the programme period "
                f"{self.programme['starts_on'].isoformat()}–{self.programme['ends_on'].isoformat()}"
            )

    def route(self, amount_sek: int, on: date) -> RuleSpec:
        """Route a decision with the file's delegation table (ids are list positions)."""
        rules = [_rule(index, rule) for index, rule in enumerate(self.rules)]
        return self.rules[delegation.route_decision(rules, amount_sek, on).rule_id]


def _rule(rule_id: int, rule) -> delegation.DelegationRule:
    """Build the pure routing rule from a file row or a DelegationRule row."""
    return delegation.DelegationRule(
        rule_id=rule_id, authority_key=rule.authority_key, limit_sek=rule.limit_sek,
        valid_from=rule.valid_from, valid_to=rule.valid_to, source=rule.source,
    )


def load_reference(data_dir: Path | None = None) -> ReferenceData:
    """Read and validate programme.yaml and organisations.yaml."""
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    root = _read_yaml(data_dir, "programme.yaml")
    item = root.section("programme")
    settings = item.section("settings")
    programme = {
        "name": item.text("name"),
        "description": item.text("description", required=False) or "",
        "starts_on": item.day("starts_on"),
        "ends_on": item.day("ends_on"),
        "diary_number_format": settings.text("diary_number_format"),
        "calculation_years": settings.whole("calculation_years", minimum=1),
        "discount_rate": settings.number("discount_rate"),
        "hours_per_fte": settings.whole("hours_per_fte", minimum=1),
        "oncost_rate": settings.number("oncost_rate"),
        "channel_unit_sek": settings.whole("channel_unit_sek"),
        "stage_service_days": _service_days(settings.section("stage_service_days")),
        "idea_idle_days": settings.whole("idea_idle_days"),
        "report_due_after_days": settings.whole("report_due_after_days"),
        "schedule_tolerance_days": settings.whole("schedule_tolerance_days"),
        "decision_backdating_days": settings.whole("decision_backdating_days",
                                                   required=False) or 0,
    }
    if programme["ends_on"] < programme["starts_on"]:
        raise item.error("'ends_on' is before 'starts_on'")
    try:
        programme["diary_number_format"].format(year=2008, seq=1)
    except (KeyError, IndexError, ValueError):
        raise settings.error("'diary_number_format' may use only {year} and {seq}") from None
    if programme["decision_backdating_days"] > delegation.MAX_BACKDATING_DAYS:
        raise settings.error(f"'decision_backdating_days' must be at most "
                             f"{delegation.MAX_BACKDATING_DAYS}")
    for key in ("discount_rate", "oncost_rate"):
        if not 0 <= programme[key] < 1:
            raise settings.error(f"'{key}' must be a share from 0 up to 1")

    goals = tuple(
        {"number": goal.whole("number", minimum=1), "title": goal.text("title"),
         "description": goal.text("description", required=False) or ""}
        for goal in root.items("goals", "goal", "title")
    )
    _unique((g["number"] for g in goals), "programme.yaml", "goal number")
    areas = tuple(
        AreaSpec(area.text("key"), area.text("name"), area.whole("estimate_sek"))
        for area in root.items("areas", "area", "key")
    )
    _unique((a.key for a in areas), "programme.yaml", "area key")
    rules = tuple(_delegation_rules(root))

    organisations = []
    area_keys = {a.key for a in areas}
    for org in _read_yaml(data_dir, "organisations.yaml").items(
        "organisations", "organisation", "name"
    ):
        spec = OrganisationSpec(
            name=org.text("name"), short_name=org.text("short_name", required=False),
            kind=org.choice("kind", OrganisationKind), area=org.text("area", required=False),
        )
        if spec.area is not None and spec.area not in area_keys:
            raise org.error(f"unknown area {spec.area!r}; use one of {sorted(area_keys)}")
        organisations.append(spec)
    _unique((o.name for o in organisations), "organisations.yaml", "organisation")
    return ReferenceData(programme, goals, areas, rules, tuple(organisations))


def _service_days(section: _Fields) -> dict[str, int]:
    """Read the per-stage service days: every pipeline stage, nothing else."""
    days = {stage.value: section.whole(stage.value) for stage in PIPELINE_STAGES}
    extra = set(section.keys()) - set(days)
    if extra:
        raise section.error(f"unknown stages {sorted(extra)}; use {sorted(days)}")
    return days


def _delegation_rules(root: _Fields):
    """Read each delegation regime and check it as the regime service and the router would.

    Regimes come in date order, each with a reason; a regime's `valid_to`, when given, is the
    day before the next one starts (the last may end with the programme).
    """
    regimes = list(root.items("delegation", "regime", "source"))
    starts = [regime.day("valid_from") for regime in regimes]
    if starts != sorted(set(starts)):
        raise root.error("delegation regimes must come in date order, each from its own date")
    ends = delegation.regime_ends(starts)
    for regime, valid_from in zip(regimes, starts, strict=True):
        source, reason = regime.text("source"), regime.text("reason")
        valid_to = regime.day("valid_to", required=False)
        if ends[valid_from] is not None and valid_to not in (None, ends[valid_from]):
            raise regime.error(f"'valid_to' must be {ends[valid_from].isoformat()}, the day "
                               "before the next regime starts")
        specs = []
        for rule in regime.items("rules", "rule", "authority_key"):
            spec = RuleSpec(
                authority_key=rule.text("authority_key"),
                authority_name=rule.text("authority_name"),
                limit_sek=rule.whole("limit_sek", required=False, minimum=1),
                valid_from=valid_from, valid_to=valid_to or ends[valid_from], source=source,
                reason=reason,
            )
            try:
                _rule(0, spec)
            except (TypeError, ValueError) as error:
                raise rule.error(f"in regime {source!r}: {error}") from None
            specs.append(spec)
        issues = delegation.rule_problems([
            delegation.RuleDraft(s.authority_key, s.authority_name, s.limit_sek, s.source)
            for s in specs])
        if issues:
            raise regime.error(f"in regime {source!r}: " + "; ".join(
                f"{issue.code.value} (row {issue.row}, {issue.params})" for issue in issues))
        yield from specs


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
        assessment_scores=_assessment_scores(item),
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
    try:
        routed = reference.route(spec.granted_sek, spec.decided_on)
    except delegation.NoDelegationRule as error:
        raise item.error(str(error)) from None
    if routed.authority_key != spec.decided_by:
        raise item.error(
            f"'decided_by' is {spec.decided_by}, but the delegation in force on "
            f"{spec.decided_on.isoformat()} routes {spec.granted_sek} SEK to "
            f"{routed.authority_key} ({routed.source})"
        )
    if not any((Role.DECISION_MAKER, spec.decided_by) in u.grants for u in users):
        raise item.error(f"no demo user in users.yaml holds decision_maker:{spec.decided_by}")


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


# --- Six-weekly status reports (status_reports.yaml) -----------------------------------------

ASPECTS = project_services.ASPECTS
REPORT_TEXTS = project_services.TEXT_FIELDS
REPORT_KEYS = frozenset({
    "submitted_on", "actual_cost_sek", "forecast_cost_sek", "forecast_end_on", *ASPECTS,
    *(f"{aspect}_explanation" for aspect in ASPECTS), *REPORT_TEXTS,
})
FIRST_VERSION_KEYS = REPORT_KEYS | {"period", "completion_requested", "correction"}
PROJECT_REPORT_KEYS = frozenset({"project", "submitted_by", "reports_after_days", "unreported",
                                 "reports"})
DEFAULT_REPORT_AFTER_DAYS = 3


@dataclass(frozen=True)
class ReportSpec:
    """One version of a period's report: its field values and, for version 1, maybe no day yet."""

    period: int
    version: int
    values: dict
    submitted_on: date | None
    completion_comment: str
    where: str


@dataclass(frozen=True)
class ProjectReportsSpec:
    """A funded project's reports in period order; `unreported` periods are left missing."""

    project: str
    submitted_by: str | None
    reports_after_days: int
    unreported: frozenset[int]
    reports: tuple[ReportSpec, ...]
    where: str


@dataclass(frozen=True)
class StatusReportData:
    """The demo's status reports, all submitted on or before `as_of`."""

    as_of: date
    projects: tuple[ProjectReportsSpec, ...]


def _only_keys(item: _Fields, allowed: frozenset[str]) -> None:
    """Refuse a misspelt field instead of silently carrying the previous value forward."""
    unknown = sorted(set(item.keys()) - allowed)
    if unknown:
        raise item.error(f"unknown field(s) {', '.join(unknown)}; use {', '.join(sorted(allowed))}")


def _first_values(project: ProjectSpec) -> dict:
    """What a project's first report starts from, as the app pre-fills it: the baseline."""
    values = {f"{aspect}_status": RagStatus.GREEN for aspect in ASPECTS}
    values.update({f"{aspect}_explanation": "" for aspect in ASPECTS})
    values.update({text: "" for text in REPORT_TEXTS})
    values.update(actual_cost_to_date_sek=None, forecast_cost_sek=project.granted_sek,
                  forecast_end_on=project.baseline_end_on)
    return values


def _report_values(item: _Fields, previous: dict, project: ProjectSpec, *,
                   cost_required: bool) -> dict:
    """Apply one report entry to the previous report's values, as the app's pre-fill does."""
    values, keys = dict(previous), set(item.keys())
    for aspect in ASPECTS:
        status_field, explanation_field = f"{aspect}_status", f"{aspect}_explanation"
        if aspect in keys:
            values[status_field] = item.choice(aspect, RagStatus)
            if values[status_field] is RagStatus.GREEN:
                values[explanation_field] = ""
        if explanation_field in keys:
            explanation = item.text(explanation_field, required=False) or ""
            if explanation and values[status_field] is RagStatus.GREEN:
                raise item.error(f"'{explanation_field}' is given, but '{aspect}' is green")
            values[explanation_field] = explanation
        if values[status_field] is not RagStatus.GREEN and not values[explanation_field]:
            raise item.error(
                f"'{aspect}' is {values[status_field].value}: the field '{explanation_field}' "
                "is missing (a status that is not green needs an explanation)")
    if cost_required or "actual_cost_sek" in keys:
        values["actual_cost_to_date_sek"] = item.whole("actual_cost_sek")
    if "forecast_cost_sek" in keys:
        values["forecast_cost_sek"] = item.whole("forecast_cost_sek")
    if "forecast_end_on" in keys:
        values["forecast_end_on"] = item.day("forecast_end_on")
    for text in REPORT_TEXTS:
        if text in keys:
            values[text] = item.text(text, required=False) or ""
    if values["forecast_cost_sek"] < values["actual_cost_to_date_sek"]:
        raise item.error(
            f"'forecast_cost_sek' {values['forecast_cost_sek']} is less than the cost to date "
            f"{values['actual_cost_to_date_sek']}")
    if values["forecast_end_on"] < project.baseline_start_on:
        raise item.error(f"'forecast_end_on' {values['forecast_end_on'].isoformat()} is before "
                         f"the project started ({project.baseline_start_on.isoformat()})")
    return values


def _project_reports(item: _Fields, project: ProjectSpec, users: dict[str, UserSpec]
                     ) -> ProjectReportsSpec:
    """Read one project's reports, each carrying the previous one forward, and check them."""
    _only_keys(item, PROJECT_REPORT_KEYS)
    submitted_by = item.text("submitted_by", required=False) or project.project_manager
    if submitted_by is not None:
        user = users.get(submitted_by.lower())
        if user is None:
            raise item.error(f"'submitted_by' {submitted_by!r} is not defined in users.yaml")
        if user.organisation != project.organisation:
            raise item.error(f"'submitted_by' {submitted_by!r} does not belong to "
                             f"{project.organisation}, which writes the project's reports")
    unreported = item._get("unreported", False) or []
    if not isinstance(unreported, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in unreported):
        raise item.error("'unreported' must be a list of period numbers")
    after_days = item.whole("reports_after_days", required=False, minimum=1)

    entries = item._get("reports", True)
    if not isinstance(entries, list) or not entries:
        raise item.error("'reports' must be a non-empty list")
    reports, values, last_period = [], _first_values(project), 0
    for number, raw in enumerate(entries, start=1):
        label = raw.get("period") if isinstance(raw, dict) else None
        entry = _Fields(raw, f"{item.where}, report {number}" + (
            f" (period {label})" if label is not None else ""))
        _only_keys(entry, FIRST_VERSION_KEYS)
        period = entry.whole("period", minimum=1)
        if period <= last_period:
            raise entry.error(f"'period' {period} does not come after period {last_period}")
        if period in unreported:
            raise entry.error(f"period {period} is reported but also listed under 'unreported'")
        last_period = period
        earlier_cost = values["actual_cost_to_date_sek"] or 0
        values = _report_values(entry, values, project, cost_required=True)
        if values["actual_cost_to_date_sek"] < earlier_cost:
            raise entry.error(
                f"'actual_cost_sek' {values['actual_cost_to_date_sek']} is less than the "
                f"previous report's {earlier_cost}: the cost to date cannot fall")
        comment = entry.text("completion_requested", required=False) or ""
        reports.append(ReportSpec(period, 1, values, entry.day("submitted_on", required=False),
                                  comment, entry.where))
        if entry._get("correction", False) is not None:
            correction = entry.section("correction")
            _only_keys(correction, REPORT_KEYS)
            values = _report_values(correction, values, project, cost_required=False)
            if values["actual_cost_to_date_sek"] < earlier_cost:
                raise correction.error("'actual_cost_sek' is less than the previous period's")
            reports.append(ReportSpec(period, 2, values, correction.day("submitted_on"), "",
                                      correction.where))
    if project.closed_on is not None and values["forecast_end_on"] != project.closed_on:
        raise item.error(
            f"the last report forecasts the end on {values['forecast_end_on'].isoformat()}, "
            f"but the project closed on {project.closed_on.isoformat()} (projects.yaml)")
    return ProjectReportsSpec(project.title, submitted_by and submitted_by.lower(),
                              after_days or DEFAULT_REPORT_AFTER_DAYS, frozenset(unreported),
                              tuple(reports), item.where)


def load_status_reports(portfolio: PortfolioData, data_dir: Path | None = None
                        ) -> StatusReportData:
    """Read and validate status_reports.yaml against the funded projects and the users."""
    root = _read_yaml(Path(data_dir or DEFAULT_DATA_DIR), "status_reports.yaml")
    as_of = root.day("as_of")
    projects = {p.title: p for p in portfolio.projects}
    users = {u.email: u for u in portfolio.users}
    result = []
    for item in root.items("projects", "project", "project"):
        title = item.text("project")
        if title not in projects:
            raise item.error(f"'project' {title!r} is not a funded project in projects.yaml")
        result.append(_project_reports(item, projects[title], users))
    _unique((p.project for p in result), "status_reports.yaml", "project")
    return StatusReportData(as_of, tuple(result))


# --- Writing to the database ------------------------------------------------------------


def _at(day: date) -> datetime:
    """Give a seeded event a fixed time on its day, so reruns compare equal."""
    return datetime.combine(day, EVENT_HOUR)


def _find(model, **key):
    return db.session.scalar(sa.select(model).filter_by(**key))


def _ensure(report: SeedReport, kind: str, model, key: dict, values: dict):
    """Return the row with this natural key, inserting it with `values` when missing."""
    row = _find(model, **key)
    if row is None:
        row = model(**key, **values)
        db.session.add(row)
        db.session.flush()
        report.add(kind)
    return row


@dataclass
class _Context:
    """What later steps look up: the programme and rows by their natural keys."""

    programme: Programme
    areas: dict[str, Area]
    organisations: dict[str, Organisation]
    users: dict[str, User] | None = None


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
        for _rule in regime["rules"]:
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


def _user_id(context: _Context, email: str | None) -> int | None:
    return context.users[email].id if email else None


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


def _assessment_scores(item: _Fields) -> tuple[tuple[str, int], ...]:
    """The working group's scores 0–3 per goal (goal_N) and requirement, when the file has them."""
    scores = item._get("assessment_scores", required=False) or {}
    if not isinstance(scores, dict) or not all(
            isinstance(key, str) and isinstance(value, int) and not isinstance(value, bool)
            and 0 <= value <= 3 for key, value in scores.items()):
        raise item.error("'assessment_scores' maps criteria (goal_1, usable, …) to 0–3")
    return tuple(sorted(scores.items()))


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
    spec: ApplicationSpec, data: PortfolioData, context: _Context, report: SeedReport,
    decider: User | None = None,
) -> Application:
    """Insert one application with its history and preparation records, unless it exists."""
    organisation = context.organisations[spec.organisation]
    key = ({"reference": spec.reference} if spec.reference
           else {"title": spec.title, "organisation_id": organisation.id, "reference": None})
    application = _find(Application, **key)
    if application is not None:
        return application

    programme = context.programme
    idea = (_find(ProjectIdea, title=spec.idea, organisation_id=organisation.id)
            if spec.idea else None)
    service_days = {ApplicationState(k): v for k, v in programme.stage_service_days.items()}
    expected = None
    if spec.submitted_on and spec.state is not _State.RETURNED_FOR_COMPLETION:
        expected = expected_decision_date(spec.submitted_on, service_days)
    submitter_id = _user_id(context, spec.submitted_by)
    application = Application(
        programme_id=programme.id, organisation_id=organisation.id,
        idea_id=idea.id if idea else None,
        area_id=context.areas[spec.area].id if spec.area else organisation.area_id,
        kind=spec.kind, reference=spec.reference, title=spec.title, state=spec.state,
        state_changed_at=_at(spec.state_since), requested_sek=spec.requested_sek,
        created_by_id=submitter_id,
        submitted_by_id=submitter_id if spec.submitted_on else None,
        submitted_at=_at(spec.submitted_on) if spec.submitted_on else None,
        expected_decision_on=expected, created_at=_at(spec.created_on),
        updated_at=_at(spec.state_since), **spec.details,
    )
    db.session.add(application)
    db.session.flush()
    report.add("applications")

    actions = PATH_TO_STATE[spec.state]
    state = _State.DRAFT
    for action, day in zip(actions, _step_days(spec, actions, service_days), strict=True):
        at = _at(day)
        if action is Action.SUBMIT:
            actor_id = submitter_id
        elif action is Action.DECIDE:
            actor_id = decider.id
        else:
            actor_id = _user_id(context, data.holder(ACTION_ROLE[action]).email)
        to_state = TRANSITIONS[(state, action)].to_state
        comment = spec.comment if action is Action.RETURN_FOR_COMPLETION else (
            ACTION_COMMENT.get(action, "Beslut fattat enligt delegation."))
        db.session.add(ApplicationEvent(
            application_id=application.id, action=action.value, from_state=state,
            to_state=to_state, actor_id=actor_id, at=at, comment=comment,
        ))
        report.add("application_events")
        if action is Action.COMPLETE_ASSESSMENT:
            db.session.add(Assessment(application_id=application.id, assessor_id=actor_id,
                                      recommendation=Recommendation.APPROVE, comment=comment,
                                      created_at=at,
                                      scores=[AssessmentScore(criterion=criterion, score=score)
                                              for criterion, score in spec.assessment_scores]))
            report.add("assessments")
        elif action is Action.RECORD_OPINION:
            db.session.add(AdvisoryOpinion(application_id=application.id,
                                           outcome=OpinionOutcome.SUPPORTS, comment=comment,
                                           recorded_by_id=actor_id, recorded_at=at))
            report.add("advisory_opinions")
        elif action is Action.APPROVE_QUALITY_CHECK:
            db.session.add(QualityCheck(application_id=application.id,
                                        outcome=QualityCheckOutcome.APPROVED, comment=comment,
                                        checked_by_id=actor_id, checked_at=at))
            report.add("quality_checks")
        state = to_state
    db.session.flush()
    return application


def _diary_plan(projects) -> dict[str, tuple[int, int]]:
    """Number the funded projects' decisions per year in decision order: (year, seq)."""
    plan, last = {}, defaultdict(int)
    for spec in sorted(projects, key=lambda p: (p.decided_on, p.application.reference)):
        year = spec.decided_on.year
        last[year] += 1
        plan[spec.title] = (year, last[year])
    return plan


def _insert_projects(data: PortfolioData, context: _Context, report: SeedReport) -> None:
    programme = context.programme
    rules = {rule.id: rule for rule in db.session.scalars(
        sa.select(DelegationRule).where(DelegationRule.programme_id == programme.id))}
    routing = [_rule(rule.id, rule) for rule in rules.values()]
    plan = _diary_plan(data.projects)
    for spec in data.projects:
        routed = delegation.route_decision(routing, spec.granted_sek, spec.decided_on)
        rule = rules[routed.rule_id]
        if rule.authority_key != spec.decided_by:
            raise ValueError(
                f"{spec.where}: the database's delegation rules route {spec.granted_sek} SEK on "
                f"{spec.decided_on.isoformat()} to {rule.authority_key}, not {spec.decided_by}"
            )
        decider = context.users[data.holder(Role.DECISION_MAKER, rule.authority_key).email]
        application = _insert_application(spec.application, data, context, report, decider)
        year, seq = plan[spec.title]
        diary_number = programme.diary_number_format.format(year=year, seq=seq)
        decision = _find(Decision, diary_number=diary_number)
        if decision is None:
            if any(d.kind == DecisionKind.ORIGINAL for d in application.decisions):
                raise ValueError(f"{spec.where}: the application {application.reference} already "
                                 f"has an original decision, but not {diary_number}")
            decision = Decision(
                programme_id=programme.id, application_id=application.id,
                kind=DecisionKind.ORIGINAL, outcome=DecisionOutcome.APPROVED,
                amount_sek=spec.granted_sek, diary_number=diary_number,
                decided_on=spec.decided_on, decided_by_id=decider.id,
                decided_by_label=f"{decider.name}, {rule.authority_name}",
                delegation_rule_id=rule.id, authority_key=rule.authority_key,
                decision_text=(
                    f"{spec.title}: {format_sek(spec.granted_sek)} beviljas ur "
                    f"{programme.name} för genomförande enligt ansökan {application.reference}. "
                    f"Beslutet fattas av {rule.authority_name.lower()} med stöd av delegation "
                    f"({rule.source})."
                ),
                conditions=("Projektet rapporterar till programkontoret var sjätte vecka och i "
                            "tertialrapporterna, och lämnar slutrapport med plan för "
                            "nyttouppföljning ett år efter driftstart."),
                created_at=_at(spec.decided_on),
            )
            db.session.add(decision)
            db.session.flush()
            audit.record("decision.taken", decision, actor=decider, after={
                "diary_number": decision.diary_number, "outcome": decision.outcome,
                "amount_sek": decision.amount_sek, "authority_key": decision.authority_key})
            report.add("decisions")
        elif decision.application_id != application.id:
            raise ValueError(f"{spec.where}: the diary number {diary_number} is already used by "
                             "another application's decision")
        _ensure(report, "projects", Project, {"title": spec.title}, {
            "programme_id": programme.id, "application_id": application.id,
            "organisation_id": context.organisations[spec.organisation].id,
            "area_id": application.area_id, "is_enabling": spec.is_enabling,
            "state": spec.state,
            "project_manager_id": _user_id(context, spec.project_manager),
            "baseline_start_on": spec.baseline_start_on, "baseline_end_on": spec.baseline_end_on,
            "go_live_on": spec.go_live_on, "closed_on": spec.closed_on,
            "created_at": _at(spec.decided_on),
        })

    last_seq: dict[int, int] = defaultdict(int)
    for year, seq in plan.values():
        last_seq[year] = max(last_seq[year], seq)
    for year, seq in sorted(last_seq.items()):
        counter = _ensure(report, "diary_counters", DiaryCounter, {"series": "dnr", "year": year},
                          {"last_seq": seq})
        if counter.last_seq < seq:
            counter.last_seq = seq
            report.add("diary_counters")


def _insert_ledger(data: PortfolioData, context: _Context, report: SeedReport) -> None:
    programme = context.programme
    for spec in data.ledger:
        project = _find(Project, title=spec.project) if spec.project else None
        decision_id = None
        if project is not None and spec.kind is LedgerEntryKind.COMMITMENT:
            decision_id = db.session.scalar(
                sa.select(Decision.id).where(Decision.application_id == project.application_id,
                                             Decision.kind == DecisionKind.ORIGINAL))
        if _find(EnvelopeEntry, programme_id=programme.id, booked_on=spec.booked_on,
                 kind=spec.kind, amount_sek=spec.amount_sek,
                 description=spec.description) is None:
            ledger.book(programme.id, spec.kind, spec.amount_sek, spec.booked_on,
                        spec.description, project_id=project.id if project else None,
                        decision_id=decision_id, recorded_at=_at(spec.booked_on))
            report.add("ledger_entries")


def seed_reference(data_dir: Path | None = None) -> SeedReport:
    """Insert only the programme (settings, goals, areas, delegation) and the organisations."""
    report = SeedReport()
    context = _insert_reference(load_reference(data_dir), report, data_dir)
    seed_phases.insert_phases(Path(data_dir or DEFAULT_DATA_DIR), context.programme.id, report.add)
    if report.total:
        audit.record("seed.reference", context.programme, after={"inserted": report.as_dict()})
    return report


def seed_demo(data_dir: Path | None = None) -> SeedReport:
    """Insert the whole demo, from the reference data to the projects' status reports."""
    reference = load_reference(data_dir)
    portfolio = load_portfolio(reference, data_dir)
    status_reports = load_status_reports(portfolio, data_dir)
    report = SeedReport()
    context = _insert_reference(reference, report, data_dir)
    seed_phases.insert_phases(Path(data_dir or DEFAULT_DATA_DIR), context.programme.id, report.add)
    _insert_users(portfolio, context, report)
    _insert_ideas(portfolio, context, report)
    for spec in portfolio.applications:
        _insert_application(spec, portfolio, context, report)
    _insert_projects(portfolio, context, report)
    _insert_ledger(portfolio, context, report)
    _insert_calculations(Path(data_dir or DEFAULT_DATA_DIR), report)
    _insert_budget_cuts(Path(data_dir or DEFAULT_DATA_DIR), context.programme, report)
    _insert_benefit_maps(Path(data_dir or DEFAULT_DATA_DIR), report)
    _insert_status_reports(status_reports, context, report)
    _insert_tertial_reports(load_tertial_reports(portfolio, data_dir), context, report)
    seed_phases.insert_demo_gate_decisions(context.programme.id, report.add)
    db.session.flush()
    if report.total:
        audit.record("seed.demo", context.programme, after={"inserted": report.as_dict()})
    return report


def _insert_calculations(data_dir: Path, report: SeedReport) -> None:
    """Load calculations.yaml: baseline calculations, register entries and realisations."""
    from app.benefits import services as benefit_services
    from app.benefits.models import Benefit, RealisationEntry

    path = data_dir / "calculations.yaml"
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("calculations", [])
    for index, entry in enumerate(entries):
        where = f"calculations.yaml, calculation {index + 1} ({entry.get('project')})"
        project = _find(Project, title=entry.get("project"))
        if project is None or project.application_id is None:
            raise ValueError(f"{where}: there is no funded project with that title.")
        application = db.session.get(Application, project.application_id)
        if benefit_services.calculation_of(application) is None:
            try:
                benefit_services.import_calculation(application, project, entry["calculation"])
            except DomainError as invalid:
                raise ValueError(f"{where}: {invalid.detail}") from None
            report.add("benefit_calculations")
        benefits = {b.name: b for b in db.session.scalars(
            sa.select(Benefit).where(Benefit.project_id == project.id))}
        for number, realised in enumerate(entry.get("realisations", []), start=1):
            benefit = benefits.get(realised.get("benefit"))
            if benefit is None:
                raise ValueError(f"{where}: no valued benefit line is called "
                                 f"{realised.get('benefit')!r}.")
            recorded_on = _recorded_on(_Fields(realised, f"{where}, realisation {number}"),
                                       project)
            if _find(RealisationEntry, benefit_id=benefit.id, year=realised["year"]) is None:
                db.session.add(RealisationEntry(
                    benefit_id=benefit.id, year=realised["year"],
                    actual_sek=int(realised["actual_sek"]),
                    actual_cash_releasing_sek=int(realised.get("actual_cash_releasing_sek", 0)),
                    measured_by=realised.get("measured_by", ""),
                    evidence=realised.get("evidence", ""), recorded_at=_at(recorded_on)))
                report.add("realisations")


def _insert_benefit_maps(data_dir: Path, report: SeedReport) -> None:
    """Load benefit_maps.yaml through the network's services (so every rule checks the demo)."""
    from app.accounts.models import RoleAssignment
    from app.benefit_map import services as network

    path = data_dir / "benefit_maps.yaml"
    if not path.exists():
        return
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("benefit_maps", [])
    office = db.session.scalar(
        sa.select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.PROGRAMME_OFFICE).order_by(User.id).limit(1))
    for index, entry in enumerate(entries):
        where = f"benefit_maps.yaml, map {index + 1} ({entry.get('project')})"
        project = _find(Project, title=entry.get("project"))
        if project is None or project.application_id is None:
            raise ValueError(f"{where}: there is no funded project with that title.")
        application = db.session.get(Application, project.application_id)
        calc = network.calculation_for(application)
        if network.nodes_of(calc.id):
            continue
        created_on = _Fields(entry, where).day("created_on")
        keys: dict[str, str] = {}
        try:
            for spec in entry.get("nodes", []):
                data = {"kind": spec["kind"], "label": spec.get("label", ""),
                        "responsible_name": spec.get("responsible", ""),
                        "due_on": spec.get("due_on"), "state": spec.get("state"),
                        "evidence": spec.get("evidence", ""), "done_on": spec.get("done_on")}
                if spec.get("organisation"):
                    organisation = _find(Organisation, name=spec["organisation"])
                    if organisation is None:
                        raise ValueError(f"{where}: no organisation {spec['organisation']!r}.")
                    data["organisation_id"] = organisation.id
                if spec.get("prerequisite"):
                    prerequisite = _find(Project, title=spec["prerequisite"])
                    if prerequisite is None:
                        raise ValueError(f"{where}: no project {spec['prerequisite']!r}.")
                    data["prerequisite_project_id"] = prerequisite.id
                node = network.add_node(application, data, office)
                node.created_on = created_on
                keys[spec["key"]] = network.node_key(node)
                report.add("benefit_map_nodes")
            ends = dict(keys)
            ends.update({f"benefit:{line.name}": network.benefit_key(line)
                         for line in network.current_lines(application)})
            ends.update({f"goal:{goal.number}": network.goal_key(goal)
                         for goal in application.programme.goals})
            for source, target in entry.get("links", []):
                missing = [name for name in (source, target) if name not in ends]
                if missing:
                    raise ValueError(f"{where}: no node, benefit line or goal {missing[0]!r}.")
                network.add_link(application, {"from": ends[source], "to": ends[target]},
                                 office)
                report.add("benefit_map_links")
        except DomainError as invalid:
            raise ValueError(f"{where}: {invalid.detail}") from None
        db.session.flush()


def _recorded_on(item: _Fields, project: Project) -> date:
    """The day a realisation was entered: within its year or after, once the project was funded."""
    recorded_on = item.day("recorded_on")
    year = item.whole("year", minimum=1)
    earliest = max(date(year, 1, 1), project.created_at.date())
    if recorded_on < earliest:
        raise item.error(f"'recorded_on' {recorded_on.isoformat()} is before "
                         f"{earliest.isoformat()}, when year {year} could first be measured")
    return recorded_on


def _insert_budget_cuts(data_dir: Path, programme: Programme, report: SeedReport) -> None:
    """Load budget_cuts.yaml: the policy and the council's adopted cuts, through the services."""
    from decimal import Decimal

    from app.accounts.models import RoleAssignment
    from app.budget_cuts import services as cuts

    data = yaml.safe_load((data_dir / "budget_cuts.yaml").read_text(encoding="utf-8")) or {}
    office = db.session.scalar(
        sa.select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.PROGRAMME_OFFICE).order_by(User.id).limit(1))
    policies, years = [], []
    for number, policy in enumerate(data.get("policies", []), start=1):
        item = _Fields(policy, f"budget_cuts.yaml, policy {number}")
        policies.append((policy, _decided_on(item, programme)))
    for year in data.get("adopted", []):
        item = _Fields(year, f"budget_cuts.yaml, budget year {year.get('budget_year')}")
        years.append((year, _decided_on(item, programme, item.whole("budget_year", minimum=1))))
    known_years = {p.valid_from_year for p in cuts.policies(programme)}
    for policy, decided_on in policies:
        if policy["valid_from_year"] not in known_years:
            values = {k: v for k, v in policy.items() if k != "decided_on"}
            row = cuts.create_policy(programme, {**values, "share": Decimal(str(policy["share"]))},
                                     office)
            row.created_at = _at(decided_on)
            report.add("budget_cut_policies")
    for year, decided_on in years:
        total = sum(cut["amount_sek"] for cut in year["cuts"])
        if total != year["total_sek"]:
            raise ValueError(f"budget_cuts.yaml, budget year {year['budget_year']}: the cuts add "
                             f"up to {total}, not the stated total {year['total_sek']}.")
        for cut in year["cuts"]:
            organisation = _find(Organisation, name=cut["organisation"])
            if organisation is None:
                raise ValueError(f"budget_cuts.yaml, budget year {year['budget_year']}: there is "
                                 f"no organisation {cut['organisation']!r}.")
            rows = cuts.entries(programme, organisation.id, year["budget_year"])
            if cuts.decided_entry(rows) is None:
                entry = cuts.adopt_budget_cut(programme, organisation, year["budget_year"],
                                              int(cut["amount_sek"]), year["council_decision_ref"],
                                              year["reason"], office)
                entry.created_at = _at(decided_on)
                report.add("adopted_budget_cuts")
    db.session.flush()


def _decided_on(item: _Fields, programme: Programme, budget_year: int | None = None) -> date:
    """The day a policy or the council's budget was decided: in the programme, before its year."""
    decided_on = item.day("decided_on")
    if not programme.starts_on <= decided_on <= programme.ends_on:
        raise item.error(f"'decided_on' {decided_on.isoformat()} is outside the programme period "
                         f"{programme.starts_on.isoformat()}–{programme.ends_on.isoformat()}")
    if budget_year is not None and decided_on >= date(budget_year, 1, 1):
        raise item.error(f"'decided_on' {decided_on.isoformat()} is not before budget year "
                         f"{budget_year} begins")
    return decided_on


def _report_day(period: ReportingPeriod, after_days: int) -> date:
    """The default submission day: `after_days` after the period ends, a weekday."""
    day = period.ends_on + timedelta(days=after_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _planned_reports(spec: ProjectReportsSpec, project: Project, as_of: date
                     ) -> list[tuple[ReportSpec, ReportingPeriod, date]]:
    """Date each report within its period's window, checking the calendar is covered."""
    calendar = {p.number: p for p in project_services.reporting_periods(project, as_of)}
    ended = {number for number, period in calendar.items() if period.ends_on <= as_of}
    reported = {report.period for report in spec.reports}
    early = sorted(spec.unreported - ended)
    if early:
        raise ValueError(f"{spec.where}: 'unreported' period {early[0]} has not ended by "
                         f"{as_of.isoformat()} (or is not one of the project's periods)")
    missing = sorted(ended - reported - spec.unreported)
    if missing:
        raise ValueError(
            f"{spec.where}: period(s) {', '.join(map(str, missing))} ended by "
            f"{as_of.isoformat()} without a report; add them or list them under 'unreported'")
    planned, last_day = [], None
    for report in spec.reports:
        period = calendar.get(report.period)
        if period is None or report.period not in ended:
            raise ValueError(f"{report.where}: period {report.period} has not ended by "
                             f"{as_of.isoformat()} (or is not one of the project's periods)")
        day = report.submitted_on or _report_day(period, spec.reports_after_days)
        if report.version == 1 and not period.ends_on < day <= period.due_on:
            raise ValueError(
                f"{report.where}: submitted on {day.isoformat()}, outside the period's window "
                f"{(period.ends_on + timedelta(days=1)).isoformat()}–{period.due_on.isoformat()}")
        if day > as_of:
            raise ValueError(f"{report.where}: submitted on {day.isoformat()}, after "
                             f"'as_of' {as_of.isoformat()}")
        if last_day is not None and day <= last_day:
            raise ValueError(f"{report.where}: submitted on {day.isoformat()}, not after the "
                             f"report before it ({last_day.isoformat()})")
        planned.append((report, period, day))
        last_day = day
    return planned


def _insert_status_reports(data: StatusReportData, context: _Context,
                           report: SeedReport) -> None:
    """Insert the submitted reports and corrections; every project is checked before any row."""
    plans = []
    for spec in data.projects:
        project = _find(Project, title=spec.project)
        plans.append((spec, project, _planned_reports(spec, project, data.as_of)))
    for spec, project, planned in plans:
        submitter_id = _user_id(context, spec.submitted_by)
        first_versions: dict[int, StatusReport] = {}
        for version, period, day in planned:
            state = (ReportState.COMPLETION_REQUESTED if version.completion_comment
                     else ReportState.SUBMITTED)
            row = _ensure(report, "status_reports", StatusReport, {
                "project_id": project.id, "period_number": period.number,
                "version": version.version,
            }, {
                "period_starts_on": period.starts_on, "period_ends_on": period.ends_on,
                "due_on": period.due_on, "state": state,
                "supersedes_id": (first_versions[period.number].id
                                  if version.version > 1 else None),
                "completion_comment": version.completion_comment,
                "submitted_by_id": submitter_id, "submitted_at": _at(day),
                "created_at": _at(day), **version.values,
            })
            first_versions.setdefault(period.number, row)


# --- Presented tertial reports (tertial_reports.yaml) ------------------------------------------

TERTIAL_PERIOD = re.compile(r"^T([123]) (\d{4})$")


@dataclass(frozen=True)
class TertialReportSpec:
    """What people wrote on a presented tertial report; its figures are computed, never typed."""

    year: int
    tertial: int
    presented_on: date
    summary: str
    minute: str
    minute_on: date | None


@dataclass(frozen=True)
class TertialReportData:
    presented_by: str
    reports: tuple[TertialReportSpec, ...]


def _tertial_spec(item: _Fields) -> TertialReportSpec:
    unknown = set(item.keys()) - {"period", "presented_on", "summary", "minute", "minute_on"}
    if unknown:
        raise item.error(f"unknown field(s): {', '.join(sorted(unknown))}")
    period_text = item.text("period")
    match = TERTIAL_PERIOD.match(period_text)
    if match is None:
        raise item.error(f"'period' must look like 'T1 2009', not {period_text!r}")
    period = periods.tertial_period(int(match.group(2)), int(match.group(1)))
    presented_on = item.day("presented_on")
    if presented_on <= period.ends_on:
        raise item.error(f"'presented_on' {presented_on} must be after the tertial ends "
                         f"({period.ends_on})")
    minute, minute_on = item.text("minute", required=False) or "", item.day("minute_on",
                                                                              required=False)
    if bool(minute) != bool(minute_on):
        raise item.error("give both 'minute' and 'minute_on', or neither")
    if minute_on is not None and minute_on < presented_on:
        raise item.error(f"'minute_on' {minute_on} is before the report was presented")
    return TertialReportSpec(period.year, period.number, presented_on, item.text("summary"),
                             minute, minute_on)


def load_tertial_reports(portfolio: PortfolioData, data_dir: Path | None = None
                         ) -> TertialReportData:
    """Read and validate tertial_reports.yaml: periods, dates, presenter and texts."""
    root = _read_yaml(Path(data_dir or DEFAULT_DATA_DIR), "tertial_reports.yaml")
    presented_by = root.text("presented_by")
    presenter = next((u for u in portfolio.users if u.email == presented_by), None)
    if presenter is None or Role.PROGRAMME_OFFICE not in {g[0] for g in presenter.grants}:
        raise root.error(f"'presented_by' {presented_by!r} is not a programme office user "
                         "in users.yaml")
    specs = tuple(_tertial_spec(item) for item in root.items("reports", "report", "period"))
    _unique((f"T{s.tertial} {s.year}" for s in specs), "tertial_reports.yaml", "period")
    return TertialReportData(presented_by, specs)


def _insert_tertial_reports(data: TertialReportData, context: _Context,
                            report: SeedReport) -> None:
    """Insert each presented report with its figures computed as of its tertial's end."""
    from app.followup.models import TertialReport
    from app.followup.services import build_snapshot

    programme = context.programme
    presenter_id = _user_id(context, data.presented_by)
    for spec in data.reports:
        key = {"programme_id": programme.id, "year": spec.year, "tertial": spec.tertial}
        if _find(TertialReport, **key) is not None:
            continue
        period = periods.tertial_period(spec.year, spec.tertial)
        snapshot = build_snapshot(programme, period)
        snapshot["generated_at"] = _at(spec.presented_on).isoformat()
        db.session.add(TertialReport(
            **key, as_of=period.ends_on, state=TertialReportState.PRESENTED,
            snapshot=snapshot, summary=spec.summary, presented_by_id=presenter_id,
            presented_at=_at(spec.presented_on), committee_minute=spec.minute,
            committee_recorded_at=_at(spec.minute_on) if spec.minute_on else None,
            created_at=_at(spec.presented_on)))
        db.session.flush()
        report.add("tertial_reports")
