"""The auditor reads the audit log in the browser: keyboard only, filtered, exported, axe-scanned.

The revisor logs in with the keyboard, follows the menu to the audit log, narrows it to one
action with the keyboard alone and downloads the export from the link on the page: the
workbook holds the entries the page lists, in the same order. axe scans the page before and
after filtering.
"""

from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import demo_user_with_role, path_of, tab_to
from tests.browser.journeys import Journey

pytestmark = pytest.mark.browser

AUDITOR_EMAIL = "revisor@demo.stockholm.example"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def journey(page, url_for, live_app):
    return Journey(page, url_for, live_app)


def listed_entries(page) -> list[int]:
    """The entry numbers of the log's table rows, top to bottom."""
    return [int(n) for n in
            page.locator("[data-testid=audit-log] tbody tr[data-entry]").evaluate_all(
                "rows => rows.map(row => row.dataset.entry)")]


def test_the_auditor_filters_and_exports_the_log_with_the_keyboard(journey, url_for):
    page = journey.page
    assert demo_user_with_role("auditor").email == AUDITOR_EMAIL
    journey.act_as("auditor")

    journey.follow(page.locator(f"nav a[href='{url_for('audit.index')}']"))
    assert path_of(page.url) == url_for("audit.index"), page.url
    everything = listed_entries(page)
    assert everything and everything == sorted(everything, reverse=True)
    journey.scan("the audit log")

    tab_to(page, "select#action")
    page.keyboard.press("ArrowDown")  # the first action after "All actions"
    action = page.locator("select#action").input_value()
    assert action
    tab_to(page, "[data-testid=audit-filters] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert parse_qs(urlsplit(page.url).query)["action"] == [action]
    filtered = listed_entries(page)
    assert filtered and filtered == sorted(filtered, reverse=True)
    actions = page.locator("[data-testid=audit-log] tbody tr td[data-action]").evaluate_all(
        "cells => cells.map(cell => cell.dataset.action)")
    assert set(actions) == {action}
    journey.scan("the audit log filtered by action")

    tab_to(page, "a[data-testid=export-xlsx]")
    link = page.locator("a[data-testid=export-xlsx]")
    expect(link).to_contain_text("Exportera till Excel")
    href = link.get_attribute("href")
    assert parse_qs(urlsplit(href).query) == {"action": [action], "format": ["xlsx"]}
    exported = page.request.get(href)
    assert exported.status == 200 and exported.headers["content-type"] == XLSX
    assert "attachment;" in exported.headers["content-disposition"]
    sheet = load_workbook(BytesIO(exported.body())).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers[:len(filtered)] == filtered
