"""The benefits dependency network through the API: the map's shape, changes created and
updated, the risk as of a date, versions keeping their network, and every kind of bad input.
"""

from datetime import date

import pytest
import sqlalchemy as sa

from app.benefit_map.models import NetworkLink, NetworkNode
from app.extensions import db
from tests.conftest import decide_on_the_day

PROBLEM = "application/problem+json"
KEYS = {"id", "kind", "label", "organisation_id", "state", "due_on", "at_risk"}


@pytest.fixture
def token(api_token, people):
    return {name: api_token(getattr(people, name))
            for name in ("karin", "sven", "jonas", "auditor", "leila")}


@pytest.fixture
def project_id(app, people, make_application, demo_date) -> int:
    """Karin's project (2008-03-01 to 2009-06-30), granted on 2008-04-01; clock 2008-04-14."""
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


def _map(client, token, project_id, on=None) -> dict:
    query = f"?on={on}" if on else ""
    response = client.get(f"/api/v1/projects/{project_id}/benefit-map{query}", headers=token)
    assert response.status_code == 200, response.json
    return response.json


def _by_kind(benefit_map: dict, kind: str) -> list[dict]:
    return [n for n in benefit_map["nodes"] if n["kind"] == kind]


def _node(client, token, project_id, **body):
    return client.post(f"/api/v1/projects/{project_id}/benefit-map/nodes", json=body,
                       headers=token)


def _link(client, token, project_id, source, target):
    return client.post(f"/api/v1/projects/{project_id}/benefit-map/links",
                       json={"from": source, "to": target}, headers=token)


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count(NetworkNode.id))),
                db.session.scalar(sa.select(sa.func.count(NetworkLink.id))))


@pytest.fixture
def parking(client, token, project_id, people):
    """The e-service → the board stops printing permits → fewer manual checks → the saving."""
    karin = token["karin"]
    eservice = _node(client, karin, project_id, kind="enabler", label="E-tjänsten").json
    board = _node(client, karin, project_id, kind="enabling_change",
                  label="Nämnden beslutar sluta skriva ut tillstånd",
                  organisation_id=people.traffic, responsible_name="Karin Trafik",
                  due_on="2008-09-30").json
    checks = _node(client, karin, project_id, kind="business_change",
                   label="Färre manuella kontroller", organisation_id=people.traffic,
                   responsible_name="Karin Trafik", due_on="2009-03-31").json
    benefit = _by_kind(_map(client, karin, project_id), "benefit")[0]["id"]
    goal = _by_kind(_map(client, karin, project_id), "goal")[2]["id"]
    for source, target in ((eservice["id"], board["id"]), (board["id"], checks["id"]),
                           (checks["id"], benefit), (benefit, goal)):
        response = _link(client, karin, project_id, source, target)
        assert response.status_code == 201, response.json
    return {"eservice": eservice, "board": board, "checks": checks, "benefit": benefit,
            "goal": goal}


def test_the_map_has_the_contract_shape_and_runs_enablers_to_goals(client, token, project_id,
                                                                    parking):
    found = _map(client, token["jonas"], project_id)
    assert all(set(node) == KEYS for node in found["nodes"])
    assert [n["kind"] for n in found["nodes"]][:3] == ["enabler", "enabling_change",
                                                       "business_change"]
    assert len(_by_kind(found, "goal")) == 4
    assert {"from": parking["board"]["id"], "to": parking["checks"]["id"]} in found["edges"]
    board = next(n for n in found["nodes"] if n["id"] == parking["board"]["id"])
    assert (board["state"], board["due_on"], board["at_risk"]) == ("planned", "2008-09-30", False)


@pytest.mark.parametrize("on, board, benefit", [
    ("2008-09-29", False, False),
    ("2008-09-30", True, True),
    ("2009-01-15", True, True),
])
def test_a_late_change_puts_the_benefit_at_risk_from_its_due_date(client, token, project_id,
                                                                  parking, on, board, benefit):
    found = {n["id"]: n for n in _map(client, token["jonas"], project_id, on)["nodes"]}
    assert found[parking["board"]["id"]]["at_risk"] is board
    assert found[parking["benefit"]]["at_risk"] is benefit
    assert found[parking["eservice"]["id"]]["at_risk"] is False


