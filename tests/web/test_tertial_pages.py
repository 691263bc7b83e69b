"""Tertial report and adherence pages: who sees what, generating, presenting, the minute,
the comparison, the Excel pack, and a presented report that never changes on screen."""

import re
from datetime import date
from io import BytesIO
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.core.enums import DecisionKind, LedgerEntryKind, RagStatus, TertialReportState
from app.core.models import Notification
from app.extensions import db
from app.followup import services
from app.followup.models import TertialReport
from app.programmes.models import Programme
from app.projects.models import Project
from tests.conftest import csrf_token_from, login
from tests.integration.followup_portfolio import (
    add_decision,
    add_entry,
    add_report,
    build_two_project_world,
    original_decision_id,
)

NBSP = "\u00a0"
TODAY = date(2008, 9, 15)


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(app, people, make_programme, make_area, demo_date):
    demo_date(TODAY)
    programme_id = make_programme(name="E-tjänsteprogrammet")
    trafik, skola = make_area(name="Trafik"), make_area(name="Skola")
    with app.app_context():
        projects = build_two_project_world(programme_id, people.traffic, people.other,
                                           trafik, skola)
        db.session.commit()
        ids = {name: project.id for name, project in projects.items()}
    return SimpleNamespace(programme=programme_id, **ids, people=people)


def _generate(app, world, year=2008, tertial=2, present_with=None) -> int:
    with app.app_context():
        programme = db.session.get(Programme, world.programme)
        jonas = db.session.get(User, world.people.jonas)
        report = services.generate_tertial_report(programme, year, tertial, jonas)
        if present_with is not None:
            services.present_tertial_report(report, present_with, jonas)
        db.session.commit()
        return report.id


@pytest.fixture
def browser_of(app, db_session):
    """A fresh logged-in test client per user, so a test can switch people."""

    def open_as(user_id: int):
        client = app.test_client()
        with app.app_context():
            email = db.session.get(User, user_id).email
        assert login(client, email).status_code == 302
        return client

    return open_as


def _post(client, page_url: str, url: str, data: dict):
    token = csrf_token_from(_text(client.get(page_url)))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_list_shows_drafts_to_the_programme_office_only(app, browser_of, world):
    draft = _generate(app, world, 2008, 2)
    presented = _generate(app, world, 2008, 1, present_with="T1 klar")
    client = browser_of(world.people.jonas)
    page = _text(client.get(f"/tertial-reports?programme_id={world.programme}"))
    assert f"/tertial-reports/{draft}" in page and f"/tertial-reports/{presented}" in page
    assert 'href="/tertial-reports"' in page  # the navigation link
    assert "<caption>" in page and 'scope="row"' in page
    assert 'name="tertial"' in page  # the generate form
    client = browser_of(world.people.committee)
    page = _text(client.get(f"/tertial-reports?programme_id={world.programme}"))
    assert f"/tertial-reports/{presented}" in page and f"/tertial-reports/{draft}" not in page
    assert 'name="tertial"' not in page
    assert client.get(f"/tertial-reports/{draft}").status_code == 404
    assert client.get(f"/tertial-reports/{presented}").status_code == 200


def test_applicants_see_no_tertial_reports(app, browser_of, world):
    presented = _generate(app, world, 2008, 1, present_with="T1 klar")
    client = browser_of(world.people.karin)
    assert client.get("/tertial-reports").status_code == 403
    assert client.get(f"/tertial-reports/{presented}").status_code == 404
    assert client.get(f"/tertial-reports/{presented}/export.xlsx").status_code == 404
    assert client.get("/adherence").status_code == 403
    assert 'href="/tertial-reports"' not in _text(client.get("/"))


def test_the_programme_office_generates_a_draft_from_the_list(app, browser_of, world):
    client = browser_of(world.people.jonas)
    index = f"/tertial-reports?programme_id={world.programme}"
    response = _post(client, index, "/tertial-reports",
                     {"programme_id": world.programme, "year": "2008", "tertial": "2"})
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalar(sa.select(TertialReport))
        assert (report.year, report.tertial, report.state) == (
            2008, 2, TertialReportState.DRAFT)
    assert response.headers["Location"].endswith(f"/tertial-reports/{report.id}")
    refused = _post(client, index, "/tertial-reports",
                    {"programme_id": world.programme, "year": "2008", "tertial": "3"})
    assert refused.status_code == 302
    page = _text(client.get(refused.headers["Location"]))
    assert "2008-12-31" in page  # T3 2008 has not ended: the message says when it does
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TertialReport)) == 1


def test_only_the_programme_office_generates(browser_of, world):
    client = browser_of(world.people.committee)
    token = csrf_token_from(_text(client.get("/tertial-reports")))
    response = client.post("/tertial-reports", data={
        "programme_id": world.programme, "year": "2008", "tertial": "2", "csrf_token": token})
    assert response.status_code == 403


