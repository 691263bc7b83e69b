"""Evaluate a benefit calculation (nyttokalkyl) identically on screen, in the API and in Excel.

Pure: standard library and `app.core.enums` only. Years run `t = 0 … N-1` from `start_year`;
`t = 0` is the decision year and is not discounted. Arithmetic is done on unrounded floats;
SEK are rounded to whole kronor only in `result_to_dict`. A refused payload is reported as
`EngineProblem`s: a field path, a code and the values a message needs, but no words, so each
edge (the pages and the API in the reader's language, the Swedish workbook at its cells)
says them its own way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from enum import StrEnum
from typing import Any

from app.core.enums import BenefitKind, CostKind, Recipient

CHANNEL_INDEX: Mapping[str, int] = {
    "e_service": 1,
    "phone": 50,
    "email": 70,
    "letter": 90,
    "visit": 110,
}
BASELINE_CHANNELS: tuple[str, ...] = ("phone", "email", "letter", "visit")
CHANNEL_MIX_TOLERANCE = 0.001
MAX_YEARS = 50
MIN_START_YEAR = 1900
MAX_START_YEAR = 2200

ADOPTION_DEPENDENT_KINDS = frozenset(
    {
        BenefitKind.CHANNEL_SHIFT,
        BenefitKind.STAFF_TIME,
        BenefitKind.CITIZEN_TIME,
        BenefitKind.PER_CASE,
    }
)

_COMMON_LINE_KEYS = frozenset({"kind", "name", "recipient", "owner_organisation_id"})
LINE_KEYS: Mapping[BenefitKind, frozenset[str]] = {
    BenefitKind.CHANNEL_SHIFT: _COMMON_LINE_KEYS
    | {"adoption", "volume_per_year", "channel_mix", "cash_releasing_share"},
    BenefitKind.STAFF_TIME: _COMMON_LINE_KEYS
    | {
        "adoption",
        "volume_per_year",
        "minutes_saved_per_case",
        "hourly_cost_sek",
        "salary_sek",
        "oncost_rate",
        "committed_fte_by_year",
    },
    BenefitKind.CITIZEN_TIME: _COMMON_LINE_KEYS
    | {
        "adoption",
        "volume_per_year",
        "minutes_saved_per_case",
        "value_per_hour_sek",
        "cash_releasing",
        "cash_releasing_share",
    },
    BenefitKind.PER_CASE: _COMMON_LINE_KEYS
    | {"adoption", "volume_per_year", "amount_sek", "cash_releasing"},
    BenefitKind.FIXED: _COMMON_LINE_KEYS | {"by_year_sek", "cash_releasing"},
    BenefitKind.QUALITATIVE: _COMMON_LINE_KEYS | {"goal", "indicator"},
}
TOP_LEVEL_KEYS = frozenset(
    {
        "start_year",
        "years",
        "discount_rate",
        "channel_unit_sek",
        "hours_per_fte",
        "oncost_rate",
        "adoption",
        "benefits",
        "costs",
        "sensitivity",
    }
)
COST_KEYS = frozenset({"name", "kind", "by_year_sek"})
SENSITIVITY_KEYS = frozenset({"benefits_change", "costs_change"})
RAMP_KEYS = frozenset({"target", "ramp_years", "go_live_index"})


class Colour(StrEnum):
    """PENG colours: green cash-releasing, yellow valued non-cash, red qualitative, blue costs."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    BLUE = "blue"


class EngineCode(StrEnum):
    """What is wrong with a payload field, one code per kind of message an edge words."""

    UNKNOWN_FIELD = "unknown_field"
    NOT_A_NUMBER = "not_a_number"
    BETWEEN = "between"
    GREATER_THAN = "greater_than"
    NOT_NEGATIVE = "not_negative"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    NOT_A_WHOLE_NUMBER = "not_a_whole_number"
    WHOLE_NUMBER_RANGE = "whole_number_range"
    TEXT_REQUIRED = "text_required"
    NOT_TRUE_OR_FALSE = "not_true_or_false"
    NOT_A_LIST = "not_a_list"
    VALUES_PER_YEAR = "values_per_year"
    PAYLOAD_SHAPE = "payload_shape"
    START_YEAR_REQUIRED = "start_year_required"
    ADOPTION_REQUIRED = "adoption_required"
    ADOPTION_SHAPE = "adoption_shape"
    REQUIRED_FOR_RAMP = "required_for_ramp"
    BENEFITS_SHAPE = "benefits_shape"
    BENEFIT_LINE_SHAPE = "benefit_line_shape"
    KIND_REQUIRED = "kind_required"
    UNKNOWN_KIND = "unknown_kind"
    REQUIRED_FOR_KIND = "required_for_kind"
    RECIPIENT_REQUIRED = "recipient_required"
    UNKNOWN_RECIPIENT = "unknown_recipient"
    CITIZEN_TIME_RECIPIENT = "citizen_time_recipient"
    STAFF_TIME_RECIPIENT = "staff_time_recipient"
    CITIZEN_TIME_CASH = "citizen_time_cash"
    OWNER_NEEDS_ORGANISATION = "owner_needs_organisation"
    CASH_NEEDS_ORGANISATION = "cash_needs_organisation"
    CASH_SHARE_NEEDS_ORGANISATION = "cash_share_needs_organisation"
    CHANNEL_MIX_SHAPE = "channel_mix_shape"
    UNKNOWN_CHANNEL = "unknown_channel"
    SHARES_SUM = "shares_sum"
    HOURLY_OR_SALARY = "hourly_or_salary"
    HOURLY_COST_REQUIRED = "hourly_cost_required"
    ONCOST_NEEDS_SALARY = "oncost_needs_salary"
    COSTS_SHAPE = "costs_shape"
    COST_LINE_SHAPE = "cost_line_shape"
    REQUIRED_FOR_COST_LINE = "required_for_cost_line"
    UNKNOWN_COST_KIND = "unknown_cost_kind"
    SENSITIVITY_SHAPE = "sensitivity_shape"