def test_marking_the_change_done_with_evidence_clears_the_risk_from_that_day(
        client, token, project_id, parking, demo_date):
    demo_date("2008-11-01")
    response = client.patch(f"/api/v1/benefit-map/nodes/{parking['board']['node_id']}",
                            json={"state": "done", "evidence": "Protokoll TN 2008-10-20 §12",
                                  "done_on": "2008-10-20"}, headers=token["karin"])
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["done_on"]) == ("done", "2008-10-20")
    late = {n["id"]: n["at_risk"] for n in _map(client, token["jonas"], project_id,
                                                "2008-10-19")["nodes"]}
    assert late[parking["benefit"]] is True
    after = {n["id"]: n["at_risk"] for n in _map(client, token["jonas"], project_id,
                                                 "2008-11-01")["nodes"]}
    assert after[parking["benefit"]] is False


def test_a_cycle_is_refused_naming_it_and_nothing_is_saved(client, token, project_id, parking,
                                                          people):
    training = _node(client, token["karin"], project_id, kind="enabling_change",
                     label="Utbildning av parkeringsvakter", organisation_id=people.traffic,
                     responsible_name="Karin Trafik", due_on="2008-08-31").json
    assert _link(client, token["karin"], project_id, parking["board"]["id"],
                 training["id"]).status_code == 201
    before = _counts(client.application)
    response = _link(client, token["karin"], project_id, training["id"], parking["board"]["id"])
    assert response.status_code == 422 and response.mimetype == PROBLEM
    detail = response.json["detail"]
    assert ("Utbildning av parkeringsvakter → Nämnden beslutar sluta skriva ut tillstånd"
            in detail or "Nämnden beslutar sluta skriva ut tillstånd → Utbildning av "
            "parkeringsvakter" in detail)
    cycle = response.json["cycle"]
    assert cycle[0] == cycle[-1] and set(cycle) == {training["id"], parking["board"]["id"]}
    assert _counts(client.application) == before


@pytest.mark.parametrize("source, target, named", [
    ("benefit", "board", ("Porto", "Nämnden beslutar sluta skriva ut tillstånd")),
    ("goal", "benefit", ("Porto",)),
    ("board", "nonsense", ("nonsense",)),
    ("board", "node-999999", ("node-999999",)),
    ("eservice", "board", ("E-tjänsten", "Nämnden beslutar sluta skriva ut tillstånd")),
])
def test_a_link_against_the_direction_or_to_nothing_is_refused(client, token, project_id,
                                                               parking, source, target, named):
    def key(name):
        value = parking.get(name, name)
        return value["id"] if isinstance(value, dict) else value

    before = _counts(client.application)
    response = _link(client, token["karin"], project_id, key(source), key(target))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["field"] in ("from", "to")
    assert all(name in response.json["detail"] for name in named), response.json["detail"]
    assert _counts(client.application) == before


def test_a_link_to_another_programmes_goal_or_node_is_refused(client, token, project_id,
                                                              parking, make_application):
    other_app = make_application("draft")
    other_node = client.post(f"/api/v1/applications/{other_app}/benefit-map/nodes",
                             json={"kind": "enabler", "label": "Annan plattform"},
                             headers=token["karin"])
    assert other_node.status_code == 201, other_node.json
    other_goal = _by_kind(client.get(f"/api/v1/applications/{other_app}/benefit-map",
                                     headers=token["karin"]).json, "goal")[0]["id"]
    before = _counts(client.application)
    to_goal = _link(client, token["karin"], project_id, parking["benefit"], other_goal)
    assert (to_goal.status_code, to_goal.json["field"]) == (422, "to")
    from_node = _link(client, token["karin"], project_id, other_node.json["id"],
                      parking["board"]["id"])
    assert (from_node.status_code, from_node.json["field"]) == (422, "from")
    assert "Annan plattform" in from_node.json["detail"]
    assert _counts(client.application) == before


@pytest.mark.parametrize("body, field, words", [
    ({"due_on": "2010-01-01"}, "due_on", "2008-03-01"),
    ({"due_on": "2008-02-28"}, "due_on", "2009-06-30"),
    ({"state": "done", "done_on": "2008-04-01"}, "evidence", ""),
    ({"state": "done", "evidence": "Protokoll", "done_on": "2008-05-01"}, "done_on", ""),
    ({"organisation_id": None}, "organisation_id", ""),
    ({"responsible_name": ""}, "responsible_name", ""),
])
def test_a_change_with_bad_values_is_refused_naming_the_problem(client, token, project_id,
                                                                people, body, field, words):
    change = {"kind": "enabling_change", "label": "Utbildning av handläggare",
              "organisation_id": people.traffic, "responsible_name": "Karin Trafik",
              "due_on": "2008-06-30", **body}
    before = _counts(client.application)
    response = _node(client, token["karin"], project_id, **change)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["field"] == field
    assert [e["field"] for e in response.json["errors"]] == [field]
    assert words in response.json["detail"]
    assert _counts(client.application) == before


