"""The budget-cut API: the fixed explanation contract, policies, proposals, adoption,
corrections, totals and what-if (which writes nothing)."""

import pytest

from app.budget_cuts.models import BudgetCutEntry, BudgetCutLine, BudgetCutPolicy
from app.core.models import AuditEntry
from tests.conftest import count_rows
from tests.web.test_budget_cut_pages import build_world

PROBLEM = "application/problem+json"
CONTRACT = {"organisation_id", "year", "proposed_sek", "adopted_sek", "realised_sek",
            "increment_sek", "flags", "lines"}
LINE_CONTRACT = {"project_id", "benefit", "calculation_version", "saving_year",
                 "cash_releasing_sek", "share", "proposed_sek"}


@pytest.fixture
def world(app, people, make_organisation, make_user, make_programme):
    return build_world(app, people, make_organisation, make_user, make_programme)


@pytest.fixture
def token(api_token, world):
    return {name: api_token(getattr(world, name)) for name in ("head", "jonas", "karin",
                                                               "auditor")}


def _get(client, headers, **query):
    return client.get("/api/v1/budget-cuts", query_string=query, headers=headers)


def _propose(client, token, world, year=2012):
    return client.post("/api/v1/budget-cuts/proposals",
                       json={"programme_id": world.programme, "budget_year": year},
                       headers=token["jonas"])


def test_the_explanation_contract(client, token, world):
    response = _get(client, token["head"], organisation_id=world.edu, year=2012,
                    programme_id=world.programme)
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == CONTRACT
    assert (body["organisation_id"], body["year"], body["proposed_sek"], body["adopted_sek"],
            body["realised_sek"], body["increment_sek"]) == (world.edu, 2012, 1_200_000, None,
                                                             650_000, 1_200_000)
    assert all(set(line) == LINE_CONTRACT for line in body["lines"])
    assert {(line["benefit"]["name"], line["saving_year"], line["cash_releasing_sek"],
             line["share"], line["proposed_sek"]) for line in body["lines"]} == {
        ("Färre pappersansökningar", 2011, 700_000, 1.0, 700_000),
        ("Färre samtal till skolorna", 2011, 500_000, 1.0, 500_000)}
    assert {line["calculation_version"]["kind"] for line in body["lines"]} == {"baseline"}
    assert all(isinstance(body[k], int) for k in ("proposed_sek", "realised_sek",
                                                  "increment_sek"))


def test_the_contract_after_adoption_carries_the_flags(client, token, world):
    assert _propose(client, token, world).status_code == 201
    adopted = client.post("/api/v1/budget-cuts/adopted", json={
        "programme_id": world.programme, "organisation_id": world.edu, "budget_year": 2012,
        "amount_sek": 1_200_000, "council_decision_ref": "KF 2011-11-28"},
        headers=token["jonas"])
    assert adopted.status_code == 201, adopted.json
    body = _get(client, token["head"], organisation_id=world.edu, year=2012,
                programme_id=world.programme).json
    assert body["adopted_sek"] == 1_200_000
    assert body["flags"] == [{"code": "cut_exceeds_realised", "amount_sek": 550_000,
                              "project_id": None}]


def test_without_organisation_a_list_for_every_organisation(client, token, world):
    body = _get(client, token["jonas"], year=2012, programme_id=world.programme).json
    assert isinstance(body, list)
    assert {item["organisation_id"]: item["proposed_sek"] for item in body} == {
        world.edu: 1_200_000, world.traffic: 200_000}
    assert all(set(item) == CONTRACT for item in body)
    own = _get(client, token["head"], year=2012, programme_id=world.programme).json
    assert [item["organisation_id"] for item in own] == [world.edu]


def test_another_organisations_cut_is_not_found(client, token, world):
    response = _get(client, token["head"], organisation_id=world.traffic, year=2012,
                    programme_id=world.programme)
    assert response.status_code == 404 and response.mimetype == PROBLEM
    assert _get(client, {}, organisation_id=world.edu, year=2012).status_code == 401


@pytest.mark.parametrize("query, field", [
    ({"year": 2031}, "year"),
    ({"year": 2006}, "year"),
])
def test_a_year_outside_the_programme_is_422(client, token, world, query, field):
    response = _get(client, token["jonas"], programme_id=world.programme, **query)
    assert response.status_code == 422 and response.json["field"] == field


@pytest.mark.parametrize("change, field", [
    ({"share": 1.5}, "share"),
    ({"share": -0.1}, "share"),
    ({"lag_years": -1}, "lag_years"),
    ({"valid_from_year": 2013}, "valid_from_year"),
])
def test_a_bad_policy_is_422_naming_the_field(client, token, world, change, field):
    body = {"programme_id": world.programme, "valid_from_year": 2011, "share": 0.5,
            "lag_years": 1, **change}
    response = client.post("/api/v1/budget-cuts/policies", json=body, headers=token["jonas"])
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["field"] == field


