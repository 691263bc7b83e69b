"""Projects and six-weekly reports through the API: pre-fill, freezing, corrections,
completion requests, closing with the release, follow-up tasks, and every kind of bad input.
"""

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.projects.models import StatusReport
from tests.conftest import decide_on_the_day

PROBLEM = "application/problem+json"
COMPLETE = {
    "overall_status": "green", "cost_status": "amber", "schedule_status": "green",
    "scope_status": "green", "benefit_status": "green",
    "cost_explanation": "Konsultpriserna steg.", "actual_cost_to_date_sek": 250_000,
    "forecast_cost_sek": 1_150_000, "forecast_end_on": "2009-06-30",
    "milestones_reached": "Förstudie klar", "next_milestones": "Pilot", "risks": "Sen leverantör",
    "decisions_needed": "Inga",
}


@pytest.fixture
def token(api_token, people):
    return {name: api_token(getattr(people, name)) for name in ("karin", "sven", "jonas")}


@pytest.fixture
def project_id(app, people, make_application, demo_date) -> int:
    """Karin's project, granted 1 200 000 kr on 2008-04-01; the clock stands at 2008-04-14."""
    from app.accounts.models import User
    from app.applications import decisions
    from app.applications.models import Application

    application_id = make_application("awaiting_decision")
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        decide_on_the_day(application, {"outcome": "approved", "decided_on": date(2008, 4, 1)},
                          db.session.get(User, people.anders))
        db.session.commit()
        project_id = decisions.project_for(application).id
    demo_date("2008-04-14")
    return project_id


def _reports_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(StatusReport.id)))


def _open(client, token, project_id, **body):
    return client.post(f"/api/v1/projects/{project_id}/reports",
                       json={"period_number": 1, **body}, headers=token)


def _submitted(client, token, project_id) -> dict:
    report = _open(client, token, project_id, **COMPLETE).json
    response = client.post(f"/api/v1/reports/{report['id']}/submit", headers=token)
    assert response.status_code == 200, response.json
    return response.json


# ---- projects -------------------------------------------------------------------------------

def test_projects_are_listed_paginated_filtered_and_scoped(client, token, project_id, people):
    response = client.get("/api/v1/projects?page_size=10", headers=token["jonas"])
    assert response.status_code == 200
    assert [p["id"] for p in response.json] == [project_id]
    assert "X-Pagination" in response.headers
    own = client.get(f"/api/v1/projects?organisation_id={people.traffic}&state=active",
                     headers=token["karin"]).json
    assert [p["id"] for p in own] == [project_id]
    assert client.get("/api/v1/projects?state=closed", headers=token["jonas"]).json == []
    assert client.get("/api/v1/projects", headers=token["sven"]).json == []
    bad = client.get("/api/v1/projects?state=paused", headers=token["jonas"])
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert client.get("/api/v1/projects").status_code == 401


def test_a_project_has_its_granted_and_committed_money_and_latest_status(client, token,
                                                                         project_id):
    body = client.get(f"/api/v1/projects/{project_id}", headers=token["karin"]).json
    assert (body["granted_sek"], body["committed_sek"]) == (1_200_000, 1_200_000)
    assert body["latest_status"] is None and body["next_report"]["number"] == 1
    assert body["organisation"]["name"] == "Trafikkontoret"
    report = _submitted(client, token["karin"], project_id)
    body = client.get(f"/api/v1/projects/{project_id}", headers=token["jonas"]).json
    assert body["latest_status"]["report_id"] == report["id"]
    assert body["latest_status"]["cost_status"] == "amber"
    assert body["kept_budget"] is True and body["kept_schedule"] is True
    assert client.get(f"/api/v1/projects/{project_id}", headers=token["sven"]).status_code == 404


# ---- reports --------------------------------------------------------------------------------

