"""Pure rules of a programme's set-up (issue 17): names, periods, reservations, calendar."""

from datetime import date

import pytest

from app.core import periods
from app.programmes.rules import (
    CalendarSettings,
    SetupProblem,
    calendar_problems,
    name_problem,
    period_problem,
    reservation_problem,
    withdrawal_problem,
)


@pytest.mark.parametrize(("name", "others", "expected"), [
    ("Nytt program", ["E-tjänstprogrammet"], None),
    ("", ["E-tjänstprogrammet"], SetupProblem.NAME_MISSING),
    ("   ", [], SetupProblem.NAME_MISSING),
    ("E-tjänstprogrammet", ["E-tjänstprogrammet"], SetupProblem.NAME_TAKEN),
    (" e-tjänstPROGRAMMET ", ["E-tjänstprogrammet"], SetupProblem.NAME_TAKEN),
    ("E-tjänstprogrammet 2", ["E-tjänstprogrammet"], None),
])
def test_name_problem(name, others, expected):
    issue = name_problem(name, others)
    assert (issue.problem if issue else None) == expected


D = date


@pytest.mark.parametrize(("starts", "ends", "earliest", "latest", "expected", "field"), [
    (D(2007, 10, 1), D(2012, 12, 31), None, None, None, None),
    (D(2007, 10, 1), D(2007, 10, 1), None, None, None, None),
    (D(2012, 1, 1), D(2011, 12, 31), None, None, SetupProblem.PERIOD_REVERSED, "ends_on"),
    (D(2008, 1, 1), D(2012, 12, 31), D(2007, 12, 3), D(2010, 5, 1),
     SetupProblem.PERIOD_EXCLUDES_DECISIONS, "starts_on"),
    (D(2007, 10, 1), D(2010, 4, 30), D(2007, 12, 3), D(2010, 5, 1),
     SetupProblem.PERIOD_EXCLUDES_DECISIONS, "ends_on"),
    (D(2007, 12, 3), D(2010, 5, 1), D(2007, 12, 3), D(2010, 5, 1), None, None),
])
def test_period_problem(starts, ends, earliest, latest, expected, field):
    issue = period_problem(starts, ends, earliest, latest)
    assert (issue.problem if issue else None) == expected
    assert (issue.field if issue else None) == field


@pytest.mark.parametrize(("amount", "refused"), [
    (650_000_000, False), (1, False), (0, True), (-5, True), (True, True), (1.5, True),
    ("100", True), (10**13, True),
])
def test_reservation_problem(amount, refused):
    assert (reservation_problem(amount) is not None) == refused


@pytest.mark.parametrize(("amount", "reserved", "committed", "expected", "available"), [
    (100, 1_000, 500, None, None),
    (500, 1_000, 500, None, None),  # exactly down to what is committed
    (501, 1_000, 500, SetupProblem.BELOW_COMMITTED, 500),
    (10, 1_000, 1_200, SetupProblem.BELOW_COMMITTED, 0),  # already over-committed
    (0, 1_000, 0, SetupProblem.AMOUNT_NOT_POSITIVE, None),
    (-100, 1_000, 0, SetupProblem.AMOUNT_NOT_POSITIVE, None),
])
def test_withdrawal_problem(amount, reserved, committed, expected, available):
    issue = withdrawal_problem(amount, reserved, committed)
    assert (issue.problem if issue else None) == expected
    if available is not None:
        assert issue.detail("available_sek") == available


@pytest.mark.parametrize(("settings", "fields"), [
    ((42, 10, 0, 15), []),
    ((28, 27, 27, 119), []),
    ((6, 10, 0, 15), ["six_weekly_period_days"]),
    ((367, 10, 0, 15), ["six_weekly_period_days"]),
    ((42, -1, 0, 15), ["report_due_after_days"]),
    ((42, 42, 0, 15), ["report_due_after_days"]),  # due when the next period has ended
    ((42, 10, 42, 15), ["report_early_days"]),
    ((42, 10, 0, 120), ["tertial_due_after_days"]),  # due after the next tertial ended
    ((42, 50, 50, 15), ["report_due_after_days", "report_early_days"]),
    ((42, 10, 0, True), ["tertial_due_after_days"]),
])
def test_calendar_problems(settings, fields):
    issues = calendar_problems(CalendarSettings(*settings))
    assert [issue.field for issue in issues] == fields


@pytest.mark.parametrize(("period_days", "ends"), [
    (42, [D(2010, 2, 11), D(2010, 3, 25), D(2010, 3, 31)]),
    (28, [D(2010, 1, 28), D(2010, 2, 25), D(2010, 3, 25), D(2010, 3, 31)]),
])
def test_six_weekly_periods_take_the_programme_length(period_days, ends):
    found = periods.six_weekly_periods(D(2010, 1, 1), D(2010, 3, 31), 10, period_days)
    assert [p.ends_on for p in found] == ends
    pairs = zip(found, found[1:], strict=False)
    assert all(later.starts_on > earlier.ends_on for earlier, later in pairs)