def test_policies_are_created_listed_and_only_by_the_programme_office(
        client, token, world):
    body = {"programme_id": world.programme, "valid_from_year": 2011, "share": 0.5}
    assert client.post("/api/v1/budget-cuts/policies", json=body,
                       headers=token["head"]).status_code == 403
    created = client.post("/api/v1/budget-cuts/policies", json=body, headers=token["jonas"])
    assert created.status_code == 201 and created.json["share"] == 0.5
    listed = client.get(f"/api/v1/budget-cuts/policies?programme_id={world.programme}",
                        headers=token["head"]).json
    assert [(p["valid_from_year"], p["share"]) for p in listed] == [(2008, 1.0), (2011, 0.5)]
    update = client.put(f"/api/v1/budget-cuts/policies/{created.json['id']}",
                        json={**body, "share": 0.25, "net_running_costs": True},
                        headers=token["jonas"])
    assert update.status_code == 200 and update.json["net_running_costs"]
    assert client.delete(f"/api/v1/budget-cuts/policies/{created.json['id']}",
                         headers=token["jonas"]).status_code == 204


def test_propose_adopt_correct_and_refuse_edits(app, client, token, world):
    proposed = _propose(client, token, world)
    assert proposed.status_code == 201
    assert {e["organisation_id"]: e["amount_sek"] for e in proposed.json} == {
        world.edu: 1_200_000, world.traffic: 200_000}
    adopt = {"programme_id": world.programme, "organisation_id": world.edu, "budget_year": 2012,
             "amount_sek": 1_000_000, "council_decision_ref": "KF 2011-11-28"}
    missing = client.post("/api/v1/budget-cuts/adopted", json=adopt, headers=token["jonas"])
    assert missing.status_code == 422 and missing.json["field"] == "reason"
    adopted = client.post("/api/v1/budget-cuts/adopted", json={**adopt, "reason": "Avrundat"},
                          headers=token["jonas"]).json
    again = client.post("/api/v1/budget-cuts/adopted", json={**adopt, "reason": "x"},
                        headers=token["jonas"])
    assert again.status_code == 409
    edit = client.patch(f"/api/v1/budget-cuts/entries/{adopted['id']}",
                        json={"amount_sek": 1}, headers=token["jonas"])
    assert edit.status_code == 409 and edit.mimetype == PROBLEM
    correction = client.post(f"/api/v1/budget-cuts/entries/{adopted['id']}/corrections",
                             json={"amount_sek": 900_000, "council_decision_ref": "KF 2012-06",
                                   "reason": "Tilläggsbudget"}, headers=token["jonas"])
    assert correction.status_code == 201
    assert (correction.json["kind"], correction.json["corrects_id"]) == ("correction",
                                                                         adopted["id"])
    ledger = client.get(f"/api/v1/budget-cuts/entries?programme_id={world.programme}"
                        f"&organisation_id={world.edu}&year=2012", headers=token["head"]).json
    assert [(e["kind"], e["amount_sek"]) for e in ledger] == [
        ("proposed", 1_200_000), ("adopted", 1_000_000), ("correction", 900_000)]
    body = _get(client, token["head"], organisation_id=world.edu, year=2012,
                programme_id=world.programme).json
    assert (body["proposed_sek"], body["adopted_sek"]) == (1_200_000, 900_000)
    assert client.post("/api/v1/budget-cuts/proposals", json={
        "programme_id": world.programme, "budget_year": 2012},
        headers=token["head"]).status_code == 403


def test_what_if_compares_and_writes_nothing(app, client, token, world):
    with app.app_context():
        before = [count_rows(m) for m in (BudgetCutEntry, BudgetCutLine, BudgetCutPolicy,
                                          AuditEntry)]
    response = client.post("/api/v1/budget-cuts/what-if", json={
        "programme_id": world.programme, "budget_years": [2011, 2012],
        "policies": [{"share": 1, "lag_years": 1, "label": "Hela"},
                     {"share": 0.5, "lag_years": 1}, {"share": 1, "lag_years": 2}]},
        headers=token["jonas"])
    assert response.status_code == 200, response.json
    scenarios = response.json["scenarios"]
    assert scenarios[0]["label"] == "Hela"
    assert [[t["cut_sek"] for t in s["totals"]] for s in scenarios] == [
        [200_000, 1_400_000], [100_000, 700_000], [0, 200_000]]
    with app.app_context():
        assert [count_rows(m) for m in (BudgetCutEntry, BudgetCutLine, BudgetCutPolicy,
                                        AuditEntry)] == before
    bad = client.post("/api/v1/budget-cuts/what-if", json={
        "programme_id": world.programme, "budget_years": [2012],
        "policies": [{"share": 1}, {"share": 2}]}, headers=token["jonas"])
    assert bad.status_code == 422 and bad.json["field"] == "policies[1].share"
    assert client.post("/api/v1/budget-cuts/what-if", json={
        "budget_years": [2012], "policies": [{"share": 1}]},
        headers=token["head"]).status_code == 403


def test_city_totals_by_year(client, token, world):
    totals = client.get(f"/api/v1/budget-cuts/totals?programme_id={world.programme}",
                        headers=token["auditor"]).json
    by_year = {t["budget_year"]: t for t in totals}
    assert by_year[2012]["proposed_sek"] == 1_400_000 and by_year[2011]["proposed_sek"] == 200_000


def test_the_openapi_document_describes_the_contract(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/budget-cuts"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"organisation_id", "year"}
    assert set(spec["components"]["schemas"]["BudgetCut"]["properties"]) == CONTRACT
    assert "/api/v1/budget-cuts/what-if" in spec["paths"]
