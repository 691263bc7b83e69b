"""Prioritisation in the browser: Jonas builds two scenarios and compares them; the council
reads the one he sends.

The business clock stands at 1 March 2010, when the demo's undecided applications (four of
them assessed by the working group) wait for money. Jonas saves "Hela förslaget" with a
15 MSEK budget and "Snål ram" with 5 MSEK and the 12 MSEK map service forced out with a
written reason, compares the two side by side (cost, value, left in the envelope and the goals
covered), sends the cheaper one to the development council, and Per of the council reads it
without any way to change it. axe scans every prioritisation page reached; the frontier chart
is drawn under the strict CSP.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import path_of
from tests.browser.journeys import (
    COUNCIL,
    PROGRAMME_OFFICE,
    Journey,
    by_label,
    fill_in,
    sek_value,
    send,
    typed_amount,
)
from tests.browser.test_dashboards import drawn_charts

pytestmark = pytest.mark.browser

DECISION_TIME = date(2010, 3, 1)
MAP_SERVICE = "Beställ nybyggnadskarta och kartprodukter"
ASSESSED = {MAP_SERVICE: 12_000_000, "Lånekort till Stadsbiblioteket på webben": 950_000,
            "Anmälan av livsmedelsverksamhet": 1_350_000,
            "Förstudie: felanmälan i gatumiljön med mobilen": 400_000}
REASON = "Kartprodukterna väntar på Baggis nya plattform; tas upp igen i höst."


@pytest.fixture
def journey(page, url_for, live_app):
    return Journey(page, url_for, live_app)


def candidate_row(page, title: str):
    return page.locator("[data-testid=candidate-choices] tbody tr").filter(has_text=title)


def save_scenario(journey: Journey, name: str, budget_sek: int, forced_out: dict[str, str],
                  where: str) -> int:
    """From the list, open a new scenario, fill it by label and save it; return its id."""
    page = journey.page
    journey.follow(page.locator("[data-testid=new-scenario]"))
    fill_in(page.locator("main form"), {"name": name, "budget_sek": typed_amount(budget_sek)})
    for title, reason in forced_out.items():
        row = candidate_row(page, title)
        choice = row.locator("select").get_attribute("name")
        by_label(page, choice).select_option("out")
        by_label(page, row.locator("input[type=text]").get_attribute("name")).fill(reason)
    journey.scan(where)
    response = send(page, page.locator("main form [type=submit]"))
    assert response.status == 200, page.locator("#error-summary").all_inner_texts()
    found = re.fullmatch(r"/prioritisation/(\d+)", path_of(page.url))
    assert found, page.url
    return int(found.group(1))


def in_or_out(page) -> dict[str, str]:
    rows = page.locator("[data-testid=candidates] tbody tr")
    return {rows.nth(i).locator("th").text_content().split("(")[0].strip():
            rows.nth(i).locator("[data-testid=in-or-out]").text_content().strip()
            for i in range(rows.count())}


def test_the_office_builds_and_compares_two_scenarios_and_the_council_reads_one(
        journey, business_clock):
    page = journey.page
    # The scenario pages load plotly.js; on a busy machine that can outlast 10 s.
    page.set_default_navigation_timeout(30_000)
    with business_clock(DECISION_TIME):
        journey.act_as(PROGRAMME_OFFICE)
        journey.follow(page.locator(f"nav a[href='{journey.url_for('prioritisation.index')}']"))
        journey.scan("the prioritisation page before any scenario")

        whole = save_scenario(journey, "Hela förslaget", 15_000_000, {},
                              "the new scenario form")
        assert drawn_charts(page) == 1
        journey.scan("the scenario with its frontier")
        assert sek_value(page.locator("[data-testid=total-cost]").text_content()) == sum(
            ASSESSED.values())
        chosen = in_or_out(page)
        assert all(chosen[title].startswith("Med") for title in ASSESSED), chosen

        journey.follow(page.get_by_role("link", name="Alla scenarier"))
        lean = save_scenario(journey, "Snål ram", 5_000_000, {MAP_SERVICE: REASON},
                             "the second scenario with a candidate forced out")
        assert drawn_charts(page) == 1
        expect(page.locator("main")).to_contain_text(REASON)
        assert in_or_out(page)[MAP_SERVICE].startswith("Inte med")
        lean_cost = sum(cost for title, cost in ASSESSED.items() if title != MAP_SERVICE)
        assert sek_value(page.locator("[data-testid=total-cost]").text_content()) == lean_cost

        journey.follow(page.get_by_role("link", name="Alla scenarier"))
        page.get_by_label("Jämför Hela förslaget").check()
        page.get_by_label("Jämför Snål ram").check()
        journey.follow(page.locator("[data-testid=compare]"))
        assert path_of(page.url) == journey.url_for("prioritisation.compare")
        totals = page.locator("[data-testid=comparison-totals]")
        expect(totals.locator("thead")).to_contain_text("Hela förslaget")
        expect(totals.locator("thead")).to_contain_text("Snål ram")
        costs = [sek_value(cell.text_content())
                 for cell in totals.locator("[data-testid=total-cost]").all()]
        assert costs == [sum(ASSESSED.values()), lean_cost]
        goal_rows = totals.locator("tbody tr").filter(has_text="Måluppfyllelse")
        assert goal_rows.count() == 4
        map_row = page.locator("[data-testid=comparison-candidates] tbody tr").filter(
            has_text=MAP_SERVICE)
        assert [cell.text_content().strip() for cell in map_row.locator("td").all()[1:]] == [
            "Med", "Inte med"]
        journey.scan("the comparison of two scenarios")

        journey.open("prioritisation.detail", scenario_id=lean)
        response = send(page, page.locator("[data-testid=send]"))
        assert response.status == 200
        expect(page.locator("[data-testid=sent]")).to_be_visible()
        journey.scan("the scenario sent to the council")

        journey.act_as(COUNCIL)
        journey.follow(page.locator(f"nav a[href='{journey.url_for('prioritisation.index')}']"))
        listed = page.locator("[data-testid=scenarios] tbody th a")
        assert listed.all_inner_texts() == ["Snål ram"]
        journey.scan("the council's list of proposals")
        journey.follow(listed.first)
        assert drawn_charts(page) == 1
        expect(page.locator("main")).to_contain_text(REASON)
        assert page.locator("[data-testid=send]").count() == 0
        assert page.locator(
            f"a[href='{journey.url_for('prioritisation.edit', scenario_id=lean)}']").count() == 0
        journey.scan("the proposal as the council reads it")
        hidden = page.goto(journey.url_for("prioritisation.detail", scenario_id=whole))
        assert hidden is not None and hidden.status == 404
