"""Delegation routing and anti-splitting, against the demo delegation table of DOMAIN.md."""

import ast
import dataclasses
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app.programmes.rules import (
    AmbiguousDelegation,
    DelegationRule,
    NoDelegationRule,
    SplittingWarning,
    route_decision,
    splitting_warning,
    twelve_months_before,
    within_twelve_months,
)

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "app" / "programmes" / "rules.py"

KS_2007 = "KF 2007-10-01, dnr 031-2487/2007"
KS_2010 = "KS 2010-12-15"

REGIME_2007 = (
    DelegationRule(
        1, "deputy_city_director", 3_000_000, date(2007, 10, 1), date(2010, 12, 31), KS_2007
    ),
    DelegationRule(2, "city_director", 10_000_000, date(2007, 10, 1), date(2010, 12, 31), KS_2007),
    DelegationRule(3, "finance_committee", None, date(2007, 10, 1), date(2010, 12, 31), KS_2007),
)


def regime_2011(valid_to):
    """Build the 2011 regime, open-ended or closing with the programme."""
    return (
        DelegationRule(4, "city_director", 15_000_000, date(2011, 1, 1), valid_to, KS_2010),
        DelegationRule(5, "finance_committee", None, date(2011, 1, 1), valid_to, KS_2010),
    )


@pytest.fixture(params=[None, date(2012, 12, 31)], ids=["2011-open", "2011-to-2012"])
def demo_rules(request):
    """Give both demo regimes, the 2011 one either open or ending 2012-12-31."""
    return REGIME_2007 + regime_2011(request.param)


IN_2007_REGIME = [date(2007, 10, 1), date(2009, 6, 15), date(2010, 12, 31)]
IN_2011_REGIME = [date(2011, 1, 1), date(2011, 6, 30), date(2012, 12, 31)]

ROUTES_2007 = [
    (1, "deputy_city_director", 3_000_000, 1),
    (2_999_999, "deputy_city_director", 3_000_000, 1),
    (3_000_000, "deputy_city_director", 3_000_000, 1),
    (3_000_001, "city_director", 10_000_000, 2),
    (9_999_999, "city_director", 10_000_000, 2),
    (10_000_000, "city_director", 10_000_000, 2),
    (10_000_001, "finance_committee", None, 3),
    (12_000_000, "finance_committee", None, 3),
    (14_999_999, "finance_committee", None, 3),
    (15_000_000, "finance_committee", None, 3),
    (15_000_001, "finance_committee", None, 3),
    (10**12, "finance_committee", None, 3),
]

ROUTES_2011 = [
    (1, "city_director", 15_000_000, 4),
    (2_999_999, "city_director", 15_000_000, 4),
    (3_000_000, "city_director", 15_000_000, 4),
    (3_000_001, "city_director", 15_000_000, 4),
    (9_999_999, "city_director", 15_000_000, 4),
    (10_000_000, "city_director", 15_000_000, 4),
    (10_000_001, "city_director", 15_000_000, 4),
    (12_000_000, "city_director", 15_000_000, 4),
    (14_999_999, "city_director", 15_000_000, 4),
    (15_000_000, "city_director", 15_000_000, 4),
    (15_000_001, "finance_committee", None, 5),
    (10**12, "finance_committee", None, 5),
]


@pytest.mark.parametrize("on", IN_2007_REGIME, ids=str)
@pytest.mark.parametrize(("amount", "authority", "limit", "rule_id"), ROUTES_2007)
def test_routes_within_2007_regime(demo_rules, on, amount, authority, limit, rule_id):
    rule = route_decision(demo_rules, amount, on)
    assert (rule.authority_key, rule.limit_sek, rule.rule_id) == (authority, limit, rule_id)
    assert rule.source == KS_2007


@pytest.mark.parametrize("on", IN_2011_REGIME, ids=str)
@pytest.mark.parametrize(("amount", "authority", "limit", "rule_id"), ROUTES_2011)
def test_routes_within_2011_regime(demo_rules, on, amount, authority, limit, rule_id):
    rule = route_decision(demo_rules, amount, on)
    assert (rule.authority_key, rule.limit_sek, rule.rule_id) == (authority, limit, rule_id)
    assert rule.source == KS_2010


@pytest.mark.parametrize(
    ("amount", "on", "authority"),
    [
        (12_000_000, date(2009, 12, 31), "finance_committee"),
        (12_000_000, date(2010, 12, 31), "finance_committee"),
        (12_000_000, date(2011, 1, 1), "city_director"),
        (2_000_000, date(2010, 12, 31), "deputy_city_director"),
        (2_000_000, date(2011, 1, 1), "city_director"),
        (15_000_000, date(2010, 12, 31), "finance_committee"),
        (15_000_000, date(2011, 1, 1), "city_director"),
        (15_000_001, date(2011, 1, 1), "finance_committee"),
    ],
)
def test_routing_changes_with_the_regime_on_1_january_2011(demo_rules, amount, on, authority):
    assert route_decision(demo_rules, amount, on).authority_key == authority


