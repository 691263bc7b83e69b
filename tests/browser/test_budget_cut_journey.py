"""Journey 7 in the browser: Jonas proposes and records a cut; the head of an office reads why.

The business clock is moved to late 2010, so the coming budget year is 2011 and its cuts rest
on the cash-releasing savings planned for 2010 (the demo policy's lag of one year). Jonas
proposes the 2011 cuts and records the council's adopted cut for Utbildningsförvaltningen with
a reason; its head logs in with the keyboard, follows "Nyttohemtagning" to her explanation,
downloads it as Excel and cannot propose or adopt. axe scans every budget-cut page reached.
"""

import re
from datetime import date
from io import BytesIO

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.budget_cuts import labels, queries
from tests.browser.conftest import demo_users, keyboard_login, path_of
from tests.browser.journeys import (
    PROGRAMME_OFFICE,
    Journey,
    by_label,
    fill_in,
    seed,
    sek_value,
    send,
    typed_amount,
)
from tests.browser.test_login_journey import kronor

pytestmark = pytest.mark.browser

BUDGET_YEAR = 2011
SAVING_YEAR = BUDGET_YEAR - 1
LATE_2010 = date(2010, 11, 15)
ORGANISATION = "Utbildningsförvaltningen"
PROJECTS = ("Förskoleansökan", "Skolval", "Vuxenutbildning", "Skolskjuts på webben", "Hitta skola",
            "Frånvaroanmälan i skolan")
