"""axe-core scans of the programme set-up pages (issue 17), as the administrator reaches them."""

import pytest

from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser


def test_programme_setup_pages_are_accessible(page, log_in_as, url_for):
    log_in_as("administrator")
    page.goto(url_for("programmes.index"))
    page.locator("main table a[href^='/programmes/']").first.click()
    page.get_by_test_id("programme-setup-link").click()
    tabs = page.locator("nav[aria-label] .nav-tabs a")
    paths = tabs.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert len(paths) == 5
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert_accessible(page, path)
    page.goto(paths[-1])
    page.fill("#report_due_after_days", "400")
    page.locator("main form [type=submit]").click()
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page, f"{paths[-1]} with errors")
    response = page.goto(url_for("programmes.new"))
    assert response is not None and response.status == 200
    assert_accessible(page, "/programmes/new")
