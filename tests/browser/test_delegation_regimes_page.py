"""The delegation regimes page: reached from the programme page, axe-clean, also with errors.

Nothing is saved here (the live server's data is shared by the browser tests): the page and
the edit page of the future regime are scanned, and a refused regime shows its error summary.
"""

import pytest

from tests.browser.test_accessibility import ADMINISTRATOR, assert_accessible, follow

pytestmark = pytest.mark.browser


def _open_delegation(page, url_for):
    page.goto(url_for("programmes.index"))
    follow(page, page.locator("main table a[href^='/programmes/']"), "a programme")
    follow(page, page.locator("[data-testid=delegation-regimes-link]"), "the delegation regimes")


def test_the_regime_timeline_and_form_are_accessible(page, log_in_as, url_for):
    log_in_as(ADMINISTRATOR)
    _open_delegation(page, url_for)

    assert page.locator("[data-testid=regime-timeline] li").count() >= 2
    assert_accessible(page, "the delegation regimes page")


def test_a_refused_regime_shows_an_accessible_error_summary(page, log_in_as, url_for):
    log_in_as(ADMINISTRATOR)
    _open_delegation(page, url_for)
    page.fill("#rule_1_authority_key", "Stabschef")
    page.fill("#rule_1_limit_sek", "5 000 000")
    with page.expect_navigation() as navigation:
        page.locator("main form[aria-labelledby=new-regime] [type=submit]").click()

    assert navigation.value.status == 422
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page, "the delegation regimes page with the error summary")


def test_the_edit_page_of_a_future_regime_is_accessible(page, log_in_as, url_for):
    log_in_as(ADMINISTRATOR)
    _open_delegation(page, url_for)
    edit = page.locator("main a[href$='/edit']")
    if edit.count() == 0:
        pytest.skip("no future regime on the business date of this run")
    follow(page, edit, "the edit page of a future regime")
    assert_accessible(page, "the edit page of a future regime")
