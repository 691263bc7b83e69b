"""The project model in the browser (issue 17, item 5): Jonas of the programme office opens
Cykelreseplanerare on 1 March 2010 (in execution since its first period; live only in May),
tries to pass the handover gate and is told go-live is missing, then corrects the execution
decision's date with a note. Karin, of the project's organisation, sees the phase and no form.
axe scans every page reached.
"""

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.journeys import APPLICANT, PROGRAMME_OFFICE, Journey, fill_in, send

pytestmark = pytest.mark.browser

PROJECT = "Cykelreseplanerare"   # Karin's organisation's (Trafikkontoret)
DEMO_DAY = date(2010, 3, 1)


@pytest.fixture
def journey(page, url_for, live_app):
    return Journey(page, url_for, live_app)


def project_id(live_app, title: str) -> int:
    from app.extensions import db
    from app.projects.models import Project

    with live_app.app_context():
        return db.session.scalar(sa.select(Project.id).where(Project.title == title))


def test_the_office_passes_a_gate_and_is_told_what_is_missing(journey, live_app,
                                                              business_clock):
    with business_clock(DEMO_DAY):
        office_journey(journey, live_app)


def office_journey(journey, live_app) -> None:
    target = project_id(live_app, PROJECT)
    journey.act_as(PROGRAMME_OFFICE)
    journey.open("projects.index")
    expect(journey.page.locator("[data-testid=project-phase]").first).to_be_visible()
    journey.scan("the project list with its phase column")

    journey.open("projects.detail", project_id=target)
    page = journey.page
    expect(page.locator("[data-testid=project-phase]")).to_have_text("Genomförande")
    expect(page.locator("[data-requirement=go_live_recorded]")).to_have_count(1)
    journey.scan("the project page with its phases and gate form")

    form = page.locator("[data-testid=gate-form]")
    fill_in(form, {"phase": "handover", "decided_on": "2010-03-01"})
    response = send(page, form.locator("[type=submit]"))
    assert response.status == 422
    expect(page.locator("#error-summary")).to_be_visible()
    journey.scan("the gate form refusing a gate whose requirement is missing")

    form = page.locator("[data-testid=gate-form]")
    fill_in(form, {"phase": "execution", "decided_on": "2008-12-01",
                   "note": "Rättat datum: genomförandet beslutades 1 december."})
    response = send(page, form.locator("[type=submit]"))
    assert response.status == 200
    expect(page.locator("[data-testid=gate-decisions]")).to_contain_text("Rättat datum")
    expect(page.locator("[data-testid=project-phase]")).to_have_text("Genomförande")
    journey.scan("the project page after a corrected gate decision")

    journey.act_as(APPLICANT)
    journey.open("projects.detail", project_id=target)
    expect(page.locator("[data-testid=phases]")).to_be_visible()
    expect(page.locator("[data-testid=gate-form]")).to_have_count(0)
    journey.scan("the project page as the project's own organisation")