class Within(StrEnum):
    """The part of a payload whose field list an unknown key was checked against."""

    CALCULATION = "calculation"
    ADOPTION_RAMP = "adoption_ramp"
    EXPLICIT_ADOPTION = "explicit_adoption"
    BENEFIT_LINE = "benefit_line"
    COST_LINE = "cost_line"
    SENSITIVITY = "sensitivity"


@dataclass(frozen=True)
class EngineProblem:
    """One problem at a field path: its code and the values (given, bounds, choices) to name.

    `params["value"]` is the value as given, so an edge can show it in its own number format.
    """

    field: str
    code: EngineCode
    params: Mapping[str, Any] = dataclass_field(default_factory=dict, hash=False)


class CalculationInputError(Exception):
    """Report every problem in a calculation payload so the caller can fix them all at once."""

    def __init__(self, problems: Sequence[EngineProblem]):
        """Keep every problem and expose the first one's field as `.field`."""
        if not problems:
            raise ValueError("CalculationInputError needs at least one problem")
        self.problems: list[EngineProblem] = list(problems)
        self.field = self.problems[0].field
        super().__init__("; ".join(f"{problem.field}: {problem.code}"
                                   for problem in self.problems))

    @property
    def errors(self) -> list[EngineProblem]:
        """The problems under the name callers used before they carried codes."""
        return self.problems


@dataclass(frozen=True)
class CalculationDefaults:
    """Programme settings used when a payload leaves a top-level setting out."""

    years: int = 5
    discount_rate: float = 0.035
    channel_unit_sek: float = 2.0
    hours_per_fte: float = 1700.0
    oncost_rate: float = 0.54
    sensitivity_benefits_change: float = -0.2
    sensitivity_costs_change: float = 0.2


DEMO_DEFAULTS = CalculationDefaults()


@dataclass(frozen=True)
class Adoption:
    """Adoption share per year: an explicit `by_year` list, or a ramp to `target`."""

    target: float = 1.0
    ramp_years: int = 1
    go_live_index: int = 0
    by_year: tuple[float, ...] | None = None

    @property
    def is_explicit(self) -> bool:
        """Tell whether the shares are listed per year rather than ramped."""
        return self.by_year is not None

    def share(self, t: int) -> float:
        """Return the adoption share `a_t` in year index `t`."""
        if self.by_year is not None:
            return self.by_year[t]
        if t < self.go_live_index:
            return 0.0
        return self.target * min((t - self.go_live_index + 1) / self.ramp_years, 1.0)

    def shares(self, years: int) -> tuple[float, ...]:
        """Return `a_t` for every year index of the calculation."""
        return tuple(self.share(t) for t in range(years))


@dataclass(frozen=True)
class BenefitLine:
    """One benefit line; only the fields of its kind are set."""

    kind: BenefitKind
    name: str
    recipient: Recipient | None = None
    owner_organisation_id: int | None = None
    adoption: Adoption | None = None
    volume_by_year: tuple[float, ...] | None = None
    channel_mix: tuple[tuple[str, float], ...] = ()
    cash_releasing_share: float = 0.0
    minutes_saved_per_case: float = 0.0
    hourly_cost_sek: float | None = None
    salary_sek: float | None = None
    oncost_rate: float | None = None
    committed_fte_by_year: tuple[float, ...] | None = None
    value_per_hour_sek: float = 0.0
    amount_sek: float = 0.0
    cash_releasing: bool = False
    by_year_sek: tuple[float, ...] | None = None
    goal: int | None = None
    indicator: str | None = None


@dataclass(frozen=True)
class CostLine:
    """One cost line: investment or running, SEK per year."""

    name: str
    kind: CostKind
    by_year_sek: tuple[float, ...]


@dataclass(frozen=True)
class Sensitivity:
    """A what-if scenario: relative change to all benefits and all costs."""

    benefits_change: float = -0.2
    costs_change: float = 0.2


@dataclass(frozen=True)
class CalculationInput:
    """A validated calculation, ready to evaluate."""

    start_year: int
    years: int
    discount_rate: float
    channel_unit_sek: float
    hours_per_fte: float
    oncost_rate: float
    adoption: Adoption
    benefits: tuple[BenefitLine, ...] = ()
    costs: tuple[CostLine, ...] = ()
    sensitivity: Sensitivity = Sensitivity()


@dataclass(frozen=True)
class LineResult:
    """One benefit line's value and cash-releasing part per year, unrounded SEK."""

    name: str
    kind: BenefitKind
    recipient: Recipient | None
    owner_organisation_id: int | None
    by_year: tuple[float, ...]
    cash_releasing_by_year: tuple[float, ...]
    pv: float
    pv_cash_releasing: float


