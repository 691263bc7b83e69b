"""Words for the calculation engine's problems, in the reader's language.

The engine (`calculation.py`) reports a field path, a code and the values involved, but no
words. Here each code becomes a sentence through Flask-Babel, numbers are written the
locale's way, and fields are named as the calculation forms label them, so the pages and the
API say the same thing in Swedish or English. The workbook import words the same codes in
its own cell-oriented Swedish (`reports/benefit_workbook/engine_messages.py`).
"""

import json
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal, format_scientific
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .calculation import EngineCode, EngineProblem, Within
from .forms import (
    BENEFIT_LABELS,
    COST_KIND_LABELS,
    COST_LABELS,
    KIND_LABELS,
    PATH_PATTERN,
    RECIPIENT_LABELS,
    SETTING_LABELS,
)

MESSAGES: Mapping[EngineCode, Any] = {
    EngineCode.UNKNOWN_FIELD: _l("This is not a field of %(within)s; use one of: %(allowed)s."),
    EngineCode.NOT_A_NUMBER: _l("Write a number, for example 12 (now %(value)s)."),
    EngineCode.BETWEEN: _l("Write a number from %(minimum)s to %(maximum)s (now %(value)s)."),
    EngineCode.GREATER_THAN: _l("Write a number greater than %(minimum)s (now %(value)s)."),
    EngineCode.NOT_NEGATIVE: _l("Write 0 or more (now %(value)s)."),
    EngineCode.AT_LEAST: _l("Write a number of at least %(minimum)s (now %(value)s)."),
    EngineCode.AT_MOST: _l("Write a number of at most %(maximum)s (now %(value)s)."),
    EngineCode.NOT_A_WHOLE_NUMBER: _l("Write a whole number, for example 3 (now %(value)s)."),
    EngineCode.WHOLE_NUMBER_RANGE: _l(
        "Write a whole number from %(minimum)s to %(maximum)s (now %(value)s)."),
    EngineCode.TEXT_REQUIRED: _l("Write a text here; it cannot be empty."),
    EngineCode.NOT_TRUE_OR_FALSE: _l("Give true or false (now %(value)s)."),
    EngineCode.NOT_A_LIST: _l("Give a list with one number per year (now %(value)s)."),
    EngineCode.VALUES_PER_YEAR: _l("Give exactly %(years)s values, one per year (now %(count)s)."),
    EngineCode.PAYLOAD_SHAPE: _l(
        "Send the calculation as a JSON object with start_year, adoption, benefits and costs."),
    EngineCode.START_YEAR_REQUIRED: _l(
        "Give the start year: the calendar year of the decision, for example 2010."),
    EngineCode.ADOPTION_REQUIRED: _l(
        "Give the adoption: a target, the years to reach it and the go-live year, or a share "
        "per year."),
    EngineCode.ADOPTION_SHAPE: _l(
        "Give the adoption as {target, ramp_years, go_live_index} or as {by_year: [...]}."),
    EngineCode.REQUIRED_FOR_RAMP: _l(
        "Fill this in: the target, the years to reach it and the go-live year belong together "
        "(or give a share per year)."),
    EngineCode.BENEFITS_SHAPE: _l("Give the benefit lines as a list."),
    EngineCode.BENEFIT_LINE_SHAPE: _l(
        "Give the benefit line as an object with at least kind and name."),
    EngineCode.KIND_REQUIRED: _l("Choose the kind of benefit: %(allowed)s."),
    EngineCode.UNKNOWN_KIND: _l("Choose a kind of benefit there is: %(allowed)s (now %(value)s)."),
    EngineCode.REQUIRED_FOR_KIND: _l("Fill this in: a benefit of the kind “%(kind)s” needs it."),
    EngineCode.RECIPIENT_REQUIRED: _l("Choose who receives the benefit: %(allowed)s."),
    EngineCode.UNKNOWN_RECIPIENT: _l(
        "Choose who receives the benefit: %(allowed)s (now %(value)s)."),
    EngineCode.CITIZEN_TIME_RECIPIENT: _l(
        "Time saved for citizens or businesses goes to citizens or businesses; for the "
        "organisation's own time, use staff time saved."),
    EngineCode.STAFF_TIME_RECIPIENT: _l(
        "Staff time saved goes to the organisation; for citizens' or businesses' time, use time "
        "saved for citizens or businesses."),
    EngineCode.CITIZEN_TIME_CASH: _l(
        "Leave this out: time saved by citizens or businesses never releases cash."),
    EngineCode.OWNER_NEEDS_ORGANISATION: _l(
        "Give an owning organisation only when the organisation receives the benefit."),
    EngineCode.CASH_NEEDS_ORGANISATION: _l(
        "Only a benefit the organisation receives can be cash-releasing: only the city releases "
        "cash."),
    EngineCode.CASH_SHARE_NEEDS_ORGANISATION: _l(
        "Set the cash-releasing share to 0 unless the organisation receives the benefit: only "
        "the city releases cash."),
    EngineCode.CHANNEL_MIX_SHAPE: _l(
        "Give today's share of the cases per channel (%(allowed)s), adding up to 1."),
    EngineCode.UNKNOWN_CHANNEL: _l("This is not a channel of today's mix; use %(allowed)s."),
    EngineCode.SHARES_SUM: _l("The shares must add up to 1 (now %(total)s)."),
    EngineCode.HOURLY_OR_SALARY: _l("Give either the hourly cost or the salary, not both."),
    EngineCode.HOURLY_COST_REQUIRED: _l("Give the hourly cost, or the salary instead."),
    EngineCode.ONCOST_NEEDS_SALARY: _l(
        "Leave the own payroll on-costs empty: they apply only with a salary, and the hourly "
        "cost already includes them."),
    EngineCode.COSTS_SHAPE: _l("Give the cost lines as a list."),
    EngineCode.COST_LINE_SHAPE: _l(
        "Give the cost line as an object with name, kind and by_year_sek."),
    EngineCode.REQUIRED_FOR_COST_LINE: _l("Fill this in: every cost line needs it."),
    EngineCode.UNKNOWN_COST_KIND: _l("Choose the kind of cost: %(allowed)s (now %(value)s)."),
    EngineCode.SENSITIVITY_SHAPE: _l(
        "Give the sensitivity scenario as {benefits_change, costs_change}, for example "
        "{\"benefits_change\": -0.2, \"costs_change\": 0.2}."),
}
WITHIN = {
    Within.CALCULATION: _l("a calculation"),
    Within.ADOPTION_RAMP: _l("an adoption ramp"),
    Within.EXPLICIT_ADOPTION: _l("an adoption per year"),
    Within.BENEFIT_LINE: _l("a benefit line of the kind “%(kind)s”"),
    Within.COST_LINE: _l("a cost line"),
    Within.SENSITIVITY: _l("the sensitivity scenario"),
}
CHANNEL_NAMES = {
    "phone": _l("phone"),
    "email": _l("e-mail"),
    "letter": _l("letter"),
    "visit": _l("visit"),
}
# The names to show beside each code a problem lets the reader choose from.
CHOICE_NAMES: Mapping[EngineCode, Mapping[str, Any]] = {
    EngineCode.KIND_REQUIRED: KIND_LABELS,
    EngineCode.UNKNOWN_KIND: KIND_LABELS,
    EngineCode.RECIPIENT_REQUIRED: RECIPIENT_LABELS,
    EngineCode.UNKNOWN_RECIPIENT: RECIPIENT_LABELS,
    EngineCode.UNKNOWN_COST_KIND: COST_KIND_LABELS,
    EngineCode.CHANNEL_MIX_SHAPE: CHANNEL_NAMES,
    EngineCode.UNKNOWN_CHANNEL: CHANNEL_NAMES,
}
SHOWN_LENGTH = 40
LARGEST_PLAIN = Decimal(10) ** 19
SMALLEST_PLAIN = Decimal("0.000001")
NUMBER_PARAMS = ("minimum", "maximum", "years", "count")


