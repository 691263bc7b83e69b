"""Dashboards in Chromium: every chart drawn under the strict CSP, no console errors, axe clean.

The business clock stands at 1 March 2010, the position in the city's own report, so the demo
programme has decisions, projects, reports, benefits and budget cuts to draw.
"""

from datetime import date

import pytest

from tests.browser.conftest import path_of
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

REPORT_DATE = date(2010, 3, 1)


def drawn_charts(page) -> int:
    """Wait until plotly has drawn every chart container, then count the drawn ones."""
    containers = page.locator(".dashboard-chart")
    expected = containers.count()
    page.wait_for_function(
        "n => document.querySelectorAll('.dashboard-chart.js-plotly-plot svg.main-svg').length"
        " >= n && document.querySelectorAll('.dashboard-chart.js-plotly-plot').length >= n",
        arg=expected)
    page.wait_for_load_state("networkidle")
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => "
                  "requestAnimationFrame(done)))")
    return page.locator(".dashboard-chart.js-plotly-plot").count()


def test_programme_dashboard_draws_every_chart(page, log_in_as, business_clock, url_for):
    log_in_as("programme_office")
    with business_clock(REPORT_DATE):
        page.goto(url_for("dashboards.programme"))
        assert drawn_charts(page) >= 6
        assert page.locator("section[data-chart] table caption").count() == 8
        assert_accessible(page, "the programme dashboard")
        page.locator("#filter-status").select_option("active")
        with page.expect_navigation():
            page.locator("form.dashboard-filters button").click()
        assert "status=active" in page.url
        assert drawn_charts(page) >= 6


def test_organisation_and_project_dashboards_draw_their_charts(page, log_in_as, business_clock,
                                                               url_for):
    log_in_as("applicant")
    with business_clock(REPORT_DATE):
        page.goto(url_for("dashboards.index"))
        assert path_of(page.url).startswith("/dashboards/organisation/")
        assert drawn_charts(page) >= 1
        assert_accessible(page, "the organisation dashboard")
        projects = page.locator("[data-testid=organisation-projects] a")
        assert projects.count() > 0
        with page.expect_navigation():
            projects.first.click()
        assert path_of(page.url).startswith("/dashboards/project/")
        assert drawn_charts(page) >= 1
        assert_accessible(page, "the project dashboard")