@dataclass(frozen=True)
class CalculationResult:
    """Every figure of an evaluated calculation, unrounded; `result_to_dict` rounds."""

    years: tuple[int, ...]
    adoption_by_year: tuple[float, ...]
    benefits_by_year: tuple[float, ...]
    costs_by_year: tuple[float, ...]
    net_by_year: tuple[float, ...]
    cash_releasing_by_year: tuple[float, ...]
    cash_releasing_by_owner: tuple[tuple[int, tuple[float, ...]], ...]
    pv_benefits: float
    pv_costs: float
    npv: float
    bcr: float | None
    payback_year: int | None
    payback_years: float | None
    discounted_payback_year: int | None
    discounted_payback_years: float | None
    switching_adoption_target: float | None
    sensitivity_npv: float
    pv_green: float
    pv_yellow: float
    pv_blue: float
    qualitative_count: int
    lines: tuple[LineResult, ...]


def discount_factors(rate: float, years: int) -> tuple[float, ...]:
    """Return `DF_t = (1 + r)^-t` for `t = 0 … years-1`, so year 0 is undiscounted."""
    return tuple((1.0 + rate) ** -t for t in range(years))


def npv(rate: float, values: Sequence[float]) -> float:
    """Return the net present value with `values[0]` undiscounted (unlike Excel's NPV())."""
    if rate <= -1:
        raise ValueError("rate must be greater than -1")
    factors = discount_factors(rate, len(values))
    return sum(value * factor for value, factor in zip(values, factors, strict=True))


def round_sek(amount: float) -> int:
    """Round SEK to whole kronor, halves away from zero as Excel's ROUND does."""
    return int(math.copysign(math.floor(abs(amount) + 0.5), amount))


# ---------------------------------------------------------------- parsing and validation


