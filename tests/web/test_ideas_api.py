"""The ideas API: list, submit, edit, screen, similar; every bad input as problem+json."""

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.core.enums import IdeaState
from app.core.models import Notification
from app.extensions import db
from app.ideas.models import ProjectIdea

PROBLEM = "application/problem+json"
VAGVISARE = "Vägvisare för gång och cykel i stadens webbkarta"
NEW_IDEA = {"title": "Cykelreseplanerare",
            "description": "En reseplanerare som föreslår cykelvägar mellan två adresser.",
            "target_group": "Cyklister", "expected_benefit": "Fler cykelresor",
            "contact_name": "Karin", "contact_email": "karin@test.example"}


def _idea(programme, organisation, title, description, state=IdeaState.SUBMITTED) -> int:
    screened = None if state == IdeaState.SUBMITTED else datetime(2009, 11, 13, tzinfo=UTC)
    idea = ProjectIdea(programme_id=programme, organisation_id=organisation, title=title,
                       description=description, state=state, screened_at=screened)
    db.session.add(idea)
    db.session.flush()
    return idea.id


@pytest.fixture
def world(app, make_organisation, make_user, make_programme, api_token):
    traffic = make_organisation("Trafikkontoret")
    planning = make_organisation("Stadsbyggnadskontoret")
    programme = make_programme()
    with app.app_context():
        ids = {
            "vagvisare": _idea(programme, planning, VAGVISARE,
                               "Visar gång- och cykelvägar mellan adresser.",
                               IdeaState.APPROVED_TO_APPLY),
            "karins": _idea(programme, traffic, "Felanmälan i gatumiljön", "Potthål."),
            "asked": _idea(programme, traffic, "Parkeringsapp", "Betala parkering.",
                           IdeaState.MORE_INFO_REQUESTED),
        }
        db.session.commit()
    users = {
        "karin": make_user(["applicant"], organisation_id=traffic),
        "sven": make_user(["applicant"], organisation_id=planning),
        "jonas": make_user(["programme_office"]),
        "auditor": make_user(["auditor"]),
    }
    return SimpleNamespace(traffic=traffic, planning=planning, programme=programme, **ids,
                           users=users,
                           **{name: api_token(user) for name, user in users.items()})


def _problem(response, status: int, field: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status and body["detail"]
    if field is not None:
        named = {body.get("field"), *(e.get("field") for e in body.get("errors", []))}
        assert field in named, body
    return body


def _state(app, idea_id) -> IdeaState:
    with app.app_context():
        return db.session.get(ProjectIdea, idea_id).state


# ---- list -----------------------------------------------------------------------------------

def test_list_is_scoped_paginated_and_filtered(client, world):
    own = client.get("/api/v1/ideas", headers=world.karin)
    assert own.status_code == 200
    assert {i["title"] for i in own.json} == {"Felanmälan i gatumiljön", "Parkeringsapp"}
    everything = client.get("/api/v1/ideas?page_size=2", headers=world.jonas)
    assert len(everything.json) == 2
    assert json.loads(everything.headers["X-Pagination"])["total"] == 3
    approved = client.get("/api/v1/ideas?state=approved_to_apply", headers=world.auditor)
    assert [i["title"] for i in approved.json] == [VAGVISARE]
    assert approved.json[0]["organisation"]["name"] == "Stadsbyggnadskontoret"
    by_org = client.get(f"/api/v1/ideas?organisation_id={world.traffic}", headers=world.jonas)
    assert len(by_org.json) == 2


@pytest.mark.parametrize(("query", "field"), [
    ("state=approved", "state"), ("organisation_id=x", "organisation_id"),
    ("organisation_id=0", "organisation_id"), ("page_size=0", "page_size"),
])
def test_bad_list_filters_are_422_naming_the_field(client, world, query, field):
    _problem(client.get(f"/api/v1/ideas?{query}", headers=world.jonas), 422, field)


def test_no_token_is_401(client, world):
    assert client.get("/api/v1/ideas").status_code == 401
    assert client.post("/api/v1/ideas", json=NEW_IDEA).status_code == 401


# ---- submit ---------------------------------------------------------------------------------

def test_submit_creates_the_idea_and_notifies_the_programme_office(app, client, world):
    response = client.post("/api/v1/ideas", headers=world.karin,
                           json={**NEW_IDEA, "programme_id": world.programme})
    assert response.status_code == 201
    body = response.json
    assert body["state"] == "submitted" and body["organisation"]["id"] == world.traffic
    assert body["title"] == "Cykelreseplanerare" and body["programme_id"] == world.programme
    with app.app_context():
        links = db.session.scalars(sa.select(Notification.link).where(
            Notification.user_id == world.users["jonas"])).all()
    assert links == [f"/ideas/{body['id']}"]


@pytest.mark.parametrize(("change", "field"), [
    ({"title": None}, "title"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"title": 5}, "title"),
    ({"description": None}, "description"),
    ({"description": "x" * 10_001}, "description"),
    ({"contact_email": "karin-at-trafik"}, "contact_email"),
    ({"programme_id": None}, "programme_id"),
    ({"programme_id": "1"}, "programme_id"),
    ({"programme_id": 999_999}, "programme_id"),
    ({"state": "approved_to_apply"}, "state"),
    ({"organisation_id": 1}, "organisation_id"),
])
def test_submit_bad_input_is_422_naming_the_field_and_stores_nothing(
        app, client, world, change, field):
    data = {**NEW_IDEA, "programme_id": world.programme, **change}
    data = {k: v for k, v in data.items() if v is not None}
    _problem(client.post("/api/v1/ideas", headers=world.karin, json=data), 422, field)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProjectIdea)) == 3


