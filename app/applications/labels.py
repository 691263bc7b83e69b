"""The words for an application's fields, shared by its form and its services' messages."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.money import format_sek

REQUIREMENT_LABELS = {
    "usable": _l("Usable"),
    "user_friendly": _l("User-friendly"),
    "time_saving": _l("Time-saving"),
    "secure": _l("Secure"),
    "user_driven": _l("User-driven"),
    "transparent": _l("Transparent"),
}
# The form's labels, so that a refusal names a field as the page shows it.
FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "process_description": _l("The process it changes"),
    "target_groups": _l("Target groups"),
    "estimated_users": _l("Estimated number of users"),
    "estimated_users_within_years": _l("Within how many years"),
    "requested_sek": _l("Requested amount (kronor)"),
    "starts_on": _l("Start date"),
    "ends_on": _l("End date"),
    "benefit_owner_name": _l("Benefit owner (name)"),
    "communication_plan": _l("Communication plan"),
    "operation_plan": _l("Operation and maintenance plan"),
    "operation_payer": _l("Who pays for operation and maintenance"),
    "reuse_analysis": _l("Reuse analysis"),
    "amount_sek": _l("Amount (kronor)"),
    "booked_on": _l("Booking date"),
    "cost_lines": _l("Cost breakdown"),
    "milestones": _l("Milestones"),
}
_INDEXED = re.compile(r"^(cost_lines|milestones)\[(\d+)\]\.(\w+)$")


def field_label(field: str) -> str:
    """The label a person sees for a service's field name (an indexed row names its row)."""
    if field in FIELD_LABELS:
        return str(FIELD_LABELS[field])
    indexed = _INDEXED.match(field)
    if indexed and indexed.group(1) == "cost_lines":
        return str(_l("Cost row %(row)d: amount (kronor)", row=int(indexed.group(2)) + 1))
    if indexed:
        return str(_l("Milestone %(row)d: date", row=int(indexed.group(2)) + 1))
    return field


def gap_message(gap) -> str:
    """Word one gap of the completeness check (`rules.Gap`) in the reader's language."""
    if gap.code == "text_missing":
        return _("Fill in “%(field)s”.", field=field_label(gap.field))
    if gap.code == "requirement_missing":
        requirement = gap.field.partition(".")[2]
        return _("Say how the requirement “%(requirement)s” is met.",
                 requirement=REQUIREMENT_LABELS.get(requirement, requirement))
    if gap.code == "goal_unscored":
        return _("Score goal %(number)s (0–3) and motivate the score.", number=gap.number)
    if gap.code == "costs_differ":
        return _("The cost breakdown adds up to %(total)s but %(requested)s is requested; make "
                 "them equal.", total=format_sek(gap.total_sek),
                 requested=format_sek(gap.requested_sek))
    return str(_GAP_WORDS[gap.code])


_GAP_WORDS = {
    "users_missing": _l("Give the estimated number of users."),
    "users_years_missing": _l("Say within how many years (1–3) they will use it."),
    "amount_missing": _l("Give the requested amount in kronor."),
    "costs_missing": _l("Break the requested amount down by year and cost type."),
    "start_missing": _l("Give the start date."),
    "end_missing": _l("Give the end date."),
    "end_before_start": _l("The end date must not be before the start date."),
    "milestones_missing": _l("List at least one milestone with its date."),
    "calculation_missing": _l("Add the benefit calculation (nyttokalkyl): what the service "
                              "saves and costs each year."),
}
