"""The reporting calendar: six-weekly periods and tertials, across year ends and leap years."""

import dataclasses
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.core.periods import (
    ReportingPeriod,
    Tertial,
    open_periods,
    period_containing,
    six_weekly_periods,
    tertial_of,
    tertial_period,
    tertials_between,
)


@pytest.mark.parametrize(
    ("start_on", "end_on", "count", "first", "last"),
    [
        (  # crosses a year end and a leap day
            date(2011, 12, 1),
            date(2012, 6, 30),
            6,
            (date(2011, 12, 1), date(2012, 1, 11), date(2012, 1, 21)),
            (date(2012, 6, 28), date(2012, 6, 30), date(2012, 7, 10)),
        ),
        (  # starts on a leap day
            date(2012, 2, 29),
            date(2012, 12, 31),
            8,
            (date(2012, 2, 29), date(2012, 4, 10), date(2012, 4, 20)),
            (date(2012, 12, 19), date(2012, 12, 31), date(2013, 1, 10)),
        ),
        (  # the programme's full span, 1 919 days
            date(2007, 10, 1),
            date(2012, 12, 31),
            46,
            (date(2007, 10, 1), date(2007, 11, 11), date(2007, 11, 21)),
            (date(2012, 12, 3), date(2012, 12, 31), date(2013, 1, 10)),
        ),
        (  # February in a leap year: 29 days
            date(2012, 2, 1),
            date(2012, 3, 13),
            1,
            (date(2012, 2, 1), date(2012, 3, 13), date(2012, 3, 23)),
            (date(2012, 2, 1), date(2012, 3, 13), date(2012, 3, 23)),
        ),
        (  # February in a common year: 28 days
            date(2011, 2, 1),
            date(2011, 3, 15),
            2,
            (date(2011, 2, 1), date(2011, 3, 14), date(2011, 3, 24)),
            (date(2011, 3, 15), date(2011, 3, 15), date(2011, 3, 25)),
        ),
        (  # one-day project
            date(2010, 12, 31),
            date(2010, 12, 31),
            1,
            (date(2010, 12, 31), date(2010, 12, 31), date(2011, 1, 10)),
            (date(2010, 12, 31), date(2010, 12, 31), date(2011, 1, 10)),
        ),
        (  # ends exactly on a period end: no empty trailing period
            date(2015, 12, 20),
            date(2016, 1, 30),
            1,
            (date(2015, 12, 20), date(2016, 1, 30), date(2016, 2, 9)),
            (date(2015, 12, 20), date(2016, 1, 30), date(2016, 2, 9)),
        ),
    ],
)
def test_six_weekly_periods(start_on, end_on, count, first, last):
    periods = six_weekly_periods(start_on, end_on)

    assert len(periods) == count
    assert (periods[0].starts_on, periods[0].ends_on, periods[0].due_on) == first
    assert (periods[-1].starts_on, periods[-1].ends_on, periods[-1].due_on) == last
    assert [p.number for p in periods] == list(range(1, count + 1))


@pytest.mark.parametrize(
    ("start_on", "end_on"),
    [
        (date(2011, 12, 1), date(2012, 6, 30)),
        (date(2012, 2, 29), date(2012, 12, 31)),
        (date(2007, 10, 1), date(2012, 12, 31)),
    ],
)
def test_six_weekly_periods_tile_the_project_without_gaps(start_on, end_on):
    periods = six_weekly_periods(start_on, end_on)

    assert periods[0].starts_on == start_on
    assert periods[-1].ends_on == end_on
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.starts_on == before.ends_on + timedelta(days=1)
    for period in periods[:-1]:
        assert (period.ends_on - period.starts_on).days + 1 == 42


