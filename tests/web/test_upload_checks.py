"""Malicious Office files through the pages and the API: refused with a clear 422, nothing stored.

The files are generated in memory (tests/office_files.py); see tests/unit/test_uploads.py for
every check one by one.
"""

import re
from io import BytesIO

import pytest

from app.applications.models import Attachment
from reports.benefit_workbook import MAX_SHEET_ROWS
from tests import office_files as files
from tests.conftest import count_rows, csrf_token_from
from tests.web.test_application_pages import application_form, clients_for, post_application
from tests.web.test_benefit_pages import versions

MB = 1024 * 1024
ATTACKS = [
    ("zip bomb", lambda: files.zip_bomb("xlsx", 1024), "kalkyl.xlsx"),
    ("truncated", lambda: files.xlsx_bytes()[:-40], "kalkyl.xlsx"),
    ("docx renamed", files.docx_bytes, "kalkyl.xlsx"),
    ("xlsx renamed", files.xlsx_bytes, "plan.docx"),
    ("dtd", lambda: files.with_dtd("docx"), "plan.docx"),
    ("million rows", files.million_row_sheet, "kalkyl.xlsx"),
    ("zip magic only", lambda: b"PK\x03\x04....", "kalkyl.xlsx"),
]


@pytest.fixture
def browser(app, db_session, people, demo_date):
    demo_date("2008-03-07")
    return clients_for(app, people)


@pytest.fixture
def token(api_token, people):
    return api_token(people.karin)


def _attachments(app) -> int:
    with app.app_context():
        return count_rows(Attachment)


@pytest.mark.parametrize("build, filename", [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_a_malicious_office_file_is_refused_through_the_api_and_not_stored(
        app, client, token, make_application, build, filename):
    application_id = make_application("draft")
    response = client.post(f"/api/v1/applications/{application_id}/attachments", headers=token,
                           data={"file": (BytesIO(build()), filename)})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.json["field"] == "attachment"
    assert _attachments(app) == 0


@pytest.mark.parametrize("build, filename", [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_a_malicious_office_file_is_a_form_error_on_the_page_and_nothing_is_stored(
        app, browser, make_programme, build, filename):
    programme = make_programme()
    response = post_application(browser("karin"), "/applications/new",
                                application_form(programme),
                                files=[(BytesIO(build()), filename)])
    assert response.status_code == 422
    assert 'id="attachments-error"' in response.get_data(as_text=True)
    assert _attachments(app) == 0


def test_sound_office_files_are_stored_and_served_with_their_type(app, client, token,
                                                                   make_application):
    application_id = make_application("draft")
    for data, filename in ((files.xlsx_bytes(), "kalkyl.xlsx"), (files.docx_bytes(), "plan.docx")):
        response = client.post(f"/api/v1/applications/{application_id}/attachments",
                               headers=token, data={"file": (BytesIO(data), filename)})
        assert response.status_code == 201
    assert _attachments(app) == 2


def test_the_size_message_names_the_real_size_and_the_limit(app, client, token,
                                                            make_application):
    application_id = make_application("draft")
    big = b"%PDF-1.4\n" + b"0" * (12 * MB - 9)
    response = client.post(f"/api/v1/applications/{application_id}/attachments", headers=token,
                           data={"file": (BytesIO(big), "stor.pdf")})
    assert response.status_code == 422
    assert "12,0 MB" in response.json["detail"] and "10,0 MB" in response.json["detail"]
    assert _attachments(app) == 0


def test_attachments_per_application_are_limited(app, client, token, make_application):
    app.config["MAX_ATTACHMENTS_PER_APPLICATION"] = 2
    try:
        application_id = make_application("draft")
        statuses = [client.post(f"/api/v1/applications/{application_id}/attachments",
                                headers=token,
                                data={"file": (BytesIO(b"%PDF-1.4 plan"), f"plan{n}.pdf")}
                                ).status_code for n in range(3)]
    finally:
        app.config["MAX_ATTACHMENTS_PER_APPLICATION"] = 20
    assert statuses == [201, 201, 422]
    assert _attachments(app) == 2


@pytest.mark.parametrize("build, words", [
    (files.million_row_sheet, f"{MAX_SHEET_ROWS} rader"),
    (files.docx_bytes, "DOCX-fil"),
    (lambda: files.zip_bomb("xlsx", 1024), "uppackad"),
])
def test_the_workbook_import_refuses_a_malicious_file_and_saves_nothing(
        app, browser, make_application, build, words):
    application_id = make_application("draft")
    before = len(versions(app, application_id))
    karin = browser("karin")
    url = f"/benefits/applications/{application_id}/calculation"
    token = csrf_token_from(karin.get(url).get_data(as_text=True))
    response = karin.post(f"{url}/import", data={
        "import-csrf_token": token, "import-workbook": (BytesIO(build()), "kalkyl.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    errors = re.search(r'data-testid="import-errors">(.*?)</ul>',
                       response.get_data(as_text=True), re.S)
    assert errors and words in errors.group(1)
    assert len(versions(app, application_id)) == before


def test_the_workbook_import_says_the_real_size(app, browser, make_application):
    """Regression: a 6 MB file was said to be 5,0 MB, as only the first 5 MB were read."""
    workbook = files.xlsx_bytes()
    application_id = make_application("draft")
    karin = browser("karin")
    url = f"/benefits/applications/{application_id}/calculation"
    token = csrf_token_from(karin.get(url).get_data(as_text=True))
    response = karin.post(f"{url}/import", data={
        "import-csrf_token": token,
        "import-workbook": (BytesIO(workbook + b"\0" * (6 * MB - len(workbook))), "kalkyl.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Filen är 6,0 MB men får vara högst 5,0 MB" in response.get_data(as_text=True)
