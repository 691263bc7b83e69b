"""Adherence statistics on hand-made portfolios: budget, schedule, shares and groups."""

import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.followup.rules import (
    AdherenceFigures,
    ProjectFacts,
    ReportFacts,
    adherence,
    kept_budget,
    kept_schedule,
    latest_report_on,
)

GRANTED = 1_000_000
BASELINE_END = date(2012, 2, 29)
ON = date(2012, 6, 30)


def report(
    submitted_on=date(2012, 3, 15),
    actual=500_000,
    forecast=GRANTED,
    forecast_end_on=BASELINE_END,
    actual_end_on=None,
):
    return ReportFacts(
        submitted_on=submitted_on,
        actual_cost_sek=actual,
        forecast_cost_sek=forecast,
        forecast_end_on=forecast_end_on,
        actual_end_on=actual_end_on,
    )


def project(*reports, project_id=1, area="Skola", organisation_id=10):
    return ProjectFacts(
        project_id=project_id,
        area=area,
        organisation_id=organisation_id,
        granted_sek=GRANTED,
        baseline_end_on=BASELINE_END,
        reports=tuple(reports),
    )


def portfolio(count, over_budget, late, unreported=0, **kwargs):
    """Build `count` reported projects, the first `over_budget` over, the last `late` late."""
    projects = []
    for i in range(count):
        projects.append(
            project(
                report(
                    forecast=GRANTED + 1 if i < over_budget else GRANTED,
                    forecast_end_on=BASELINE_END + timedelta(days=30 if i >= count - late else 0),
                ),
                project_id=i + 1,
                **kwargs,
            )
        )
    for i in range(unreported):
        projects.append(project(project_id=count + i + 1, **kwargs))
    return projects


@pytest.mark.parametrize(
    ("reports", "expected"),
    [
        ((), None),  # no report yet: not assessed
        ((report(actual=500_000, forecast=GRANTED),), True),  # forecast exactly granted: kept
        ((report(actual=GRANTED, forecast=GRANTED),), True),  # actual exactly granted: kept
        ((report(actual=500_000, forecast=GRANTED + 1),), False),  # one krona over
        ((report(actual=GRANTED + 1, forecast=GRANTED),), False),  # actual over, forecast not
        ((report(actual=0, forecast=0),), True),
        (  # the latest report counts, not the worst
            (
                report(date(2012, 3, 1), forecast=GRANTED + 50_000),
                report(date(2012, 4, 1), forecast=GRANTED),
            ),
            True,
        ),
        (  # a report after the date is ignored
            (
                report(date(2012, 3, 1), forecast=GRANTED),
                report(date(2012, 7, 1), forecast=GRANTED + 50_000),
            ),
            True,
        ),
        (  # a report on the date itself counts
            (report(ON, forecast=GRANTED + 1),),
            False,
        ),
        (  # only reports after the date: not assessed
            (report(date(2012, 7, 1), forecast=GRANTED + 1),),
            None,
        ),
    ],
)
def test_kept_budget(reports, expected):
    assert kept_budget(project(*reports), ON) is expected


@pytest.mark.parametrize(
    ("forecast_end_on", "actual_end_on", "tolerance_days", "expected"),
    [
        (BASELINE_END, None, 0, True),  # on the baseline end: kept
        (BASELINE_END - timedelta(days=10), None, 0, True),  # early: kept
        (date(2012, 3, 1), None, 0, False),  # one day late (after a leap day), no tolerance
        (date(2012, 3, 1), None, 1, True),  # one day late, one day of tolerance
        (date(2012, 3, 2), None, 1, False),  # two days late, one day of tolerance
        (date(2012, 3, 30), None, 30, True),
        (BASELINE_END, date(2012, 3, 1), 0, False),  # actual end late, forecast not
        (BASELINE_END, date(2012, 3, 1), 1, True),
        (date(2012, 3, 1), BASELINE_END, 0, False),  # forecast late, actual not
        (BASELINE_END, BASELINE_END, 0, True),
    ],
)
def test_kept_schedule(forecast_end_on, actual_end_on, tolerance_days, expected):
    facts = project(report(forecast_end_on=forecast_end_on, actual_end_on=actual_end_on))

    assert kept_schedule(facts, ON, tolerance_days) is expected


def test_kept_schedule_without_a_report_is_none():
    assert kept_schedule(project(), ON) is None


def test_kept_schedule_uses_the_latest_report_on_the_date():
    facts = project(
        report(date(2012, 3, 1), forecast_end_on=BASELINE_END),
        report(date(2012, 7, 1), forecast_end_on=date(2012, 12, 31)),
    )

    assert kept_schedule(facts, ON) is True
    assert kept_schedule(facts, date(2012, 7, 1)) is False


def test_latest_report_on_ignores_the_order_given():
    first = report(date(2012, 3, 1))
    second = report(date(2012, 4, 12))
    later = report(date(2012, 8, 1))

    assert latest_report_on(project(second, later, first), ON) is second
    assert latest_report_on(project(second, later, first), date(2012, 3, 31)) is first
    assert latest_report_on(project(second, later, first), date(2012, 2, 1)) is None


