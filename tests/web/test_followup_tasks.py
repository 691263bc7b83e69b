"""The one-year benefit follow-up on the project page and through the API.

Karin's project has two benefits, "Porto" and "Kundtjänstsamtal", and went live on
2008-09-01; the clock stands at the follow-up's due date, 2009-09-01. Pages are Swedish, so
the tests match on data-testid and data-* markers, links and names, not translated text.
"""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.benefits.models import Benefit
from app.core.models import Notification
from app.extensions import db
from app.followup.models import FollowUpTask
from tests.conftest import csrf_token_from, decide_on_the_day
from tests.integration.followup_portfolio import add_benefit
from tests.web.test_application_pages import clients_for, html_of, marked, page

PROBLEM = "application/problem+json"


@pytest.fixture
def browser(app, db_session, people):
    return clients_for(app, people)


@pytest.fixture
def world(app, people, make_application, demo_date) -> dict:
    """The project, its follow-up task and its benefits by name; the clock at the due date."""
    from app.accounts.models import User
    from app.applications import decisions as application_decisions
    from app.applications.models import Application
    from app.projects import closing as project_closing
    from app.projects import followup_tasks as project_followup

    application_id = make_application("awaiting_decision")
    demo_date("2008-09-02")
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        decide_on_the_day(application, {"outcome": "approved",
                                        "decided_on": date(2008, 4, 1)},
                          db.session.get(User, people.anders))
        project = application_decisions.project_for(application)
        add_benefit(project, people.traffic, name="Kundtjänstsamtal",
                    planned_by_year={2009: 100_000, 2010: 200_000})
        project_closing.record_go_live(project, date(2008, 9, 1),
                                       db.session.get(User, people.karin))
        db.session.commit()
        benefits = {b.name: b.id for b in db.session.scalars(
            sa.select(Benefit).where(Benefit.project_id == project.id))}
        (task,) = project_followup.follow_up_tasks(project)
        ids = {"project": project.id, "task": task.id, "benefits": benefits}
    demo_date("2009-09-01")
    return ids


def _complete_url(world) -> str:
    return f"/projects/{world['project']}/follow-ups/{world['task']}/complete"


def _realise(client, benefit_id: int, year: int = 2009) -> None:
    """Enter a realised value on the benefit's page, as a person would."""
    html = page(client, f"/benefits/{benefit_id}")
    response = client.post(f"/benefits/{benefit_id}/realisations", data={
        "year": str(year), "actual_sek": "9000", "csrf_token": csrf_token_from(html)})
    assert response.status_code == 302, html_of(response)[:500]


def _done_at(app, world):
    with app.app_context():
        return db.session.get(FollowUpTask, world["task"]).done_at


def _missing_links(html: str) -> list[str]:
    match = re.search(r'<ul data-testid="missing-benefits">(.*?)</ul>', html, re.S)
    return re.findall(r'href="([^"]+)"', match.group(1)) if match else []


# ---- the project page -----------------------------------------------------------------------

def test_karin_enters_the_values_the_page_asks_for_and_marks_the_follow_up_done(
        app, browser, world, people):
    karin = browser("karin")
    porto, calls = world["benefits"]["Porto"], world["benefits"]["Kundtjänstsamtal"]
    html = page(karin, f"/projects/{world['project']}")
    assert sorted(_missing_links(html)) == sorted([f"/benefits/{porto}", f"/benefits/{calls}"])
    assert _complete_url(world) not in html

    _realise(karin, porto, year=2008)
    html = page(karin, f"/projects/{world['project']}")
    assert _missing_links(html) == [f"/benefits/{calls}"]
    refused = karin.post(_complete_url(world), data={"csrf_token": csrf_token_from(html)})
    assert refused.status_code == 302
    flashed = page(karin, refused.headers["Location"])
    assert 'alert-danger' in flashed and "Kundtjänstsamtal" in flashed
    assert _done_at(app, world) is None

    _realise(karin, calls)
    html = page(karin, f"/projects/{world['project']}")
    assert _missing_links(html) == [] and f'action="{_complete_url(world)}"' in html
    done = karin.post(_complete_url(world), data={"csrf_token": csrf_token_from(html)})
    assert done.status_code == 302 and _done_at(app, world) is not None
    html = page(karin, done.headers["Location"])
    assert "alert-success" in html and _complete_url(world) not in html
    assert "2009-09-01" in marked(html, "follow-ups")
    with app.app_context():
        assert list(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.kind == "followup.completed"))) == [people.jonas]

    again = karin.post(_complete_url(world), data={"csrf_token": csrf_token_from(html)})
    assert again.status_code == 302 and "alert-danger" in page(karin, again.headers["Location"])


