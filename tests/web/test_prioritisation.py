"""Prioritisation through the API and the pages: the stateless evaluate contract, scenarios
built by the programme office, read by the council once sent, compared and exported; the
candidates as of the business date; bad input named in a 422."""

from datetime import date

import pytest

from app.core.models import AuditEntry
from app.prioritisation.models import PrioritisationScenario
from tests.conftest import count_rows, csrf_token_from

PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVALUATE = "/api/v1/prioritisation/evaluate"
SCENARIOS = "/api/v1/prioritisation/scenarios"
REASON = "Lagkrav från 2010: måste finansieras."


@pytest.fixture
def world(app, people, make_programme, make_application, demo_date):
    """A programme with three undecided applications (two assessed) on 2008-02-01, the
    business date then moved to 2008-03-01."""
    from types import SimpleNamespace

    programme = make_programme()
    assessed_big = make_application("awaiting_decision", requested_sek=3_000_000,
                                    programme_id=programme, title="Stor e-tjänst")
    assessed_small = make_application("advisory_opinion", requested_sek=1_000_000,
                                      programme_id=programme, title="Liten e-tjänst")
    unassessed = make_application("in_preparation", requested_sek=500_000,
                                  programme_id=programme, title="Obedömd e-tjänst")
    draft = make_application("draft", programme_id=programme, title="Utkast")
    demo_date(date(2008, 3, 1))
    return SimpleNamespace(programme=programme, big=f"application:{assessed_big}",
                           small=f"application:{assessed_small}",
                           unassessed=f"application:{unassessed}",
                           draft=f"application:{draft}", **vars(people))


@pytest.fixture
def token(api_token, world):
    return {name: api_token(getattr(world, name)) for name in ("jonas", "per", "karin",
                                                               "auditor")}


# ---- the stateless contract ---------------------------------------------------------------

def test_the_evaluate_contract(client, token):
    body = {"budget_sek": 4_000_000, "candidates": [
        {"id": "A", "cost_sek": 1_000_000, "value": 60, "requires": [], "forced": None},
        {"id": "B", "cost_sek": 2_000_000, "value": 100, "requires": [], "forced": None},
        {"id": "C", "cost_sek": 2_000_000, "value": 100, "requires": [], "forced": None},
        {"id": "F", "cost_sek": 500_000, "value": 0, "forced": None},
        {"id": "I", "cost_sek": 500_000, "value": 70, "requires": ["F"], "forced": None},
        {"id": "X", "cost_sek": 100_000, "value": 99, "forced": "out"},
    ]}
    response = client.post(EVALUATE, json=body, headers=token["karin"])
    assert response.status_code == 200, response.json
    result = response.json
    assert set(result) == {"selected", "total_cost_sek", "total_value", "frontier"}
    # the implementation is worth its feasibility study: A, B, F and I give 230 > B and C
    assert result["selected"] == ["A", "B", "F", "I"]
    assert (result["total_cost_sek"], result["total_value"]) == (4_000_000, 230)
    frontier = result["frontier"]
    assert all(set(point) == {"budget_sek", "value", "selected"} for point in frontier)
    assert frontier[0] == {"budget_sek": 0, "value": 0, "selected": []}
    assert [p["budget_sek"] for p in frontier] == sorted(p["budget_sek"] for p in frontier)
    values = [p["value"] for p in frontier]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert frontier[-1]["value"] == 60 + 100 + 100 + 70
    assert all("X" not in p["selected"] for p in frontier)
    assert all("F" in p["selected"] for p in frontier if "I" in p["selected"])


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"budget_sek": -1, "candidates": []}, "budget_sek", "negativ"),
    ({"budget_sek": 1_000, "candidates": [{"id": "A", "cost_sek": 2_000, "value": 1,
                                           "forced": "in"}]}, "budget_sek", "tvingade"),
    ({"budget_sek": 1_000, "candidates": [{"id": "A", "cost_sek": 1, "value": 1,
                                           "requires": ["Z"]}]}, "candidates.0.requires", "Z"),
    ({"budget_sek": 1_000, "candidates": [
        {"id": "A", "cost_sek": 1, "value": 1, "requires": ["B"]},
        {"id": "B", "cost_sek": 1, "value": 1, "requires": ["A"]}]}, "requires", "cirkel"),
    ({"budget_sek": 1_000, "candidates": [
        {"id": "F", "cost_sek": 1, "value": 1, "forced": "out"},
        {"id": "I", "cost_sek": 1, "value": 1, "requires": ["F"], "forced": "in"}]},
     "forced", "tvingad ut"),
    ({"budget_sek": 1_000, "candidates": [{"id": "A", "cost_sek": -5, "value": 1}]},
     "candidates.0.cost_sek", "0 eller mer"),
    ({"budget_sek": 10**15, "candidates": [{"id": str(i), "cost_sek": 10**9 + i, "value": 1}
                                           for i in range(3)]}, "candidates", "detaljerade"),
])
def test_bad_evaluate_input_is_a_422_naming_the_problem(client, token, body, field, words):
    """The problem is named in the reader's language (Swedish by default)."""
    response = client.post(EVALUATE, json=body, headers=token["karin"])
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM
    assert response.json["field"] == field
    assert words in response.json["detail"]


