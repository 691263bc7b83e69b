"""Benefit map pages: the project's network with its picture, table and changes; editing as
the applicant and the programme office with refusals named on the page; the programme's page
with late changes, the benefits and cuts at risk, and who pays; who may see and edit."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.benefit_map.models import NetworkLink, NetworkNode
from app.extensions import db
from tests.conftest import csrf_token_from, decide_on_the_day
from tests.web.test_benefit_map_api import _by_kind, _link, _map, _node


@pytest.fixture
def token(api_token, people):
    return {name: api_token(getattr(people, name)) for name in ("karin", "jonas")}


@pytest.fixture
def project_id(app, people, make_application, demo_date) -> int:
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


@pytest.fixture
def network(client, token, project_id, people):
    board = _node(client, token["karin"], project_id, kind="enabling_change",
                  label="Nämndbeslut om nya riktlinjer", organisation_id=people.traffic,
                  responsible_name="Karin Trafik", due_on="2008-09-30").json
    benefit = _by_kind(_map(client, token["karin"], project_id), "benefit")[0]["id"]
    goal = _by_kind(_map(client, token["karin"], project_id), "goal")[0]["id"]
    _link(client, token["karin"], project_id, board["id"], benefit)
    _link(client, token["karin"], project_id, benefit, goal)
    return {"board": board, "benefit": benefit, "goal": goal}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count(NetworkNode.id))),
                db.session.scalar(sa.select(sa.func.count(NetworkLink.id))))


def test_the_project_page_draws_the_network_with_a_table_and_the_changes(
        client, login_as, people, project_id, network):
    login_as(people.jonas)
    html = _text(client.get(f"/projects/{project_id}/benefit-map?on=2008-10-01"))
    assert 'data-figure-source="network-figure"' in html
    assert 'data-testid="network-table"' in html and "<caption>" in html
    changes = html[html.index('data-testid="changes"'):]
    changes = changes[:changes.index("</table>")]
    assert "Nämndbeslut om nya riktlinjer" in changes and "2008-09-30" in changes
    assert 'class="at-risk-row"' in changes
    assert 'href="#map-' in html
    assert "js/benefit_map." in html and "<script>" not in html
    detail = _text(client.get(f"/projects/{project_id}"))
    assert f"/projects/{project_id}/benefit-map" in detail


def test_the_applicant_marks_a_change_done_and_a_refusal_is_named(
        app, client, login_as, people, project_id, network):
    login_as(people.karin)
    page = _text(client.get(f"/projects/{project_id}/benefit-map"))
    token = csrf_token_from(page)
    url = f"/benefit-map/nodes/{network['board']['node_id']}"
    refused = client.post(url, data={"csrf_token": token, "state": "done", "evidence": "",
                                     "done_on": "2008-04-10"}, follow_redirects=True)
    assert 'class="alert alert-danger"' in _text(refused)
    with app.app_context():
        assert db.session.get(NetworkNode, network["board"]["node_id"]).state == "planned"
    saved = client.post(url, data={"csrf_token": token, "state": "done",
                                   "evidence": "Protokoll TN 2008-04-10 §3",
                                   "done_on": "2008-04-10"}, follow_redirects=True)
    assert "Protokoll TN 2008-04-10 §3" in _text(saved)
    with app.app_context():
        assert db.session.get(NetworkNode, network["board"]["node_id"]).state == "done"


def test_a_cycle_from_the_form_is_named_and_nothing_saved(app, client, login_as, people,
                                                          project_id, network):
    login_as(people.jonas)
    application_id = _application_id(app, project_id)
    token = csrf_token_from(_text(client.get(f"/projects/{project_id}/benefit-map")))
    added = client.post(f"/applications/{application_id}/benefit-map/nodes", data={
        "csrf_token": token, "kind": "enabling_change", "label": "Utbildning",
        "organisation_id": people.traffic, "responsible_name": "Jonas", "due_on": "2008-08-01"})
    assert added.status_code == 302
    with app.app_context():
        training = db.session.scalar(sa.select(NetworkNode.id).where(
            NetworkNode.label == "Utbildning"))
    board = network["board"]["id"]
    client.post(f"/applications/{application_id}/benefit-map/links",
                data={"csrf_token": token, "from": board, "to": f"node-{training}"})
    before = _counts(app)
    refused = client.post(f"/applications/{application_id}/benefit-map/links",
                          data={"csrf_token": token, "from": f"node-{training}", "to": board},
                          follow_redirects=True)
    assert re.search(r"(Utbildning → Nämndbeslut om nya riktlinjer → Utbildning|Nämndbeslut om "
                     r"nya riktlinjer → Utbildning → Nämndbeslut)", _text(refused))
    assert _counts(app) == before


def _application_id(app, project_id) -> int:
    from app.projects.models import Project

    with app.app_context():
        return db.session.get(Project, project_id).application_id


def test_another_organisation_does_not_see_the_network(client, login_as, people, project_id,
                                                       network):
    login_as(people.sven)
    assert client.get(f"/projects/{project_id}/benefit-map").status_code == 404


def test_the_working_group_reads_but_cannot_edit(app, client, login_as, people, project_id,
                                                 network):
    application_id = _application_id(app, project_id)
    login_as(people.leila)
    page = _text(client.get(f"/projects/{project_id}/benefit-map"))
    assert "Nämndbeslut om nya riktlinjer" in page
    assert 'data-testid="add-node"' not in page and 'data-testid="add-link"' not in page
    refused = client.post(f"/applications/{application_id}/benefit-map/nodes", data={
        "csrf_token": csrf_token_from(page), "kind": "enabler", "label": "Intrång"})
    assert refused.status_code == 403
    assert _counts(app)[0] == 1


def test_a_frozen_version_is_shown_read_only_and_an_unknown_one_is_404(client, login_as, people,
                                                                       project_id, network):
    login_as(people.jonas)
    page = _text(client.get(f"/projects/{project_id}/benefit-map"))
    version = re.search(r'\?version=(\d+)', page)
    assert version, "the versions kept with the calculation are listed"
    frozen = _text(client.get(f"/projects/{project_id}/benefit-map?version={version.group(1)}"))
    assert 'data-testid="frozen-version"' in frozen and 'data-testid="add-node"' not in frozen
    assert client.get(f"/projects/{project_id}/benefit-map?version=999999").status_code == 404


def test_the_programme_page_lists_the_late_change_with_the_benefit_at_risk(
        app, client, login_as, people, project_id, network):
    from app.projects.models import Project

    with app.app_context():
        programme_id = db.session.get(Project, project_id).programme_id
    login_as(people.jonas)
    html = _text(client.get(f"/programmes/{programme_id}/benefit-map?on=2008-10-01"))
    late = html[html.index('data-testid="late-changes"'):]
    late = late[:late.index("</table>")]
    assert "Nämndbeslut om nya riktlinjer" in late and "Porto" in late
    assert "Trafikkontoret" in html[html.index('data-testid="risk-by-organisation"'):]
    assert 'data-testid="who-pays-projects"' in html
    early = _text(client.get(f"/programmes/{programme_id}/benefit-map?on=2008-09-29"))
    early_late = early[early.index('data-testid="late-changes"'):]
    assert "Nämndbeslut om nya riktlinjer" not in early_late[:early_late.index("</table>")]
    bad = _text(client.get(f"/programmes/{programme_id}/benefit-map?on=2008-02-30"))
    assert 'id="on-error"' in bad and "2008-02-30" in bad
    dashboard = _text(client.get(f"/dashboards/programme?programme_id={programme_id}"))
    assert 'data-testid="table-benefits-at-risk"' in dashboard
