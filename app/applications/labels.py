"""The words for an application's fields, shared by its form and its services' messages."""

import re

from flask_babel import lazy_gettext as _l

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