@pytest.mark.parametrize("body", [
    {"budget_sek": 1.5, "candidates": []},
    {"budget_sek": "100", "candidates": []},
    {"budget_sek": 100, "candidates": [{"id": "A", "cost_sek": 1, "value": 1,
                                        "forced": "both"}]},
    {"budget_sek": 100, "candidates": [{"id": "A", "cost_sek": 1.5, "value": 1}]},
    {"budget_sek": 100},
])
def test_malformed_evaluate_input_is_a_422(client, token, body):
    response = client.post(EVALUATE, json=body, headers=token["karin"])
    assert response.status_code == 422
    assert response.mimetype == PROBLEM


def test_evaluate_needs_a_token(client):
    assert client.post(EVALUATE, json={"budget_sek": 0, "candidates": []}).status_code == 401


# ---- scenarios through the API ------------------------------------------------------------

def _scenario(world, **overrides):
    data = {"name": "Mål först", "value_measure": "score",
            "weights": {"goal_1": 1, "goal_2": 1, "goal_3": 1, "goal_4": 1},
            "budget_sek": 3_500_000,
            "forced_in": [{"candidate": world.small, "reason": REASON}]}
    data.update(overrides)
    return data


def test_the_candidates_are_the_undecided_applications_as_of_the_date(client, token, world):
    response = client.get("/api/v1/prioritisation/candidates", headers=token["jonas"])
    assert response.status_code == 200, response.json
    keys = {row["key"] for row in response.json["candidates"]}
    assert keys == {world.big, world.small, world.unassessed}
    assert response.json["remaining_envelope_sek"] == 650_000_000
    before = client.get("/api/v1/prioritisation/candidates", query_string={"on": "2008-01-31"},
                        headers=token["jonas"])
    assert before.json["candidates"] == []
    assessed = {row["key"]: row["is_assessed"] for row in response.json["candidates"]}
    assert assessed == {world.big: True, world.small: True, world.unassessed: False}
    assert client.get("/api/v1/prioritisation/candidates",
                      headers=token["per"]).status_code == 403


def test_the_office_saves_a_scenario_with_a_forced_candidate(client, token, world):
    response = client.post(SCENARIOS, json=_scenario(world), headers=token["jonas"])
    assert response.status_code == 201, response.json
    body = response.json
    result = body["result"]
    assert result["budget_sek"] == 3_500_000
    # both assessed candidates score 66.7; the small one is forced in, so the big one no
    # longer fits; the unassessed one adds nothing.
    assert result["selected"] == [world.small]
    assert body["total_cost_sek"] == 1_000_000
    assert result["left_in_envelope_sek"] == 650_000_000 - 1_000_000
    assert result["goals_covered"]["goal_1"] == pytest.approx(100 * 0.25 * 2 / 3)
    assert sum(body["weights"].values()) == pytest.approx(1)
    forced = [c for c in result["candidates"] if c["key"] == world.small][0]
    assert (forced["forced"], forced["reason"]) == ("in", REASON)
    assert count_rows(AuditEntry) > 0
    frontier = client.get(f"{SCENARIOS}/{body['id']}/frontier", headers=token["jonas"]).json
    assert frontier[0]["budget_sek"] == 1_000_000 and frontier[0]["selected"] == [world.small]
    assert [p["value"] for p in frontier] == sorted(p["value"] for p in frontier)