def _is_number(value: Any) -> bool:
    """Tell whether a JSON value is a finite number and not a boolean."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


class _Reader:
    """Collect validation errors while reading a payload, so all are reported together."""

    def __init__(self) -> None:
        """Start with no problems."""
        self.errors: list[EngineProblem] = []

    def error(self, field: str, code: EngineCode, **params: Any) -> None:
        """Record one problem at a field path with the values its message names."""
        self.errors.append(EngineProblem(field, code, params))

    def unknown_keys(self, obj: Mapping[str, Any], allowed: frozenset[str], path: str,
                     within: Within, **where: Any) -> None:
        """Reject keys outside the contract so typos never fall back silently to defaults."""
        for key in obj:
            if key not in allowed:
                self.error(_join(path, str(key)), EngineCode.UNKNOWN_FIELD, within=within,
                           allowed=tuple(sorted(allowed)), **where)

    def number(self, value: Any, field: str, *, minimum: float | None = None,
               maximum: float | None = None, exclusive_minimum: bool = False) -> float | None:
        """Read a finite number within bounds, or record why it is not one."""
        if not _is_number(value):
            self.error(field, EngineCode.NOT_A_NUMBER, value=value)
            return None
        number = float(value)
        below = minimum is not None and (
            number <= minimum if exclusive_minimum else number < minimum)
        above = maximum is not None and number > maximum
        if (below or above) and minimum is not None and maximum is not None:
            self.error(field, EngineCode.BETWEEN, minimum=minimum, maximum=maximum, value=value)
        elif below and exclusive_minimum:
            self.error(field, EngineCode.GREATER_THAN, minimum=minimum, value=value)
        elif below and minimum == 0:
            self.error(field, EngineCode.NOT_NEGATIVE, value=value)
        elif below:
            self.error(field, EngineCode.AT_LEAST, minimum=minimum, value=value)
        elif above:
            self.error(field, EngineCode.AT_MOST, maximum=maximum, value=value)
        else:
            return number
        return None

    def integer(self, value: Any, field: str, *, minimum: int, maximum: int) -> int | None:
        """Read a whole number within bounds, or record why it is not one."""
        if not _is_number(value) or float(value) != int(value):
            self.error(field, EngineCode.NOT_A_WHOLE_NUMBER, value=value)
            return None
        number = int(value)
        if not minimum <= number <= maximum:
            self.error(field, EngineCode.WHOLE_NUMBER_RANGE, minimum=minimum, maximum=maximum,
                       value=value)
            return None
        return number

    def share(self, value: Any, field: str) -> float | None:
        """Read a rate or share in [0, 1]."""
        return self.number(value, field, minimum=0.0, maximum=1.0)

    def text(self, value: Any, field: str) -> str | None:
        """Read a non-blank string."""
        if not isinstance(value, str) or not value.strip():
            self.error(field, EngineCode.TEXT_REQUIRED, value=value)
            return None
        return value.strip()

    def boolean(self, value: Any, field: str) -> bool | None:
        """Read a JSON boolean; numbers and strings are not accepted as flags."""
        if not isinstance(value, bool):
            self.error(field, EngineCode.NOT_TRUE_OR_FALSE, value=value)
            return None
        return value

    def series(self, value: Any, field: str, years: int | None, *, allow_scalar: bool,
               maximum: float | None = None) -> tuple[float, ...] | None:
        """Read one non-negative value per year, or a single number repeated when allowed."""
        if allow_scalar and not isinstance(value, list):
            number = self.number(value, field, minimum=0.0, maximum=maximum)
            if number is None or years is None:
                return None
            return (number,) * years
        if not isinstance(value, list):
            self.error(field, EngineCode.NOT_A_LIST, value=value)
            return None
        if years is not None and len(value) != years:
            self.error(field, EngineCode.VALUES_PER_YEAR, years=years, count=len(value))
            return None
        numbers = [
            self.number(item, f"{field}[{index}]", minimum=0.0, maximum=maximum)
            for index, item in enumerate(value)
        ]
        valid = [number for number in numbers if number is not None]
        if len(valid) != len(numbers) or years is None:
            return None
        return tuple(valid)


def _join(path: str, key: str) -> str:
    """Build a field path such as `benefits[1].channel_mix`."""
    return f"{path}.{key}" if path else key


def _read_adoption(reader: _Reader, value: Any, path: str, years: int | None) -> Adoption | None:
    """Read a ramp `{target, ramp_years, go_live_index}` or an explicit `{by_year: [...]}`."""
    if not isinstance(value, dict):
        reader.error(path, EngineCode.ADOPTION_SHAPE)
        return None
    if "by_year" in value:
        reader.unknown_keys(value, frozenset({"by_year"}), path, Within.EXPLICIT_ADOPTION)
        shares = reader.series(value["by_year"], _join(path, "by_year"), years,
                               allow_scalar=False, maximum=1.0)
        return None if shares is None else Adoption(by_year=shares)
    reader.unknown_keys(value, RAMP_KEYS, path, Within.ADOPTION_RAMP)
    missing = [key for key in ("target", "ramp_years", "go_live_index") if key not in value]
    for key in missing:
        reader.error(_join(path, key), EngineCode.REQUIRED_FOR_RAMP)
    if missing:
        return None
    target = reader.share(value["target"], _join(path, "target"))
    ramp_years = reader.integer(value["ramp_years"], _join(path, "ramp_years"),
                                minimum=1, maximum=MAX_YEARS)
    last_index = (years - 1) if years is not None else MAX_YEARS - 1
    go_live = reader.integer(value["go_live_index"], _join(path, "go_live_index"),
                             minimum=0, maximum=last_index)
    if target is None or ramp_years is None or go_live is None:
        return None
    return Adoption(target=target, ramp_years=ramp_years, go_live_index=go_live)


def _read_recipient(reader: _Reader, line: Mapping[str, Any], path: str,
                    kind: BenefitKind) -> Recipient | None:
    """Read the recipient, which valued lines must give and which limits the kind."""
    field = _join(path, "recipient")
    recipients = tuple(recipient.value for recipient in Recipient)
    if "recipient" not in line:
        if kind is not BenefitKind.QUALITATIVE:
            reader.error(field, EngineCode.RECIPIENT_REQUIRED, allowed=recipients)
        return None
    try:
        recipient = Recipient(line["recipient"])
    except ValueError:
        reader.error(field, EngineCode.UNKNOWN_RECIPIENT, value=line["recipient"],
                     allowed=recipients)
        return None
    if kind is BenefitKind.CITIZEN_TIME and recipient is Recipient.ORGANISATION:
        reader.error(field, EngineCode.CITIZEN_TIME_RECIPIENT)
        return None
    if kind is BenefitKind.STAFF_TIME and recipient is not Recipient.ORGANISATION:
        reader.error(field, EngineCode.STAFF_TIME_RECIPIENT)
        return None
    return recipient


def _read_benefit(reader: _Reader, line: Any, path: str,
                  years: int | None) -> BenefitLine | None:
    """Validate one benefit line against the fields its kind requires."""
    if not isinstance(line, dict):
        reader.error(path, EngineCode.BENEFIT_LINE_SHAPE)
        return None
    kinds = tuple(kind.value for kind in BenefitKind)
    if "kind" not in line:
        reader.error(_join(path, "kind"), EngineCode.KIND_REQUIRED, allowed=kinds)
        return None
    try:
        kind = BenefitKind(line["kind"])
    except ValueError:
        reader.error(_join(path, "kind"), EngineCode.UNKNOWN_KIND, value=line["kind"],
                     allowed=kinds)
        return None
    before = len(reader.errors)
    reader.unknown_keys(line, LINE_KEYS[kind], path, Within.BENEFIT_LINE, kind=kind.value)
    if kind is BenefitKind.CITIZEN_TIME:
        for key in ("cash_releasing", "cash_releasing_share"):
            if key in line:
                reader.error(_join(path, key), EngineCode.CITIZEN_TIME_CASH)

    def required(key: str) -> bool:
        """Record a missing required field of this kind and tell whether it is present."""
        if key not in line:
            reader.error(_join(path, key), EngineCode.REQUIRED_FOR_KIND, kind=kind.value)
            return False
        return True

    fields: dict[str, Any] = {"kind": kind}
    name = reader.text(line.get("name"), _join(path, "name")) if required("name") else None
    fields["name"] = name
    recipient = _read_recipient(reader, line, path, kind)
    fields["recipient"] = recipient
    if "owner_organisation_id" in line:
        field = _join(path, "owner_organisation_id")
        if recipient is not None and recipient is not Recipient.ORGANISATION:
            reader.error(field, EngineCode.OWNER_NEEDS_ORGANISATION)
        else:
            fields["owner_organisation_id"] = reader.integer(
                line["owner_organisation_id"], field, minimum=1, maximum=2**63 - 1
            )

    if kind in ADOPTION_DEPENDENT_KINDS:
        if "adoption" in line:
            fields["adoption"] = _read_adoption(reader, line["adoption"],
                                                _join(path, "adoption"), years)
        if required("volume_per_year"):
            fields["volume_by_year"] = reader.series(
                line["volume_per_year"], _join(path, "volume_per_year"), years, allow_scalar=True
            )

    if kind is BenefitKind.CHANNEL_SHIFT:
        if required("channel_mix"):
            fields["channel_mix"] = _read_channel_mix(reader, line["channel_mix"],
                                                      _join(path, "channel_mix"))
        if "cash_releasing_share" in line:
            fields["cash_releasing_share"] = reader.share(
                line["cash_releasing_share"], _join(path, "cash_releasing_share")
            )
    elif kind is BenefitKind.STAFF_TIME:
        _read_staff_time(reader, line, path, years, fields, required)
    elif kind is BenefitKind.CITIZEN_TIME:
        if required("minutes_saved_per_case"):
            fields["minutes_saved_per_case"] = reader.number(
                line["minutes_saved_per_case"], _join(path, "minutes_saved_per_case"), minimum=0.0
            )
        if required("value_per_hour_sek"):
            fields["value_per_hour_sek"] = reader.number(
                line["value_per_hour_sek"], _join(path, "value_per_hour_sek"), minimum=0.0
            )
    elif kind is BenefitKind.PER_CASE:
        if required("amount_sek"):
            fields["amount_sek"] = reader.number(line["amount_sek"], _join(path, "amount_sek"),
                                                 minimum=0.0)
        fields["cash_releasing"] = _read_cash_flag(reader, line, path, recipient,
                                                   default=recipient is Recipient.ORGANISATION)
    elif kind is BenefitKind.FIXED:
        if required("by_year_sek"):
            fields["by_year_sek"] = reader.series(line["by_year_sek"], _join(path, "by_year_sek"),
                                                  years, allow_scalar=False)
        fields["cash_releasing"] = _read_cash_flag(reader, line, path, recipient, default=False)
    elif kind is BenefitKind.QUALITATIVE:
        if required("goal"):
            fields["goal"] = reader.integer(line["goal"], _join(path, "goal"),
                                            minimum=1, maximum=999)
        if required("indicator"):
            fields["indicator"] = reader.text(line["indicator"], _join(path, "indicator"))

    if (
        kind is BenefitKind.CHANNEL_SHIFT
        and recipient is not None
        and recipient is not Recipient.ORGANISATION
        and fields.get("cash_releasing_share")
    ):
        reader.error(_join(path, "cash_releasing_share"),
                     EngineCode.CASH_SHARE_NEEDS_ORGANISATION)
    if len(reader.errors) > before:
        return None
    return BenefitLine(**{key: value for key, value in fields.items() if value is not None})


def _read_cash_flag(reader: _Reader, line: Mapping[str, Any], path: str,
                    recipient: Recipient | None, *, default: bool) -> bool | None:
    """Read `cash_releasing`, which only an organisation line may set to true."""
    if "cash_releasing" not in line:
        return default
    field = _join(path, "cash_releasing")
    flag = reader.boolean(line["cash_releasing"], field)
    if flag and recipient is not None and recipient is not Recipient.ORGANISATION:
        reader.error(field, EngineCode.CASH_NEEDS_ORGANISATION)
        return None
    return flag


def _read_channel_mix(reader: _Reader, value: Any,
                      path: str) -> tuple[tuple[str, float], ...] | None:
    """Read baseline channel shares over phone, email, letter and visit that sum to 1."""
    if not isinstance(value, dict) or not value:
        reader.error(path, EngineCode.CHANNEL_MIX_SHAPE, allowed=BASELINE_CHANNELS)
        return None
    before = len(reader.errors)
    mix: list[tuple[str, float]] = []
    for channel, share in value.items():
        field = _join(path, str(channel))
        if channel not in BASELINE_CHANNELS:
            reader.error(field, EngineCode.UNKNOWN_CHANNEL, allowed=BASELINE_CHANNELS)
            continue
        number = reader.share(share, field)
        if number is not None:
            mix.append((channel, number))
    if len(reader.errors) > before:
        return None
    total = sum(share for _, share in mix)
    if abs(total - 1.0) > CHANNEL_MIX_TOLERANCE:
        reader.error(path, EngineCode.SHARES_SUM, total=total)
        return None
    return tuple(mix)


def _read_staff_time(reader: _Reader, line: Mapping[str, Any], path: str, years: int | None,
                     fields: dict[str, Any], required: Callable[[str], bool]) -> None:
    """Read minutes saved, the hourly cost (direct or from salary) and committed FTEs."""
    if required("minutes_saved_per_case"):
        fields["minutes_saved_per_case"] = reader.number(
            line["minutes_saved_per_case"], _join(path, "minutes_saved_per_case"), minimum=0.0
        )
    has_hourly, has_salary = "hourly_cost_sek" in line, "salary_sek" in line
    if has_hourly and has_salary:
        reader.error(_join(path, "hourly_cost_sek"), EngineCode.HOURLY_OR_SALARY)
    elif not has_hourly and not has_salary:
        reader.error(_join(path, "hourly_cost_sek"), EngineCode.HOURLY_COST_REQUIRED)
    elif has_hourly:
        fields["hourly_cost_sek"] = reader.number(line["hourly_cost_sek"],
                                                  _join(path, "hourly_cost_sek"), minimum=0.0)
        if "oncost_rate" in line:
            reader.error(_join(path, "oncost_rate"), EngineCode.ONCOST_NEEDS_SALARY)
    else:
        fields["salary_sek"] = reader.number(line["salary_sek"], _join(path, "salary_sek"),
                                             minimum=0.0)
        if "oncost_rate" in line:
            fields["oncost_rate"] = reader.share(line["oncost_rate"], _join(path, "oncost_rate"))
    if "committed_fte_by_year" in line:
        fields["committed_fte_by_year"] = reader.series(
            line["committed_fte_by_year"], _join(path, "committed_fte_by_year"), years,
            allow_scalar=True,
        )


def _read_cost(reader: _Reader, line: Any, path: str, years: int | None) -> CostLine | None:
    """Validate one cost line: name, investment or running, and SEK per year."""
    if not isinstance(line, dict):
        reader.error(path, EngineCode.COST_LINE_SHAPE)
        return None
    before = len(reader.errors)
    reader.unknown_keys(line, COST_KEYS, path, Within.COST_LINE)
    for key in ("name", "kind", "by_year_sek"):
        if key not in line:
            reader.error(_join(path, key), EngineCode.REQUIRED_FOR_COST_LINE)
    name = reader.text(line["name"], _join(path, "name")) if "name" in line else None
    kind = None
    if "kind" in line:
        try:
            kind = CostKind(line["kind"])
        except ValueError:
            reader.error(_join(path, "kind"), EngineCode.UNKNOWN_COST_KIND, value=line["kind"],
                         allowed=tuple(kind.value for kind in CostKind))
    amounts = None
    if "by_year_sek" in line:
        amounts = reader.series(line["by_year_sek"], _join(path, "by_year_sek"), years,
                                allow_scalar=False)
    if len(reader.errors) > before or name is None or kind is None or amounts is None:
        return None
    return CostLine(name=name, kind=kind, by_year_sek=amounts)


def parse_calculation(
    payload: Any, defaults: CalculationDefaults | None = None
) -> CalculationInput:
    """Validate the public JSON contract and build a `CalculationInput`, or raise all errors."""
    defaults = defaults or DEMO_DEFAULTS
    reader = _Reader()
    if not isinstance(payload, dict):
        raise CalculationInputError([EngineProblem("payload", EngineCode.PAYLOAD_SHAPE)])
    reader.unknown_keys(payload, TOP_LEVEL_KEYS, "", Within.CALCULATION)

    start_year = None
    if "start_year" not in payload:
        reader.error("start_year", EngineCode.START_YEAR_REQUIRED)
    else:
        start_year = reader.integer(payload["start_year"], "start_year",
                                    minimum=MIN_START_YEAR, maximum=MAX_START_YEAR)
    years = reader.integer(payload.get("years", defaults.years), "years",
                           minimum=1, maximum=MAX_YEARS)
    discount_rate = reader.share(payload.get("discount_rate", defaults.discount_rate),
                                 "discount_rate")
    channel_unit = reader.number(payload.get("channel_unit_sek", defaults.channel_unit_sek),
                                 "channel_unit_sek", minimum=0.0)
    hours_per_fte = reader.number(payload.get("hours_per_fte", defaults.hours_per_fte),
                                  "hours_per_fte", minimum=0.0, exclusive_minimum=True)
    oncost_rate = reader.share(payload.get("oncost_rate", defaults.oncost_rate), "oncost_rate")

    adoption = None
    if "adoption" in payload:
        adoption = _read_adoption(reader, payload["adoption"], "adoption", years)
    else:
        reader.error("adoption", EngineCode.ADOPTION_REQUIRED)

    benefits: list[BenefitLine | None] = []
    raw_benefits = payload.get("benefits", [])
    if not isinstance(raw_benefits, list):
        reader.error("benefits", EngineCode.BENEFITS_SHAPE)
    else:
        benefits = [
            _read_benefit(reader, line, f"benefits[{index}]", years)
            for index, line in enumerate(raw_benefits)
        ]
    costs: list[CostLine | None] = []
    raw_costs = payload.get("costs", [])
    if not isinstance(raw_costs, list):
        reader.error("costs", EngineCode.COSTS_SHAPE)
    else:
        costs = [_read_cost(reader, line, f"costs[{index}]", years)
                 for index, line in enumerate(raw_costs)]

    sensitivity = _read_sensitivity(reader, payload.get("sensitivity"), defaults)

    if reader.errors:
        raise CalculationInputError(reader.errors)
    assert start_year is not None and years is not None and adoption is not None
    assert discount_rate is not None and channel_unit is not None
    assert hours_per_fte is not None and oncost_rate is not None and sensitivity is not None
    return CalculationInput(
        start_year=start_year,
        years=years,
        discount_rate=discount_rate,
        channel_unit_sek=channel_unit,
        hours_per_fte=hours_per_fte,
        oncost_rate=oncost_rate,
        adoption=adoption,
        benefits=tuple(line for line in benefits if line is not None),
        costs=tuple(line for line in costs if line is not None),
        sensitivity=sensitivity,
    )


def _read_sensitivity(reader: _Reader, value: Any,
                      defaults: CalculationDefaults) -> Sensitivity | None:
    """Read the sensitivity scenario; each change is a fraction from -1 to +1."""
    if value is None:
        return Sensitivity(defaults.sensitivity_benefits_change, defaults.sensitivity_costs_change)
    if not isinstance(value, dict):
        reader.error("sensitivity", EngineCode.SENSITIVITY_SHAPE)
        return None
    reader.unknown_keys(value, SENSITIVITY_KEYS, "sensitivity", Within.SENSITIVITY)
    benefits_change = reader.number(
        value.get("benefits_change", defaults.sensitivity_benefits_change),
        "sensitivity.benefits_change", minimum=-1.0, maximum=1.0,
    )
    costs_change = reader.number(
        value.get("costs_change", defaults.sensitivity_costs_change),
        "sensitivity.costs_change", minimum=-1.0, maximum=1.0,
    )
    if benefits_change is None or costs_change is None:
        return None
    return Sensitivity(benefits_change, costs_change)


# ---------------------------------------------------------------- evaluation


def _hourly_cost(line: BenefitLine, calc: CalculationInput) -> float:
    """Return `h`: the hourly cost given, or salary with on-costs spread over the FTE hours."""
    if line.hourly_cost_sek is not None:
        return line.hourly_cost_sek
    oncost = calc.oncost_rate if line.oncost_rate is None else line.oncost_rate
    return (line.salary_sek or 0.0) * (1.0 + oncost) / calc.hours_per_fte


def _line_by_year(line: BenefitLine, calc: CalculationInput,
                  calc_adoption: Adoption) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Return a line's value and cash-releasing part per year under the given adoption."""
    years = calc.years
    zeros = (0.0,) * years
    if line.kind is BenefitKind.QUALITATIVE:
        return zeros, zeros
    if line.kind is BenefitKind.FIXED:
        amounts = line.by_year_sek or zeros
        return amounts, amounts if line.cash_releasing else zeros
    adoption = (line.adoption or calc_adoption).shares(years)
    volume = line.volume_by_year or zeros
    cases = [volume[t] * adoption[t] for t in range(years)]
    unit = calc.channel_unit_sek
    if line.kind is BenefitKind.CHANNEL_SHIFT:
        baseline = sum(share * CHANNEL_INDEX[channel] * unit for channel, share in line.channel_mix)
        saving = baseline - CHANNEL_INDEX["e_service"] * unit
        values = tuple(n * saving for n in cases)
        return values, tuple(v * line.cash_releasing_share for v in values)
    if line.kind is BenefitKind.STAFF_TIME:
        hourly = _hourly_cost(line, calc)
        hours = [n * line.minutes_saved_per_case / 60.0 for n in cases]
        committed = line.committed_fte_by_year or zeros
        cash = tuple(
            min(committed[t] * calc.hours_per_fte, hours[t]) * hourly for t in range(years)
        )
        return tuple(h * hourly for h in hours), cash
    if line.kind is BenefitKind.CITIZEN_TIME:
        values = tuple(n * line.minutes_saved_per_case / 60.0 * line.value_per_hour_sek
                       for n in cases)
        return values, zeros
    values = tuple(n * line.amount_sek for n in cases)
    return values, values if line.cash_releasing else zeros


