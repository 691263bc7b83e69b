"""The seeded demo's six-weekly reports on the project pages and the queue, as of 1 March 2010.

The demo (seed_data/status_reports.yaml) is loaded into the rolled-back test database and the
business clock stands at DEMO_DATE. The tests match on data (amounts, data-testid, data-rag,
data-period), not on translated text.
"""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.projects.models import Project
from tests.conftest import login
from tests.web.test_application_pages import html_of, kronor, marked, page

DEMO_DAY = date(2010, 3, 1)
DEMO_PASSWORD = "nytta-demo-2010"


@pytest.fixture
def demo(app, db_session, demo_date) -> dict[str, int]:
    """Seed the demo, stand the clock at 1 March 2010; return project ids by title."""
    from app.seed import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        ids = dict(db.session.execute(sa.select(Project.title, Project.id)).all())
    demo_date(DEMO_DAY)
    return ids


def client_of(app, email: str, address: str):
    """A test client logged in as a demo user, from its own address (the login limit)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = login(client, email, DEMO_PASSWORD)
    assert response.status_code == 302, html_of(response)[:300]
    return client


@pytest.fixture
def jonas(app, demo):
    return client_of(app, "jonas@demo.stockholm.example", "127.0.1.1")


@pytest.fixture
def karin(app, demo):
    return client_of(app, "karin@demo.stockholm.example", "127.0.1.2")


def table(html: str, name: str) -> str:
    match = re.search(rf'<table[^>]*data-testid="{name}"[^>]*>(.*?)</table>', html, re.S)
    assert match, f"no table {name} on the page"
    return match.group(1)


def rows(html: str, attribute: str) -> dict[str, str]:
    """The table rows carrying data-<attribute>, by its value."""
    return dict(re.findall(rf'<tr data-{attribute}="([^"]+)"[^>]*>(.*?)</tr>', html, re.S))


def rag(html: str) -> list[str]:
    return re.findall(r'data-rag="(\w+)"', html)


def test_the_queue_shows_the_overdue_reports_and_the_open_completion_request(jonas, demo):
    html = page(jonas, "/projects/queue")

    due = rows(table(html, "reports-due"), "project")
    assert set(due) == {str(demo["Bygglov"]), str(demo["ParaInn-Bridge"])}
    assert all(marked(row, "overdue-count") == "1" for row in due.values())
    assert "2010-02-10" in due[str(demo["Bygglov"])]

    asked = table(html, "completion-requested")
    assert "E-arkiv" in asked and "lagringskostnaden" in asked
    submitted = table(html, "submitted-reports")
    titles = re.findall(r'<td><a href="/projects/\d+">([^<]+)</a></td>', submitted)
    # Newest first: every report of the last six weeks (since 2010-01-18), the three of demo
    # day at the top.
    assert titles == [
        "Synpunkter och klagomål", "Grävtillstånd för ledningsägare", "E-tjänsteplattformen",
        "Gymnasieantagning", "Detaljplaner på webben", "E-faktura", "Baggis", "E-handel",
        "Fritidshemsansökan", "Cykelreseplanerare", "Lediga jobb i staden",
        "Medborgarkontorets tidsbokning", "Trafikanordningsplaner", "Mobil miljöinspektion",
        "Ansök om vård- och omsorgsboende", "Arkivsök", "Frånvaroanmälan i skolan",
        "Trygghetslarm på webben", "Ledsagarservice och kontaktperson",
        "Synpunkter och klagomål", "Grävtillstånd för ledningsägare", "E-tjänsteplattformen"]


def test_a_late_project_over_budget_shows_both_and_its_whole_history(jonas, demo):
    html = page(jonas, f"/projects/{demo['E-tjänsteplattformen']}")

    assert kronor(marked(html, "granted")) == 24_500_000
    assert kronor(marked(html, "actual")) == 18_700_000
    assert kronor(marked(html, "forecast")) == 27_900_000
    assert "<strong>" in re.search(r'data-testid="kept-budget">(.*?)</span>', html, re.S)[1]
    assert "<strong>" in re.search(r'data-testid="kept-schedule">(.*?)</span>', html, re.S)[1]
    assert "2011-06-30" in marked(html, "current-end")
    history = rows(table(html, "status-history"), "period")
    assert sorted(map(int, history)) == list(range(1, 20))
    assert rag(history["19"]) == []
    assert rag(history["18"]) == ["red", "red", "red", "green", "green"]
    assert rag(history["1"]) == ["green"] * 5
    burn = re.search(r"<tbody>(.*?)</tbody>", table(html, "burn"), re.S)[1]
    assert len(re.findall(r"<tr>", burn)) == 18


def test_a_correction_replaces_the_period_in_the_history_and_both_versions_are_listed(
        jonas, demo):
    html = page(jonas, f"/projects/{demo['Skolval']}")

    versions = rows(table(html, "reports"), "report")
    fourth = {report_id: re.findall(r"<td>(\d+)", row)[1]
              for report_id, row in versions.items() if row.lstrip().startswith("<td>4</td>")}
    assert sorted(fourth.values()) == ["1", "2"]
    correction = next(report_id for report_id, version in fourth.items() if version == "2")
    history = rows(table(html, "status-history"), "period")
    assert f'href="/projects/reports/{correction}"' in history["4"]
    assert "data-rag" not in history["7"]
    assert "<strong>" not in history["7"]


def test_a_closed_project_reports_until_it_closed(jonas, demo):
    html = page(jonas, f"/projects/{demo['Boendeparkering']}")

    history = rows(table(html, "status-history"), "period")
    assert sorted(map(int, history)) == list(range(1, 10))
    assert "2008-09-30" in history["9"]
    assert "<strong>" in re.search(r'data-testid="kept-schedule">(.*?)</span>', html, re.S)[1]
    assert "<strong>" not in re.search(r'data-testid="kept-budget">(.*?)</span>', html, re.S)[1]
    assert 'data-testid="report-due"' not in html


def test_karin_has_every_ended_period_in_and_the_running_one_ahead(karin, demo):
    html = page(karin, f"/projects/{demo['Cykelreseplanerare']}")

    assert 'class="alert alert-info" data-testid="report-due"' in html
    assert "2010-03-31" in marked(html, "report-due")
    assert kronor(marked(html, "actual")) == 690_000
    history = rows(table(html, "status-history"), "period")
    assert sorted(map(int, history)) == list(range(1, 13))
    assert rag(history["12"]) == []
    assert rag(history["4"])[2] == "amber"
    assert rows(table(page(karin, "/projects/queue"), "reports-due"), "project") == {}
