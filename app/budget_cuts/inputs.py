"""Reading what a person enters for budget cuts: limits, and each value checked with its field."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from app.core.errors import InvalidInput

from . import rules

MAX_AMOUNT_SEK = 10**12
MAX_REF_LENGTH = 200
MAX_REASON_LENGTH = 5_000


def whole(data: Mapping, name: str, minimum: int, maximum: int, message) -> int:
    """Read a whole number from `minimum` to `maximum`; `message()` says why not."""
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(message(), field=name)
    return value


def parse_share(value, field_name: str = "share") -> Decimal:
    """Read a share 0–1 (at most four decimals), naming the field when it is not."""
    try:
        share = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        share = None
    if isinstance(value, bool) or value is None or share is None or not rules.is_share(share):
        raise InvalidInput(_("The share must be between 0 and 100 %."), field=field_name)
    return rules.quantize_share(share)


def yes_no(data: Mapping, name: str) -> bool:
    """Read a yes/no answer (False when absent)."""
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise InvalidInput(_("Answer yes or no."), field=name)
    return value


def amount(value, field_name: str = "amount_sek") -> int:
    """Read an amount in whole kronor, 0 to MAX_AMOUNT_SEK."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT_SEK:
        raise InvalidInput(_("The amount must be whole kronor, 0 or more."), field=field_name)
    return value


def text(value, field_name: str, maximum: int) -> str:
    """Read a text of at most `maximum` characters, stripped (None reads as empty)."""
    found = (value or "").strip() if isinstance(value, str | None) else None
    if found is None or len(found) > maximum:
        raise InvalidInput(_("Write at most %(count)d characters.", count=maximum),
                           field=field_name)
    return found


def decision_fields(amount_sek, council_decision_ref, reason) -> tuple[int, str, str]:
    """Read a council decision's amount, reference (required) and reason."""
    found = amount(amount_sek)
    reference = text(council_decision_ref, "council_decision_ref", MAX_REF_LENGTH)
    if not reference:
        raise InvalidInput(_("Give the reference of the council's budget decision."),
                           field="council_decision_ref")
    return found, reference, text(reason, "reason", MAX_REASON_LENGTH)