@pytest.mark.parametrize("due_after_days", [0, 1, 10, 30])
def test_six_weekly_due_date_follows_the_setting(due_after_days):
    periods = six_weekly_periods(date(2012, 12, 1), date(2013, 3, 1), due_after_days)

    assert [p.due_on - p.ends_on for p in periods] == [timedelta(days=due_after_days)] * 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: six_weekly_periods(date(2012, 1, 2), date(2012, 1, 1)), "before start"),
        (lambda: six_weekly_periods(date(2012, 1, 1), date(2012, 2, 1), -1), "0 or more"),
        (lambda: tertials_between(date(2012, 5, 1), date(2012, 4, 30)), "before start"),
        (lambda: tertial_period(2012, 0), "1, 2 or 3"),
        (lambda: tertial_period(2012, 4), "1, 2 or 3"),
        (lambda: tertial_period(2012, 1, -5), "0 or more"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_end_before_start_names_both_dates():
    with pytest.raises(ValueError, match="2012-01-01 is before start date 2012-01-02"):
        six_weekly_periods(date(2012, 1, 2), date(2012, 1, 1))


@pytest.mark.parametrize(
    ("year", "number", "starts_on", "ends_on", "due_on", "label"),
    [
        (2010, 1, date(2010, 1, 1), date(2010, 4, 30), date(2010, 5, 15), "T1 2010"),
        (2012, 2, date(2012, 5, 1), date(2012, 8, 31), date(2012, 9, 15), "T2 2012"),
        (2012, 3, date(2012, 9, 1), date(2012, 12, 31), date(2013, 1, 15), "T3 2012"),
    ],
)
def test_tertial_period(year, number, starts_on, ends_on, due_on, label):
    tertial = tertial_period(year, number)

    assert tertial == Tertial(year, number, starts_on, ends_on, due_on)
    assert tertial.label == label


def test_tertial_due_date_follows_the_setting():
    assert tertial_period(2011, 3, due_after_days=45).due_on == date(2012, 2, 14)
    assert tertial_period(2012, 1, due_after_days=0).due_on == date(2012, 4, 30)


@pytest.mark.parametrize(
    ("d", "label"),
    [
        (date(2012, 1, 1), "T1 2012"),
        (date(2012, 2, 29), "T1 2012"),
        (date(2012, 4, 30), "T1 2012"),
        (date(2012, 5, 1), "T2 2012"),
        (date(2012, 8, 31), "T2 2012"),
        (date(2012, 9, 1), "T3 2012"),
        (date(2011, 12, 31), "T3 2011"),
    ],
)
def test_tertial_of(d, label):
    tertial = tertial_of(d)

    assert tertial.label == label
    assert tertial.starts_on <= d <= tertial.ends_on


@pytest.mark.parametrize(
    ("start_on", "end_on", "labels"),
    [
        (date(2011, 12, 1), date(2012, 6, 30), ["T3 2011", "T1 2012", "T2 2012"]),
        (date(2012, 2, 29), date(2012, 2, 29), ["T1 2012"]),
        (date(2012, 4, 30), date(2012, 5, 1), ["T1 2012", "T2 2012"]),
        (date(2007, 10, 1), date(2008, 12, 31), ["T3 2007", "T1 2008", "T2 2008", "T3 2008"]),
    ],
)
def test_tertials_between(start_on, end_on, labels):
    assert [t.label for t in tertials_between(start_on, end_on)] == labels


def test_tertials_between_covers_the_programme_span():
    tertials = tertials_between(date(2007, 10, 1), date(2012, 12, 31))

    assert len(tertials) == 1 + 3 * 5
    assert tertials[0].label == "T3 2007"
    assert tertials[-1].label == "T3 2012"


@pytest.mark.parametrize(
    ("d", "number"),
    [
        (date(2011, 11, 30), None),
        (date(2011, 12, 1), 1),
        (date(2012, 1, 11), 1),
        (date(2012, 1, 12), 2),
        (date(2012, 2, 29), 3),
        (date(2012, 6, 30), 6),
        (date(2012, 7, 1), None),
    ],
)
def test_period_containing(d, number):
    periods = six_weekly_periods(date(2011, 12, 1), date(2012, 6, 30))

    found = period_containing(periods, d)

    assert (found.number if found else None) == number


def test_period_containing_works_on_tertials():
    tertials = tertials_between(date(2011, 1, 1), date(2012, 12, 31))

    assert period_containing(tertials, date(2012, 2, 29)).label == "T1 2012"


@pytest.mark.parametrize(
    ("today", "numbers"),
    [
        (date(2011, 11, 30), []),  # before the project starts
        (date(2011, 12, 1), [1]),  # opens on its first day
        (date(2012, 1, 12), [1, 2]),  # period 1 is still open until its due date
        (date(2012, 1, 21), [1, 2]),  # the due date itself is open
        (date(2012, 1, 22), [2]),  # past its due date: closed
        (date(2012, 7, 10), [6]),  # the last period stays open until its due date
        (date(2012, 7, 11), []),
    ],
)
def test_open_periods(today, numbers):
    periods = six_weekly_periods(date(2011, 12, 1), date(2012, 6, 30))

    assert [p.number for p in open_periods(periods, today)] == numbers


def test_periods_are_frozen():
    period = six_weekly_periods(date(2012, 1, 1), date(2012, 1, 31))[0]

    with pytest.raises(dataclasses.FrozenInstanceError):
        period.due_on = date(2012, 3, 1)
    assert isinstance(period, ReportingPeriod)


def test_module_does_not_import_flask():
    code = "import sys, app.core.periods; assert 'flask' not in sys.modules"

    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
