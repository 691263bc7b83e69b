"""The audit log page and API: auditors only, filtered, paginated, exported to Excel."""

import re
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.core import audit
from app.core.models import AuditEntry
from app.extensions import db
from tests.web.test_application_pages import clients_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def browser(app, db_session, people, demo_date):
    demo_date("2010-03-01")
    return clients_for(app, people)


@pytest.fixture
def entries(app, people):
    """Sixty entries: 55 of one action and 5 with a hostile object id."""
    with app.app_context():
        for n in range(55):
            audit.record("idea.submitted", object_type="ProjectIdea", object_id=n,
                         after={"title": f"Idé {n}"})
        for _ in range(5):
            audit.record("application.decided", object_type="Application",
                         object_id='=HYPERLINK("http://x","y")', before={"state": "x"})
        db.session.commit()


def entry_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-entry="(\d+)"', html)]


def test_auditor_sees_the_newest_entries_first_one_page_at_a_time(browser, entries):
    auditor = browser("auditor")
    first = auditor.get("/audit/").get_data(as_text=True)
    second = auditor.get("/audit/?page=2").get_data(as_text=True)

    ids = entry_ids(first) + entry_ids(second)
    assert len(entry_ids(first)) == 50
    assert ids == sorted(ids, reverse=True)
    assert len(ids) >= 60
    assert 'href="/audit/"' in first  # the nav link


def test_filters_narrow_the_log_and_the_export_has_every_match(browser, entries):
    auditor = browser("auditor")
    html = auditor.get("/audit/?action=application.decided").get_data(as_text=True)
    assert len(entry_ids(html)) == 5

    response = auditor.get("/audit/?action=application.decided&format=xlsx")

    assert response.mimetype == XLSX
    ws = load_workbook(BytesIO(response.get_data())).active
    rows = list(ws.iter_rows(min_row=2))
    assert [row[0].value for row in rows] == entry_ids(html)
    assert all(row[5].value == '=HYPERLINK("http://x","y")' and row[5].data_type == "s"
               for row in rows)
    assert rows[0][1].is_date
    assert rows[0][6].value == '{"state": "x"}'


def test_the_export_ignores_the_page(browser, entries):
    response = browser("auditor").get("/audit/?action=idea.submitted&page=2&format=xlsx")

    ws = load_workbook(BytesIO(response.get_data())).active
    assert ws.max_row - 1 == 55


@pytest.mark.parametrize("query", ["?from=2010-13-01", "?page=0", "?from=2010-02-01&to=2010-01-01"])
def test_bad_filters_are_refused(browser, entries, query):
    assert browser("auditor").get(f"/audit/{query}").status_code in (400, 422)


@pytest.mark.parametrize("name", ["karin", "jonas", "committee"])
def test_others_may_not_read_the_log(browser, name, entries):
    client = browser(name)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/?format=xlsx").status_code == 403
    assert 'href="/audit/"' not in client.get("/ideas/").get_data(as_text=True)


def test_api_audit_log_for_auditors_only(client, api_token, people, entries):
    auditor = api_token(people.auditor)
    listed = client.get("/api/v1/audit-log?action=application.decided", headers=auditor)
    exported = client.get("/api/v1/audit-log?action=application.decided&format=xlsx",
                          headers=auditor)

    assert listed.status_code == 200 and len(listed.json) == 5
    ws = load_workbook(BytesIO(exported.get_data())).active
    assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True)] == [
        e["id"] for e in listed.json]
    refused = client.get("/api/v1/audit-log", headers=api_token(people.jonas))
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert client.get("/api/v1/audit-log?format=xlsx",
                      headers=api_token(people.karin)).status_code == 403


def test_a_filter_ending_on_the_last_possible_day_lists_everything(browser, client, api_token,
                                                                  people, entries):
    """Regression: `to=9999-12-31` overflowed the day after it into a 500."""
    page = browser("auditor").get("/audit/?to=9999-12-31&action=application.decided")
    listed = client.get("/api/v1/audit-log?to=9999-12-31&action=application.decided",
                        headers=api_token(people.auditor))

    assert page.status_code == 200 and len(entry_ids(page.get_data(as_text=True))) == 5
    assert listed.status_code == 200 and len(listed.json) == 5


def test_a_page_far_beyond_the_last_is_empty_not_an_error(browser, entries):
    """Regression: a page number too large for the database's offset gave a 500."""
    response = browser("auditor").get("/audit/?page=99999999999999999999")

    assert response.status_code == 200
    assert entry_ids(response.get_data(as_text=True)) == []


# ---- the auditor's reading of the chain (issue 11) -------------------------------------------

def test_the_log_names_actions_objects_and_fields_in_swedish(app, browser, people):
    from app.accounts.models import Organisation

    with app.app_context():
        organisation = db.session.get(Organisation, db.session.scalar(
            sa.select(Organisation.id).order_by(Organisation.id)))
        audit.record("organisation.updated", organisation, before={"name": "Gamla namnet"},
                     after={"name": organisation.name, "requested_sek": 1_200_000})
        db.session.commit()
        name = organisation.name
    html = browser("auditor").get("/audit/?action=organisation.updated").get_data(as_text=True)
    row = html[html.index('data-action="organisation.updated"'):]
    assert "Organisation uppdaterad" in row[:200]
    assert f"{name} <span" in html
    changes = re.search(r'<table class="table table-sm table-borderless mb-0 audit-changes">'
                        r"(.*?)</table>", html, re.S).group(1)
    assert "<th scope=\"row\">Namn</th><td>Gamla namnet</td>" in changes
    assert "Sökt belopp" in changes and "1\u00a0200\u00a0000\u00a0kr" in changes
    assert 'value="organisation.updated" selected>Organisation uppdaterad</option>' in html


def test_the_auditor_verifies_the_chain_on_the_page(app, browser, entries):
    auditor = browser("auditor")
    page = auditor.get("/audit/").get_data(as_text=True)
    assert 'data-testid="verify-chain"' in page and 'data-testid="chain-result"' not in page
    html = auditor.get("/audit/?verify=1").get_data(as_text=True)
    result = re.search(r'data-testid="chain-result" data-intact="(\w+)">(.*?)</div>', html, re.S)
    assert result.group(1) == "yes" and "Kedjan är hel" in result.group(2)


def test_the_page_names_the_first_broken_entry(app, browser, entries):
    with app.app_context():
        target = db.session.scalar(sa.select(AuditEntry.id).order_by(AuditEntry.id.desc()))
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == target))
        db.session.commit()
    html = browser("auditor").get("/audit/?verify=1").get_data(as_text=True)
    result = re.search(r'data-testid="chain-result" data-intact="(\w+)">(.*?)</div>', html, re.S)
    assert result.group(1) == "no"
    assert f"Post {target} saknas" in result.group(2)