def _sum_by_year(rows: Sequence[Sequence[float]], years: int) -> tuple[float, ...]:
    """Add series year by year."""
    return tuple(sum(row[t] for row in rows) for t in range(years))


def _pv(values: Sequence[float], factors: Sequence[float]) -> float:
    """Return the present value of a per-year series."""
    return sum(value * factor for value, factor in zip(values, factors, strict=True))


def _payback(net: Sequence[float]) -> tuple[int | None, float | None]:
    """Return the first index whose cumulative net is ≥ 0 and the fractional payback time."""
    cumulative = 0.0
    for t, value in enumerate(net):
        previous = cumulative
        cumulative += value
        if cumulative >= 0:
            if t == 0:
                return 0, 0.0
            return t, (t - 1) + abs(previous) / value
    return None, None


def _benefit_pvs(calc: CalculationInput, adoption: Adoption,
                 factors: Sequence[float]) -> float:
    """Return PV(B) under a replacement calculation-level adoption."""
    return sum(_pv(_line_by_year(line, calc, adoption)[0], factors) for line in calc.benefits)


def _switching_target(calc: CalculationInput, factors: Sequence[float],
                      pv_costs: float) -> float | None:
    """Return the calculation's adoption target at which NPV = 0, or None if none in [0, 1]."""
    if calc.adoption.is_explicit:
        return None
    npv_at_zero = _benefit_pvs(calc, replace(calc.adoption, target=0.0), factors) - pv_costs
    npv_at_one = _benefit_pvs(calc, replace(calc.adoption, target=1.0), factors) - pv_costs
    slope = npv_at_one - npv_at_zero
    if slope <= 0:
        return None
    target = -npv_at_zero / slope
    tolerance = 1e-12
    if target < -tolerance or target > 1 + tolerance:
        return None
    return 0.0 if target <= 0 else min(target, 1.0)


