"""Every id a request links to is checked: a missing one or another organisation's private
object is 422 naming the field (API) or a form error (page), never a 500 and never linked."""

import copy

import pytest
import sqlalchemy as sa

from app.applications.models import Application
from app.extensions import db
from tests.conftest import SMALL_CALCULATION, complete_application_data, count_rows
from tests.web.test_application_pages import application_form, clients_for, html_of, token

PROBLEM = "application/problem+json"


@pytest.fixture
def karin(api_token, people):
    return api_token(people.karin)


@pytest.fixture
def world(app, people, make_programme, make_application):
    """Karin's own feasibility study, Sven's private draft study and submitted study, an idea."""
    from app.accounts.models import User
    from app.applications import services
    from app.ideas.models import ProjectIdea
    from app.programmes.models import Programme

    programme = make_programme()
    own = make_application("submitted", programme_id=programme, title="Egen förstudie",
                           kind="feasibility")
    with app.app_context():
        sven = db.session.get(User, people.sven)
        draft = services.create_draft(db.session.get(Programme, programme),
                                      {"kind": "feasibility", "title": "Svens utkast"}, sven)
        idea = ProjectIdea(programme_id=programme, organisation_id=people.other,
                           title="Svens idé", description="x")
        db.session.add(idea)
        db.session.commit()
        ids = {"programme": programme, "own": own, "other_draft": draft.id,
               "other_idea": idea.id}
    return ids


def _body(programme_id: int, **changes) -> dict:
    data = complete_application_data(kind="implementation")
    for key in ("starts_on", "ends_on"):
        data[key] = data[key].isoformat()
    for milestone in data["milestones"]:
        milestone["due_on"] = milestone["due_on"].isoformat()
    return {**data, "programme_id": programme_id, **changes}


@pytest.mark.parametrize("field, value", [
    ("feasibility_id", 999_999), ("feasibility_id", "other_draft"), ("feasibility_id", 0),
    ("idea_id", 999_999), ("idea_id", "other_idea"), ("area_id", 999_999),
])
def test_a_bad_link_on_create_is_422_naming_the_field(app, client, karin, world, field, value):
    value = world[value] if isinstance(value, str) else value
    before = count_in(app, Application)
    response = client.post("/api/v1/applications", headers=karin,
                           json=_body(world["programme"], **{field: value}))
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    assert response.json["field"] == field
    assert count_in(app, Application) == before


def test_another_organisations_submitted_study_is_not_linked_either(app, client, api_token,
                                                                    people, world):
    sven = api_token(people.sven)
    response = client.post("/api/v1/applications", headers=sven,
                           json=_body(world["programme"], feasibility_id=world["own"]))
    assert response.status_code == 422 and response.json["field"] == "feasibility_id"


def test_the_own_study_links_and_a_patch_to_anothers_is_refused(app, client, karin, world):
    created = client.post("/api/v1/applications", headers=karin,
                          json=_body(world["programme"], feasibility_id=world["own"]))
    assert created.status_code == 201, created.json
    assert created.json["feasibility_id"] == world["own"]
    url = f"/api/v1/applications/{created.json['id']}"
    for value in (world["other_draft"], 999_999):
        refused = client.patch(url, headers=karin, json={"feasibility_id": value})
        assert refused.status_code == 422 and refused.json["field"] == "feasibility_id"
    with app.app_context():
        assert db.session.get(Application, created.json["id"]).feasibility_id == world["own"]
    unchanged = client.patch(url, headers=karin, json={"feasibility_id": world["own"],
                                                       "title": "Genomförande"})
    assert unchanged.status_code == 200, unchanged.json


def test_a_missing_benefit_owner_is_422_naming_the_line(app, client, karin, world):
    created = client.post("/api/v1/applications", headers=karin,
                          json=_body(world["programme"])).json
    payload = copy.deepcopy(SMALL_CALCULATION)
    payload["benefits"][0]["owner_organisation_id"] = 999_999
    response = client.put(f"/api/v1/applications/{created['id']}/benefit-calculation",
                          headers=karin, json=payload)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    assert response.json["field"] == "benefits[0].owner_organisation_id"


def test_a_bad_link_on_the_page_is_a_form_error(app, people, world, demo_date):
    demo_date("2008-02-01")
    karin = clients_for(app, people)("karin")
    before = count_in(app, Application)
    for value in (world["other_draft"], 999_999):
        data = application_form(world["programme"], kind="implementation",
                                feasibility_id=str(value))
        data["csrf_token"] = token(karin)
        response = karin.post("/applications/new", data=data)
        assert response.status_code == 422, response.status_code
        assert 'id="feasibility_id-error"' in html_of(response)
    assert count_in(app, Application) == before


def count_in(app, model) -> int:
    with app.app_context():
        return count_rows(model)


def test_the_world_is_what_the_tests_think(app, world, people):
    with app.app_context():
        draft = db.session.get(Application, world["other_draft"])
        assert draft.organisation_id == people.other and draft.state.value == "draft"
        assert db.session.scalar(sa.select(Application.organisation_id).where(
            Application.id == world["own"])) == people.traffic