@pytest.mark.parametrize("on", [date(2007, 9, 30), date(2000, 1, 1)], ids=str)
def test_no_rule_before_the_programme(demo_rules, on):
    with pytest.raises(NoDelegationRule, match="No delegation rule is in force on"):
        route_decision(demo_rules, 1_000_000, on)


@pytest.mark.parametrize(
    ("valid_to", "on", "authority"),
    [
        (None, date(2013, 1, 1), "city_director"),
        (None, date(2030, 6, 1), "city_director"),
        (date(2012, 12, 31), date(2012, 12, 31), "city_director"),
        (date(2012, 12, 31), date(2013, 1, 1), None),
    ],
)
def test_end_of_the_2011_regime(valid_to, on, authority):
    demo = REGIME_2007 + regime_2011(valid_to)
    if authority is None:
        with pytest.raises(NoDelegationRule):
            route_decision(demo, 1_000_000, on)
    else:
        assert route_decision(demo, 1_000_000, on).authority_key == authority


def test_no_rules_at_all():
    with pytest.raises(NoDelegationRule):
        route_decision([], 1, date(2009, 1, 1))


def test_no_rule_covers_the_amount_without_an_unlimited_authority():
    capped = [rule for rule in REGIME_2007 if rule.limit_sek is not None]
    assert route_decision(capped, 10_000_000, date(2009, 1, 1)).rule_id == 2
    with pytest.raises(NoDelegationRule, match="covers 10000001 SEK"):
        route_decision(capped, 10_000_001, date(2009, 1, 1))


@pytest.mark.parametrize("order", [(0, 1, 2, 3, 4), (4, 3, 2, 1, 0), (2, 4, 0, 3, 1)])
@pytest.mark.parametrize(("amount", "rule_id"), [(3_000_000, 1), (3_000_001, 2), (10**7 + 1, 3)])
def test_routing_ignores_the_order_of_the_rules(order, amount, rule_id):
    demo = REGIME_2007 + regime_2011(None)
    shuffled = iter([demo[i] for i in order])
    assert route_decision(shuffled, amount, date(2010, 5, 5)).rule_id == rule_id


@pytest.mark.parametrize("limit", [5_000_000, None])
def test_two_rules_with_the_same_limit_in_force_are_refused(limit):
    duplicate = DelegationRule(9, "chief_of_staff", limit, date(2009, 1, 1), None, "test")
    twin = dataclasses.replace(duplicate, rule_id=10, authority_key="city_director")
    with pytest.raises(AmbiguousDelegation, match="rules 9 and 10"):
        route_decision([duplicate, twin], 1_000, date(2010, 1, 1))
    assert issubclass(AmbiguousDelegation, NoDelegationRule)


def test_a_duplicate_higher_limit_does_not_block_a_lower_rule():
    low = DelegationRule(1, "a", 1_000, date(2009, 1, 1), None, "test")
    high = DelegationRule(2, "b", None, date(2009, 1, 1), None, "test")
    also_high = DelegationRule(3, "c", None, date(2009, 1, 1), None, "test")
    assert route_decision([also_high, high, low], 1_000, date(2010, 1, 1)).rule_id == 1


@pytest.mark.parametrize(
    "amount",
    [0, -1, -3_000_000, True, False, 1.0, 3e6, Decimal("100"), "100", None, 10**12 + 1],
    ids=repr,
)
def test_bad_amounts_are_refused_naming_the_field(demo_rules, amount):
    with pytest.raises(ValueError, match="amount_sek"):
        route_decision(demo_rules, amount, date(2009, 1, 1))


@pytest.mark.parametrize("on", [datetime(2009, 1, 1, 12, 0), "2009-01-01", None], ids=repr)
def test_bad_dates_are_refused(demo_rules, on):
    with pytest.raises(TypeError, match="on must be a date"):
        route_decision(demo_rules, 1_000, on)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"authority_key": ""}, "authority_key"),
        ({"authority_key": "  "}, "authority_key"),
        ({"limit_sek": 0}, "limit_sek"),
        ({"limit_sek": -5}, "limit_sek"),
        ({"limit_sek": 1.5}, "limit_sek"),
        ({"limit_sek": True}, "limit_sek"),
        ({"valid_to": date(2007, 9, 30)}, "valid_to"),
    ],
)
def test_invalid_rules_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(REGIME_2007[0], **changes)


def test_rule_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        REGIME_2007[0].limit_sek = 99


