"""The as-of rule's pure parts: when a report may be submitted, when a year's value may be
recorded, and where the city's day ends in UTC (Europe/Stockholm, summer and winter time)."""

from datetime import UTC, date, datetime

import pytest

from app.core import periods


@pytest.mark.parametrize(("period_ends_on", "early_days", "expected"), [
    (date(2010, 2, 28), 0, date(2010, 3, 1)),
    (date(2010, 2, 28), 3, date(2010, 2, 26)),
    (date(2009, 12, 31), 0, date(2010, 1, 1)),
    (date(2009, 12, 31), 1, date(2009, 12, 31)),
])
def test_the_earliest_submission_day(period_ends_on, early_days, expected):
    assert periods.earliest_submission_on(period_ends_on, early_days) == expected


def test_a_negative_allowance_is_refused():
    with pytest.raises(ValueError, match="early_days"):
        periods.earliest_submission_on(date(2010, 2, 28), -1)


@pytest.mark.parametrize(("year", "expected"), [(2010, date(2010, 1, 1)), (2012, date(2012, 1, 1))])
def test_a_years_value_is_recorded_from_its_first_day(year, expected):
    assert periods.first_day_of_year(year) == expected


@pytest.mark.parametrize(("on", "ends_at"), [
    (date(2010, 1, 15), datetime(2010, 1, 15, 23, 0, tzinfo=UTC)),   # CET, UTC+1
    (date(2010, 7, 15), datetime(2010, 7, 15, 22, 0, tzinfo=UTC)),   # CEST, UTC+2
    (date(2010, 3, 27), datetime(2010, 3, 27, 23, 0, tzinfo=UTC)),   # the night clocks go on
    (date(2009, 12, 31), datetime(2009, 12, 31, 23, 0, tzinfo=UTC)),
])
def test_the_citys_day_ends_at_local_midnight(on, ends_at):
    from app.core.asof import day_ends_at

    assert day_ends_at(on) == ends_at