def test_done_without_evidence_is_refused_on_update_and_the_change_stays_as_it_was(
        client, token, parking):
    url = f"/api/v1/benefit-map/nodes/{parking['board']['node_id']}"
    response = client.patch(url, json={"state": "done", "done_on": "2008-04-10"},
                            headers=token["karin"])
    assert response.status_code == 422 and response.json["field"] == "evidence"
    assert client.get(url, headers=token["karin"]).json["state"] == "planned"


def test_who_reads_and_who_edits(client, token, project_id, parking):
    url = f"/api/v1/projects/{project_id}/benefit-map"
    assert client.get(url, headers=token["sven"]).status_code == 404
    assert client.get(url, headers=token["auditor"]).status_code == 200
    assert client.get(url, headers=token["leila"]).status_code == 200
    assert client.get(url).status_code == 401
    node_url = f"/api/v1/benefit-map/nodes/{parking['checks']['node_id']}"
    assert client.patch(node_url, json={"state": "under_way"},
                        headers=token["sven"]).status_code == 404
    assert client.patch(node_url, json={"state": "under_way"},
                        headers=token["auditor"]).status_code == 403
    assert client.patch(node_url, json={"state": "under_way"},
                        headers=token["leila"]).status_code == 403
    assert _node(client, token["sven"], project_id, kind="enabler",
                 label="Intrång").status_code == 404
    office = client.patch(node_url, json={"state": "under_way"}, headers=token["jonas"])
    assert office.status_code == 200 and office.json["state"] == "under_way"


def test_the_programme_map_joins_projects_and_scopes_to_what_one_may_see(
        client, token, project_id, parking):
    with client.application.app_context():
        from app.projects.models import Project
        programme_id = db.session.get(Project, project_id).programme_id
    url = f"/api/v1/programmes/{programme_id}/benefit-map"
    everything = client.get(f"{url}?on=2009-01-15", headers=token["jonas"]).json
    assert parking["benefit"] in {n["id"] for n in everything["nodes"] if n["at_risk"]}
    before_decision = client.get(f"{url}?on=2008-03-31", headers=token["jonas"]).json
    assert {n["kind"] for n in before_decision["nodes"]} == {"goal"}
    assert {n["kind"] for n in client.get(url, headers=token["sven"]).json["nodes"]} == {"goal"}
    bad = client.get(f"{url}?on=2009-13-01", headers=token["jonas"])
    assert bad.status_code == 422 and bad.mimetype == PROBLEM


def test_a_prerequisite_project_is_an_enabler_of_the_project_that_depends_on_it(
        client, token, project_id, make_application, people, app):
    from app.accounts.models import User
    from app.applications import decisions
    from app.applications.models import Application

    with app.app_context():
        from app.projects.models import Project
        programme_id = db.session.get(Project, project_id).programme_id
    platform_app = make_application("awaiting_decision", title="E-tjänsteplattformen",
                                    programme_id=programme_id)
    with app.test_request_context():
        application = db.session.get(Application, platform_app)
        decide_on_the_day(application, {"outcome": "approved", "decided_on": date(2008, 4, 2)},
                        db.session.get(User, people.anders))
        db.session.commit()
        platform_id = decisions.project_for(application).id
    enabler = _node(client, token["karin"], project_id, kind="enabler", label="",
                    prerequisite_project_id=platform_id)
    assert enabler.status_code == 201, enabler.json
    assert enabler.json["label"] == "E-tjänsteplattformen"
    own = _node(client, token["karin"], project_id, kind="enabler", label="x",
                prerequisite_project_id=project_id)
    assert (own.status_code, own.json["field"]) == (422, "prerequisite_project_id")
    programme = client.get(f"/api/v1/programmes/{programme_id}/benefit-map?on=2009-12-31",
                           headers=token["jonas"]).json
    shared = next(n for n in programme["nodes"] if n["id"] == f"project-{platform_id}")
    # the platform has not gone live by its planned end (2009-06-30): its dependants are at risk
    assert (shared["kind"], shared["due_on"], shared["at_risk"]) == ("enabler", "2009-06-30", True)


