"""Decision dates: dated the business date, backdated only within the programme's window with a
reason, never after the business date; who may decide across a window that spans a regime."""

from datetime import date

import pytest

from app.programmes.rules import (
    DateProblem,
    DecisionWindow,
    DelegationRule,
    authorities_in_window,
    decision_date_problem,
    decision_window,
)

PERIOD = {"period_starts_on": date(2007, 10, 1), "period_ends_on": date(2012, 12, 31)}
TABLE = [
    DelegationRule(1, "deputy_city_director", 3_000_000, date(2007, 10, 1), date(2010, 12, 31),
                   "KF 2007"),
    DelegationRule(2, "city_director", 10_000_000, date(2007, 10, 1), date(2010, 12, 31),
                   "KF 2007"),
    DelegationRule(3, "finance_committee", None, date(2007, 10, 1), date(2010, 12, 31), "KF 2007"),
    DelegationRule(4, "city_director", 15_000_000, date(2011, 1, 1), date(2012, 12, 31),
                   "KS 2010-12-15"),
    DelegationRule(5, "finance_committee", None, date(2011, 1, 1), date(2012, 12, 31),
                   "KS 2010-12-15"),
]


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize("business_on, days, not_before, earliest, latest", [
    ("2010-03-01", 30, (), "2010-01-30", "2010-03-01"),
    ("2010-03-01", 0, (), "2010-03-01", "2010-03-01"),
    ("2010-03-01", 30, ("2010-02-15",), "2010-02-15", "2010-03-01"),
    ("2010-03-01", 30, ("2010-02-15", "2010-02-20"), "2010-02-20", "2010-03-01"),
    ("2007-10-10", 30, (), "2007-10-01", "2007-10-10"),
    ("2013-01-10", 30, (), "2012-12-11", "2012-12-31"),
    ("2012-03-01", 366, (), "2011-03-01", "2012-03-01"),
])
def test_the_window_runs_back_from_the_business_date(business_on, days, not_before, earliest,
                                                     latest):
    window = decision_window(d(business_on), days, not_before=[d(x) for x in not_before],
                             **PERIOD)
    assert window == DecisionWindow(d(business_on), d(earliest), d(latest))


@pytest.mark.parametrize("business_on, days, not_before", [
    ("2007-09-30", 30, ()),
    ("2013-02-01", 30, ()),
    ("2010-03-01", 30, ("2010-03-02",)),
])
def test_no_window_when_no_date_is_possible(business_on, days, not_before):
    assert decision_window(d(business_on), days, not_before=[d(x) for x in not_before],
                           **PERIOD) is None


@pytest.mark.parametrize("days", [-1, 367, 1.5, True, "30", None])
def test_the_backdating_setting_must_be_sane(days):
    with pytest.raises(ValueError, match="backdating_days"):
        decision_window(d("2010-03-01"), days, **PERIOD)


@pytest.mark.parametrize("business_on, days, not_before, on, reason, expected", [
    # present: the business date itself, no reason needed
    ("2010-03-01", 30, (), "2010-03-01", "", None),
    # past: within the window with a written reason; without one it is refused
    ("2010-03-01", 30, (), "2010-02-28", "Beslut på papper", None),
    ("2010-03-01", 30, (), "2010-01-30", "Beslut på papper", None),
    ("2010-03-01", 30, (), "2010-01-30", "", DateProblem.REASON_MISSING),
    ("2010-03-01", 30, (), "2010-02-28", "   ", DateProblem.REASON_MISSING),
    ("2010-03-01", 30, (), "2010-01-29", "Beslut på papper", DateProblem.OUTSIDE_WINDOW),
    ("2010-03-01", 0, (), "2010-02-28", "Beslut på papper", DateProblem.OUTSIDE_WINDOW),
    # future: never, whatever the reason (the 2011 rules are not reachable from 2010)
    ("2010-03-01", 30, (), "2010-03-02", "Beslut på papper", DateProblem.AFTER_BUSINESS_DATE),
    ("2010-03-01", 30, (), "2011-02-01", "", DateProblem.AFTER_BUSINESS_DATE),
    # not before submission or the decision corrected
    ("2010-03-01", 30, ("2010-02-15",), "2010-02-14", "Beslut", DateProblem.OUTSIDE_WINDOW),
    ("2010-03-01", 30, ("2010-02-15",), "2010-02-15", "Beslut", None),
    # after the programme period the last day is the latest, and it is backdated
    ("2013-01-10", 30, (), "2012-12-31", "Registreras i efterhand", None),
    ("2013-01-10", 30, (), "2012-12-31", "", DateProblem.REASON_MISSING),
    ("2013-01-10", 30, (), "2013-01-10", "", DateProblem.OUTSIDE_WINDOW),
    # no window at all
    ("2007-09-30", 30, (), "2007-09-30", "", DateProblem.NO_WINDOW),
])
def test_decision_date_problem(business_on, days, not_before, on, reason, expected):
    window = decision_window(d(business_on), days, not_before=[d(x) for x in not_before],
                             **PERIOD)
    assert decision_date_problem(window, d(on), reason) == expected


@pytest.mark.parametrize("earliest, latest, amount, expected", [
    ("2010-03-01", "2010-03-01", 3_000_000, {"deputy_city_director"}),
    ("2010-03-01", "2010-03-01", 3_000_001, {"city_director"}),
    ("2010-03-01", "2010-03-01", 10_000_000, {"city_director"}),
    ("2010-03-01", "2010-03-01", 10_000_001, {"finance_committee"}),
    ("2011-01-01", "2011-01-01", 3_000_000, {"city_director"}),
    ("2011-01-01", "2011-01-01", 15_000_000, {"city_director"}),
    ("2011-01-01", "2011-01-01", 15_000_001, {"finance_committee"}),
    # a window across the regime boundary holds both regimes' deciders
    ("2010-12-31", "2011-01-01", 3_000_000, {"deputy_city_director", "city_director"}),
    ("2010-12-15", "2011-01-10", 12_000_000, {"finance_committee", "city_director"}),
    ("2010-12-15", "2011-01-10", 15_000_001, {"finance_committee"}),
    ("2010-12-01", "2010-12-31", 12_000_000, {"finance_committee"}),
])
def test_authorities_in_window(earliest, latest, amount, expected):
    window = DecisionWindow(d(latest), d(earliest), d(latest))
    assert authorities_in_window(TABLE, amount, window) == expected


def test_no_window_has_no_authorities():
    assert authorities_in_window(TABLE, 1_000_000, None) == frozenset()


def test_a_datetime_is_not_a_decision_date():
    from datetime import datetime

    window = decision_window(d("2010-03-01"), 30, **PERIOD)
    with pytest.raises(TypeError):
        decision_date_problem(window, datetime(2010, 3, 1, 12, 0))
