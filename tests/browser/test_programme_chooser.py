"""The programme chooser (issue 17): a person with access to two programmes picks one in the
navigation, the lists follow it, and the pages with the chooser pass axe (WCAG 2.1 AA).

A second programme is added to the live demo for this test and removed afterwards, so the
other browser tests see the demo's one programme as before.
"""

from datetime import date

import pytest

from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser
SECOND = "Andra programmet"


@pytest.fixture
def second_programme(live_app):
    from app.extensions import db
    from app.programmes.models import Programme

    with live_app.app_context():
        programme = Programme(name=SECOND, starts_on=date(2007, 10, 1), ends_on=date(2012, 12, 31))
        db.session.add(programme)
        db.session.commit()
        programme_id = programme.id
    yield programme_id
    with live_app.app_context():
        db.session.delete(db.session.get(Programme, programme_id))
        db.session.commit()


def test_the_office_chooses_a_programme_and_the_lists_follow(page, log_in_as, url_for,
                                                             second_programme):
    log_in_as("programme_office")
    page.goto(url_for("start.home"))
    chooser = page.locator("#nav-programme")
    assert chooser.count() == 1
    assert_accessible(page, "the start page with the programme chooser")
    chooser.select_option(str(second_programme))
    with page.expect_navigation():
        page.locator("header form:has(#nav-programme) button").click()
    assert page.locator("#home-programme").input_value() == str(second_programme)
    page.goto(url_for("applications.index"))
    assert page.locator("main table a[href^='/applications/']").count() == 0
    assert_accessible(page, "the application list of the chosen programme")
    page.goto(url_for("start.home", programme_id="all"))
    page.goto(url_for("applications.index"))
    assert page.locator("main table a[href^='/applications/']").count() > 0
