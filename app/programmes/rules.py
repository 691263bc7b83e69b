"""Delegation routing and the anti-splitting check, as pure functions.

Delegation is data, not code: the rules come from the programme's effective-dated
delegation table (council decision 1 Oct 2007, dnr 031-2487/2007; executive board decision
15 Dec 2010 from 1 Jan 2011). Nothing here names an authority. Pure: standard library only.
"""

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

MAX_AMOUNT_SEK = 10**12
MAX_BACKDATING_DAYS = 366


class NoDelegationRule(LookupError):
    """No single delegation rule decides this amount on this date."""


class AmbiguousDelegation(NoDelegationRule):
    """Two rules in force on the same date share the deciding limit: the table is wrong."""


@dataclass(frozen=True)
class DelegationRule:
    """One row of a delegation table: who may decide up to which amount, and when."""

    rule_id: int
    authority_key: str
    limit_sek: int | None
    valid_from: date
    valid_to: date | None
    source: str

    def __post_init__(self) -> None:
        """Refuse a row that could route a decision wrongly."""
        if not self.authority_key or not self.authority_key.strip():
            raise ValueError("authority_key must not be empty")
        if self.limit_sek is not None and (
            not _is_int(self.limit_sek) or not 0 < self.limit_sek <= MAX_AMOUNT_SEK
        ):
            raise ValueError(
                f"limit_sek must be None or a whole number of kronor from 1 to {MAX_AMOUNT_SEK}"
            )
        _check_date(self.valid_from, "valid_from")
        if self.valid_to is not None:
            _check_date(self.valid_to, "valid_to")
            if self.valid_to < self.valid_from:
                raise ValueError("valid_to must not be before valid_from")

    def in_force_on(self, on: date) -> bool:
        """Say whether the rule applies on a date; both ends are inclusive, no end is open."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def covers(self, amount_sek: int) -> bool:
        """Say whether the limit covers the amount; "at most" is inclusive, None has no cap."""
        return self.limit_sek is None or amount_sek <= self.limit_sek


@dataclass(frozen=True)
class SplittingWarning:
    """Decisions on one project or idea within 12 months that together exceed a limit."""

    amount_sek: int
    earlier_sek: int
    total_sek: int
    limit_sek: int
    excess_sek: int


def check_amount_sek(amount_sek: object, field: str = "amount_sek") -> int:
    """Return a valid positive whole-krona amount, else raise ValueError naming the field."""
    if not _is_int(amount_sek):
        raise ValueError(f"{field} must be a whole number of kronor, not {amount_sek!r}")
    if amount_sek <= 0:
        raise ValueError(f"{field} must be greater than zero")
    if amount_sek > MAX_AMOUNT_SEK:
        raise ValueError(f"{field} must be at most {MAX_AMOUNT_SEK}")
    return amount_sek


def route_decision(rules: Iterable[DelegationRule], amount_sek: int, on: date) -> DelegationRule:
    """Pick the lowest authority whose limit covers the amount on the date (limits inclusive)."""
    amount_sek = check_amount_sek(amount_sek)
    _check_date(on, "on")
    in_force = [rule for rule in rules if rule.in_force_on(on)]
    if not in_force:
        raise NoDelegationRule(
            f"No delegation rule is in force on {on.isoformat()}: "
            "check the programme's delegation table and the decision date."
        )
    covering = sorted((rule for rule in in_force if rule.covers(amount_sek)), key=_rank)
    if not covering:
        highest = max(rule.limit_sek for rule in in_force if rule.limit_sek is not None)
        raise NoDelegationRule(
            f"No delegation rule in force on {on.isoformat()} covers {amount_sek} SEK "
            f"(highest limit {highest} SEK): the table needs an authority without an upper limit."
        )
    if len(covering) > 1 and _rank(covering[0])[:2] == _rank(covering[1])[:2]:
        raise AmbiguousDelegation(
            f"Delegation rules {covering[0].rule_id} and {covering[1].rule_id} are both in force "
            f"on {on.isoformat()} with the same limit: correct the delegation table."
        )
    return covering[0]


def splitting_warning(
    limit_sek: int | None, amount_sek: int, earlier_amounts_sek: Iterable[int]
) -> SplittingWarning | None:
    """Warn when this and the earlier 12 months' decided amounts together exceed the limit."""
    amount_sek = check_amount_sek(amount_sek)
    earlier = [_check_earlier(value) for value in earlier_amounts_sek]
    if limit_sek is None:
        return None
    limit_sek = check_amount_sek(limit_sek, "limit_sek")
    earlier_sek = sum(earlier)
    total_sek = amount_sek + earlier_sek
    if total_sek <= limit_sek:
        return None
    return SplittingWarning(
        amount_sek=amount_sek,
        earlier_sek=earlier_sek,
        total_sek=total_sek,
        limit_sek=limit_sek,
        excess_sek=total_sek - limit_sek,
    )