def evaluate(calc: CalculationInput) -> CalculationResult:
    """Compute every figure of a validated calculation in unrounded SEK."""
    years = calc.years
    factors = discount_factors(calc.discount_rate, years)
    lines: list[LineResult] = []
    for line in calc.benefits:
        values, cash = _line_by_year(line, calc, calc.adoption)
        lines.append(LineResult(
            name=line.name,
            kind=line.kind,
            recipient=line.recipient,
            owner_organisation_id=line.owner_organisation_id,
            by_year=values,
            cash_releasing_by_year=cash,
            pv=_pv(values, factors),
            pv_cash_releasing=_pv(cash, factors),
        ))
    benefits = _sum_by_year([line.by_year for line in lines], years)
    cash_releasing = _sum_by_year([line.cash_releasing_by_year for line in lines], years)
    costs = _sum_by_year([line.by_year_sek for line in calc.costs], years)
    net = tuple(b - c for b, c in zip(benefits, costs, strict=True))

    owners: dict[int, list[tuple[float, ...]]] = {}
    for line in lines:
        if line.owner_organisation_id is not None:
            owners.setdefault(line.owner_organisation_id, []).append(line.cash_releasing_by_year)
    by_owner = tuple(
        (owner, _sum_by_year(rows, years)) for owner, rows in sorted(owners.items())
    )

    pv_benefits = _pv(benefits, factors)
    pv_costs = _pv(costs, factors)
    pv_green = _pv(cash_releasing, factors)
    payback_index, payback_years = _payback(net)
    discounted_net = [n * f for n, f in zip(net, factors, strict=True)]
    discounted_index, discounted_years = _payback(discounted_net)
    sensitivity = calc.sensitivity
    return CalculationResult(
        years=tuple(calc.start_year + t for t in range(years)),
        adoption_by_year=calc.adoption.shares(years),
        benefits_by_year=benefits,
        costs_by_year=costs,
        net_by_year=net,
        cash_releasing_by_year=cash_releasing,
        cash_releasing_by_owner=by_owner,
        pv_benefits=pv_benefits,
        pv_costs=pv_costs,
        npv=pv_benefits - pv_costs,
        bcr=pv_benefits / pv_costs if pv_costs else None,
        payback_year=None if payback_index is None else calc.start_year + payback_index,
        payback_years=payback_years,
        discounted_payback_year=(
            None if discounted_index is None else calc.start_year + discounted_index
        ),
        discounted_payback_years=discounted_years,
        switching_adoption_target=_switching_target(calc, factors, pv_costs),
        sensitivity_npv=(1 + sensitivity.benefits_change) * pv_benefits
        - (1 + sensitivity.costs_change) * pv_costs,
        pv_green=pv_green,
        pv_yellow=pv_benefits - pv_green,
        pv_blue=pv_costs,
        qualitative_count=sum(1 for line in calc.benefits if line.kind is BenefitKind.QUALITATIVE),
        lines=tuple(lines),
    )