def test_opening_twice_returns_the_same_draft_and_the_next_is_prefilled(
        client, token, project_id, demo_date):
    first = _open(client, token["karin"], project_id)
    assert first.status_code == 201
    assert first.json["forecast_end_on"] == "2009-06-30"
    again = _open(client, token["karin"], project_id, risks="Ny risk")
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert again.json["risks"] == "Ny risk"
    client.patch(f"/api/v1/reports/{first.json['id']}", json=COMPLETE, headers=token["karin"])
    submitted = client.post(f"/api/v1/reports/{first.json['id']}/submit",
                            headers=token["karin"]).json
    demo_date("2008-05-30")
    second = _open(client, token["karin"], project_id, period_number=2).json
    assert {k: second[k] for k in COMPLETE} == {k: submitted[k] for k in COMPLETE}
    assert (second["period_number"], second["state"]) == (2, "draft")


@pytest.mark.parametrize(("field", "value"), [
    ("actual_cost_to_date_sek", -1), ("actual_cost_to_date_sek", "250000"),
    ("actual_cost_to_date_sek", 12.5), ("forecast_cost_sek", True),
    ("forecast_cost_sek", 10**13), ("cost_status", "purple"), ("forecast_end_on", "31/12/2009"),
    ("colour", "green"),
])
def test_bad_input_is_refused_naming_the_field(client, token, project_id, field, value):
    report = _open(client, token["karin"], project_id).json
    response = client.patch(f"/api/v1/reports/{report['id']}", json={field: value, "risks": "x"},
                            headers=token["karin"])
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert field in [e["field"] for e in response.json["errors"]]
    after = client.get(f"/api/v1/reports/{report['id']}", headers=token["karin"]).json
    assert after["risks"] == ""


def test_red_without_explanation_is_refused_with_the_reason(client, token, project_id):
    report = _open(client, token["karin"], project_id,
                   **{**COMPLETE, "schedule_status": "red", "schedule_explanation": ""}).json
    response = client.post(f"/api/v1/reports/{report['id']}/submit", headers=token["karin"])
    assert response.status_code == 422 and response.json["field"] == "schedule_explanation"
    assert response.json["detail"]
    assert [e["field"] for e in response.json["errors"]] == ["schedule_explanation"]
    assert client.get(f"/api/v1/reports/{report['id']}",
                      headers=token["karin"]).json["state"] == "draft"


def test_a_period_not_open_or_another_organisations_project_writes_nothing(
        app, client, token, project_id):
    future = _open(client, token["karin"], project_id, period_number=3)
    assert future.status_code == 409 and future.json["field"] == "period_number"
    assert _open(client, token["sven"], project_id).status_code == 404
    assert _open(client, token["jonas"], project_id).status_code == 403
    assert _reports_count(app) == 0
    report = _open(client, token["karin"], project_id).json
    assert client.get(f"/api/v1/reports/{report['id']}", headers=token["sven"]).status_code == 404
    assert client.patch(f"/api/v1/reports/{report['id']}", json={"risks": "x"},
                        headers=token["sven"]).status_code == 404
    assert client.get(f"/api/v1/projects/{project_id}/reports",
                      headers=token["jonas"]).json == []


def test_a_submitted_report_is_frozen_and_a_correction_keeps_it(client, token, project_id):
    original = _submitted(client, token["karin"], project_id)
    url = f"/api/v1/reports/{original['id']}"
    assert client.patch(url, json={"risks": "ändrad"}, headers=token["karin"]).status_code == 409
    assert client.post(f"{url}/submit", headers=token["karin"]).status_code == 409
    correction = client.post(f"{url}/corrections", json={"actual_cost_to_date_sek": 260_000},
                             headers=token["karin"])
    assert correction.status_code == 201
    assert (correction.json["version"], correction.json["supersedes_id"]) == (2, original["id"])
    assert client.post(f"{url}/corrections", json={},
                       headers=token["karin"]).status_code == 409
    client.post(f"/api/v1/reports/{correction.json['id']}/submit", headers=token["karin"])
    assert client.get(url, headers=token["jonas"]).json == original
    versions = client.get(f"/api/v1/projects/{project_id}/reports", headers=token["jonas"]).json
    assert [(v["version"], v["actual_cost_to_date_sek"]) for v in versions] == [
        (1, 250_000), (2, 260_000)]