def test_latest_report_on_same_day_takes_the_later_version():
    original = report(date(2012, 4, 12), forecast=GRANTED)
    correction = report(date(2012, 4, 12), forecast=GRANTED + 1)

    assert latest_report_on(project(original, correction), ON) is correction


@pytest.mark.parametrize(
    ("count", "over_budget", "late", "unreported", "budget_share", "schedule_share"),
    [
        (13, 4, 6, 0, Decimal("0.3077"), Decimal("0.4615")),  # the city's 31 % / 47 % style
        (15, 5, 7, 0, Decimal("0.3333"), Decimal("0.4667")),
        (32, 10, 15, 0, Decimal("0.3125"), Decimal("0.4688")),
        (32, 1, 0, 0, Decimal("0.0313"), Decimal("0.0000")),  # half up, not half even
        (13, 4, 6, 5, Decimal("0.3077"), Decimal("0.4615")),  # unreported ones do not dilute
        (3, 0, 3, 0, Decimal("0.0000"), Decimal("1.0000")),
        (0, 0, 0, 2, None, None),  # nothing assessed yet
        (0, 0, 0, 0, None, None),  # empty portfolio
    ],
)
def test_adherence_shares(count, over_budget, late, unreported, budget_share, schedule_share):
    figures = adherence(portfolio(count, over_budget, late, unreported), ON)

    assert figures == AdherenceFigures(
        projects=count + unreported,
        assessed=count,
        not_kept_budget=over_budget,
        not_kept_schedule=late,
        not_kept_budget_share=budget_share,
        not_kept_schedule_share=schedule_share,
    )


def test_adherence_counts_a_project_both_over_budget_and_late_in_both():
    facts = project(report(forecast=GRANTED + 1, forecast_end_on=date(2012, 3, 1)))

    figures = adherence([facts], ON)

    assert (figures.not_kept_budget, figures.not_kept_schedule) == (1, 1)


@pytest.mark.parametrize(("tolerance_days", "late"), [(0, 2), (1, 1), (5, 0)])
def test_adherence_applies_the_tolerance(tolerance_days, late):
    projects = [
        project(report(forecast_end_on=BASELINE_END), project_id=1),
        project(report(forecast_end_on=date(2012, 3, 1)), project_id=2),
        project(report(forecast_end_on=date(2012, 3, 5)), project_id=3),
    ]

    assert adherence(projects, ON, tolerance_days).not_kept_schedule == late


def test_adherence_at_an_earlier_date_uses_the_reports_known_then():
    projects = [
        project(report(date(2011, 6, 1)), report(date(2012, 3, 1), forecast=GRANTED + 1)),
        project(report(date(2012, 3, 1)), project_id=2),
    ]

    early = adherence(projects, date(2011, 12, 31))
    later = adherence(projects, ON)

    assert (early.assessed, early.not_kept_budget, early.not_kept_budget_share) == (
        1,
        0,
        Decimal("0.0000"),
    )
    assert (later.assessed, later.not_kept_budget, later.not_kept_budget_share) == (
        2,
        1,
        Decimal("0.5000"),
    )


def test_adherence_by_area():
    projects = portfolio(4, 1, 2, area="Skola") + portfolio(2, 2, 0, unreported=1, area="Omsorg")

    by_area = adherence(projects, ON, group_by="area")

    assert list(by_area) == ["Skola", "Omsorg"]
    assert by_area["Skola"] == AdherenceFigures(4, 4, 1, 2, Decimal("0.2500"), Decimal("0.5000"))
    assert by_area["Omsorg"] == AdherenceFigures(3, 2, 2, 0, Decimal("1.0000"), Decimal("0.0000"))


def test_adherence_by_organisation_includes_groups_with_nothing_assessed():
    projects = portfolio(3, 1, 1, organisation_id=10) + portfolio(0, 0, 0, 2, organisation_id=20)

    by_organisation = adherence((p for p in projects), ON, group_by="organisation_id")

    assert by_organisation[10] == AdherenceFigures(3, 3, 1, 1, Decimal("0.3333"), Decimal("0.3333"))
    assert by_organisation[20] == AdherenceFigures(2, 0, 0, 0, None, None)


def test_adherence_groups_add_up_to_the_portfolio():
    projects = portfolio(7, 2, 3, area="Skola") + portfolio(6, 2, 3, unreported=2, area="Omsorg")

    whole = adherence(projects, ON)
    groups = adherence(projects, ON, group_by="area").values()

    assert sum(g.assessed for g in groups) == whole.assessed == 13
    assert sum(g.not_kept_budget for g in groups) == whole.not_kept_budget == 4
    assert sum(g.not_kept_schedule for g in groups) == whole.not_kept_schedule == 6


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: adherence([], ON, group_by="name"), "group_by must be one of"),
        (lambda: adherence([], ON, tolerance_days=-1), "0 or more"),
        (lambda: kept_schedule(project(report()), ON, tolerance_days=-1), "0 or more"),
    ],
)
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_module_does_not_import_flask():
    code = "import sys, app.followup.rules; assert 'flask' not in sys.modules"

    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
