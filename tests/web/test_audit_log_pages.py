"""The audit log page and API: auditors only, filtered, paginated, exported to Excel."""

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.core import audit
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
