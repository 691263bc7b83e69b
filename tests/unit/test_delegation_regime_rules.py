"""Delegation regimes: the pure rules on a regime's authorities, its start and its changes."""

from datetime import date

import pytest

from app.programmes.rules import (
    MAX_AMOUNT_SEK,
    MAX_RULES_PER_REGIME,
    RegimeProblem,
    RegimeState,
    RuleDraft,
    change_problem,
    reason_problems,
    regime_ends,
    regime_problems,
    regime_state,
    route_decision,
    rule_problems,
    start_problems,
)
from app.programmes.rules import DelegationRule as Rule

P = RegimeProblem


def drafts(*rows) -> list[RuleDraft]:
    """Rows of (key, limit) with a name and source each."""
    return [RuleDraft(key, key.replace("_", " ").title() if key else "", limit, "KS")
            for key, limit in rows]


@pytest.mark.parametrize(("rows", "expected"), [
    ([("city_director", 15_000_000), ("finance_committee", None)], []),
    ([("deputy", 3_000_000), ("director", 10_000_000), ("committee", None)], []),
    ([("only", None)], []),
    ([("a", 1), ("b", 2)], []),
    ([("a", MAX_AMOUNT_SEK - 1), ("b", MAX_AMOUNT_SEK)], []),
    ([("chief_of_staff", 5_000_000), ("city_director", 15_000_000), ("committee", None)], []),
    ([], [(P.NO_RULES, None)]),
    ([("a", 10), ("b", 10)], [(P.LIMITS_NOT_RISING, 2)]),
    ([("a", 10), ("b", 5), ("c", None)], [(P.LIMITS_NOT_RISING, 2)]),
    ([("a", 10), ("b", 20), ("c", 15)], [(P.LIMITS_NOT_RISING, 3)]),
    ([("a", None), ("b", None)], [(P.UNLIMITED_TWICE, 2)]),
    ([("a", None), ("b", 10)], [(P.UNLIMITED_NOT_LAST, 1)]),
    ([("a", None), ("b", 10), ("c", 20)], [(P.UNLIMITED_NOT_LAST, 1)]),
    ([("a", 0)], [(P.LIMIT_INVALID, 1)]),
    ([("a", -5)], [(P.LIMIT_INVALID, 1)]),
    ([("a", MAX_AMOUNT_SEK + 1)], [(P.LIMIT_INVALID, 1)]),
    ([("a", True)], [(P.LIMIT_INVALID, 1)]),
    ([("a", 1.5)], [(P.LIMIT_INVALID, 1)]),
    ([("", 10)], [(P.KEY_MISSING, 1), (P.NAME_MISSING, 1)]),
    ([("City Director", 10)], [(P.KEY_NOT_SLUG, 1)]),
    ([("city-director", 10)], [(P.KEY_NOT_SLUG, 1)]),
    ([("1st", 10)], [(P.KEY_NOT_SLUG, 1)]),
    ([("a" * 61, 10)], [(P.KEY_NOT_SLUG, 1)]),
    ([("a", 10), ("a", 20)], [(P.KEY_REPEATED, 2)]),
], ids=lambda value: None)
def test_rule_problems(rows, expected):
    found = [(issue.code, issue.row) for issue in rule_problems(drafts(*rows))]

    assert found == expected


def test_too_many_rules_are_refused_at_once():
    rows = [(f"level_{n}", n) for n in range(1, MAX_RULES_PER_REGIME + 2)]

    assert [i.code for i in rule_problems(drafts(*rows))] == [P.TOO_MANY_RULES]


@pytest.mark.parametrize(("rule", "regime_source", "expected"), [
    (RuleDraft("a", "A", 1, ""), "KS 2010-12-15", []),
    (RuleDraft("a", "A", 1, "KS"), "", []),
    (RuleDraft("a", "A", 1, " "), " ", [P.SOURCE_MISSING]),
    (RuleDraft("a", " ", 1, "KS"), "", [P.NAME_MISSING]),
    (RuleDraft("a", "A" * 201, 1, "KS"), "", [P.TEXT_TOO_LONG]),
    (RuleDraft("a", "A", 1, "K" * 301), "", [P.TEXT_TOO_LONG]),
])
def test_names_and_sources(rule, regime_source, expected):
    assert [i.code for i in rule_problems([rule], regime_source)] == expected


def test_an_issue_names_its_field():
    issue = rule_problems(drafts(("a", 10), ("b", 5)))[0]

    assert issue.field == "rules.1.limit_sek"
    assert issue.params == {"field": "limit_sek", "limit": 5, "previous": 10}


TODAY = date(2011, 6, 1)
PERIOD = {"period_starts_on": date(2007, 10, 1), "period_ends_on": date(2012, 12, 31)}
DEMO_STARTS = [date(2007, 10, 1), date(2011, 1, 1)]


