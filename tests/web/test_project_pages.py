"""Project pages through the test client: journey 4 (the six-weekly report), freezing and
corrections, completion requests, the queue, closing, and every refusal.

Pages are Swedish by default; the tests match on data (amounts, field names, data-testid and
data-* markers), not on translated text.
"""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.core.enums import LedgerEntryKind, ProjectState, ReportState
from app.extensions import db
from app.followup.models import FollowUpTask
from app.programmes.models import EnvelopeEntry
from app.projects.models import Project, StatusReport
from tests.conftest import csrf_token_from, decide_on_the_day
from tests.web.test_application_pages import clients_for, html_of, kronor, marked, page

PERIOD_ONE = {
    "overall_status": "green", "cost_status": "green", "schedule_status": "green",
    "scope_status": "green", "benefit_status": "green",
    "actual_cost_to_date_sek": 250_000, "forecast_cost_sek": 1_200_000,
    "forecast_end_on": date(2009, 6, 30), "milestones_reached": "Förstudie klar",
    "next_milestones": "Pilot 2008-09-01", "risks": "Leverantören kan bli sen",
    "decisions_needed": "Inga",
}


@pytest.fixture
def browser(app, db_session, people):
    return clients_for(app, people)


@pytest.fixture
def project_id(app, people, make_application, demo_date) -> int:
    """Karin's project, granted 1 200 000 kr on 2008-04-01, with period 1 reported on 2008-04-18.

    The clock then stands at 2008-05-28: period 2 (2008-04-12 – 2008-05-23) is due 2008-06-02.
    """
    from app.accounts.models import User
    from app.applications import decisions as application_decisions
    from app.applications.models import Application
    from app.projects import reports as project_reports

    application_id = make_application("awaiting_decision")
    demo_date("2008-04-18")
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        decide_on_the_day(application, {"outcome": "approved",
                                        "decided_on": date(2008, 4, 1)},
                          db.session.get(User, people.anders))
        project = application_decisions.project_for(application)
        karin = db.session.get(User, people.karin)
        report = project_reports.open_report(project, 1, karin)
        project_reports.save_report(report, PERIOD_ONE, karin)
        project_reports.submit_report(report, karin)
        db.session.commit()
        project_id = project.id
    demo_date("2008-05-28")
    return project_id


