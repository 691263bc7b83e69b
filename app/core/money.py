"""Swedish money formats: `700 000 kr`, `15,5 mnkr`. Pure: no Flask."""

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"


def group_thousands(number: int) -> str:
    """Group digits in threes with a non-breaking space, Swedish style (1 234 567)."""
    sign = "-" if number < 0 else ""
    return sign + f"{abs(number):,}".replace(",", NBSP)


def format_sek(amount_sek: int | None) -> str:
    """Format whole kronor: 700000 -> '700 000 kr'."""
    if amount_sek is None:
        return "–"
    return f"{group_thousands(int(amount_sek))}{NBSP}kr"


def format_msek(amount_sek: int | None, decimals: int = 1) -> str:
    """Format kronor as millions with a decimal comma: 15500000 -> '15,5 mnkr'."""
    if amount_sek is None:
        return "–"
    quantum = Decimal(1).scaleb(-decimals)
    millions = (Decimal(int(amount_sek)) / Decimal(1_000_000)).quantize(quantum, ROUND_HALF_UP)
    whole, _, fraction = f"{abs(millions):f}".partition(".")
    text = group_thousands(int(whole))
    if fraction:
        text += "," + fraction
    sign = "-" if millions < 0 else ""
    return f"{sign}{text}{NBSP}mnkr"


def format_share(share: float | Decimal | None, decimals: int = 0) -> str:
    """Format a share as a Swedish percentage: 0.31 -> '31 %'."""
    if share is None:
        return "–"
    value = (Decimal(str(share)) * 100).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return f"{value}".replace(".", ",") + f"{NBSP}%"
