"""The application, decision and delegation API: contract, steps, and every bad input."""

import pytest

from tests.conftest import SMALL_CALCULATION

PROBLEM = "application/problem+json"


@pytest.fixture
def token(api_token, people):
    return {name: api_token(getattr(people, name)) for name in (
        "karin", "sven", "jonas", "leila", "per", "maria", "anders", "eva", "committee")}


def _body(requested_sek=1_200_000):
    from tests.conftest import complete_application_data

    data = complete_application_data(requested_sek)
    for key in ("starts_on", "ends_on"):
        data[key] = data[key].isoformat()
    for milestone in data["milestones"]:
        milestone["due_on"] = milestone["due_on"].isoformat()
    return data


def test_the_whole_chain_through_the_api(client, token, make_programme, demo_date):
    demo_date("2008-02-01")
    programme = make_programme()
    created = client.post("/api/v1/applications", json={**_body(), "programme_id": programme},
                          headers=token["karin"])
    assert created.status_code == 201, created.json
    app_id = created.json["id"]
    assert created.json["state"] == "draft" and created.json["requested_sek"] == 1_200_000
    missing = client.post(f"/api/v1/applications/{app_id}/submit", headers=token["karin"])
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json["errors"]] == ["benefit_calculation"]
    saved = client.put(f"/api/v1/applications/{app_id}/benefit-calculation",
                       json=SMALL_CALCULATION, headers=token["karin"])
    assert saved.status_code == 200, saved.json
    receipt = client.post(f"/api/v1/applications/{app_id}/submit", headers=token["karin"])
    assert receipt.status_code == 200, receipt.json
    assert receipt.json["reference"].startswith("ANS-2008-")
    assert receipt.json["expected_decision_on"] == receipt.json["stage_due_dates"][
        "awaiting_decision"]
    steps = [
        ("jonas", "start-preparation", {"comment": "Registrerad"}),
        ("leila", "assessment", {"recommendation": "approve", "scores": {
            **{f"goal_{n}": 3 for n in range(1, 5)},
            **{c: 2 for c in ("usable", "user_friendly", "time_saving", "secure",
                              "user_driven", "transparent")}}}),
        ("per", "opinion", {"outcome": "supports", "comment": "Tillstyrks"}),
        ("maria", "quality-check", {"outcome": "approved"}),
    ]
    for who, step, body in steps:
        response = client.post(f"/api/v1/applications/{app_id}/{step}", json=body,
                               headers=token[who])
        assert response.status_code == 200, (step, response.json)
    assert response.json["state"] == "awaiting_decision"
    routing = client.get(f"/api/v1/applications/{app_id}/routing", headers=token["jonas"])
    assert routing.json["authority"] == "deputy_city_director"
    queue = client.get("/api/v1/queue", headers=token["anders"]).json
    assert [item["application"]["id"] for item in queue] == [app_id]
    demo_date("2008-04-01")
    refused = client.post(f"/api/v1/applications/{app_id}/decision", headers=token["eva"],
                          json={"outcome": "approved", "decided_on": "2008-04-01"})
    assert refused.status_code == 403 and refused.mimetype == PROBLEM
    before = client.get(f"/api/v1/programmes/{programme}?on=2008-04-01",
                        headers=token["jonas"]).json
    decided = client.post(f"/api/v1/applications/{app_id}/decision", headers=token["anders"],
                          json={"outcome": "approved", "decided_on": "2008-04-01"})
    assert decided.status_code == 201, decided.json
    assert decided.json["diary_number"] == "SLK 2008/0001"
    after = client.get(f"/api/v1/programmes/{programme}?on=2008-04-01",
                       headers=token["jonas"]).json
    assert before["envelope"]["remaining_sek"] - after["envelope"]["remaining_sek"] == 1_200_000
    again = client.post(f"/api/v1/applications/{app_id}/decision", headers=token["anders"],
                        json={"outcome": "approved", "decided_on": "2008-04-01"})
    assert again.status_code == 409
    history = client.get(f"/api/v1/applications/{app_id}/history", headers=token["karin"]).json
    assert [e["action"] for e in history][-1] == "decide"
    decision = client.get(f"/api/v1/decisions/{decided.json['id']}", headers=token["karin"])
    assert decision.json["authority_key"] == "deputy_city_director"


@pytest.mark.parametrize("value", [-1, 0, 1.5, "tolv", 10**12 + 1, True])
def test_bad_requested_amounts_are_422_naming_the_field(client, token, make_programme, value):
    make_programme()
    response = client.post("/api/v1/applications", headers=token["karin"],
                           json={"kind": "feasibility", "title": "x", "requested_sek": value})
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM
    assert response.json["errors"][0]["field"] == "requested_sek"


def test_dates_outside_the_programme_are_422(client, token, make_programme):
    make_programme()
    response = client.post("/api/v1/applications", headers=token["karin"], json={
        "kind": "feasibility", "title": "x", "starts_on": "2014-01-01"})
    assert response.status_code == 422 and response.json["field"] == "starts_on"


def test_submission_problems_are_listed_together(client, token, make_programme):
    make_programme()
    created = client.post("/api/v1/applications", headers=token["karin"],
                          json={"kind": "implementation", "title": "Skolval"})
    response = client.post(f"/api/v1/applications/{created.json['id']}/submit",
                           headers=token["karin"])
    assert response.status_code == 422
    assert len(response.json["errors"]) > 15