class DateProblem(StrEnum):
    """Why a decision date is refused."""

    NO_WINDOW = "no_window"
    AFTER_BUSINESS_DATE = "after_business_date"
    OUTSIDE_WINDOW = "outside_window"
    REASON_MISSING = "reason_missing"


@dataclass(frozen=True)
class DecisionWindow:
    """The dates a decision registered on `business_on` may carry, both ends inclusive."""

    business_on: date
    earliest: date
    latest: date

    def contains(self, on: date) -> bool:
        return self.earliest <= on <= self.latest

    def is_backdated(self, on: date) -> bool:
        """A date before the business date records a decision already taken on paper."""
        return on < self.business_on


def decision_window(business_on: date, backdating_days: int, *, period_starts_on: date,
                    period_ends_on: date, not_before: Iterable[date] = ()) -> DecisionWindow | None:
    """Return the dates a decision may carry today, or None when no date is possible.

    A decision is dated the business date; one already taken on paper may be registered
    up to `backdating_days` earlier, never later than the business date, always inside the
    programme period and never before `not_before` (submission, the decision it corrects).
    """
    _check_date(business_on, "business_on")
    if not _is_int(backdating_days) or not 0 <= backdating_days <= MAX_BACKDATING_DAYS:
        raise ValueError(f"backdating_days must be a whole number from 0 to "
                         f"{MAX_BACKDATING_DAYS}, not {backdating_days!r}")
    floors = [business_on - timedelta(days=backdating_days), period_starts_on, *not_before]
    for floor in floors:
        _check_date(floor, "not_before")
    _check_date(period_ends_on, "period_ends_on")
    earliest = max(floors)
    latest = min(business_on, period_ends_on)
    if latest < earliest:
        return None
    return DecisionWindow(business_on=business_on, earliest=earliest, latest=latest)


def decision_date_problem(window: DecisionWindow | None, on: date,
                          backdating_reason: str = "") -> DateProblem | None:
    """Say why `on` cannot date a decision in `window`, or None when it can.

    After the business date is never possible; an earlier date needs a written reason.
    """
    _check_date(on, "on")
    if window is None:
        return DateProblem.NO_WINDOW
    if on > window.business_on:
        return DateProblem.AFTER_BUSINESS_DATE
    if not window.contains(on):
        return DateProblem.OUTSIDE_WINDOW
    if window.is_backdated(on) and not (backdating_reason or "").strip():
        return DateProblem.REASON_MISSING
    return None


def authorities_in_window(rules: Iterable[DelegationRule], amount_sek: int,
                          window: DecisionWindow | None) -> frozenset[str]:
    """Every authority that decides the amount on some date of the window.

    Routing changes only where a rule starts or ends, so those days and the window's ends
    are enough to try.
    """
    if window is None:
        return frozenset()
    rules = list(rules)
    days = {window.earliest, window.latest}
    for rule in rules:
        days.add(rule.valid_from)
        if rule.valid_to is not None:
            days.add(rule.valid_to + timedelta(days=1))
    found = set()
    for day in sorted(d for d in days if window.contains(d)):
        try:
            found.add(route_decision(rules, amount_sek, day).authority_key)
        except NoDelegationRule:
            continue
    return frozenset(found)


