"""Journey 5 in the browser: Jonas presents tertial report 1; the finance committee reads it.

The business clock is moved to mid-May 2010, after T1 2010 ended on 30 April. The draft is
generated the way the nightly job does; Jonas opens it from the menu, writes his summary and
presents it. The committee member logs in with the keyboard, reads the report, records the
committee's minute and downloads the Excel pack. axe scans every page reached.
"""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.extensions import db
from app.followup import services
from app.followup.models import TertialReport
from app.programmes.services import list_programmes
from tests.browser.conftest import demo_user_with_role, keyboard_login, path_of
from tests.browser.journeys import PROGRAMME_OFFICE, Journey, by_label, send

pytestmark = pytest.mark.browser

AFTER_T1 = date(2010, 5, 17)
SUMMARY = "Två projekt avviker från budget; programkontoret följer upp dem i maj."
MINUTE = "Ekonomiutskottet lägger tertialrapport 1 till handlingarna."
COMMITTEE_EMAIL = "ekonomiutskottet@demo.stockholm.example"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def journey(page, url_for, live_app):
    return Journey(page, url_for, live_app)


def generate_draft(live_app) -> int:
    """Generate the T1 2010 draft as the scheduler's job would (no actor)."""
    with live_app.app_context():
        programme = list_programmes()[-1]
        report = services.generate_tertial_report(programme, 2010, 1)
        db.session.commit()
        return report.id


def test_the_finance_committee_reads_a_presented_tertial_report(journey, business_clock,
                                                                  live_app, url_for):
    page = journey.page
    with business_clock(AFTER_T1):
        report_id = generate_draft(live_app)
        report_url = url_for("followup.tertial_report", report_id=report_id)

        journey.act_as(PROGRAMME_OFFICE)
        journey.follow(page.locator(f"nav a[href='{url_for('followup.index')}']"))
        journey.scan("the tertial reports as the programme office sees them")
        journey.follow(page.locator(f"[data-testid=tertial-reports] a[href='{report_url}']"))
        expect(page.locator("main h1")).to_have_text("Tertialrapport T1 2010")
        expect(page.locator("[data-testid=report-state]")).to_contain_text("Utkast")
        journey.scan("the draft tertial report")

        form = page.locator(
            f"form[action='{url_for('followup.save_summary', report_id=report_id)}']")
        by_label(form, "summary").fill(SUMMARY)
        send(page, form.locator("button"))
        expect(page.locator(".alert-success")).to_have_count(1)
        present = page.locator(
            f"form[action='{url_for('followup.present', report_id=report_id)}']")
        by_label(present, "confirm").check()
        response = send(page, present.locator("button"))
        assert response.status == 200 and path_of(page.url) == report_url, page.url
        expect(page.locator("[data-testid=report-state]")).to_contain_text("Presenterad")
        expect(page.locator("[data-testid=summary]")).to_have_text(SUMMARY)
        journey.scan("the presented tertial report")
        journey.log_out()

        member = demo_user_with_role("finance_committee")
        assert member.email == COMMITTEE_EMAIL
        response = keyboard_login(page, member.email, member.password)
        assert response is not None and response.ok
        journey.person = member
        journey.follow(page.locator(f"nav a[href='{url_for('followup.index')}']"))
        journey.scan("the tertial reports as the finance committee sees them")
        journey.follow(page.locator(f"[data-testid=tertial-reports] a[href='{report_url}']"))
        expect(page.locator("[data-testid=summary]")).to_have_text(SUMMARY)
        projects = page.locator("[data-testid=snapshot-projects] tbody th")
        titles = [text.strip() for text in projects.all_inner_texts()]
        assert titles, "the report lists no projects"
        journey.scan("the presented report as the finance committee reads it")

        minute = page.locator(
            f"form[action='{url_for('followup.record_minute', report_id=report_id)}']")
        by_label(minute, "minute").fill(MINUTE)
        send(page, minute.locator("button"))
        expect(page.locator("[data-testid=minute]")).to_have_text(MINUTE)
        journey.scan("the report with the committee's minute")

        download = page.locator(
            f"a[href='{url_for('followup.export', report_id=report_id)}']")
        expect(download).to_have_count(1)
        pack = page.request.get(download.get_attribute("href"))
        assert pack.status == 200 and pack.headers["content-type"] == XLSX
        book = load_workbook(BytesIO(pack.body()))
        values = {str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
                  for value in row if value is not None}
        assert titles[0] in values and any(SUMMARY in value for value in values)

        journey.follow(page.locator(
            f"main a[href='{url_for('followup.compare', report_id=report_id)}']"))
        journey.scan("the comparison with the previous report")

    with live_app.app_context():
        stored = db.session.get(TertialReport, report_id)
        assert stored.summary == SUMMARY and stored.committee_minute == MINUTE
