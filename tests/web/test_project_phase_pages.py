"""The project model through pages and the API (issue 17, item 5): the project page's phases
and gate form, the list's phase column and export, the report's phase, and the endpoints."""

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.projects.models import GateDecision, ProgrammePhase, Project, StatusReport
from tests.conftest import csrf_token_from
from tests.integration.test_project_phases import add_model
from tests.web.test_application_pages import html_of, marked, page
from tests.web.test_project_pages import browser, project_id  # noqa: F401  (fixtures)


@pytest.fixture
def modelled(app, project_id):  # noqa: F811
    """Karin's project (granted 2008-04-01, clock 2008-05-28) in a programme with the model."""
    with app.app_context():
        add_model(db.session.get(Project, project_id).programme_id)
        db.session.commit()
    return project_id


def post_gate(client, target_id, **data):
    token = csrf_token_from(html_of(client.get(f"/projects/{target_id}")))
    return client.post(f"/projects/{target_id}/gates", data={"csrf_token": token, **data})


def decisions(app, target_id) -> list[tuple[str, date]]:
    with app.app_context():
        return [(key, on) for key, on in db.session.execute(
            sa.select(ProgrammePhase.key, GateDecision.decided_on)
            .join(GateDecision, GateDecision.phase_id == ProgrammePhase.id)
            .where(GateDecision.project_id == target_id).order_by(GateDecision.id))]


def test_the_programme_office_passes_gates_on_the_project_page(app, browser, modelled):  # noqa: F811
    html = page(browser("jonas"), f"/projects/{modelled}")
    assert 'data-testid="gate-form"' in html
    assert marked(html, "project-phase") != "Förstudie"

    response = post_gate(browser("jonas"), modelled, phase="study", decided_on="2008-04-01")
    assert response.status_code == 302
    response = post_gate(browser("jonas"), modelled, phase="planning", decided_on="2008-04-01",
                         note="Planeringen startar")
    assert response.status_code == 302

    html = page(browser("jonas"), f"/projects/{modelled}")
    assert marked(html, "project-phase") == "Planering"
    assert "Planeringen startar" in marked(html, "gate-decisions")
    assert 'aria-current="step"' in html
    assert decisions(app, modelled) == [("study", date(2008, 4, 1)),
                                        ("planning", date(2008, 4, 1))]


def test_a_gate_out_of_order_or_in_the_future_is_refused_on_the_form(app, browser, modelled):  # noqa: F811
    response = post_gate(browser("jonas"), modelled, phase="execution", decided_on="2008-04-01")
    assert response.status_code == 422
    assert 'id="error-summary"' in html_of(response)
    response = post_gate(browser("jonas"), modelled, phase="study", decided_on="2008-05-29")
    assert response.status_code == 422
    assert "2008-05-28" in html_of(response)
    assert decisions(app, modelled) == []


def test_the_next_gates_missing_requirements_are_listed(app, browser, modelled):  # noqa: F811
    for phase in ("study", "planning", "execution"):
        assert post_gate(browser("jonas"), modelled, phase=phase,
                         decided_on="2008-04-01").status_code == 302
    html = page(browser("jonas"), f"/projects/{modelled}")
    assert 'data-requirement="go_live_recorded"' in html
    assert 'data-requirement="latest_report_submitted"' in html


@pytest.mark.parametrize("who", ["karin", "leila", "auditor"])
def test_only_the_programme_office_sees_the_form_and_may_post_it(app, browser, modelled, who):  # noqa: F811
    html = page(browser(who), f"/projects/{modelled}")
    assert 'data-testid="gate-form"' not in html
    assert 'data-testid="phases"' in html
    response = post_gate(browser(who), modelled, phase="study", decided_on="2008-04-01")
    assert response.status_code == 403
    assert decisions(app, modelled) == []


def test_another_organisation_cannot_reach_the_gate(app, browser, modelled):  # noqa: F811
    client = browser("sven")
    token = csrf_token_from(html_of(client.get("/projects/")))
    response = client.post(f"/projects/{modelled}/gates",
                           data={"csrf_token": token, "phase": "study",
                                 "decided_on": "2008-04-01"})
    assert response.status_code == 404