@pytest.mark.parametrize(("overrides", "field", "status"), [
    ({"weights": {"goal_1": -1, "goal_2": 1}}, "weights.goal_1", 422),
    ({"weights": {"goal_1": 0, "goal_2": 0, "goal_3": 0, "goal_4": 0}}, "weights", 422),
    ({"budget_sek": -5}, "budget_sek", 422),
    ({"budget_sek": 500_000}, "budget_sek", 422),
    ({"forced_out": [{"candidate": "SMALL", "reason": "Nej."}]}, "forced", 422),
    ({"forced_in": [{"candidate": "SMALL", "reason": "  "}]}, "forced_in.0.reason", 422),
    ({"forced_in": [{"candidate": "application:999999", "reason": "x"}]},
     "forced_in.0.candidate", 422),
    ({"weighting": "pairwise", "pairwise": {"goal_1:goal_2": 3}}, "pairwise.goal_1.goal_3",
     422),
    ({"value_measure": "blend", "score_share": 1.5}, "score_share", 422),
])
def test_bad_scenarios_are_refused_by_name(client, token, world, overrides, field, status):
    for direction in ("forced_in", "forced_out"):
        for entry in overrides.get(direction, []):
            if entry["candidate"] == "SMALL":
                entry["candidate"] = world.small
    before = count_rows(PrioritisationScenario)
    response = client.post(SCENARIOS, json=_scenario(world, **overrides),
                           headers=token["jonas"])
    assert response.status_code == status, response.json
    assert response.mimetype == PROBLEM
    assert response.json["field"] == field, response.json
    assert count_rows(PrioritisationScenario) == before


def test_pairwise_weights_with_a_consistency_ratio(client, token, world):
    pairwise = {"goal_1:goal_2": 9, "goal_2:goal_3": 9, "goal_3:goal_1": 9,
                "goal_1:goal_4": 1, "goal_2:goal_4": 1, "goal_3:goal_4": 1}
    response = client.post(SCENARIOS, json=_scenario(world, weighting="pairwise",
                                                     pairwise=pairwise),
                           headers=token["jonas"])
    assert response.status_code == 201, response.json
    assert response.json["consistency_ratio"] > 0.1
    assert sum(response.json["weights"].values()) == pytest.approx(1)


def test_the_council_reads_only_what_was_sent_and_changes_nothing(client, token, world):
    created = client.post(SCENARIOS, json=_scenario(world), headers=token["jonas"]).json
    url = f"{SCENARIOS}/{created['id']}"
    assert client.get(url, headers=token["per"]).status_code == 404
    assert client.get(SCENARIOS, headers=token["per"]).json == []
    assert client.get(url, headers=token["karin"]).status_code == 404
    assert client.get(SCENARIOS, headers=token["karin"]).status_code == 403
    assert client.post(SCENARIOS, json=_scenario(world, name="Rådets"),
                       headers=token["per"]).status_code == 403
    assert client.post(f"{url}/send", headers=token["per"]).status_code == 404
    sent = client.post(f"{url}/send", headers=token["jonas"])
    assert sent.status_code == 200 and sent.json["is_sent"]
    assert client.get(url, headers=token["per"]).status_code == 200
    assert client.get(url, headers=token["auditor"]).status_code == 200
    assert [s["id"] for s in client.get(SCENARIOS, headers=token["per"]).json] == [created["id"]]
    assert client.put(url, json=_scenario(world), headers=token["per"]).status_code == 403
    assert client.post(f"{url}/send", headers=token["per"]).status_code == 403
    changed = client.put(url, json=_scenario(world, name="Ändrat"), headers=token["jonas"])
    assert changed.status_code == 409
    assert client.post(f"{url}/send", headers=token["jonas"]).status_code == 409


def test_scenarios_side_by_side(client, token, world):
    first = client.post(SCENARIOS, json=_scenario(world), headers=token["jonas"]).json
    second = client.post(SCENARIOS, json=_scenario(world, name="Billigare", budget_sek=None,
                                                   forced_in=[]),
                         headers=token["jonas"]).json
    response = client.get("/api/v1/prioritisation/compare",
                          query_string={"scenario": [first["id"], second["id"]]},
                          headers=token["jonas"])
    assert response.status_code == 200, response.json
    rows = {row["key"]: row["in"] for row in response.json["candidates"]}
    assert rows[world.big] == [False, True]
    assert rows[world.small] == [True, True]
    totals = response.json["totals"]
    assert [t["total_cost_sek"] for t in totals] == [1_000_000, 4_000_000]
    assert totals[1]["goals_covered"]["goal_1"] > totals[0]["goals_covered"]["goal_1"]
    same = client.get("/api/v1/prioritisation/compare",
                      query_string={"scenario": [first["id"], first["id"]]},
                      headers=token["jonas"])
    assert same.status_code == 422