def format_number(number: float) -> str:
    """A number the locale's way, as given; years and other short numbers without a gap.

    Numbers too large or too small to write out (a JSON client may send 1e300) are written
    in scientific notation instead.
    """
    exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if exact and not SMALLEST_PLAIN <= abs(exact) < LARGEST_PLAIN:
        return format_scientific(exact, locale=get_locale())
    pattern = "#,##0.######" if abs(exact) >= 10_000 else "0.######"
    return format_decimal(exact, format=pattern, locale=get_locale(), decimal_quantization=False)


def format_value(value: Any) -> str:
    """A value as it was given: a number the locale's way, anything else as brief JSON."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return format_number(value)
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH - 1] + "…"


def _kind_name(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def _choices(codes: Iterable[str], names: Mapping[str, Any] | None) -> str:
    """Each code a reader may use, beside its name when it has one: “Investment” (investment)."""
    if names is None:
        return ", ".join(codes)
    return ", ".join(_("“%(name)s” (%(code)s)", name=names[code], code=code)
                     if code in names else code for code in codes)


def problem_message(problem: EngineProblem) -> str:
    """The problem as a sentence in the reader's language, without the field's name."""
    params: dict[str, str] = {}
    for name, value in problem.params.items():
        if name == "value":
            params[name] = format_value(value)
        elif name == "total":
            params[name] = format_number(float(f"{value:.4g}"))
        elif name in NUMBER_PARAMS:
            params[name] = format_number(value)
        elif name == "allowed":
            params[name] = _choices(value, CHOICE_NAMES.get(problem.code))
        elif name == "kind":
            params[name] = _kind_name(value)
        elif name == "within" and value == Within.BENEFIT_LINE:
            params[name] = str(WITHIN[value]) % {"kind": _kind_name(problem.params["kind"])}
        elif name == "within":
            params[name] = str(WITHIN[value])
        else:
            params[name] = str(value)
    return str(MESSAGES[problem.code]) % params


def _line_name(part: str, index: int, payload: Mapping) -> str:
    """Name a benefit or cost line by its number and, when it has one, its name."""
    lines = payload.get(part)
    line = lines[index] if isinstance(lines, list) and index < len(lines) else None
    name = line.get("name") if isinstance(line, dict) else None
    if part == "benefits":
        return (_("Benefit line %(number)d (%(name)s)", number=index + 1, name=name)
                if isinstance(name, str) and name.strip()
                else _("Benefit line %(number)d", number=index + 1))
    return (_("Cost line %(number)d (%(name)s)", number=index + 1, name=name)
            if isinstance(name, str) and name.strip()
            else _("Cost line %(number)d", number=index + 1))


def _label(path: str, labels: Mapping[str, Any], start_year: int | None) -> str:
    """A form label for a path inside a part, with the calendar year of a per-year value."""
    if path in labels:
        return str(labels[path])
    key, _opening, index = path[:-1].rpartition("[") if path.endswith("]") else (path, "", "")
    if key not in labels or not index.isdigit() or start_year is None:
        return path
    return f"{labels[key]}, {start_year + int(index)}"


def field_name(path: str, payload: Any = None) -> str:
    """Name a payload field as the calculation forms do, e.g. "Benefit line 2 (Porto), ...".

    A path no form shows (an unknown key, a JSON-only field) is named by the path itself.
    """
    data = payload if isinstance(payload, dict) else {}
    start = data.get("start_year")
    start_year = start if isinstance(start, int) and not isinstance(start, bool) else None
    match = PATH_PATTERN.fullmatch(path or "")
    if not match:
        return _label(path or "", SETTING_LABELS, start_year)
    part, index, inside = match.group(1), int(match.group(2)), match.group(3)
    line = _line_name(part, index, data)
    if not inside:
        return line
    labels = BENEFIT_LABELS if part == "benefits" else COST_LABELS
    return f"{line}, {_label(inside, labels, start_year)}"


def named(path: str | None, message: str, payload: Any = None) -> str:
    """Lead a message with the name of its field, when it has one."""
    return f"{field_name(path, payload)}: {message}" if path else message


def problem_entries(problems: Iterable[EngineProblem]) -> list[dict]:
    """The problems as the API's and pages' error list: field, code and message."""
    return [{"field": problem.field, "code": problem.code.value,
             "message": problem_message(problem)} for problem in problems]