def twelve_months_before(on: date) -> date:
    """Return the same day a year earlier; 29 Feb falls back to 28 Feb."""
    year = on.year - 1
    return on.replace(year=year, day=min(on.day, calendar.monthrange(year, on.month)[1]))


def within_twelve_months(earlier: date, decision_on: date) -> bool:
    """Say whether an earlier decision counts for anti-splitting: at most 12 months before."""
    _check_date(earlier, "earlier")
    _check_date(decision_on, "decision_on")
    return twelve_months_before(decision_on) <= earlier <= decision_on


def _rank(rule: DelegationRule) -> tuple[bool, int, int]:
    """Order rules by limit, the unlimited one last, then by id for a stable message."""
    return (rule.limit_sek is None, rule.limit_sek or 0, rule.rule_id)


def _is_int(value: object) -> bool:
    """Say whether a value is a true int (bool is not an amount)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _check_date(value: object, field: str) -> None:
    """Refuse anything but a plain date; a datetime would compare wrongly with dates."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{field} must be a date, not {value!r}")


def _check_earlier(value: object) -> int:
    """Return an earlier decided amount, which may be zero (a rejection) but not negative."""
    if not _is_int(value) or not 0 <= value <= MAX_AMOUNT_SEK:
        raise ValueError(
            f"earlier_amounts_sek must hold whole kronor from 0 to {MAX_AMOUNT_SEK}, not {value!r}"
        )
    return value


# ---- delegation regimes: effective-dated sets of rules -------------------------------------

AUTHORITY_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
MAX_KEY_LENGTH = 60
MAX_NAME_LENGTH = 200
MAX_SOURCE_LENGTH = 300
MAX_REASON_LENGTH = 2000
MAX_RULES_PER_REGIME = 20


class RegimeProblem(StrEnum):
    """Why a delegation regime, or a change to one, is refused; the edge words each code."""

    NO_RULES = "no_rules"
    TOO_MANY_RULES = "too_many_rules"
    KEY_MISSING = "key_missing"
    KEY_NOT_SLUG = "key_not_slug"
    KEY_REPEATED = "key_repeated"
    NAME_MISSING = "name_missing"
    TEXT_TOO_LONG = "text_too_long"
    SOURCE_MISSING = "source_missing"
    LIMIT_INVALID = "limit_invalid"
    LIMITS_NOT_RISING = "limits_not_rising"
    UNLIMITED_TWICE = "unlimited_twice"
    UNLIMITED_NOT_LAST = "unlimited_not_last"
    REASON_MISSING = "reason_missing"
    OUTSIDE_PROGRAMME_PERIOD = "outside_programme_period"
    BEFORE_BUSINESS_DATE = "before_business_date"
    INSIDE_REGIME_IN_FORCE = "inside_regime_in_force"
    START_TAKEN = "start_taken"
    IN_FORCE_IMMUTABLE = "in_force_immutable"


@dataclass(frozen=True)
class RegimeIssue:
    """One problem: its code, the rule row (1-based) it concerns, and the values to name."""

    code: RegimeProblem
    row: int | None = None
    params: dict = field(default_factory=dict, hash=False, compare=True)

    @property
    def field(self) -> str:
        """The input the problem belongs to: a rule row's field, or the regime's own."""
        if self.row is not None:
            return f"rules.{self.row - 1}.{self.params.get('field', 'authority_key')}"
        return str(self.params.get("field", "rules"))


class RegimeState(StrEnum):
    """Where a regime stands on a date: not started, in force, or replaced."""

    FUTURE = "future"
    IN_FORCE = "in_force"
    PAST = "past"


@dataclass(frozen=True)
class RuleDraft:
    """One authority of a proposed regime, in authority order (lowest first)."""

    authority_key: str
    authority_name: str
    limit_sek: int | None
    source: str = ""


