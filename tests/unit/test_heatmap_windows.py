"""The status heatmap's cells, placed by day arithmetic, equal the plain reading of the rule.

The rule, as the dashboard states it: a window shows the newest reported period that ended in
it (its status, or "missing" without one); "missing" when a period ended in it whose report is
overdue; blank otherwise. The reference below checks every window against every report and
period end one by one, as the first version of the chart did.
"""

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import periods
from app.dashboards import services

AS_OF = date(2011, 6, 30)
STATUS = st.sampled_from(["green", "amber", "red", None])


def _period_ends(project, as_of):
    """Every period end of the project's calendar up to `as_of`, listed period by period as
    app.projects.services.reporting_calendar runs it: the baseline's periods, then whole
    periods while it runs past its baseline end; a project closed by `as_of` stops then."""
    closed = project.closed_on is not None and project.closed_on <= as_of
    last_on = project.closed_on if closed else as_of
    ends = [p.ends_on for p in periods.six_weekly_periods(project.baseline_start_on,
                                                           project.baseline_end_on)
            if p.starts_on <= last_on]
    if last_on > project.baseline_end_on:
        extra_end = last_on if closed else last_on + timedelta(days=periods.SIX_WEEKS_DAYS - 1)
        ends += [p.ends_on for p in periods.six_weekly_periods(
            project.baseline_end_on + timedelta(days=1), extra_end) if p.starts_on <= last_on]
    return [end for end in ends if end <= as_of]


def _reference(project_frame, reports, as_of, due_after_days):
    windows = services._windows(as_of)
    due_after = timedelta(days=due_after_days)
    grid = []
    for project in project_frame.itertuples(index=False):
        overdue = [end for end in _period_ends(project, as_of) if end + due_after < as_of]
        reported = [(r.period_ends_on, r.period_number, r.overall)
                    for r in reports.itertuples(index=False) if r.project_id == project.project_id]
        cells = []
        for start, end in windows:
            inside = [r for r in reported if start <= r[0] <= end]
            if inside:
                cells.append(max(inside, key=lambda r: r[1])[2] or "missing")
            elif any(start <= day <= end for day in overdue):
                cells.append("missing")
            else:
                cells.append(None)
        if any(cell is not None for cell in cells):
            grid.append(cells)
    return grid


@st.composite
def portfolios(draw):
    """A few projects with reports ending on any day, several in one window at times."""
    projects, reports = [], []
    for project_id in range(1, draw(st.integers(1, 6)) + 1):
        starts_on = draw(st.dates(date(2009, 1, 1), date(2011, 6, 1)))
        ends_on = starts_on + timedelta(days=draw(st.integers(30, 900)))
        closed_on = draw(st.one_of(st.none(), st.dates(starts_on, date(2012, 6, 30))))
        projects.append({"project_id": project_id, "title": f"P{project_id}",
                         "baseline_start_on": starts_on, "baseline_end_on": ends_on,
                         "closed_on": closed_on})
        for number in draw(st.lists(st.integers(1, 30), max_size=12, unique=True)):
            reports.append({"project_id": project_id, "period_number": number,
                            "period_ends_on": draw(st.dates(date(2010, 6, 1), date(2011, 8, 1))),
                            "overall": draw(STATUS)})
    return (pd.DataFrame(projects),
            pd.DataFrame(reports, columns=["project_id", "period_number", "period_ends_on",
                                           "overall"]))


@settings(max_examples=200, deadline=None)
@given(portfolio=portfolios(), due_after_days=st.integers(0, 20))
def test_the_cells_follow_the_rule(portfolio, due_after_days):
    project_frame, reports = portfolio
    drawn = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services.figures, "status_heatmap",
                      lambda names, columns, grid, labels: drawn.update(grid=grid))
        services._heatmap(project_frame, reports, AS_OF, due_after_days, labels={})
    assert drawn["grid"] == _reference(project_frame, reports, AS_OF, due_after_days)