def test_the_programme_office_asks_for_completion(client, token, project_id):
    report = _submitted(client, token["karin"], project_id)
    url = f"/api/v1/reports/{report['id']}/completion-request"
    assert client.post(url, json={"comment": "x"}, headers=token["karin"]).status_code == 403
    assert client.post(url, json={"comment": ""}, headers=token["jonas"]).status_code == 422
    asked = client.post(url, json={"comment": "Förklara kostnaden."}, headers=token["jonas"])
    assert asked.status_code == 200
    assert (asked.json["state"], asked.json["completion_comment"]) == (
        "completion_requested", "Förklara kostnaden.")
    assert client.post(url, json={"comment": "igen"}, headers=token["jonas"]).status_code == 409


# ---- closing and follow-up ------------------------------------------------------------------

FINAL = {"delivered": "Reseplaneraren.", "final_cost_sek": 1_000_000, "go_live_on": "2008-09-01",
         "lessons": "Kartlägg först.", "followup_indicators": "Andel webbresor.",
         "followup_responsible": "Karin"}


def test_closing_releases_committed_minus_final_cost_and_schedules_the_follow_up(
        client, token, project_id, demo_date):
    demo_date("2008-10-15")
    url = f"/api/v1/projects/{project_id}/close"
    assert client.post(url, json=FINAL, headers=token["sven"]).status_code == 404
    for field, value in (("final_cost_sek", -1), ("final_cost_sek", "1000000"),
                         ("final_cost_sek", 1.5)):
        bad = client.post(url, json={**FINAL, field: value}, headers=token["karin"])
        assert bad.status_code == 422 and field in [e["field"] for e in bad.json["errors"]]
    missing = client.post(url, json={**FINAL, "followup_responsible": ""},
                          headers=token["karin"])
    assert missing.status_code == 422 and missing.json["field"] == "followup_responsible"
    closed = client.post(url, json=FINAL, headers=token["karin"])
    assert closed.status_code == 200, closed.json
    assert closed.json["released_sek"] == 200_000
    assert closed.json["project"]["committed_sek"] == 1_000_000
    assert closed.json["project"]["state"] == "closed"
    assert closed.json["final_report"]["followup_on"] == "2009-09-01"
    follow_ups = client.get(f"/api/v1/projects/{project_id}/follow-ups",
                            headers=token["karin"]).json
    assert [(t["kind"], t["due_on"]) for t in follow_ups] == [("benefit_followup_1y",
                                                              "2009-09-01")]
    assert client.post(url, json=FINAL, headers=token["karin"]).status_code == 409


def test_go_live_creates_the_follow_up_once(client, token, project_id, demo_date):
    demo_date("2008-10-15")
    url = f"/api/v1/projects/{project_id}/go-live"
    for _ in range(2):
        response = client.post(url, json={"go_live_on": "2008-09-01"}, headers=token["jonas"])
        assert response.status_code == 200 and response.json["go_live_on"] == "2008-09-01"
    assert client.post(url, json={"go_live_on": "2009-01-01"},
                       headers=token["karin"]).status_code == 422
    assert client.post(url, json={"go_live_on": "2008-09-01"},
                       headers=token["sven"]).status_code == 404
    follow_ups = client.get(f"/api/v1/projects/{project_id}/follow-ups",
                            headers=token["jonas"]).json
    assert len(follow_ups) == 1 and follow_ups[0]["due_on"] == "2009-09-01"


def test_the_openapi_document_describes_the_project_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/projects", "/api/v1/projects/{project_id}",
                 "/api/v1/projects/{project_id}/reports", "/api/v1/reports/{report_id}",
                 "/api/v1/reports/{report_id}/submit", "/api/v1/reports/{report_id}/corrections",
                 "/api/v1/reports/{report_id}/completion-request",
                 "/api/v1/projects/{project_id}/close", "/api/v1/projects/{project_id}/follow-ups"):
        assert path in paths, path
    assert "patch" in paths["/api/v1/reports/{report_id}"]