def rule_problems(rules: Sequence[RuleDraft], regime_source: str = "") -> list[RegimeIssue]:
    """Check a regime's rules: slug keys unique, names and sources given, limits rising.

    The rows are the authority order: each limit is higher than the one before, and at most
    one authority (the top, the last row) has no upper limit.
    """
    issues: list[RegimeIssue] = []
    if not rules:
        return [RegimeIssue(RegimeProblem.NO_RULES)]
    if len(rules) > MAX_RULES_PER_REGIME:
        return [RegimeIssue(RegimeProblem.TOO_MANY_RULES,
                            params={"count": len(rules), "max": MAX_RULES_PER_REGIME})]
    seen: dict[str, int] = {}
    previous_limit: int | None = None
    unlimited_row: int | None = None
    unlimited_not_last = False
    for row, rule in enumerate(rules, start=1):
        key = (rule.authority_key or "").strip()
        if not key:
            issues.append(RegimeIssue(RegimeProblem.KEY_MISSING, row))
        elif len(key) > MAX_KEY_LENGTH or not AUTHORITY_KEY_PATTERN.fullmatch(key):
            issues.append(RegimeIssue(RegimeProblem.KEY_NOT_SLUG, row,
                                      {"key": key[:MAX_KEY_LENGTH], "max": MAX_KEY_LENGTH}))
        elif key in seen:
            issues.append(RegimeIssue(RegimeProblem.KEY_REPEATED, row,
                                      {"key": key, "first_row": seen[key]}))
        else:
            seen[key] = row
        name = (rule.authority_name or "").strip()
        if not name:
            issues.append(RegimeIssue(RegimeProblem.NAME_MISSING, row,
                                      {"field": "authority_name"}))
        elif len(name) > MAX_NAME_LENGTH:
            issues.append(RegimeIssue(RegimeProblem.TEXT_TOO_LONG, row,
                                      {"field": "authority_name", "max": MAX_NAME_LENGTH}))
        source = (rule.source or "").strip() or (regime_source or "").strip()
        if not source:
            issues.append(RegimeIssue(RegimeProblem.SOURCE_MISSING, row, {"field": "source"}))
        elif len(source) > MAX_SOURCE_LENGTH:
            issues.append(RegimeIssue(RegimeProblem.TEXT_TOO_LONG, row,
                                      {"field": "source", "max": MAX_SOURCE_LENGTH}))
        limit = rule.limit_sek
        if limit is None:
            if unlimited_row is not None:
                issues.append(RegimeIssue(RegimeProblem.UNLIMITED_TWICE, row,
                                          {"field": "limit_sek", "first_row": unlimited_row}))
            unlimited_row = unlimited_row or row
            continue
        if not _is_int(limit) or not 0 < limit <= MAX_AMOUNT_SEK:
            issues.append(RegimeIssue(RegimeProblem.LIMIT_INVALID, row,
                                      {"field": "limit_sek", "max": MAX_AMOUNT_SEK}))
            continue
        if unlimited_row is not None and not unlimited_not_last:
            unlimited_not_last = True
            issues.append(RegimeIssue(RegimeProblem.UNLIMITED_NOT_LAST, unlimited_row,
                                      {"field": "limit_sek", "row_after": row}))
        if previous_limit is not None and limit <= previous_limit:
            issues.append(RegimeIssue(RegimeProblem.LIMITS_NOT_RISING, row,
                                      {"field": "limit_sek", "limit": limit,
                                       "previous": previous_limit}))
        previous_limit = limit if previous_limit is None else max(previous_limit, limit)
    return issues


def start_problems(valid_from: date, *, business_on: date, other_starts: Iterable[date],
                   period_starts_on: date, period_ends_on: date,
                   history: bool = False) -> list[RegimeIssue]:
    """Check a regime's first day against the programme, the clock and the other regimes.

    A regime starts inside the programme period, on a day no other regime starts, and (unless
    `history` loads a record of past decisions, as the seed does) on or after the business
    date and after the start of the latest regime already in force: what has started is
    history and stays as it was.
    """
    _check_date(valid_from, "valid_from")
    _check_date(business_on, "business_on")
    starts = sorted(set(other_starts))
    for day in starts:
        _check_date(day, "other_starts")
    issues: list[RegimeIssue] = []
    if not period_starts_on <= valid_from <= period_ends_on:
        issues.append(RegimeIssue(RegimeProblem.OUTSIDE_PROGRAMME_PERIOD, params={
            "field": "valid_from", "starts_on": period_starts_on, "ends_on": period_ends_on}))
    if valid_from in starts:
        issues.append(RegimeIssue(RegimeProblem.START_TAKEN, params={
            "field": "valid_from", "on": valid_from}))
    if history:
        return issues
    started = [day for day in starts if day <= business_on]
    if started and valid_from <= started[-1]:
        issues.append(RegimeIssue(RegimeProblem.INSIDE_REGIME_IN_FORCE, params={
            "field": "valid_from", "regime_starts_on": started[-1], "business_on": business_on}))
    elif valid_from < business_on:
        issues.append(RegimeIssue(RegimeProblem.BEFORE_BUSINESS_DATE, params={
            "field": "valid_from", "business_on": business_on}))
    return issues


