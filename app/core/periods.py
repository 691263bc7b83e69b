"""Reporting calendar: six-weekly project periods and the tertials of the annual accounts.

Pure: standard library only. Every bound is an inclusive `date`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, TypeVar

SIX_WEEKS_DAYS = 42
DEFAULT_SIX_WEEKLY_DUE_AFTER_DAYS = 10
DEFAULT_TERTIAL_DUE_AFTER_DAYS = 15

# (first month, last month, last day of the last month) for T1, T2 and T3.
_TERTIAL_MONTHS = {1: (1, 4, 30), 2: (5, 8, 31), 3: (9, 12, 31)}


@dataclass(frozen=True)
class ReportingPeriod:
    """A project's six-weekly reporting period; `number` counts from 1 at the project start."""

    number: int
    starts_on: date
    ends_on: date
    due_on: date


@dataclass(frozen=True)
class Tertial:
    """A third of a year: T1 January-April, T2 May-August, T3 September-December."""

    year: int
    number: int
    starts_on: date
    ends_on: date
    due_on: date

    @property
    def label(self) -> str:
        """Name the tertial as the finance committee does, e.g. "T1 2010"."""
        return f"T{self.number} {self.year}"


class _Period(Protocol):
    @property
    def starts_on(self) -> date: ...

    @property
    def ends_on(self) -> date: ...

    @property
    def due_on(self) -> date: ...


P = TypeVar("P", bound=_Period)


def _check_range(start_on: date, end_on: date) -> None:
    """Refuse a range that ends before it starts, naming both dates."""
    if end_on < start_on:
        raise ValueError(
            f"end date {end_on.isoformat()} is before start date {start_on.isoformat()}"
        )


def _check_due_after_days(due_after_days: int) -> None:
    """Refuse a negative delay: a report cannot be due before its period ends."""
    if due_after_days < 0:
        raise ValueError(f"due_after_days must be 0 or more, got {due_after_days}")


def six_weekly_periods(
    start_on: date, end_on: date, due_after_days: int = DEFAULT_SIX_WEEKLY_DUE_AFTER_DAYS,
    period_days: int = SIX_WEEKS_DAYS,
) -> list[ReportingPeriod]:
    """List a project's reporting periods (42 days unless the programme says otherwise) from
    its start, the last one cut at `end_on`."""
    _check_range(start_on, end_on)
    _check_due_after_days(due_after_days)
    if period_days < 1:
        raise ValueError(f"period_days must be 1 or more, got {period_days}")
    periods = []
    starts_on = start_on
    number = 1
    while starts_on <= end_on:
        ends_on = min(starts_on + timedelta(days=period_days - 1), end_on)
        periods.append(
            ReportingPeriod(
                number=number,
                starts_on=starts_on,
                ends_on=ends_on,
                due_on=ends_on + timedelta(days=due_after_days),
            )
        )
        starts_on = ends_on + timedelta(days=1)
        number += 1
    return periods


def tertial_period(
    year: int, number: int, due_after_days: int = DEFAULT_TERTIAL_DUE_AFTER_DAYS
) -> Tertial:
    """Build tertial `number` (1-3) of `year`, due `due_after_days` after it ends."""
    if number not in _TERTIAL_MONTHS:
        raise ValueError(f"tertial number must be 1, 2 or 3, got {number}")
    _check_due_after_days(due_after_days)
    first_month, last_month, last_day = _TERTIAL_MONTHS[number]
    ends_on = date(year, last_month, last_day)
    return Tertial(
        year=year,
        number=number,
        starts_on=date(year, first_month, 1),
        ends_on=ends_on,
        due_on=ends_on + timedelta(days=due_after_days),
    )


def tertial_of(d: date, due_after_days: int = DEFAULT_TERTIAL_DUE_AFTER_DAYS) -> Tertial:
    """Return the tertial that contains `d`."""
    return tertial_period(d.year, (d.month - 1) // 4 + 1, due_after_days)


def tertials_between(
    start_on: date, end_on: date, due_after_days: int = DEFAULT_TERTIAL_DUE_AFTER_DAYS
) -> list[Tertial]:
    """List, in order, every tertial that overlaps `start_on`..`end_on`, partial ones included."""
    _check_range(start_on, end_on)
    tertials = [tertial_of(start_on, due_after_days)]
    while tertials[-1].ends_on < end_on:
        after = tertials[-1].ends_on + timedelta(days=1)
        tertials.append(tertial_of(after, due_after_days))
    return tertials


def period_containing(periods: Iterable[P], d: date) -> P | None:
    """Return the period whose start..end contains `d`, or None when `d` is outside them all."""
    for period in periods:
        if period.starts_on <= d <= period.ends_on:
            return period
    return None


def open_periods(periods: Iterable[P], today: date) -> list[P]:
    """List the periods open for reporting: started, and today is on or before the due date."""
    return [period for period in periods if period.starts_on <= today <= period.due_on]


def earliest_submission_on(period_ends_on: date, early_days: int = 0) -> date:
    """The first day a period's report may be submitted: the day after it ends, or up to
    `early_days` before that when the programme allows early reports."""
    if early_days < 0:
        raise ValueError(f"early_days must be 0 or more, got {early_days}")
    return period_ends_on + timedelta(days=1 - early_days)


def first_day_of_year(year: int) -> date:
    """The day a realised value for `year` may first be recorded."""
    return date(year, 1, 1)