def test_the_page_offers_the_button_only_to_those_who_may_complete(app, browser, world):
    karin = browser("karin")
    for name in world["benefits"].values():
        _realise(karin, name)
    assert f'action="{_complete_url(world)}"' in page(browser("jonas"),
                                                       f"/projects/{world['project']}")
    auditor_page = page(browser("auditor"), f"/projects/{world['project']}")
    assert _complete_url(world) not in auditor_page
    refused = browser("auditor").post(_complete_url(world), data={
        "csrf_token": csrf_token_from(auditor_page)})
    assert refused.status_code == 403 and _done_at(app, world) is None


def test_other_organisations_forged_posts_and_wrong_projects_write_nothing(app, browser, world):
    karin, sven = browser("karin"), browser("sven")
    for name in world["benefits"].values():
        _realise(karin, name)
    html = page(sven, "/projects/")
    assert sven.post(_complete_url(world), data={
        "csrf_token": csrf_token_from(html)}).status_code == 404
    assert karin.post(_complete_url(world)).status_code == 400
    own = csrf_token_from(page(karin, "/projects/"))
    assert karin.post(f"/projects/{world['project'] + 1000}/follow-ups/{world['task']}/complete",
                      data={"csrf_token": own}).status_code == 404
    assert _done_at(app, world) is None


# ---- the API --------------------------------------------------------------------------------

@pytest.fixture
def token(api_token, people):
    return {name: api_token(getattr(people, name))
            for name in ("karin", "sven", "jonas", "auditor")}


def _api_complete(client, world, headers):
    return client.post(f"/api/v1/follow-ups/{world['task']}/complete", headers=headers)


def test_the_api_lists_what_is_missing_and_completes_once(client, browser, world, token):
    porto, calls = world["benefits"]["Porto"], world["benefits"]["Kundtjänstsamtal"]
    url = f"/api/v1/projects/{world['project']}/follow-ups"
    (listed,) = client.get(url, headers=token["karin"]).json
    assert (listed["done_at"], sorted(m["name"] for m in listed["missing_benefits"])) == (
        None, ["Kundtjänstsamtal", "Porto"])
    _realise(browser("karin"), porto)

    refused = _api_complete(client, world, token["karin"])
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    assert "Kundtjänstsamtal" in refused.json["detail"]
    assert refused.json["missing_benefits"] == [
        {"benefit_id": calls, "name": "Kundtjänstsamtal", "link": f"/benefits/{calls}"}]

    _realise(browser("karin"), calls)
    done = _api_complete(client, world, token["jonas"])
    assert done.status_code == 200, done.json
    assert done.json["id"] == world["task"] and done.json["done_at"]
    assert done.json["missing_benefits"] == []
    (listed,) = client.get(url, headers=token["karin"]).json
    assert listed["done_at"] == done.json["done_at"] and listed["missing_benefits"] == []
    twice = _api_complete(client, world, token["karin"])
    assert twice.status_code == 409 and twice.mimetype == PROBLEM


def test_the_api_refuses_strangers_and_unknown_tasks(client, app, world, token):
    assert _api_complete(client, world, token["sven"]).status_code == 404
    forbidden = _api_complete(client, world, token["auditor"])
    assert forbidden.status_code == 403 and forbidden.mimetype == PROBLEM
    unknown = client.post(f"/api/v1/follow-ups/{world['task'] + 1000}/complete",
                          headers=token["jonas"])
    assert unknown.status_code == 404 and unknown.mimetype == PROBLEM
    assert _done_at(app, world) is None


def test_the_openapi_document_describes_completing_a_follow_up(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/follow-ups/{task_id}/complete"]["post"]
    assert {"200", "403", "404", "409"} <= set(operation["responses"])
    task_schema = document["components"]["schemas"]["FollowUpTask"]
    assert {"done_at", "missing_benefits"} <= set(task_schema["properties"])