def _form_fields(html: str) -> dict:
    """Read the values a form would send: text inputs, checked radios, textareas."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or re.search(r'type="(submit|hidden)"', tag):
            continue
        if 'type="radio"' in tag:
            if "checked" in tag:
                data[name.group(1)] = re.search(r'value="([^"]*)"', tag).group(1)
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html,
                                 re.S):
        data[name] = text.strip()
    return data


def _open(client, project_id: int, period: int):
    html = page(client, f"/projects/{project_id}")
    return client.post(f"/projects/{project_id}/reports",
                       data={"period_number": period, "csrf_token": csrf_token_from(html)})


def _table(html: str, name: str) -> str:
    """Return the HTML of the table marked data-testid=name, markup kept."""
    return re.search(rf'data-testid="{name}".*?</table>', html, re.S).group(0)


def _report(report_id: int) -> StatusReport:
    return db.session.get(StatusReport, report_id, populate_existing=True)


def _count_reports() -> int:
    return db.session.scalar(sa.select(sa.func.count(StatusReport.id)))


# ---- journey 4 ------------------------------------------------------------------------------

def test_journey_4_karin_reports_amber_cost_and_jonas_sees_it(app, browser, project_id):
    karin, jonas = browser("karin"), browser("jonas")
    project_page = page(karin, f"/projects/{project_id}")
    assert "2008-06-02" in marked(project_page, "report-due")
    opened = _open(karin, project_id, 2)
    assert opened.status_code == 302
    form_url = opened.headers["Location"]
    form_html = page(karin, form_url)
    prefilled = _form_fields(form_html)
    assert prefilled["risks"] == "Leverantören kan bli sen"
    assert prefilled["cost_status"] == "green" and prefilled["overall_status"] == "green"
    assert kronor(prefilled["actual_cost_to_date_sek"]) == 250_000
    assert prefilled["forecast_end_on"] == "2009-06-30"
    assert re.search(r'<fieldset[^>]*id="cost_status"', form_html)
    assert re.search(r"<legend", form_html)
    response = karin.post(form_url, data={
        **prefilled, "cost_status": "amber", "actual_cost_to_date_sek": "610 000",
        "cost_explanation": "Konsultpriserna steg; vi förhandlar om avtalet.",
        "csrf_token": csrf_token_from(form_html), "send": "1"})
    assert response.status_code == 302, html_of(response)[:2000]
    report_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        submitted = _report(report_id)
        assert (submitted.state, submitted.period_number) == (ReportState.SUBMITTED, 2)
        assert submitted.actual_cost_to_date_sek == 610_000
        assert submitted.risks == "Leverantören kan bli sen"
    submitted_table = _table(page(jonas, "/projects/queue"), "submitted-reports")
    row = re.search(rf'<tr data-report="{report_id}">(.*?)</tr>', submitted_table,
                    re.S).group(1)
    assert 'data-rag="amber"' in row
    history = page(jonas, f"/projects/{project_id}")
    period_two = re.search(r'<tr data-period="2">(.*?)</tr>', history, re.S).group(1)
    statuses = re.findall(r'data-rag="(\w+)"', period_two)
    assert statuses == ["green", "amber", "green", "green", "green"]
    assert re.search(r'data-rag="amber">[^<]+</span>', period_two), "status shown as text"
    assert kronor(marked(history, "actual")) == 610_000


def test_a_red_status_without_explanation_is_refused_on_the_form(browser, project_id, app):
    karin = browser("karin")
    form_url = _open(karin, project_id, 2).headers["Location"]
    form_html = page(karin, form_url)
    response = karin.post(form_url, data={
        **_form_fields(form_html), "schedule_status": "red", "schedule_explanation": "",
        "csrf_token": csrf_token_from(form_html), "send": "1"})
    assert response.status_code == 422
    html = html_of(response)
    assert 'href="#schedule_explanation"' in html
    assert 'id="schedule_explanation-error"' in html
    with app.app_context():
        report = db.session.scalar(sa.select(StatusReport).where(StatusReport.period_number == 2))
        assert report.state == ReportState.DRAFT and report.schedule_status.value == "red"


@pytest.mark.parametrize("value", ["tusen kronor", "-5", "12,5"])
def test_bad_cost_figures_are_form_errors_naming_the_field(browser, project_id, app, value):
    karin = browser("karin")
    form_url = _open(karin, project_id, 2).headers["Location"]
    form_html = page(karin, form_url)
    response = karin.post(form_url, data={
        **_form_fields(form_html), "actual_cost_to_date_sek": value, "risks": "ändrad",
        "csrf_token": csrf_token_from(form_html), "save_draft": "1"})
    assert response.status_code == 422
    assert 'href="#actual_cost_to_date_sek"' in html_of(response)
    with app.app_context():
        report = db.session.scalar(sa.select(StatusReport).where(StatusReport.period_number == 2))
        assert report.risks == "Leverantören kan bli sen"


def test_a_period_that_has_not_started_is_refused_and_nothing_is_written(browser, project_id,
                                                                          app):
    response = _open(browser("karin"), project_id, 4)
    assert response.status_code == 409
    with app.app_context():
        assert _count_reports() == 1


def test_other_organisations_and_the_office_cannot_write(browser, project_id, app):
    sven, jonas = browser("sven"), browser("jonas")
    assert sven.get(f"/projects/{project_id}").status_code == 404
    assert _open(jonas, project_id, 2).status_code == 403
    token = csrf_token_from(page(sven, "/projects/"))
    assert sven.post(f"/projects/{project_id}/reports",
                     data={"period_number": 2, "csrf_token": token}).status_code == 404
    with app.app_context():
        first = db.session.scalar(sa.select(StatusReport.id))
        assert _count_reports() == 1
    assert sven.get(f"/projects/reports/{first}").status_code == 404
    assert jonas.get(f"/projects/reports/{first}/edit").status_code == 403
    assert f'data-project="{project_id}"' not in page(sven, "/projects/")


# ---- freezing, corrections and completion ---------------------------------------------------

def test_a_submitted_report_is_frozen_and_corrected_by_a_new_version(browser, project_id, app):
    karin, jonas = browser("karin"), browser("jonas")
    with app.app_context():
        first = db.session.scalar(sa.select(StatusReport.id))
    view = page(karin, f"/projects/reports/{first}")
    assert marked(view, "frozen")
    token = csrf_token_from(view)
    refused = karin.post(f"/projects/reports/{first}/edit",
                         data={"risks": "ändrad", "csrf_token": token, "save_draft": "1"})
    assert refused.status_code == 409
    assert karin.get(f"/projects/reports/{first}/edit").status_code == 302
    response = karin.post(f"/projects/reports/{first}/correct", data={"csrf_token": token})
    assert response.status_code == 302
    correction_url = response.headers["Location"]
    form_html = page(karin, correction_url)
    assert marked(form_html, "correction-of")
    sent = karin.post(correction_url, data={
        **_form_fields(form_html), "actual_cost_to_date_sek": "260 000",
        "csrf_token": csrf_token_from(form_html), "send": "1"})
    assert sent.status_code == 302, html_of(sent)[:1500]
    with app.app_context():
        versions = db.session.scalars(sa.select(StatusReport).order_by(StatusReport.id)).all()
        assert [(r.version, r.actual_cost_to_date_sek, r.state) for r in versions] == [
            (1, 250_000, ReportState.SUBMITTED), (2, 260_000, ReportState.SUBMITTED)]
        assert versions[1].supersedes_id == versions[0].id
    old = page(jonas, f"/projects/reports/{first}")
    assert marked(old, "superseded") and kronor(marked(old, "actual")) == 250_000


def test_jonas_asks_for_completion_and_karin_sees_what_to_complete(browser, project_id, app):
    karin, jonas = browser("karin"), browser("jonas")
    with app.app_context():
        first = db.session.scalar(sa.select(StatusReport.id))
    view = page(jonas, f"/projects/reports/{first}")
    empty = jonas.post(f"/projects/reports/{first}/completion",
                       data={"comment": " ", "csrf_token": csrf_token_from(view)})
    assert empty.status_code == 422 and 'href="#comment"' in html_of(empty)
    asked = jonas.post(f"/projects/reports/{first}/completion",
                       data={"comment": "Beskriv riskerna närmare.",
                             "csrf_token": csrf_token_from(view)})
    assert asked.status_code == 302
    assert karin.post(f"/projects/reports/{first}/completion", data={
        "comment": "x", "csrf_token": csrf_token_from(page(karin, "/projects/"))}
        ).status_code == 403
    assert "Beskriv riskerna närmare." in marked(page(jonas, "/projects/queue"),
                                                 "completion-requested")
    karin_view = page(karin, f"/projects/reports/{first}")
    assert "Beskriv riskerna närmare." in marked(karin_view, "completion-comment")
    correction_url = karin.post(f"/projects/reports/{first}/correct", data={
        "csrf_token": csrf_token_from(karin_view)}).headers["Location"]
    assert "Beskriv riskerna närmare." in marked(page(karin, correction_url),
                                                 "completion-comment")


# ---- lists, the queue and the project page --------------------------------------------------

def test_the_list_filters_by_organisation_state_and_area(browser, project_id, people, app):
    jonas = browser("jonas")
    with app.app_context():
        area_id = db.session.get(Project, project_id).area_id
    assert f'data-project="{project_id}"' in page(jonas, "/projects/")
    assert f'data-project="{project_id}"' in page(
        jonas, f"/projects/?organisation={people.traffic}&state=active")
    assert f'data-project="{project_id}"' not in page(jonas, f"/projects/?organisation="
                                                             f"{people.other}")
    assert f'data-project="{project_id}"' not in page(jonas, "/projects/?state=closed")
    if area_id:
        assert f'data-project="{project_id}"' in page(jonas, f"/projects/?area={area_id}")
    assert jonas.get("/projects/?state=paused").status_code == 400
    assert jonas.get("/projects/?organisation=x").status_code == 400


def test_the_project_page_shows_money_dates_history_and_decisions(browser, project_id):
    html = page(browser("jonas"), f"/projects/{project_id}")
    assert kronor(marked(html, "granted")) == 1_200_000
    assert kronor(marked(html, "committed")) == 1_200_000
    assert kronor(marked(html, "actual")) == 250_000
    assert kronor(marked(html, "forecast")) == 1_200_000
    assert "SLK 2008/0001" in marked(html, "decisions")
    assert re.search(r'href="/decisions/\d+"', html)
    burn = marked(html, "burn")
    assert "250" in burn
    assert re.search(r'<tr data-period="1">', html)
    assert "report-due" not in html, "only the project's organisation is asked to report"


def test_the_queue_lists_overdue_reports_for_jonas(browser, project_id, demo_date):
    demo_date("2008-06-20")
    queue = page(browser("jonas"), "/projects/queue")
    row = re.search(rf'<tr data-project="{project_id}">(.*?)</tr>',
                    _table(queue, "reports-due"), re.S)
    assert row and "2008-06-02" in row.group(1)
    assert marked(row.group(0), "overdue-count") == "1"


# ---- go-live and closing --------------------------------------------------------------------

def test_karin_records_go_live_and_the_follow_up_is_scheduled_once(browser, project_id, app):
    karin = browser("karin")
    html = page(karin, f"/projects/{project_id}")
    for _ in range(2):
        response = karin.post(f"/projects/{project_id}/go-live", data={
            "go_live_on": "2008-05-15", "csrf_token": csrf_token_from(html)})
        assert response.status_code == 302
    future = karin.post(f"/projects/{project_id}/go-live", data={
        "go_live_on": "2008-12-24", "csrf_token": csrf_token_from(html)})
    assert future.status_code == 422 and 'href="#go_live_on"' in html_of(future)
    with app.app_context():
        tasks = db.session.scalars(sa.select(FollowUpTask)).all()
        assert [(t.kind, t.due_on) for t in tasks] == [("benefit_followup_1y", date(2009, 5, 15))]
    assert "2009-05-15" in marked(page(karin, f"/projects/{project_id}"), "follow-ups")


def test_closing_files_the_final_report_and_releases_the_unused_money(browser, project_id,
                                                                      app):
    karin, sven = browser("karin"), browser("sven")
    assert sven.get(f"/projects/{project_id}/close").status_code == 404
    form_html = page(karin, f"/projects/{project_id}/close")
    data = {"delivered": "Cykelreseplaneraren i webbkartan.", "final_cost_sek": "1 050 000",
            "go_live_on": "2008-05-15", "lessons": "Kartlägg processen först.",
            "followup_indicators": "Andel resor planerade på webben.",
            "followup_responsible": "Karin", "followup_on": "",
            "csrf_token": csrf_token_from(form_html)}
    bad = karin.post(f"/projects/{project_id}/close", data={**data, "final_cost_sek": "-1"})
    assert bad.status_code == 422 and 'href="#final_cost_sek"' in html_of(bad)
    missing = karin.post(f"/projects/{project_id}/close",
                         data={**data, "followup_responsible": ""})
    assert missing.status_code == 422 and 'href="#followup_responsible"' in html_of(missing)
    with app.app_context():
        assert db.session.get(Project, project_id).state == ProjectState.ACTIVE
    closed = karin.post(f"/projects/{project_id}/close", data=data)
    assert closed.status_code == 302, html_of(closed)[:1500]
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert (project.state, project.closed_on) == (ProjectState.CLOSED, date(2008, 5, 28))
        releases = db.session.scalars(sa.select(EnvelopeEntry.amount_sek).where(
            EnvelopeEntry.project_id == project_id,
            EnvelopeEntry.kind == LedgerEntryKind.RELEASE)).all()
        assert releases == [150_000]
    html = page(karin, f"/projects/{project_id}")
    assert "Kartlägg processen först." in marked(html, "final-report")
    assert kronor(marked(html, "committed")) == 1_050_000
    assert "2009-05-15" in marked(html, "follow-ups")
    again = karin.post(f"/projects/{project_id}/close", data=data)
    assert again.status_code == 409