@pytest.mark.parametrize(("valid_from", "others", "expected"), [
    (date(2011, 6, 2), DEMO_STARTS, []),
    (TODAY, DEMO_STARTS, []),
    (date(2012, 12, 31), DEMO_STARTS, []),
    (date(2011, 5, 31), DEMO_STARTS, [P.BEFORE_BUSINESS_DATE]),
    (date(2011, 1, 1), DEMO_STARTS, [P.START_TAKEN, P.INSIDE_REGIME_IN_FORCE]),
    (date(2010, 6, 1), DEMO_STARTS, [P.INSIDE_REGIME_IN_FORCE]),
    (date(2007, 9, 30), [], [P.OUTSIDE_PROGRAMME_PERIOD, P.BEFORE_BUSINESS_DATE]),
    (date(2013, 1, 1), DEMO_STARTS, [P.OUTSIDE_PROGRAMME_PERIOD]),
    # A regime added today is in force: another on the same day is inside it.
    (TODAY, [*DEMO_STARTS, TODAY], [P.START_TAKEN, P.INSIDE_REGIME_IN_FORCE]),
    # Two future regimes may follow each other; not on the same day.
    (date(2012, 1, 1), [*DEMO_STARTS, date(2011, 9, 1)], []),
    (date(2011, 9, 1), [*DEMO_STARTS, date(2011, 9, 1)], [P.START_TAKEN]),
])
def test_start_problems(valid_from, others, expected):
    found = start_problems(valid_from, business_on=TODAY, other_starts=others, **PERIOD)

    assert [issue.code for issue in found] == expected


@pytest.mark.parametrize("valid_from", [date(2007, 10, 1), date(2011, 1, 1)])
def test_history_loads_past_regimes_but_keeps_the_other_rules(valid_from):
    assert start_problems(valid_from, business_on=TODAY, other_starts=[], history=True,
                          **PERIOD) == []
    assert [i.code for i in start_problems(valid_from, business_on=TODAY,
                                            other_starts=[valid_from], history=True,
                                            **PERIOD)] == [P.START_TAKEN]


@pytest.mark.parametrize(("reason", "expected"), [
    ("KS decided on 2011-05-20 to lower the limit.", []),
    ("", [P.REASON_MISSING]),
    ("   ", [P.REASON_MISSING]),
    (None, [P.REASON_MISSING]),
    ("x" * 2001, [P.TEXT_TOO_LONG]),
])
def test_a_regime_needs_a_reason(reason, expected):
    assert [i.code for i in reason_problems(reason)] == expected


def test_regime_problems_collects_every_problem():
    found = regime_problems(date(2011, 5, 1), "", drafts(("a", None), ("b", None)),
                            business_on=TODAY, other_starts=DEMO_STARTS, **PERIOD)

    assert [i.code for i in found] == [P.BEFORE_BUSINESS_DATE, P.REASON_MISSING,
                                       P.UNLIMITED_TWICE]


@pytest.mark.parametrize(("valid_from", "refused"), [
    (date(2011, 1, 1), True),
    (TODAY, True),
    (date(2011, 6, 2), False),
])
def test_a_started_regime_is_immutable(valid_from, refused):
    problem = change_problem(valid_from, TODAY)

    assert (problem is not None) == refused
    if refused:
        assert problem.code == P.IN_FORCE_IMMUTABLE


@pytest.mark.parametrize(("starts", "expected"), [
    ([], {}),
    ([date(2007, 10, 1)], {date(2007, 10, 1): None}),
    ([date(2011, 1, 1), date(2007, 10, 1)],
     {date(2007, 10, 1): date(2010, 12, 31), date(2011, 1, 1): None}),
    ([date(2011, 1, 1), date(2012, 3, 1), date(2012, 2, 29)],
     {date(2011, 1, 1): date(2012, 2, 28), date(2012, 2, 29): date(2012, 2, 29),
      date(2012, 3, 1): None}),
])
def test_a_regime_ends_the_day_before_the_next_starts(starts, expected):
    assert regime_ends(starts) == expected


@pytest.mark.parametrize(("valid_from", "valid_to", "on", "state"), [
    (date(2011, 1, 1), None, date(2010, 12, 31), RegimeState.FUTURE),
    (date(2011, 1, 1), None, date(2011, 1, 1), RegimeState.IN_FORCE),
    (date(2011, 1, 1), date(2011, 12, 31), date(2011, 12, 31), RegimeState.IN_FORCE),
    (date(2011, 1, 1), date(2011, 12, 31), date(2012, 1, 1), RegimeState.PAST),
])
def test_regime_state(valid_from, valid_to, on, state):
    assert regime_state(valid_from, valid_to, on) == state


def test_a_new_authority_routes_without_code():
    """chief_of_staff is only data: routing picks it like any other key."""
    rules = [Rule(1, "chief_of_staff", 5_000_000, date(2012, 1, 1), None, "KS 2011"),
             Rule(2, "city_director", 15_000_000, date(2012, 1, 1), None, "KS 2011"),
             Rule(3, "finance_committee", None, date(2012, 1, 1), None, "KS 2011")]

    assert not rule_problems([RuleDraft(r.authority_key, "x", r.limit_sek, r.source)
                              for r in rules])
    assert route_decision(rules, 5_000_000, date(2012, 2, 1)).authority_key == "chief_of_staff"
    assert route_decision(rules, 5_000_001, date(2012, 2, 1)).authority_key == "city_director"