@pytest.mark.parametrize(
    ("limit", "amount", "earlier", "expected"),
    [
        (3_000_000, 1_000_000, [], None),
        (3_000_000, 1_000_000, [1_000_000], None),
        (3_000_000, 1_000_000, [1_000_000, 1_000_000], None),
        (
            3_000_000,
            1_000_000,
            [2_000_000, 1],
            SplittingWarning(1_000_000, 2_000_001, 3_000_001, 3_000_000, 1),
        ),
        (
            3_000_000,
            2_500_000,
            [2_500_000],
            SplittingWarning(2_500_000, 2_500_000, 5_000_000, 3_000_000, 2_000_000),
        ),
        (3_000_000, 2_999_999, [0], None),
        (10_000_000, 4_000_000, [3_000_000, 3_000_000], None),
        (
            10_000_000,
            4_000_000,
            [3_000_000, 3_000_001],
            SplittingWarning(4_000_000, 6_000_001, 10_000_001, 10_000_000, 1),
        ),
        (
            15_000_000,
            9_000_000,
            [7_000_000],
            SplittingWarning(9_000_000, 7_000_000, 16_000_000, 15_000_000, 1_000_000),
        ),
        (None, 9_000_000, [7_000_000, 10**12], None),
        (3_000_000, 3_000_001, [], SplittingWarning(3_000_001, 0, 3_000_001, 3_000_000, 1)),
    ],
)
def test_splitting_warning(limit, amount, earlier, expected):
    assert splitting_warning(limit, amount, earlier) == expected


def test_splitting_warning_reads_any_iterable():
    warning = splitting_warning(3_000_000, 2_000_000, (a for a in [600_000, 500_000]))
    assert (warning.total_sek, warning.excess_sek) == (3_100_000, 100_000)


@pytest.mark.parametrize(
    ("limit", "amount", "earlier", "field"),
    [
        (3_000_000, 0, [], "amount_sek"),
        (3_000_000, 1.5, [], "amount_sek"),
        (3_000_000, 1, [-1], "earlier_amounts_sek"),
        (3_000_000, 1, [True], "earlier_amounts_sek"),
        (3_000_000, 1, [2.0], "earlier_amounts_sek"),
        (None, 1, [-1], "earlier_amounts_sek"),
        (0, 1, [], "limit_sek"),
        (-3, 1, [], "limit_sek"),
    ],
)
def test_splitting_warning_refuses_bad_amounts(limit, amount, earlier, field):
    with pytest.raises(ValueError, match=field):
        splitting_warning(limit, amount, earlier)


@pytest.mark.parametrize(
    ("earlier", "decision_on", "expected"),
    [
        (date(2010, 6, 15), date(2011, 6, 15), True),
        (date(2010, 6, 14), date(2011, 6, 15), False),
        (date(2010, 6, 16), date(2011, 6, 15), True),
        (date(2011, 6, 15), date(2011, 6, 15), True),
        (date(2011, 6, 16), date(2011, 6, 15), False),
        (date(2010, 12, 31), date(2011, 12, 31), True),
        (date(2010, 12, 30), date(2011, 12, 31), False),
        (date(2010, 3, 31), date(2011, 3, 31), True),
        (date(2010, 3, 30), date(2011, 3, 31), False),
        (date(2011, 2, 28), date(2012, 2, 29), True),
        (date(2011, 2, 27), date(2012, 2, 29), False),
        (date(2011, 3, 1), date(2012, 2, 29), True),
        (date(2012, 2, 29), date(2013, 2, 28), True),
        (date(2012, 2, 28), date(2013, 2, 28), True),
        (date(2012, 2, 27), date(2013, 2, 28), False),
        (date(2011, 3, 1), date(2012, 3, 1), True),
        (date(2011, 2, 28), date(2012, 3, 1), False),
        (date(2008, 2, 29), date(2009, 3, 1), False),
    ],
    ids=str,
)
def test_twelve_month_window(earlier, decision_on, expected):
    assert within_twelve_months(earlier, decision_on) is expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2012, 2, 29), date(2011, 2, 28)),
        (date(2013, 2, 28), date(2012, 2, 28)),
        (date(2011, 1, 1), date(2010, 1, 1)),
    ],
    ids=str,
)
def test_twelve_months_before(on, expected):
    assert twelve_months_before(on) == expected


def test_window_refuses_datetimes():
    with pytest.raises(TypeError, match="earlier"):
        within_twelve_months(datetime(2011, 1, 1), date(2011, 6, 1))


def test_splitting_across_the_window_boundary():
    decisions = [(date(2010, 3, 1), 2_000_000), (date(2010, 9, 1), 500_000)]
    limit = route_decision(REGIME_2007, 1_000_000, date(2010, 12, 1)).limit_sek
    on_boundary = [a for d, a in decisions if within_twelve_months(d, date(2011, 3, 1))]
    day_after = [a for d, a in decisions if within_twelve_months(d, date(2011, 3, 2))]
    assert splitting_warning(limit, 1_000_000, on_boundary).excess_sek == 500_000
    assert splitting_warning(limit, 1_000_000, day_after) is None


def test_module_names_no_authority():
    source = MODULE.read_text(encoding="utf-8")
    for key in ("deputy_city_director", "city_director", "finance_committee", "stadsdirekt"):
        assert key not in source


def test_module_imports_only_the_standard_library():
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= set(sys.stdlib_module_names)


def test_importing_the_rules_does_not_import_flask():
    code = (
        "import sys, app.programmes.rules; "
        "bad = [m for m in ('flask', 'sqlalchemy', 'app.extensions') if m in sys.modules]; "
        "sys.exit(', '.join(bad) or 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