def test_a_frozen_version_keeps_the_network_as_it_was(app, client, token, project_id, parking,
                                                      demo_date):
    from app.applications.models import Application
    from app.benefit_map import queries
    from app.benefits.models import CalculationVersion
    from app.benefits.services import add_re_estimate, payload_of
    from app.core.enums import CalculationVersionKind
    from app.projects.models import Project

    with app.test_request_context():
        from app.accounts.models import User
        project = db.session.get(Project, project_id)
        application = db.session.get(Application, project.application_id)
        baseline = db.session.scalar(sa.select(CalculationVersion).where(
            CalculationVersion.kind == CalculationVersionKind.BASELINE))
        karin = db.session.scalar(sa.select(User).where(User.name == "Karin"))
        version = add_re_estimate(project, payload_of(baseline), karin)
        db.session.commit()
        version_id, application_id = version.id, application.id
    demo_date("2008-10-25")
    client.patch(f"/api/v1/benefit-map/nodes/{parking['board']['node_id']}",
                 json={"state": "done", "evidence": "Protokoll", "done_on": "2008-10-20"},
                 headers=token["karin"])
    client.delete(f"/api/v1/benefit-map/nodes/{parking['eservice']['node_id']}",
                  headers=token["karin"])
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        kept = queries.application_map(application, date(2008, 10, 25),
                                       db.session.get(CalculationVersion, version_id))
        live = queries.application_map(application, date(2008, 10, 25))
    assert {n.label for n in kept.nodes if n.kind == "enabler"} == {"E-tjänsten"}
    assert [n.state for n in kept.changes] == ["planned", "planned"]
    assert {n.label for n in live.nodes if n.kind == "enabler"} == set()
    assert [n.state for n in live.changes] == ["done", "planned"]
    assert len(kept.edges) == 4 and len(live.edges) == 3


def test_submission_needs_a_path_to_a_goal_from_every_benefit_once_a_network_is_started(
        client, token, make_application):
    application_id = make_application("draft", calculation={
        "start_year": 2008, "adoption": {"target": 0.6, "ramp_years": 2, "go_live_index": 1},
        "benefits": [{"kind": "per_case", "name": "Porto", "recipient": "organisation",
                      "volume_per_year": 10000, "amount_sek": 12, "cash_releasing": True}],
        "costs": [{"name": "Utveckling", "kind": "investment",
                   "by_year_sek": [1200000, 0, 0, 0, 0]}]})
    base = f"/api/v1/applications/{application_id}"
    service = client.post(f"{base}/benefit-map/nodes", json={"kind": "enabler",
                                                              "label": "E-tjänsten"},
                          headers=token["karin"]).json
    benefit_map = client.get(f"{base}/benefit-map", headers=token["karin"]).json
    porto = _by_kind(benefit_map, "benefit")[0]["id"]
    assert client.post(f"{base}/benefit-map/links", json={"from": service["id"], "to": porto},
                       headers=token["karin"]).status_code == 201
    refused = client.post(f"{base}/submit", headers=token["karin"])
    assert refused.status_code == 422
    [problem] = [e for e in refused.json["errors"] if e["field"] == "benefit_map"]
    assert "Porto" in problem["message"]
    goal = _by_kind(benefit_map, "goal")[0]["id"]
    assert client.post(f"{base}/benefit-map/links", json={"from": porto, "to": goal},
                       headers=token["karin"]).status_code == 201
    submitted = client.post(f"{base}/submit", headers=token["karin"])
    assert submitted.status_code == 200, submitted.json
    # submitted: the applicant's network is frozen with the application
    late = client.post(f"{base}/benefit-map/nodes", json={"kind": "enabler", "label": "Sent"},
                       headers=token["karin"])
    assert late.status_code == 403


def test_the_one_year_follow_up_asks_for_each_changes_state_with_evidence(client, token,
                                                                           project_id, parking):
    live = client.post(f"/api/v1/projects/{project_id}/go-live", json={"go_live_on": "2008-04-10"},
                       headers=token["karin"])
    assert live.status_code == 200, live.json
    [task] = client.get(f"/api/v1/projects/{project_id}/follow-ups", headers=token["karin"]).json
    assert [(c["label"], c["state"]) for c in task["changes_without_evidence"]] == [
        ("Nämnden beslutar sluta skriva ut tillstånd", "planned"),
        ("Färre manuella kontroller", "planned")]
    refused = client.post(f"/api/v1/follow-ups/{task['id']}/complete", headers=token["karin"])
    assert refused.status_code == 409
    assert "Färre manuella kontroller" in refused.json["detail"]
    for name in ("board", "checks"):
        client.patch(f"/api/v1/benefit-map/nodes/{parking[name]['node_id']}",
                     json={"state": "under_way", "evidence": "Remiss ute hos nämnden"},
                     headers=token["karin"])
    [task] = client.get(f"/api/v1/projects/{project_id}/follow-ups", headers=token["karin"]).json
    assert task["changes_without_evidence"] == []
