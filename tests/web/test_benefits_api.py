"""Benefit calculations through the API: evaluate, versions frozen at decision, the register."""

import copy

import pytest

from tests.conftest import decide_on_the_day
from tests.unit.test_benefit_calculation import full_example, worked_example

PROBLEM = "application/problem+json"
WORKED_EXAMPLE = worked_example()
FULL_EXAMPLE = full_example()
RESPONSE_KEYS = {
    "years", "adoption_by_year", "benefits_by_year_sek", "costs_by_year_sek", "net_by_year_sek",
    "cash_releasing_by_year_sek", "pv_benefits_sek", "pv_costs_sek", "npv_sek", "bcr",
    "payback_year", "payback_years", "discounted_payback_year", "switching_adoption_target",
    "sensitivity_npv_sek", "pv_by_colour_sek", "qualitative_count", "lines",
}


@pytest.fixture
def token(api_token, people):
    return {name: api_token(getattr(people, name))
            for name in ("karin", "sven", "jonas", "anders")}


def test_evaluate_gives_the_worked_example(client, token):
    response = client.post("/api/v1/benefit-calculations/evaluate", json=WORKED_EXAMPLE,
                           headers=token["karin"])
    assert response.status_code == 200, response.json
    body = response.json
    assert body["benefits_by_year_sek"] == [0, 292000, 584000, 876000, 876000]
    assert (body["pv_benefits_sek"], body["pv_costs_sek"], body["npv_sek"]) == (
        2380781, 1750962, 629819)
    assert body["bcr"] == 1.3597 and body["payback_year"] == 2013
    assert body["payback_years"] == 2.86 and body["discounted_payback_year"] == 2014
    assert body["switching_adoption_target"] == 0.4413


def test_evaluate_returns_every_contract_field_for_every_kind(client, token):
    body = client.post("/api/v1/benefit-calculations/evaluate", json=FULL_EXAMPLE,
                       headers=token["karin"]).json
    assert RESPONSE_KEYS <= set(body)
    assert set(body["pv_by_colour_sek"]) == {"green", "yellow", "blue"}
    assert body["qualitative_count"] == 1 and len(body["lines"]) == 6
    assert all({"name", "by_year_sek", "cash_releasing_by_year_sek"} <= set(line)
               for line in body["lines"])


def _broken(path, value):
    payload = copy.deepcopy(FULL_EXAMPLE)
    target = payload
    *parents, last = path
    for key in parents:
        target = target[key]
    target[last] = value
    return payload


@pytest.mark.parametrize("path, value, field", [
    (("benefits", 0, "channel_mix"), {"phone": 0.5, "letter": 0.3}, "benefits[0].channel_mix"),
    (("benefits", 0, "volume_per_year"), -10, "benefits[0].volume_per_year"),
    (("discount_rate",), 1.5, "discount_rate"),
    (("costs", 0, "by_year_sek"), [1, 2, 3], "costs[0].by_year_sek"),
    (("benefits", 0, "kind"), "magic", "benefits[0].kind"),
    (("benefits", 2, "cash_releasing"), True, "benefits[2].cash_releasing"),
])
def test_invalid_input_is_422_naming_the_field(client, token, path, value, field):
    response = client.post("/api/v1/benefit-calculations/evaluate", json=_broken(path, value),
                           headers=token["karin"])
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert field in {e["field"] for e in response.json["errors"]}


def test_evaluate_needs_a_json_object_and_a_token(client, token):
    assert client.post("/api/v1/benefit-calculations/evaluate",
                       json=WORKED_EXAMPLE).status_code == 401
    response = client.post("/api/v1/benefit-calculations/evaluate", data="nonsense",
                           headers=token["karin"])
    assert response.status_code == 422


def test_openapi_describes_the_calculation_contract(client):
    spec = client.get("/api/v1/openapi.json").json
    schema = spec["components"]["schemas"]["BenefitCalculationInput"]["properties"]
    assert {"start_year", "discount_rate", "adoption", "benefits", "costs"} <= set(schema)
    evaluate = spec["paths"]["/api/v1/benefit-calculations/evaluate"]["post"]
    assert "requestBody" in evaluate and "422" in evaluate["responses"]


def test_calculation_versions_are_frozen_and_the_baseline_feeds_the_register(
        client, token, make_application, demo_date):
    app_id = make_application("draft", requested_sek=1_200_000)
    saved = client.put(f"/api/v1/applications/{app_id}/benefit-calculation",
                       json=WORKED_EXAMPLE, headers=token["karin"])
    assert saved.status_code == 200, saved.json
    assert saved.json["kind"] == "as_submitted" and not saved.json["is_frozen"]
    assert saved.json["result"]["npv_sek"] == 629819
    other = client.put(f"/api/v1/applications/{app_id}/benefit-calculation",
                       json=WORKED_EXAMPLE, headers=token["sven"])
    assert other.status_code == 404
    demo_date("2008-02-01")
    assert client.post(f"/api/v1/applications/{app_id}/submit",
                       headers=token["karin"]).status_code == 200
    frozen = client.put(f"/api/v1/applications/{app_id}/benefit-calculation",
                        json=WORKED_EXAMPLE, headers=token["karin"])
    assert frozen.status_code == 409
    versions = client.get(f"/api/v1/applications/{app_id}/benefit-calculation/versions",
                          headers=token["karin"]).json
    assert [(v["kind"], v["is_frozen"]) for v in versions] == [("as_submitted", True)]


def _decide_with_calculation(app, make_application, people, payload, demo_date):
    """Build an application with a calculation and approve it; return (application, project)."""
    from datetime import date

    from app.accounts.models import User
    from app.applications import decisions as application_decisions
    from app.applications.models import Application
    from app.extensions import db

    app_id = make_application("awaiting_decision", calculation=payload)
    with app.app_context():
        application = db.session.get(Application, app_id)
        decide_on_the_day(application, {"outcome": "approved",
                                        "decided_on": date(2008, 4, 1)},
                          db.session.get(User, people.anders))
        db.session.commit()
        return app_id, application_decisions.project_for(application).id