def test_submit_without_a_json_body_is_422(client, world):
    response = client.post("/api/v1/ideas", headers=world.karin, data="not json",
                           content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.mimetype == PROBLEM


@pytest.mark.parametrize("who", ["jonas", "auditor"])
def test_submit_by_a_non_applicant_is_403(client, world, who):
    _problem(client.post("/api/v1/ideas", headers=getattr(world, who),
                         json={**NEW_IDEA, "programme_id": world.programme}), 403)


# ---- read and edit --------------------------------------------------------------------------

def test_read_one_idea(client, world):
    assert client.get(f"/api/v1/ideas/{world.karins}", headers=world.karin).json["title"] == (
        "Felanmälan i gatumiljön")
    assert client.get(f"/api/v1/ideas/{world.vagvisare}", headers=world.jonas).status_code == 200
    _problem(client.get(f"/api/v1/ideas/{world.vagvisare}", headers=world.karin), 404)
    _problem(client.get("/api/v1/ideas/999999", headers=world.jonas), 404)


def test_patch_edits_and_answers_a_question(app, client, world):
    response = client.patch(f"/api/v1/ideas/{world.karins}", headers=world.karin,
                            json={"title": "Felanmälan med mobilen"})
    assert response.status_code == 200 and response.json["title"] == "Felanmälan med mobilen"
    answered = client.patch(f"/api/v1/ideas/{world.asked}", headers=world.karin,
                            json={"description": "Betala parkering; 5 000 per dag."})
    assert answered.status_code == 200 and answered.json["state"] == "submitted"


@pytest.mark.parametrize(("who", "idea", "status"), [
    ("sven", "karins", 404),
    ("jonas", "karins", 403),
    ("auditor", "karins", 403),
    ("sven", "vagvisare", 409),
])
def test_patch_refusals(client, world, who, idea, status):
    _problem(client.patch(f"/api/v1/ideas/{getattr(world, idea)}", headers=getattr(world, who),
                          json={"title": "Ny"}), status)


@pytest.mark.parametrize(("data", "field"), [
    ({"title": " "}, "title"), ({"title": None}, "title"), ({"contact_email": "x"},
                                                           "contact_email"),
    ({"state": "approved_to_apply"}, "state"), ({"programme_id": 2}, "programme_id"),
])
def test_patch_bad_input_is_422(app, client, world, data, field):
    _problem(client.patch(f"/api/v1/ideas/{world.karins}", headers=world.karin, json=data), 422,
             field)
    with app.app_context():
        assert db.session.get(ProjectIdea, world.karins).title == "Felanmälan i gatumiljön"


# ---- screening ------------------------------------------------------------------------------

@pytest.mark.parametrize(("outcome", "comment"), [
    ("approved_to_apply", ""), ("rejected", "Finns redan."), ("more_info_requested", "Volym?")])
def test_screening(app, client, world, outcome, comment):
    response = client.post(f"/api/v1/ideas/{world.karins}/screening", headers=world.jonas,
                           json={"outcome": outcome, "comment": comment})
    assert response.status_code == 200
    assert response.json["state"] == outcome and response.json["screening_comment"] == comment
    assert response.json["screened_at"]
    with app.app_context():
        kinds = db.session.scalars(sa.select(Notification.kind).where(
            Notification.user_id == world.users["karin"])).all()
    assert kinds == ["idea.screened"]


@pytest.mark.parametrize(("data", "field"), [
    ({"outcome": "rejected"}, "comment"),
    ({"outcome": "rejected", "comment": "  "}, "comment"),
    ({"outcome": "more_info_requested", "comment": ""}, "comment"),
    ({"outcome": "approved"}, "outcome"),
    ({"outcome": "submitted"}, "outcome"),
    ({"comment": "x"}, "outcome"),
    ({"outcome": "approved_to_apply", "comment": "x" * 5_001}, "comment"),
    ({"outcome": "approved_to_apply", "extra": 1}, "extra"),
])
def test_screening_bad_input_is_422_and_changes_nothing(app, client, world, data, field):
    _problem(client.post(f"/api/v1/ideas/{world.karins}/screening", headers=world.jonas,
                         json=data), 422, field)
    assert _state(app, world.karins) == IdeaState.SUBMITTED


@pytest.mark.parametrize(("who", "idea", "status"), [
    ("karin", "karins", 403),
    ("auditor", "karins", 403),
    ("sven", "karins", 404),
    ("jonas", "vagvisare", 409),
    ("jonas", "asked", 409),
])
def test_screening_refusals(app, client, world, who, idea, status):
    idea_id = getattr(world, idea)
    before = _state(app, idea_id)
    body = _problem(client.post(f"/api/v1/ideas/{idea_id}/screening",
                                headers=getattr(world, who),
                                json={"outcome": "approved_to_apply"}), status)
    if status == 409:
        assert body["state"] == before.value
    assert _state(app, idea_id) == before


def test_screening_twice_is_409(client, world):
    url = f"/api/v1/ideas/{world.karins}/screening"
    assert client.post(url, headers=world.jonas,
                       json={"outcome": "approved_to_apply"}).status_code == 200
    _problem(client.post(url, headers=world.jonas, json={"outcome": "rejected",
                                                         "comment": "Nej"}), 409)


# ---- similar --------------------------------------------------------------------------------

def test_similar_to_a_text(client, world):
    response = client.get("/api/v1/ideas/similar?text=Cykelreseplanerare", headers=world.karin)
    assert response.status_code == 200
    [match] = response.json
    assert match == {**match, "kind": "idea", "id": world.vagvisare, "title": VAGVISARE,
                     "organisation": "Stadsbyggnadskontoret", "state": "approved_to_apply"}
    assert match["score"] >= 40 and "cykel" in match["shared_words"]
    own = client.get("/api/v1/ideas/similar?text=Vägvisare+cykel", headers=world.sven)
    assert own.json == []


@pytest.mark.parametrize(("query", "field"), [
    ("", "text"), ("text=", "text"), ("text=cykel&limit=0", "limit"),
    ("text=cykel&limit=21", "limit"), (f"text={'x' * 10_301}", "text"),
])
def test_similar_bad_input_is_422(client, world, query, field):
    _problem(client.get(f"/api/v1/ideas/similar?{query}", headers=world.karin), 422, field)


def test_similar_to_an_idea(app, client, world):
    with app.app_context():
        cykel = _idea(world.programme, world.traffic, "Cykelreseplanerare", "Cykelvägar")
        db.session.commit()
    response = client.get(f"/api/v1/ideas/{cykel}/similar", headers=world.jonas)
    assert [m["id"] for m in response.json] == [world.vagvisare]
    assert client.get(f"/api/v1/ideas/{cykel}/similar?limit=1",
                      headers=world.karin).status_code == 200
    _problem(client.get(f"/api/v1/ideas/{cykel}/similar", headers=world.sven), 404)
    _problem(client.get(f"/api/v1/ideas/{cykel}/similar?limit=x", headers=world.karin), 422,
             "limit")


def test_openapi_documents_the_idea_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in ("/api/v1/ideas", "/api/v1/ideas/{idea_id}", "/api/v1/ideas/{idea_id}/screening",
                 "/api/v1/ideas/{idea_id}/similar", "/api/v1/ideas/similar"):
        assert path in paths, sorted(paths)
    assert "409" in paths["/api/v1/ideas/{idea_id}/screening"]["post"]["responses"]
    assert "outcome" in spec["components"]["schemas"]["Screening"]["properties"]