def test_the_report_page_shows_every_section_in_accessible_tables(app, browser_of, world):
    report_id = _generate(app, world)
    client = browser_of(world.people.jonas)
    page = _text(client.get(f"/tertial-reports/{report_id}"))
    for testid in ("snapshot-envelope", "snapshot-adherence", "snapshot-projects",
                   "snapshot-by_area", "snapshot-by_organisation", "snapshot-benefits",
                   "snapshot-benefit-lines", "snapshot-budget-cuts"):
        assert f'data-testid="{testid}"' in page
    assert page.count("<caption>") >= 8
    assert f"650{NBSP}000{NBSP}000{NBSP}kr" in page  # reserved, Swedish format
    assert f"250{NBSP}000{NBSP}kr" in page  # Cykelreseplanerare's spending in the period
    assert "Konsultpriserna steg." in page and "Leverantören är sen." in page
    assert "Skolförvaltningen" in page and "Färre samtal" in page
    assert f"50,0{NBSP}%" in page  # adherence share
    assert 'id="summary-text"' in page and 'id="confirm"' in page
    assert f"/tertial-reports/{report_id}/export.xlsx" in page


def _headings(page: str, testid: str) -> list[str]:
    """The column and row headings of one table on the page, by its data-testid."""
    table = page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]


def test_the_report_page_names_booked_spending_apart_from_reported_cost(app, browser_of, world):
    report_id = _generate(app, world)
    client = browser_of(world.people.jonas)
    page = _text(client.get(f"/tertial-reports/{report_id}"))
    assert "Förbrukat enligt huvudboken" in _headings(page, "snapshot-envelope")
    assert "Förbrukat" not in _headings(page, "snapshot-envelope")
    for testid in ("snapshot-projects", "snapshot-by_area", "snapshot-by_organisation"):
        headings = _headings(page, testid)
        assert {"Upparbetat under perioden", "Upparbetat totalt"} <= set(headings), testid
        assert not any(heading.startswith("Förbrukat") for heading in headings), testid
    assert page.count('data-testid="spending-note"') == 1
    note = page.split('data-testid="spending-note">', 1)[1].split("</p>", 1)[0]
    assert "huvudboken ligger efter projektens egna rapporter" in note.replace("\n", " ")
    assert page.count('aria-describedby="spending-note"') == 2
    assert "Förbrukat hittills" not in page and "Förbrukat under perioden" not in page


def test_presenting_needs_a_summary_and_a_confirmation(app, browser_of, world):
    report_id = _generate(app, world)
    client = browser_of(world.people.jonas)
    url = f"/tertial-reports/{report_id}"
    unconfirmed = _post(client, url, f"{url}/present", {})
    assert unconfirmed.status_code == 302
    assert "Kryssa i rutan" in _text(client.get(unconfirmed.headers["Location"]))
    no_summary = _post(client, url, f"{url}/present", {"confirm": "yes"})
    assert "Skriv en sammanfattning" in _text(client.get(no_summary.headers["Location"]))
    with app.app_context():
        assert db.session.get(TertialReport, report_id).state == TertialReportState.DRAFT
    _post(client, url, f"{url}/summary", {"summary": "Två projekt avviker från planen."})
    presented = _post(client, url, f"{url}/present", {"confirm": "yes"})
    assert presented.status_code == 302
    with app.app_context():
        report = db.session.get(TertialReport, report_id)
        assert (report.state, report.summary) == (TertialReportState.PRESENTED,
                                                  "Två projekt avviker från planen.")
        assert db.session.scalar(sa.select(Notification.user_id).where(
            Notification.kind == "tertial_report.presented")) == world.people.committee
    page = _text(client.get(url))
    assert 'id="summary-text"' not in page and 'id="confirm"' not in page
    assert "Två projekt avviker från planen." in page
    again = _post(client, url, f"{url}/present", {})
    again_page = _text(client.get(again.headers["Location"]))
    assert "redan presenterats" in again_page and "Kryssa i rutan" not in again_page


def test_the_committee_records_its_minute_once(app, browser_of, world):
    report_id = _generate(app, world, present_with="Sammanfattning")
    url = f"/tertial-reports/{report_id}"
    client = browser_of(world.people.jonas)
    assert 'id="minute-text"' not in _text(client.get(url))
    client = browser_of(world.people.committee)
    page = _text(client.get(url))
    assert 'id="minute-text"' in page
    _post(client, url, f"{url}/minute", {"minute": "Ekonomiutskottet noterar rapporten."})
    page = _text(client.get(url))
    assert "Ekonomiutskottet noterar rapporten." in page and 'id="minute-text"' not in page
    again = _post(client, url, f"{url}/minute", {"minute": "Ändrat"})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(TertialReport, report_id).committee_minute == (
            "Ekonomiutskottet noterar rapporten.")


def _main(html: str) -> str:
    """The page's main content, without the per-request CSRF tokens and nonces."""
    main = html[html.index('<main'):html.index('</main>')]
    return re.sub(r'(value|nonce)="[^"]*"', "", main)