def test_the_baseline_is_frozen_at_decision_and_never_changes(
        app, client, token, people, make_application, demo_date):
    app_id, project_id = _decide_with_calculation(app, make_application, people, FULL_EXAMPLE,
                                                  demo_date)
    versions = client.get(f"/api/v1/applications/{app_id}/benefit-calculation/versions",
                          headers=token["jonas"]).json
    assert [v["kind"] for v in versions] == ["as_submitted", "baseline"]
    baseline = versions[1]
    re_estimate = copy.deepcopy(FULL_EXAMPLE)
    re_estimate["adoption"]["target"] = 0.3
    response = client.post(f"/api/v1/projects/{project_id}/re-estimates", json=re_estimate,
                           headers=token["karin"])
    assert response.status_code == 201, response.json
    assert response.json["result"]["npv_sek"] < baseline["result"]["npv_sek"]
    after = client.get(f"/api/v1/applications/{app_id}/benefit-calculation/versions",
                       headers=token["jonas"]).json
    assert [v["kind"] for v in after] == ["as_submitted", "baseline", "re_estimate"]
    assert after[1] == baseline
    register = client.get(f"/api/v1/benefits?year=2014&project_id={project_id}",
                          headers=token["jonas"]).json
    assert len(register) == 5
    porto = next(row for row in register if row["name"] == "Porto")
    assert porto["planned_total_sek"] == sum(baseline["result"]["lines"][3]["by_year_sek"])


def test_register_variance_and_realisation_rate(app, client, token, people, make_application,
                                                demo_date):
    _, project_id = _decide_with_calculation(app, make_application, people, FULL_EXAMPLE,
                                             demo_date)
    register = client.get(f"/api/v1/benefits?year=2011&project_id={project_id}",
                          headers=token["karin"]).json
    porto = next(row for row in register if row["name"] == "Porto")
    planned_to_2011 = porto["planned_to_date_sek"]
    assert planned_to_2011 == sum(p["planned_sek"] for p in porto["plan_years"]
                                  if p["year"] <= 2011)
    url = f"/api/v1/benefits/{porto['id']}/realisations"
    first = client.post(url, json={"year": 2011, "actual_sek": 10_000,
                                   "actual_cash_releasing_sek": 10_000, "measured_by": "Karin",
                                   "evidence": "Portokostnad enligt faktura"},
                        headers=token["karin"])
    assert first.status_code == 201, first.json
    correction = client.post(url, json={"year": 2011, "actual_sek": 30_000,
                                        "actual_cash_releasing_sek": 30_000},
                             headers=token["karin"])
    assert correction.json["corrects_id"] == first.json["id"]
    row = next(r for r in client.get(f"/api/v1/benefits?year=2011&project_id={project_id}",
                                     headers=token["karin"]).json if r["name"] == "Porto")
    assert row["actual_to_date_sek"] == 30_000
    assert row["variance_sek"] == 30_000 - planned_to_2011
    assert row["realisation_rate"] == pytest.approx(30_000 / planned_to_2011)
    assert client.post(url, json={"year": 2011, "actual_sek": 5},
                       headers=token["sven"]).status_code == 404
    bad = client.post(url, json={"year": 2011, "actual_sek": 5, "actual_cash_releasing_sek": 9},
                      headers=token["karin"])
    assert bad.status_code == 422 and bad.json["field"] == "actual_cash_releasing_sek"
    assert client.post(url, json={"year": 2011, "actual_sek": -1},
                       headers=token["karin"]).status_code == 422


def test_the_register_is_paginated_in_sql_and_the_export_holds_every_row(
        app, client, token, people, make_application, demo_date):
    import json
    from io import BytesIO

    from openpyxl import load_workbook

    _decide_with_calculation(app, make_application, people, FULL_EXAMPLE, demo_date)
    everything = client.get("/api/v1/benefits?year=2014&page_size=100",
                            headers=token["jonas"]).json
    assert len(everything) >= 3
    first = client.get("/api/v1/benefits?year=2014&page_size=2", headers=token["jonas"])
    pagination = json.loads(first.headers["X-Pagination"])
    assert pagination["total"] == len(everything) and len(first.json) == 2
    second = client.get("/api/v1/benefits?year=2014&page_size=2&page=2",
                        headers=token["jonas"]).json
    assert [row["id"] for row in first.json + second] == [row["id"] for row in everything][:4]
    workbook = client.get("/api/v1/benefits?year=2014&page_size=2&format=xlsx",
                          headers=token["jonas"])
    sheet = load_workbook(BytesIO(workbook.data)).worksheets[0]
    assert sheet.max_row == len(everything) + 1


def test_a_frozen_version_keeps_its_figures_when_programme_settings_change(
        app, client, token, people, make_application, demo_date):
    from app.extensions import db
    from app.programmes.models import Programme

    relying_on_defaults = {k: v for k, v in FULL_EXAMPLE.items()
                           if k not in ("channel_unit_sek", "hours_per_fte", "oncost_rate")}
    app_id, _ = _decide_with_calculation(app, make_application, people, relying_on_defaults,
                                         demo_date)
    url = f"/api/v1/applications/{app_id}/benefit-calculation/versions"
    before = client.get(url, headers=token["jonas"]).json
    with app.app_context():
        for programme in db.session.scalars(db.select(Programme)):
            programme.channel_unit_sek = 9
            programme.hours_per_fte = 1500
        db.session.commit()
    assert client.get(url, headers=token["jonas"]).json == before
