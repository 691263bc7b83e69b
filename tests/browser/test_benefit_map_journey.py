"""Issue 16 in the browser: the programme office finds a late change, the benefit and the
budget cut it puts at risk.

On 1 March 2010 Jonas opens the programme from the menu, follows its benefit map, finds
residential parking's board decision (due 31 May 2008, still under way) in the late changes,
with the benefit that rests on it and Trafikkontoret's 2010 cut; he walks the network's table
with the arrow keys, tries to mark the change done without evidence (refused, nothing saved),
and opens the cut, which says it was taken before the change happened. axe scans each page.
"""

from datetime import date

import pytest
from playwright.sync_api import expect

from app.budget_cuts import labels as cut_labels
from app.budget_cuts import rules as cut_rules
from tests.browser.conftest import demo_programme_name, focused_matches
from tests.browser.journeys import PROGRAMME_OFFICE, Journey, by_label, send

pytestmark = pytest.mark.browser

DEMO_DAY = date(2010, 3, 1)
BOARD = "Trafiknämnden beslutar att sluta skriva ut tillstånd på papper"
BENEFIT = "Porto och utskrift"


@pytest.fixture
def journey(page, url_for, live_app):
    return Journey(page, url_for, live_app)


def test_the_programme_office_finds_a_late_change_and_what_it_puts_at_risk(
        journey, page, url_for, business_clock):
    with business_clock(DEMO_DAY):
        journey.act_as(PROGRAMME_OFFICE)
        journey.open("programmes.index")
        journey.follow(page.get_by_role("link", name=demo_programme_name(), exact=True))
        journey.follow(page.locator("[data-testid=benefit-map-link]"))
        journey.scan("the programme's benefit map")

        late = page.locator("[data-testid=late-changes]")
        row = late.locator("tr", has_text=BOARD)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Boendeparkering")
        expect(row).to_contain_text(BENEFIT)
        cut_link = row.locator("a[href*='/budget-cuts/2010/organisations/']")
        expect(cut_link.first).to_be_visible()
        cut_href = cut_link.first.get_attribute("href")
        expect(page.locator("[data-testid=risk-by-organisation]")).to_contain_text(
            "Trafikkontoret")
        expect(page.locator("#network-chart .main-svg").first).to_be_attached()

        journey.follow(row.locator("th a"))
        journey.scan("the project's benefit map")
        change = page.locator("[data-testid=changes] tr", has_text=BOARD).first
        expect(change).to_have_class("at-risk-row")

        table = page.locator("[data-testid=network-table]")
        first = table.locator("tbody tr[data-node]").first
        first.focus()
        page.keyboard.press("ArrowDown")
        assert focused_matches(page, "[data-testid=network-table] tbody tr[data-node]")
        page.keyboard.press("ArrowRight")
        assert focused_matches(page, "[data-testid=network-table] tbody tr[data-node]")

        node_row = table.locator("tr[data-node]").filter(
            has=page.locator("th", has_text=BOARD))
        expect(node_row).to_contain_text(BENEFIT)
        update = page.locator("details", has_text=BOARD).filter(
            has=page.locator("form[action*='/benefit-map/nodes/']")).first
        update.locator("summary").click()
        form = update.locator("form").first
        by_label(form, "state").select_option("done")
        by_label(form, "done_on").fill("2010-02-26")
        by_label(form, "evidence").fill("")
        send(page, form.locator("button[type=submit]"))
        expect(page.locator(".flash-messages .alert-danger")).to_be_visible()
        journey.scan("the project's benefit map with a refusal")
        expect(page.locator("[data-testid=changes] tr", has_text=BOARD).first).to_have_class(
            "at-risk-row")

        page.goto(cut_href)
        flags = page.locator("[data-testid=flags]")
        expect(flags).to_contain_text(journey.label(cut_labels.FLAG_LABELS,
                                                    cut_rules.Flag.CUT_BEFORE_CHANGE))
        expect(flags).to_contain_text(BOARD)
        journey.scan("the budget cut taken before the change")

        journey.open("dashboards.programme")
        expect(page.locator("[data-testid=table-benefits-at-risk]")).to_contain_text(
            "Trafikkontoret")
        journey.scan("the programme dashboard with benefits at risk")


def test_the_applicant_edits_her_projects_network_on_an_accessible_page(journey, page,
                                                                         business_clock):
    with business_clock(DEMO_DAY):
        journey.act_as("applicant")
        journey.open("projects.index")
        journey.follow(page.get_by_role("link", name="Boendeparkering", exact=True))
        journey.follow(page.locator("[data-testid=benefit-map-link]"))
        expect(page.locator("[data-testid=add-node]")).to_be_visible()
        expect(page.locator("[data-testid=add-link]")).to_be_visible()
        for details in page.locator("[data-testid=changes] details").all():
            details.locator("summary").click()
        journey.scan("the applicant's editable benefit map")