def test_steps_in_the_wrong_state_are_409_and_wrong_roles_403(client, token, make_application):
    app_id = make_application("submitted")
    wrong_state = client.post(f"/api/v1/applications/{app_id}/opinion", headers=token["per"],
                              json={"outcome": "supports"})
    assert wrong_state.status_code == 409 and wrong_state.mimetype == PROBLEM
    wrong_role = client.post(f"/api/v1/applications/{app_id}/start-preparation",
                             headers=token["leila"], json={})
    assert wrong_role.status_code == 403
    state = client.get(f"/api/v1/applications/{app_id}", headers=token["jonas"]).json["state"]
    assert state == "submitted"


def test_another_organisations_draft_is_404(client, token, make_application):
    app_id = make_application("draft")
    assert client.get(f"/api/v1/applications/{app_id}", headers=token["sven"]).status_code == 404
    assert client.get(f"/api/v1/applications/{app_id}", headers=token["jonas"]).status_code == 404
    patched = client.patch(f"/api/v1/applications/{app_id}", headers=token["sven"],
                           json={"title": "Kapad"})
    assert patched.status_code == 404


def test_over_commitment_is_409_with_the_amount_left(client, token, make_programme,
                                                     make_application, demo_date):
    """An application may ask for at most the whole envelope; what is left may be less."""
    demo_date("2008-04-01")
    programme = make_programme(reserved_sek=1_500_000)
    first = make_application("awaiting_decision", requested_sek=500_000, programme_id=programme)
    assert client.post(f"/api/v1/applications/{first}/decision", headers=token["anders"],
                       json={"outcome": "approved", "decided_on": "2008-04-01"}
                       ).status_code == 201
    app_id = make_application("awaiting_decision", requested_sek=1_200_000,
                              programme_id=programme)
    response = client.post(f"/api/v1/applications/{app_id}/decision", headers=token["anders"],
                           json={"outcome": "approved", "decided_on": "2008-04-01"})
    assert response.status_code == 409
    assert response.json["remaining_sek"] == 1_000_000


def test_corrections_through_the_api(client, token, make_application, demo_date):
    app_id = make_application("awaiting_decision", requested_sek=1_000_000)
    demo_date("2008-04-01")
    decision = client.post(f"/api/v1/applications/{app_id}/decision", headers=token["anders"],
                           json={"outcome": "approved", "decided_on": "2008-04-01"}).json
    demo_date("2008-05-01")
    missing = client.post(f"/api/v1/decisions/{decision['id']}/corrections",
                          headers=token["anders"],
                          json={"kind": "supplementary", "decided_on": "2008-05-01"})
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "amount_sek"
    supplement = client.post(f"/api/v1/decisions/{decision['id']}/corrections",
                             headers=token["anders"], json={
                                 "kind": "supplementary", "amount_sek": 200_000,
                                 "decided_on": "2008-05-01"})
    assert supplement.status_code == 201
    assert supplement.json["refers_to_id"] == decision["id"]
    listing = client.get("/api/v1/decisions", headers=token["karin"]).json
    assert {d["kind"] for d in listing} == {"original", "supplementary"}


@pytest.mark.parametrize("amount, on, authority, limit", [
    (3_000_000, "2009-06-01", "deputy_city_director", 3_000_000),
    (3_000_001, "2009-06-01", "city_director", 10_000_000),
    (10_000_000, "2010-12-31", "city_director", 10_000_000),
    (10_000_001, "2010-12-31", "finance_committee", None),
    (12_000_000, "2011-01-01", "city_director", 15_000_000),
    (15_000_000, "2011-06-01", "city_director", 15_000_000),
    (15_000_001, "2011-06-01", "finance_committee", None),
    (1, "2011-06-01", "city_director", 15_000_000),
])
def test_delegation_route_contract(client, token, make_programme, amount, on, authority, limit):
    programme = make_programme()
    response = client.get(f"/api/v1/delegation/route?programme_id={programme}"
                          f"&amount_sek={amount}&date={on}", headers=token["jonas"])
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["authority"], body["limit_sek"]) == (authority, limit)
    assert isinstance(body["rule_id"], int)


@pytest.mark.parametrize("query, field", [
    ("amount_sek=-5&date=2009-01-01", "amount_sek"),
    ("amount_sek=0&date=2009-01-01", "amount_sek"),
    ("amount_sek=1.5&date=2009-01-01", "amount_sek"),
    ("amount_sek=1000000000001&date=2009-01-01", "amount_sek"),
    ("amount_sek=100&date=2013-01-01", "date"),
    ("amount_sek=100&date=2007-09-30", "date"),
    ("amount_sek=100&date=yesterday", "date"),
])
def test_delegation_route_refuses_bad_input_naming_the_field(client, token, make_programme,
                                                            query, field):
    programme = make_programme()
    response = client.get(f"/api/v1/delegation/route?programme_id={programme}&{query}",
                          headers=token["jonas"])
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    named = response.json.get("field") or response.json["errors"][0]["field"]
    assert named == field


def test_attachments_through_the_api(client, token, make_application):
    import io

    app_id = make_application("draft")
    ok = client.post(f"/api/v1/applications/{app_id}/attachments", headers=token["karin"],
                     data={"file": (io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf")})
    assert ok.status_code == 201 and ok.json["filename"] == "plan.pdf"
    bad = client.post(f"/api/v1/applications/{app_id}/attachments", headers=token["karin"],
                      data={"file": (io.BytesIO(b"MZ"), "virus.exe")})
    assert bad.status_code == 422 and bad.json["field"] == "attachment"


def test_openapi_documents_the_workflow(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/applications", "/api/v1/applications/{application_id}/decision",
                 "/api/v1/delegation/route", "/api/v1/decisions/{decision_id}/corrections",
                 "/api/v1/queue"):
        assert path in paths
