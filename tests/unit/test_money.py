"""Swedish money and share formats."""

import pytest

from app.core.money import NBSP, format_msek, format_sek, format_share, group_thousands


@pytest.mark.parametrize("amount, expected", [
    (700_000, "700 000 kr"),
    (0, "0 kr"),
    (999, "999 kr"),
    (1_000, "1 000 kr"),
    (650_000_000, "650 000 000 kr"),
    (-1_234_567, "-1 234 567 kr"),
])
def test_format_sek(amount, expected):
    assert format_sek(amount) == expected.replace(" ", NBSP)


@pytest.mark.parametrize("amount, decimals, expected", [
    (15_500_000, 1, "15,5 mnkr"),
    (650_000_000, 1, "650,0 mnkr"),
    (252_100_000, 1, "252,1 mnkr"),
    (1_250_000, 1, "1,3 mnkr"),
    (1_249_999, 1, "1,2 mnkr"),
    (1_234_500_000, 1, "1 234,5 mnkr"),
    (-700_000, 1, "-0,7 mnkr"),
    (3_000_000, 0, "3 mnkr"),
])
def test_format_msek(amount, decimals, expected):
    assert format_msek(amount, decimals) == expected.replace(" ", NBSP)


@pytest.mark.parametrize("share, decimals, expected", [
    (0.31, 0, "31 %"), (0.4667, 1, "46,7 %"), (1, 0, "100 %"), (None, 0, "–"),
])
def test_format_share(share, decimals, expected):
    assert format_share(share, decimals) == expected.replace(" ", NBSP)


def test_missing_amounts_show_a_dash():
    assert format_sek(None) == "–"
    assert format_msek(None) == "–"


def test_group_thousands_uses_non_breaking_spaces():
    assert group_thousands(1234567) == f"1{NBSP}234{NBSP}567"