def test_the_list_its_export_and_the_report_name_the_phase(app, browser, modelled):  # noqa: F811
    post_gate(browser("jonas"), modelled, phase="study", decided_on="2008-04-01")
    post_gate(browser("jonas"), modelled, phase="planning", decided_on="2008-04-15")

    html = page(browser("jonas"), "/projects/")
    assert marked(html, "project-phase") == "Planering"
    assert marked(page(browser("jonas"), "/projects/?on=2008-04-10"),
                  "project-phase") == "Förstudie"

    response = browser("jonas").get("/projects/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(row for row in rows if "Fas" in row)
    column = header.index("Fas")
    assert "Planering" in [row[column] for row in rows[rows.index(header) + 1:]]

    with app.app_context():
        report_id = db.session.scalar(sa.select(StatusReport.id).where(
            StatusReport.project_id == modelled, StatusReport.period_number == 1))
    assert marked(page(browser("jonas"), f"/projects/reports/{report_id}"),
                  "report-phase") == "Förstudie"     # period 1 ended 2008-04-11


# ---- the API --------------------------------------------------------------------------------

@pytest.fixture
def headers(api_token, people):
    return {name: api_token(getattr(people, name)) for name in ("jonas", "karin", "sven")}


def test_the_api_lists_the_phases_and_records_a_gate(app, modelled, headers, people):
    client = app.test_client()
    response = client.post(f"/api/v1/projects/{modelled}/gate-decisions",
                           json={"phase": "study", "decided_on": "2008-04-01", "note": "Start"},
                           headers=headers["jonas"])
    assert response.status_code == 201, response.json
    assert response.json["phase"] == "study" and response.json["decided_by_id"] == people.jonas

    body = client.get(f"/api/v1/projects/{modelled}/phases", headers=headers["karin"]).json
    assert body["current_phase"] == "study" and body["next_phase"] == "planning"
    assert [p["key"] for p in body["phases"] if p["is_passed"]] == ["study"]
    assert [d["phase"] for d in body["gate_decisions"]] == ["study"]
    earlier = client.get(f"/api/v1/projects/{modelled}/phases?on=2008-03-31",
                         headers=headers["karin"]).json
    assert earlier["current_phase"] is None and earlier["gate_decisions"] == []

    with app.app_context():
        programme_id = db.session.get(Project, modelled).programme_id
    definitions = client.get(f"/api/v1/programmes/{programme_id}/phases",
                             headers=headers["karin"]).json
    assert [p["key"] for p in definitions] == ["study", "planning", "execution", "handover",
                                               "closure"]
    assert definitions[2]["requirements"] == ["baseline_calculation"]


@pytest.mark.parametrize(("who", "body", "status"), [
    ("karin", {"phase": "study", "decided_on": "2008-04-01"}, 403),
    ("sven", {"phase": "study", "decided_on": "2008-04-01"}, 404),
    ("jonas", {"phase": "planning", "decided_on": "2008-04-01"}, 409),
    ("jonas", {"phase": "study", "decided_on": "2008-05-29"}, 422),
    ("jonas", {"phase": "study"}, 422),
])
def test_the_api_refuses_a_gate_as_problem_json(app, modelled, headers, who, body, status):
    response = app.test_client().post(f"/api/v1/projects/{modelled}/gate-decisions", json=body,
                                      headers=headers[who])
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    assert decisions(app, modelled) == []


def test_a_missing_requirement_is_named_in_the_problem(app, modelled, headers):
    client = app.test_client()
    for phase in ("study", "planning"):
        assert client.post(f"/api/v1/projects/{modelled}/gate-decisions",
                           json={"phase": phase, "decided_on": "2008-03-20"},
                           headers=headers["jonas"]).status_code == 201
    response = client.post(f"/api/v1/projects/{modelled}/gate-decisions",
                           json={"phase": "execution", "decided_on": "2008-03-25"},
                           headers=headers["jonas"])
    assert response.status_code == 409
    assert response.json["missing"] == ["baseline_calculation"]


def test_unknown_project_or_programme_is_404(app, modelled, headers):
    client = app.test_client()
    assert client.get("/api/v1/projects/999999/phases",
                      headers=headers["jonas"]).status_code == 404
    assert client.get("/api/v1/programmes/999999/phases",
                      headers=headers["jonas"]).status_code == 404