def reason_problems(reason: str) -> list[RegimeIssue]:
    """A regime records why it replaces the one before: the reason is required."""
    text = (reason or "").strip()
    if not text:
        return [RegimeIssue(RegimeProblem.REASON_MISSING, params={"field": "reason"})]
    if len(text) > MAX_REASON_LENGTH:
        return [RegimeIssue(RegimeProblem.TEXT_TOO_LONG,
                            params={"field": "reason", "max": MAX_REASON_LENGTH})]
    return []


def regime_problems(valid_from: date, reason: str, rules: Sequence[RuleDraft], *,
                    business_on: date, other_starts: Iterable[date], period_starts_on: date,
                    period_ends_on: date, regime_source: str = "",
                    history: bool = False) -> list[RegimeIssue]:
    """Every problem of a proposed regime (new, or a future one edited); empty when valid."""
    return [
        *start_problems(valid_from, business_on=business_on, other_starts=other_starts,
                        period_starts_on=period_starts_on, period_ends_on=period_ends_on,
                        history=history),
        *reason_problems(reason),
        *rule_problems(rules, regime_source),
    ]


def change_problem(valid_from: date, business_on: date) -> RegimeIssue | None:
    """Refuse editing or deleting a regime that has started: a correction is a new regime."""
    _check_date(valid_from, "valid_from")
    _check_date(business_on, "business_on")
    if valid_from <= business_on:
        return RegimeIssue(RegimeProblem.IN_FORCE_IMMUTABLE, params={
            "field": "valid_from", "regime_starts_on": valid_from, "business_on": business_on})
    return None


def regime_ends(starts: Iterable[date]) -> dict[date, date | None]:
    """Each regime ends the day before the next one starts; the latest has no end."""
    ordered = sorted(set(starts))
    return {start: (following - timedelta(days=1) if following else None)
            for start, following in zip(ordered, [*ordered[1:], None], strict=False)}


def regime_state(valid_from: date, valid_to: date | None, on: date) -> RegimeState:
    """Say whether a regime is future, in force or past on a date (both ends inclusive)."""
    if on < valid_from:
        return RegimeState.FUTURE
    if valid_to is not None and valid_to < on:
        return RegimeState.PAST
    return RegimeState.IN_FORCE
class SetupProblem(StrEnum):
    """Why a change to a programme's set-up is refused (issue 17)."""

    NAME_MISSING = "name_missing"
    NAME_TAKEN = "name_taken"
    PERIOD_REVERSED = "period_reversed"
    PERIOD_EXCLUDES_DECISIONS = "period_excludes_decisions"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    BELOW_COMMITTED = "below_committed"
    DAYS_OUT_OF_RANGE = "days_out_of_range"
    PERIODS_OVERLAP = "periods_overlap"


@dataclass(frozen=True)
class SetupIssue:
    """One refused field and why, with the figures a message needs."""

    field: str
    problem: SetupProblem
    details: tuple[tuple[str, object], ...] = ()

    def detail(self, key: str) -> object:
        return dict(self.details).get(key)


MIN_PERIOD_DAYS = 7
MAX_PERIOD_DAYS = 366
MAX_DUE_DAYS = 366
# The shortest tertial (January-April in a common year) has 120 days.
TERTIAL_MIN_DAYS = 120


