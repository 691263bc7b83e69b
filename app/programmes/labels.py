"""Words for delegation regimes: each refusal code as a translated sentence naming the problem."""

from datetime import date

from flask_babel import lazy_gettext as _l

from app.core.money import format_sek

from .rules import RegimeIssue, RegimeProblem, RegimeState

REGIME_STATE = {
    RegimeState.FUTURE: _l("Future"),
    RegimeState.IN_FORCE: _l("In force"),
    RegimeState.PAST: _l("Replaced"),
}

FIELD_NAMES = {
    "authority_key": _l("authority key"),
    "authority_name": _l("authority name"),
    "limit_sek": _l("limit"),
    "source": _l("decision reference"),
    "reason": _l("reason"),
    "valid_from": _l("valid from"),
}

MESSAGES = {
    RegimeProblem.NO_RULES: _l("Give at least one authority with its limit."),
    RegimeProblem.TOO_MANY_RULES: _l(
        "A regime can have at most %(max)s authorities; this one has %(count)s."),
    RegimeProblem.KEY_MISSING: _l("Row %(row)s: give the authority key."),
    RegimeProblem.KEY_NOT_SLUG: _l(
        "Row %(row)s: the authority key “%(key)s” may hold only lower-case letters a–z, digits "
        "and underscores, start with a letter and be at most %(max)s characters, for example "
        "chief_of_staff."),
    RegimeProblem.KEY_REPEATED: _l(
        "Row %(row)s: the authority key “%(key)s” is already used on row %(first_row)s; each "
        "authority appears once in a regime."),
    RegimeProblem.NAME_MISSING: _l("Row %(row)s: give the authority's name."),
    RegimeProblem.TEXT_TOO_LONG: _l(
        "%(where)sThe %(field)s may be at most %(max)s characters."),
    RegimeProblem.SOURCE_MISSING: _l(
        "Row %(row)s: give the decision that gives this authority its delegation (or the "
        "regime's decision reference)."),
    RegimeProblem.LIMIT_INVALID: _l(
        "Row %(row)s: the limit must be a whole number of kronor from 1 to %(max)s, or empty "
        "for no upper limit."),
    RegimeProblem.LIMITS_NOT_RISING: _l(
        "Row %(row)s: the limit %(limit)s is not higher than %(previous)s above it; list the "
        "authorities from the lowest limit to the highest."),
    RegimeProblem.UNLIMITED_TWICE: _l(
        "Row %(row)s: only one authority may have no upper limit, and row %(first_row)s "
        "already has none."),
    RegimeProblem.UNLIMITED_NOT_LAST: _l(
        "Row %(row)s: the authority with no upper limit must come last (row %(row_after)s "
        "follows it with a limit)."),
    RegimeProblem.REASON_MISSING: _l(
        "Give the reason for the new regime, for example the decision that changes the "
        "delegation."),
    RegimeProblem.OUTSIDE_PROGRAMME_PERIOD: _l(
        "The regime must start within the programme period %(starts_on)s – %(ends_on)s."),
    RegimeProblem.BEFORE_BUSINESS_DATE: _l(
        "A regime cannot start before today's date %(business_on)s: delegation already in "
        "force is not changed after the fact."),
    RegimeProblem.INSIDE_REGIME_IN_FORCE: _l(
        "A regime cannot start on or before %(regime_starts_on)s, when the regime in force "
        "started; start it after that date, with a reason."),
    RegimeProblem.START_TAKEN: _l("Another regime already starts on %(on)s; choose another date."),
    RegimeProblem.IN_FORCE_IMMUTABLE: _l(
        "The regime from %(regime_starts_on)s has come into force and cannot be changed or "
        "deleted; correct it with a new regime from a later date, with a reason."),
}

MONEY_PARAMS = ("limit", "previous", "max")


def _shown(name: str, value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if name in MONEY_PARAMS and isinstance(value, int) and name != "max":
        return format_sek(value)
    return str(value)


def regime_issue_message(issue: RegimeIssue) -> str:
    """The issue as a sentence in the reader's language, naming the row, value and field."""
    params = {name: _shown(name, value) for name, value in issue.params.items()}
    params["row"] = str(issue.row or "")
    field_name = issue.params.get("field")
    if field_name in FIELD_NAMES:
        params["field"] = str(FIELD_NAMES[field_name])
    params["where"] = str(_l("Row %(row)s: ")) % {"row": issue.row} if issue.row else ""
    return str(MESSAGES[issue.code]) % params