def test_a_presented_report_looks_the_same_after_the_projects_change(
        app, browser_of, api_token, world):
    report_id = _generate(app, world, present_with="Sammanfattning")
    client = browser_of(world.people.committee)
    headers = api_token(world.people.committee)
    before_page = _main(_text(client.get(f"/tertial-reports/{report_id}")))
    before_api = client.get(f"/api/v1/tertial-reports/{report_id}", headers=headers).json
    before_pack = client.get(f"/tertial-reports/{report_id}/export.xlsx")
    with app.app_context():
        project = db.session.get(Project, world.p1)
        project.title = "Omdöpt projekt"
        add_report(project, submitted_on=date(2008, 8, 30), actual_sek=990_000,
                   forecast_sek=5_000_000, period_number=3, overall=RagStatus.RED,
                   explanation="Allt försenat.")
        add_decision(project.application_id, world.programme, 900_000, date(2008, 8, 1),
                     kind=DecisionKind.SUPPLEMENTARY, refers_to_id=original_decision_id(project))
        add_entry(world.programme, LedgerEntryKind.SPENDING, 333_000, date(2008, 8, 2),
                  project.id)
        db.session.commit()
    assert _main(_text(client.get(f"/tertial-reports/{report_id}"))) == before_page
    assert client.get(f"/api/v1/tertial-reports/{report_id}", headers=headers).json == before_api
    assert "Omdöpt projekt" not in before_page
    after_pack = client.get(f"/tertial-reports/{report_id}/export.xlsx")
    assert after_pack.status_code == before_pack.status_code
    if before_pack.status_code == 200:
        from openpyxl import load_workbook

        def cells(content):
            book = load_workbook(BytesIO(content))
            return [[c.value for c in row] for ws in book for row in ws.iter_rows()]

        assert cells(after_pack.data) == cells(before_pack.data)


def test_the_comparison_page_sets_figures_beside_the_previous_report(
        app, browser_of, world):
    _generate(app, world, 2008, 1, present_with="T1")
    t2 = _generate(app, world, 2008, 2, present_with="T2")
    client = browser_of(world.people.committee)
    page = _text(client.get(f"/tertial-reports/{t2}/compare"))
    assert 'data-testid="compare-envelope"' in page and 'data-testid="compare-projects"' in page
    assert f"+500{NBSP}000{NBSP}kr" in page  # committed grew by the supplement
    assert "<caption>" in page
    assert "Förbrukat enligt huvudboken" in _headings(page, "compare-envelope")
    assert {"Upparbetat under perioden", "Upparbetat totalt"} <= set(
        _headings(page, "compare-projects"))
    assert page.count('data-testid="spending-note"') == 1
    adherence = page.split('data-testid="compare-adherence"', 1)[1].split("</table>", 1)[0]
    # 0,0 % of the projects in T1, 50,0 % in T2: the change is in percentage points
    assert re.findall(r"([+-]?\d+,\d) procentenheter", adherence) == ["+50,0", "+50,0"]
    assert not re.search(r"[+-]\d+,\d\u00a0%", adherence)


def test_the_excel_pack_downloads(app, browser_of, world):
    pytest.importorskip("reports.tertial_pack", reason="helper exports writes the pack module")
    from openpyxl import load_workbook

    report_id = _generate(app, world, present_with="Sammanfattning")
    client = browser_of(world.people.committee)
    response = client.get(f"/tertial-reports/{report_id}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(BytesIO(response.data))
    text = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row
                    if c.value is not None)
    assert "Cykelreseplanerare" in text and "Sammanfattning" in text


def test_the_adherence_page_at_any_date(browser_of, world):
    client = browser_of(world.people.jonas)
    url = f"/adherence?programme_id={world.programme}"
    page = _text(client.get(f"{url}&on=2008-08-31"))
    assert 'data-testid="adherence-portfolio"' in page
    assert 'data-testid="adherence-by-area"' in page
    assert 'data-testid="adherence-by-organisation"' in page
    assert f"50,0{NBSP}%" in page and "Skolförvaltningen" in page and "Trafik" in page
    early = _text(client.get(f"{url}&on=2008-04-30"))
    assert f"0,0{NBSP}%" in early
    bad = client.get(f"{url}&on=2008-02-30")
    assert bad.status_code == 422 and "YYYY-MM-DD" in _text(bad)
    outside = client.get(f"{url}&on=2013-01-01")
    assert outside.status_code == 422 and "2012-12-31" in _text(outside)
    assert client.get(f"{url}&tolerance_days=-3").status_code == 422
    assert client.get(f"{url}&tolerance_days=100&on=2008-08-31").status_code == 200


def test_the_programme_page_shows_adherence_today(browser_of, world):
    client = browser_of(world.people.jonas)
    page = _text(client.get(f"/programmes/{world.programme}"))
    assert 'data-testid="adherence-block"' in page
    assert f"/adherence?programme_id={world.programme}" in page
