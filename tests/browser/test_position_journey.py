"""The council report's position in Chromium: from the programme page to "Programmets läge"
on 1 March 2010, and from its projects figure to the list of exactly those projects; axe clean.
"""

from datetime import date

import pytest

from tests.browser.conftest import path_of
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

REPORT_DATE = date(2010, 3, 1)


def test_the_position_page_leads_to_the_projects_behind_its_figure(page, log_in_as,
                                                                   business_clock, url_for):
    log_in_as("programme_office")
    with business_clock(REPORT_DATE):
        page.goto(url_for("programmes.index"))
        programme_link = page.locator("main a[href*='/programmes/']").first
        with page.expect_navigation():
            programme_link.click()
        with page.expect_navigation():
            page.locator("[data-testid=position-link]").click()
        assert path_of(page.url).endswith("/position")
        table = page.locator("[data-testid=position]")
        assert table.get_attribute("data-on") == REPORT_DATE.isoformat()
        projects = int(table.locator("tr[data-figure=projects] td[data-value]")
                       .get_attribute("data-value"))
        # The council report's 39 on 1 March 2010; journeys run before this one in the shared
        # browser database may have funded another project that day.
        assert projects >= 39
        assert_accessible(page, "the programme position")
        with page.expect_navigation():
            page.locator("[data-testid=rows-projects]").click()
        assert path_of(page.url).endswith("/position/rows")
        assert "figure=projects" in page.url and f"on={REPORT_DATE.isoformat()}" in page.url
        rows = page.locator("[data-testid=position-rows]")
        assert int(rows.get_attribute("data-count")) == projects
        assert rows.locator("[data-testid=position-row]").count() == projects
        assert_accessible(page, "the projects behind the position's figure")
        with page.expect_navigation():
            page.locator("[data-testid=back-to-position]").click()
        assert path_of(page.url).endswith("/position")