def _round_optional(value: float | None, digits: int) -> float | None:
    """Round a ratio for output, keeping None."""
    return None if value is None else round(value, digits)


def _sek_list(values: Sequence[float]) -> list[int]:
    """Round a per-year series to whole kronor."""
    return [round_sek(value) for value in values]


def result_to_dict(result: CalculationResult) -> dict[str, Any]:
    """Produce the public JSON response, rounding SEK to whole kronor only here."""
    return {
        "years": list(result.years),
        "adoption_by_year": [round(share, 4) for share in result.adoption_by_year],
        "benefits_by_year_sek": _sek_list(result.benefits_by_year),
        "costs_by_year_sek": _sek_list(result.costs_by_year),
        "net_by_year_sek": _sek_list(result.net_by_year),
        "cash_releasing_by_year_sek": _sek_list(result.cash_releasing_by_year),
        "cash_releasing_by_owner_sek": {
            str(owner): _sek_list(values) for owner, values in result.cash_releasing_by_owner
        },
        "pv_benefits_sek": round_sek(result.pv_benefits),
        "pv_costs_sek": round_sek(result.pv_costs),
        "npv_sek": round_sek(result.npv),
        "bcr": _round_optional(result.bcr, 4),
        "payback_year": result.payback_year,
        "payback_years": _round_optional(result.payback_years, 2),
        "discounted_payback_year": result.discounted_payback_year,
        "switching_adoption_target": _round_optional(result.switching_adoption_target, 4),
        "sensitivity_npv_sek": round_sek(result.sensitivity_npv),
        "pv_by_colour_sek": {
            Colour.GREEN.value: round_sek(result.pv_green),
            Colour.YELLOW.value: round_sek(result.pv_yellow),
            Colour.BLUE.value: round_sek(result.pv_blue),
        },
        "qualitative_count": result.qualitative_count,
        "lines": [
            {
                "name": line.name,
                "kind": line.kind.value,
                "by_year_sek": _sek_list(line.by_year),
                "cash_releasing_by_year_sek": _sek_list(line.cash_releasing_by_year),
            }
            for line in result.lines
        ],
    }