# ---- pages ----------------------------------------------------------------------------------

def _form(world, page_html, **overrides):
    data = {"csrf_token": csrf_token_from(page_html), "name": "Sidans scenario",
            "value_measure": "score", "score_share": "50", "budget_sek": "3 500 000",
            "weighting": "direct", "weight_goal_1": "1", "weight_goal_2": "1",
            "weight_goal_3": "1", "weight_goal_4": "1"}
    data.update(overrides)
    return data


def test_the_office_builds_a_scenario_on_the_page_and_the_council_reads_it(
        client, login_as, world):
    login_as(world.jonas)
    page = client.get("/prioritisation/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Stor e-tjänst" in html and "Utkast" not in html
    response = client.post("/prioritisation/new", data=_form(world, html))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    detail = client.get(response.headers["Location"])
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert "frontier-figure" in text and "frontier-table" in text
    assert 'scope="col"' in text
    export = client.get(response.headers["Location"] + "?format=xlsx")
    assert export.status_code == 200 and export.mimetype == XLSX
    scenario_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = client.get(f"/prioritisation/{scenario_id}").get_data(as_text=True)
    sent = client.post(f"/prioritisation/{scenario_id}/send",
                       data={"csrf_token": csrf_token_from(page)})
    assert sent.status_code == 302
    assert client.get(f"/prioritisation/{scenario_id}/edit").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    login_as(world.per)
    council = client.get(f"/prioritisation/{scenario_id}")
    assert council.status_code == 200
    council_html = council.get_data(as_text=True)
    assert f"/prioritisation/{scenario_id}/edit" not in council_html
    assert f"/prioritisation/{scenario_id}/send" not in council_html
    assert client.get("/prioritisation/new").status_code == 403
    assert client.post(f"/prioritisation/{scenario_id}/send",
                       data={"csrf_token": csrf_token_from(council_html)}).status_code == 403


def test_a_refused_form_names_the_problem(client, login_as, world):
    login_as(world.jonas)
    html = client.get("/prioritisation/new").get_data(as_text=True)
    negative = client.post("/prioritisation/new", data=_form(world, html, weight_goal_1="-2"))
    assert negative.status_code == 422
    assert 'id="weight_goal_1-error"' in negative.get_data(as_text=True)
    zero = client.post("/prioritisation/new", data=_form(
        world, html, weight_goal_1="0", weight_goal_2="0", weight_goal_3="0",
        weight_goal_4="0"))
    assert zero.status_code == 422
    assert "error-summary" in zero.get_data(as_text=True)
    no_reason = client.post("/prioritisation/new", data=_form(world, html, forced_0="in"))
    assert no_reason.status_code == 422
    assert 'id="reason_0-error"' in no_reason.get_data(as_text=True)
    assert count_rows(PrioritisationScenario) == 0


def test_pages_are_closed_to_applicants_and_unsent_scenarios_hidden(client, login_as, token,
                                                                    world):
    created = client.post(SCENARIOS, json=_scenario(world), headers=token["jonas"]).json
    login_as(world.karin)
    assert client.get("/prioritisation/").status_code == 403
    assert client.get(f"/prioritisation/{created['id']}").status_code == 403
    home = client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(home)})
    login_as(world.per)
    assert client.get(f"/prioritisation/{created['id']}").status_code == 404
    assert client.get("/prioritisation/").status_code == 200


def test_the_comparison_page_and_its_export(client, login_as, token, world):
    first = client.post(SCENARIOS, json=_scenario(world), headers=token["jonas"]).json
    second = client.post(SCENARIOS, json=_scenario(world, name="Hela ramen", budget_sek=None,
                                                   forced_in=[]),
                         headers=token["jonas"]).json
    login_as(world.jonas)
    page = client.get("/prioritisation/compare",
                      query_string={"scenario": [first["id"], second["id"]]})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Mål först" in text and "Hela ramen" in text
    export = client.get("/prioritisation/compare", query_string={
        "scenario": [first["id"], second["id"]], "format": "xlsx"})
    assert export.mimetype == XLSX
    assert client.get("/prioritisation/compare",
                      query_string={"scenario": [first["id"]]}).status_code == 422