def name_problem(name: str, other_names: Iterable[str]) -> SetupIssue | None:
    """Refuse an empty name or one another programme has (case and spaces ignored)."""
    wanted = (name or "").strip()
    if not wanted:
        return SetupIssue("name", SetupProblem.NAME_MISSING)
    if wanted.casefold() in {(other or "").strip().casefold() for other in other_names}:
        return SetupIssue("name", SetupProblem.NAME_TAKEN, (("name", wanted),))
    return None


def period_problem(starts_on: date, ends_on: date, earliest_decision_on: date | None,
                   latest_decision_on: date | None) -> SetupIssue | None:
    """Refuse a period that ends before it starts or leaves a decision already taken outside."""
    _check_date(starts_on, "starts_on")
    _check_date(ends_on, "ends_on")
    if ends_on < starts_on:
        return SetupIssue("ends_on", SetupProblem.PERIOD_REVERSED,
                          (("starts_on", starts_on), ("ends_on", ends_on)))
    if earliest_decision_on is not None and earliest_decision_on < starts_on:
        return SetupIssue("starts_on", SetupProblem.PERIOD_EXCLUDES_DECISIONS,
                          (("decided_on", earliest_decision_on),))
    if latest_decision_on is not None and latest_decision_on > ends_on:
        return SetupIssue("ends_on", SetupProblem.PERIOD_EXCLUDES_DECISIONS,
                          (("decided_on", latest_decision_on),))
    return None


def reservation_problem(amount_sek: object) -> SetupIssue | None:
    """A reservation adds a positive whole number of kronor to the envelope."""
    if not _is_int(amount_sek) or not 0 < amount_sek <= MAX_AMOUNT_SEK:
        return SetupIssue("amount_sek", SetupProblem.AMOUNT_NOT_POSITIVE)
    return None


def withdrawal_problem(amount_sek: object, reserved_sek: int,
                       committed_sek: int) -> SetupIssue | None:
    """Refuse a withdrawal that would leave less reserved than is already committed."""
    problem = reservation_problem(amount_sek)
    if problem is not None:
        return problem
    if reserved_sek - amount_sek < committed_sek:
        return SetupIssue("amount_sek", SetupProblem.BELOW_COMMITTED,
                          (("available_sek", max(reserved_sek - committed_sek, 0)),
                           ("committed_sek", committed_sek)))
    return None


@dataclass(frozen=True)
class CalendarSettings:
    """The reporting calendar a programme feeds `core.periods` with."""

    six_weekly_period_days: int
    report_due_after_days: int
    report_early_days: int
    tertial_due_after_days: int


def calendar_problems(settings: CalendarSettings) -> list[SetupIssue]:
    """Every reason the calendar cannot run: lengths out of range, or reporting windows that
    overlap (a report due, or open early, beyond the next period's own report)."""
    issues = []
    ranges = {
        "six_weekly_period_days": (MIN_PERIOD_DAYS, MAX_PERIOD_DAYS),
        "report_due_after_days": (0, MAX_DUE_DAYS),
        "report_early_days": (0, MAX_DUE_DAYS),
        "tertial_due_after_days": (0, MAX_DUE_DAYS),
    }
    for field_name, (low, high) in ranges.items():
        value = getattr(settings, field_name)
        if not _is_int(value) or not low <= value <= high:
            issues.append(SetupIssue(field_name, SetupProblem.DAYS_OUT_OF_RANGE,
                                     (("minimum", low), ("maximum", high))))
    if issues:
        return issues
    period = settings.six_weekly_period_days
    if settings.report_due_after_days >= period:
        issues.append(SetupIssue("report_due_after_days", SetupProblem.PERIODS_OVERLAP,
                                 (("period_days", period),)))
    if settings.report_early_days >= period:
        issues.append(SetupIssue("report_early_days", SetupProblem.PERIODS_OVERLAP,
                                 (("period_days", period),)))
    if settings.tertial_due_after_days >= TERTIAL_MIN_DAYS:
        issues.append(SetupIssue("tertial_due_after_days", SetupProblem.PERIODS_OVERLAP,
                                 (("period_days", TERTIAL_MIN_DAYS),)))
    return issues