COUNCIL_REF = "Kommunfullmäktige 2010-11-29, Budget 2011 för Stockholms stad, dnr 325-1790/2010"
LOWERED_BY_SEK = 100_000
REASON = ("Fullmäktige sänkte neddragningen med 100 000 kr eftersom skolvalet införs "
          "stegvis under 2011.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADING = re.compile(rf"^Varför är vår budget för {BUDGET_YEAR} \S+(\s\S+)* lägre\?$")


@pytest.fixture
def journey(page, url_for, live_app):
    """The guarded page of conftest, for Jonas and then the head to take turns at."""
    return Journey(page, url_for, live_app)


def head_of_office():
    """The demo user who heads the organisation (the only one belonging to it)."""
    heads = [user for user in demo_users() if user.organisation == ORGANISATION]
    assert len(heads) == 1, heads
    return heads[0]


def realised_in_seed(year: int, recorded_by: date) -> int:
    """Cash-releasing realisations of the organisation's projects in a year, from the seed,
    as far as they were recorded by the day the page is read (the as-of rule)."""
    return sum(entry.get("actual_cash_releasing_sek", 0)
               for calculation in seed("calculations.yaml")["calculations"]
               if calculation["project"] in PROJECTS
               for entry in calculation.get("realisations", ())
               if entry["year"] == year and entry["recorded_on"] <= recorded_by)


def csrf_token(journey: Journey) -> str:
    """A valid CSRF token of the logged-in session, from the menu's log-out form."""
    return journey.page.locator(
        f"form[action='{journey.url_for('accounts.logout')}'] [name=csrf_token]"
    ).get_attribute("value")


def policy_text(journey: Journey) -> str:
    """The policy in force for the budget year, said the way the explanation says it."""
    language = journey.page.locator("html").get_attribute("lang")
    with journey.live_app.test_request_context(), force_locale(language):
        programme = queries.get_programme(None)
        return labels.describe_policy(queries.policy_in_force(programme, BUDGET_YEAR))


def organisation_row(journey: Journey):
    """The organisation's row in the year's proposal table."""
    row = journey.page.locator("[data-testid=proposal] tbody tr").filter(
        has=journey.page.get_by_role("rowheader", name=ORGANISATION, exact=True))
    expect(row).to_have_count(1)
    return row


def propose_and_adopt(journey: Journey) -> int:
    """Jonas proposes the year's cuts and records the adopted cut; return the proposal."""
    page, url_for = journey.page, journey.url_for
    journey.act_as(PROGRAMME_OFFICE)
    journey.follow(page.locator(f"nav a[href='{url_for('budget_cuts.index')}']"))
    journey.scan("the budget-cut overview")
    journey.follow(page.locator("[data-testid=city-totals]").get_by_role(
        "link", name=f"Förslag {BUDGET_YEAR}", exact=True))
    assert re.fullmatch(rf"/budget-cuts/{BUDGET_YEAR}", path_of(page.url)), page.url
    journey.scan("the year's proposal before proposing")

    propose = page.locator(f"form[action*='/budget-cuts/{BUDGET_YEAR}/propose'] [type=submit]")
    expect(propose).to_have_count(1)
    response = send(page, propose)
    assert response.status == 200, page.url
    expect(page.locator(".alert-success")).to_have_count(1)
    row = organisation_row(journey)
    proposed = sek_value(row.locator("td").first.inner_text().strip())
    assert proposed > LOWERED_BY_SEK, proposed
    journey.scan("the year's proposal after proposing")

    journey.follow(row.get_by_role("link", name=re.compile(f"– {ORGANISATION}$")))
    form = page.locator("main form[method=post]")
    expect(by_label(form, "amount_sek")).to_have_value(typed_amount(proposed))
    journey.scan("the adopted-cut form")
    fill_in(form, {"amount_sek": typed_amount(proposed - LOWERED_BY_SEK),
                   "council_decision_ref": COUNCIL_REF})
    response = send(page, form.locator("[type=submit]"))
    assert response.status == 422, page.url
    expect(page.locator(".error-summary")).to_have_count(1)
    journey.scan("the adopted-cut form asking for the reason")

    form = page.locator("main form[method=post]")
    fill_in(form, {"reason": REASON})
    response = send(page, form.locator("[type=submit]"))
    assert response.status == 200, page.locator(".error-summary").all_inner_texts()
    assert re.fullmatch(rf"/budget-cuts/{BUDGET_YEAR}/organisations/\d+", path_of(page.url))
    expect(page.locator("[data-testid=adopted]")).to_contain_text(COUNCIL_REF)
    journey.scan("the explanation as the programme office sees it")
    return proposed


def column(table, index: int) -> list[int]:
    """Whole kronor of one column of a table's body rows (0 is the row header)."""
    return [sek_value(cell.strip()) for cell in
            table.locator(f"tbody tr > :nth-child({index + 1})").all_inner_texts()]


def header_index(table, name: str) -> int:
    """The position of a column among the table's headings."""
    headings = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    return headings.index(name)


def test_head_of_office_finds_why_her_budget_was_cut(journey, business_clock, url_for):
    """Jonas proposes and records the cut; the head reads every line, the sheet, and no more."""
    page = journey.page
    with business_clock(LATE_2010):
        proposed = propose_and_adopt(journey)
        adopted = proposed - LOWERED_BY_SEK

        journey.log_out()
        head = head_of_office()
        response = keyboard_login(page, head.email, head.password)
        assert response is not None and response.ok
        assert path_of(page.url) == url_for("start.home"), page.url
        journey.person = head

        menu_link = page.locator(f"nav a[href='{url_for('budget_cuts.index')}']")
        expect(menu_link).to_have_text("Nyttohemtagning")
        journey.follow(menu_link)
        found = re.fullmatch(rf"/budget-cuts/{BUDGET_YEAR}/organisations/(\d+)",
                             path_of(page.url))
        assert found, page.url
        organisation_id = int(found.group(1))
        heading = page.locator("main h1").inner_text().strip()
        assert HEADING.fullmatch(heading), heading
        journey.scan("the head's explanation")

        lines = page.locator("[data-testid=lines]")
        titles = [text.strip() for text in lines.locator("tbody th").all_inner_texts()]
        assert set(titles) == set(PROJECTS), titles
        for row in lines.locator("tbody tr").all():
            cells = [text.strip() for text in row.locator("td").all_inner_texts()]
            assert cells[0] not in ("", "–"), cells
            assert re.fullmatch(r"Version \d+: Utgångsläge \(låst vid beslutet\)", cells[1]), cells
            assert cells[2] == str(SAVING_YEAR), cells
        cuts = column(lines, header_index(lines, "Neddragning"))
        realised = column(lines, header_index(lines, "Realiserat hittills"))
        assert sum(cuts) == proposed, cuts
        assert sum(realised) == realised_in_seed(SAVING_YEAR, recorded_by=LATE_2010), realised

        expect(page.locator("[data-testid=proposed]")).to_have_text(kronor(proposed))
        adopted_text = page.locator("[data-testid=adopted]").inner_text()
        assert adopted_text.startswith(f"{kronor(adopted)} – {COUNCIL_REF}"), adopted_text
        assert REASON in adopted_text, adopted_text
        expect(page.locator("[data-testid=realised]")).to_contain_text(
            kronor(sum(realised)))
        expect(page.locator("[data-testid=summary]")).to_contain_text(policy_text(journey))
        expect(page.locator("[data-testid=history]")).to_contain_text(COUNCIL_REF)

        download = page.get_by_role("link", name="Ladda ned som Excel", exact=True)
        expect(download).to_have_count(1)
        sheet = page.request.get(download.get_attribute("href"))
        assert sheet.status == 200
        assert sheet.headers["content-type"] == XLSX
        workbook = load_workbook(BytesIO(sheet.body()))
        assert len(workbook.worksheets) == 1
        values = {str(value) for row in workbook.active.iter_rows(values_only=True)
                  for value in row if value is not None}
        assert set(PROJECTS) <= values, values
        assert any(COUNCIL_REF in value for value in values), values

        main = page.locator("main")
        expect(main.locator("form[action*='/propose']")).to_have_count(0)
        expect(main.locator("a[href*='/adopt'], a[href*='/correct']")).to_have_count(0)
        token = csrf_token(journey)
        year_query = {"year": BUDGET_YEAR}
        propose_url = url_for("budget_cuts.propose", **year_query)
        adopt_url = url_for("budget_cuts.adopt", organisation_id=organisation_id, **year_query)
        assert page.request.get(url_for("budget_cuts.year_page", **year_query)).status == 403
        assert page.request.post(propose_url, form={"csrf_token": token},
                                 max_redirects=0).status == 403
        assert page.request.post(adopt_url, form={
            "csrf_token": token, "amount_sek": "0", "council_decision_ref": COUNCIL_REF,
            "reason": REASON}, max_redirects=0).status == 403
        page.reload()
        expect(page.locator("[data-testid=adopted]")).to_contain_text(kronor(adopted))
