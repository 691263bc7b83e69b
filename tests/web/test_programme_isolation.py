"""Several programmes side by side (issue 17, item 3): every list keeps its programme apart.

Two programmes, each with an idea, applications (one submitted, one awaiting decision), a
decision and its project, a submitted six-weekly report, the project's benefits, an adopted
budget cut and a tertial report. Every list page, API list and export is asked for each
programme and must show that programme's rows only; an unknown programme is 404 everywhere.
Roles granted for one programme hold there only: an office of programme A sees nothing of B,
a decision maker of A cannot decide in B.
"""

import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.accounts.models import Organisation, User
from app.applications import decisions as application_decisions
from app.applications import permissions as application_permissions
from app.applications.models import Application
from app.budget_cuts import services as budget_cut_services
from app.core.enums import IdeaState
from app.core.errors import Forbidden
from app.core.programme_filter import SESSION_KEY
from app.extensions import db
from app.followup import services as followup_services
from app.ideas.models import ProjectIdea
from app.programmes.models import Programme
from app.projects import reports as project_reports
from tests.conftest import decide_on_the_day, login

UNKNOWN = 999_999
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT = {
    "overall_status": "green", "cost_status": "green", "schedule_status": "green",
    "scope_status": "green", "benefit_status": "green", "actual_cost_to_date_sek": 100_000,
    "forecast_cost_sek": 1_000_000, "forecast_end_on": date(2009, 6, 30),
    "milestones_reached": "Start", "next_milestones": "Pilot", "risks": "Inga",
    "decisions_needed": "Inga",
}
# Each programme's rows carry its tag in their titles, and its budget cut its own amount.
TAGS = ("ALFAX", "BETAX")
CUTS_SEK = (111_111, 222_222)


def _user(user_id) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def world(app, db_session, people, make_programme, make_application, make_user, demo_date):
    """Two programmes with data of every kind, and people whose roles hold in one of them."""
    with app.test_request_context():
        return _build_world(people, make_programme, make_application, make_user, demo_date)


def _build_world(people, make_programme, make_application, make_user, demo_date):
    programme_ids = [make_programme(name="Program ett"), make_programme(name="Program två")]
    jonas, anders, karin = _user(people.jonas), _user(people.anders), _user(people.karin)
    for programme_id, tag, cut in zip(programme_ids, TAGS, CUTS_SEK, strict=True):
        programme = db.session.get(Programme, programme_id)
        db.session.add(ProjectIdea(programme_id=programme_id, title=f"{tag} idé",
                                   description="Beskrivning", organisation_id=people.traffic,
                                   state=IdeaState.SUBMITTED))
        make_application("submitted", programme_id=programme_id, title=f"{tag} ansökan")
        make_application("awaiting_decision", programme_id=programme_id,
                         title=f"{tag} väntar på beslut")
        funded = db.session.get(Application, make_application(
            "awaiting_decision", programme_id=programme_id, title=f"{tag} projekt"))
        decide_on_the_day(funded, {"outcome": "approved", "decided_on": date(2008, 4, 1)},
                          anders)
        db.session.commit()
        demo_date("2008-04-14")
        project = application_decisions.project_for(funded)
        report = project_reports.open_report(project, 1, karin)
        project_reports.save_report(report, REPORT, karin)
        project_reports.submit_report(report, karin)
        budget_cut_services.adopt_budget_cut(
            programme, db.session.get(Organisation, people.traffic), 2009, cut, "KF 2008:1",
            "Beslutat", jonas)
        followup_services.generate_tertial_report(programme, 2007, 3, jonas)
        db.session.commit()
        demo_date(None)
    first, second = programme_ids
    return {
        "programmes": programme_ids,
        "office_of_first": make_user([f"programme_office@{first}"], name="Kontor ett"),
        "decider_of_first": make_user([f"decision_maker:deputy_city_director@{first}",
                                       "working_group"], name="Beslutsfattare ett"),
        "applicant_of_first": make_user([f"applicant@{first}"], organisation_id=people.traffic,
                                        name="Sökande ett"),
        "second": second,
    }


# (url with {p} for the programme id, what its rows show: "title" tags or "cut" amounts, or
#  None when the list may be empty for the data here and only the other programme's absence
#  is checked)
PAGES = [
    ("/ideas/?programme_id={p}", "title"),
    ("/ideas/?programme_id={p}&format=xlsx", "title"),
    ("/ideas/idle?programme_id={p}", None),
    ("/applications/?programme_id={p}", "title"),
    ("/applications/?programme_id={p}&format=xlsx", "title"),
    ("/applications/queue?programme_id={p}", "title"),
    ("/projects/?programme_id={p}", "title"),
    ("/projects/?programme_id={p}&format=xlsx", "title"),
    ("/projects/compilation.xlsx?programme_id={p}", "title"),
    ("/projects/queue?programme_id={p}", "title"),
    ("/projects/queue?programme_id={p}&format=xlsx", "title"),
    ("/benefits/?programme_id={p}&year=2009", "title"),
    ("/benefits/?programme_id={p}&year=2009&format=xlsx", "title"),
    ("/budget-cuts/?programme_id={p}", None),
    ("/budget-cuts/?programme_id={p}&format=xlsx", "cut"),
    ("/budget-cuts/2009?programme_id={p}&format=xlsx", "cut"),
    ("/budget-cuts/2009/reconciliation?programme_id={p}&format=xlsx", "cut"),
    ("/budget-cuts/policies?programme_id={p}", None),
    ("/budget-cuts/what-if?programme_id={p}", None),
    ("/tertial-reports?programme_id={p}", None),
    ("/adherence?programme_id={p}", None),
    ("/dashboards/programme?programme_id={p}", None),
    ("/prioritisation/?programme_id={p}", None),
    ("/?programme_id={p}", None),
]
API = [
    ("/api/v1/ideas?programme_id={p}", "title"),
    ("/api/v1/ideas?programme_id={p}&format=xlsx", "title"),
    ("/api/v1/applications?programme_id={p}", "title"),
    ("/api/v1/applications?programme_id={p}&format=xlsx", "title"),
    ("/api/v1/decisions?programme_id={p}", "decision"),
    ("/api/v1/queue?programme_id={p}", "title"),
    ("/api/v1/projects?programme_id={p}", "title"),
    ("/api/v1/projects?programme_id={p}&format=xlsx", "title"),
    ("/api/v1/projects/compilation?programme_id={p}", "title"),
    ("/api/v1/projects/compilation?programme_id={p}&format=xlsx", "title"),
    ("/api/v1/reports/queue?programme_id={p}", "report"),
    ("/api/v1/reports/queue?programme_id={p}&format=xlsx", "title"),
    ("/api/v1/benefits?programme_id={p}&year=2009", "benefit"),
    ("/api/v1/budget-cuts?programme_id={p}&year=2009", "cut"),
    ("/api/v1/budget-cuts/totals?programme_id={p}", "cut"),
    ("/api/v1/budget-cuts/entries?programme_id={p}", "cut"),
    ("/api/v1/budget-cuts/policies?programme_id={p}", None),
    ("/api/v1/tertial-reports?programme_id={p}", "programme"),
    ("/api/v1/adherence?programme_id={p}", "programme"),
    ("/api/v1/dashboards/programme?programme_id={p}", "programme"),
    ("/api/v1/prioritisation/candidates?programme_id={p}", "title"),
    ("/api/v1/prioritisation/scenarios?programme_id={p}", None),
]


def text_of(response) -> str:
    """The words a response shows: its body, or every cell of a workbook."""
    if response.mimetype == XLSX:
        book = load_workbook(BytesIO(response.get_data()))
        return "\n".join(str(cell) for sheet in book.worksheets
                         for row in sheet.iter_rows(values_only=True) for cell in row
                         if cell is not None)
    return response.get_data(as_text=True)


def markers(world, kind: str) -> tuple[str, str]:
    """What shows the first programme's rows and what would show the second's."""
    first, second = world["programmes"]
    if kind == "cut":
        return str(CUTS_SEK[0]), str(CUTS_SEK[1])
    if kind == "programme":
        return f'"programme_id": {first}', f'"programme_id": {second}'
    return TAGS


def _ids_in(app, model, tag):
    with app.app_context():
        return {obj.id for obj in db.session.scalars(
            db.select(model).where(model.title.startswith(tag)))}


def assert_only_own_rows(app, world, response, kind, own_index: int):
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    text = text_of(response)
    if kind in ("decision", "benefit", "report"):
        # Decisions, benefits and reports name their application or project by id.
        from app.projects.models import Project

        model = Application if kind == "decision" else Project
        field = '"application_id":{},' if kind == "decision" else '"project_id":{},'
        compact = text.replace(" ", "")
        own = _ids_in(app, model, TAGS[own_index])
        other = _ids_in(app, model, TAGS[1 - own_index])
        assert any(field.format(i) in compact for i in own), text[:400]
        assert not any(field.format(i) in compact for i in other), text[:400]
        return
    if kind == "programme":
        own_id = world["programmes"][own_index]
        other_id = world["programmes"][1 - own_index]
        compact = text.replace(" ", "")
        assert f'"programme_id":{other_id}' not in compact
        if '"programme_id"' in compact:
            assert f'"programme_id":{own_id}' in compact
        return
    if kind is None:
        assert TAGS[1 - own_index] not in text
        return
    own, other = markers(world, kind)
    if own_index == 1:
        own, other = other, own
    assert own in text, f"{own} missing"
    assert other not in text, f"{other} shown"


@pytest.mark.parametrize(("url", "kind"), PAGES, ids=[url for url, _ in PAGES])
def test_every_list_page_and_export_keeps_to_its_programme(app, world, people, login_as, url,
                                                           kind, demo_date):
    demo_date("2008-04-14")
    client = login_as(people.jonas)
    for index, programme_id in enumerate(world["programmes"]):
        response = client.get(url.format(p=programme_id))
        assert_only_own_rows(app, world, response, kind, index)
    assert client.get(url.format(p=UNKNOWN)).status_code == 404
    assert client.get(url.format(p="x1")).status_code in (400, 422)


@pytest.mark.parametrize(("url", "kind"), API, ids=[url for url, _ in API])
def test_every_api_list_and_export_keeps_to_its_programme(app, client, world, people, api_token,
                                                          url, kind, demo_date):
    demo_date("2008-04-14")
    headers = api_token(people.jonas)
    for index, programme_id in enumerate(world["programmes"]):
        response = client.get(url.format(p=programme_id), headers=headers)
        assert_only_own_rows(app, world, response, kind, index)
    unknown = client.get(url.format(p=UNKNOWN), headers=headers)
    assert unknown.status_code == 404
    assert unknown.mimetype == "application/problem+json"
    assert client.get(url.format(p="x1"), headers=headers).status_code == 422


# ---- roles in one programme ---------------------------------------------------------------

UNFILTERED = ["/ideas/", "/applications/", "/applications/queue", "/projects/",
              "/projects/queue", "/benefits/?year=2009", "/ideas/?format=xlsx",
              "/applications/?format=xlsx", "/projects/?format=xlsx"]
UNFILTERED_API = ["/api/v1/ideas", "/api/v1/applications", "/api/v1/queue", "/api/v1/projects",
                  "/api/v1/projects/compilation"]


def test_an_office_of_one_programme_sees_none_of_the_other(app, client, world, login_as,
                                                           api_token, demo_date):
    demo_date("2008-04-14")
    headers = api_token(world["office_of_first"])
    for url in UNFILTERED_API:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert TAGS[0] in text and TAGS[1] not in text, url
    second = world["second"]
    for url in UNFILTERED_API:
        response = client.get(f"{url}?programme_id={second}", headers=headers)
        assert TAGS[1] not in response.get_data(as_text=True), url
    page = login_as(world["office_of_first"])
    for url in UNFILTERED:
        text = text_of(page.get(url))
        assert TAGS[0] in text and TAGS[1] not in text, url


def test_an_office_of_one_programme_cannot_open_or_act_on_the_others_things(
        app, client, world, login_as, api_token, demo_date):
    demo_date("2008-04-14")
    with app.app_context():
        from app.followup.models import TertialReport
        from app.projects.models import Project, StatusReport

        second = world["second"]
        application_id = min(_ids_in(app, Application, TAGS[1]))
        project_id = db.session.scalar(db.select(Project.id).where(
            Project.programme_id == second))
        report_id = db.session.scalar(db.select(StatusReport.id).join(Project).where(
            Project.programme_id == second))
        tertial_id = db.session.scalar(db.select(TertialReport.id).where(
            TertialReport.programme_id == second))
    headers = api_token(world["office_of_first"])
    for url in (f"/api/v1/applications/{application_id}", f"/api/v1/projects/{project_id}",
                f"/api/v1/reports/{report_id}", f"/api/v1/tertial-reports/{tertial_id}"):
        assert client.get(url, headers=headers).status_code == 404, url
    assert client.post(f"/api/v1/applications/{application_id}/start-preparation",
                       headers=headers, json={}).status_code == 404
    page = login_as(world["office_of_first"])
    for url in (f"/applications/{application_id}", f"/projects/{project_id}",
                f"/projects/reports/{report_id}", f"/tertial-reports/{tertial_id}"):
        assert page.get(url).status_code == 404, url
    assert page.get(f"/budget-cuts/?programme_id={second}").status_code == 403
    assert page.get(f"/dashboards/programme?programme_id={second}").status_code == 403
    assert client.get(f"/api/v1/budget-cuts/totals?programme_id={second}",
                      headers=headers).status_code == 403


def test_a_decision_maker_of_one_programme_cannot_decide_in_the_other(app, app_ctx, world,
                                                                      client, api_token):
    first, second = world["programmes"]
    waiting = {programme_id: db.session.scalar(db.select(Application).where(
        Application.programme_id == programme_id, Application.title.endswith("beslut")))
        for programme_id in (first, second)}
    decider = _user(world["decider_of_first"])
    # The working group role (all programmes) lets her see the other programme's application.
    assert application_permissions.get_visible_application(decider, waiting[second].id)
    with pytest.raises(Forbidden):
        decide_on_the_day(waiting[second], {"outcome": "approved",
                                            "decided_on": date(2008, 4, 2)}, decider)
    db.session.rollback()
    headers = api_token(world["decider_of_first"])
    response = client.post(f"/api/v1/applications/{waiting[second].id}/decision",
                           headers=headers, json={"outcome": "approved",
                                                  "decided_on": "2008-04-02"})
    assert response.status_code == 403, response.get_data(as_text=True)
    assert decide_on_the_day(waiting[first], {"outcome": "approved",
                                              "decided_on": date(2008, 4, 2)}, decider)


def test_an_applicant_of_one_programme_sees_her_organisations_work_there_only(
        app, client, world, api_token, demo_date):
    demo_date("2008-04-14")
    headers = api_token(world["applicant_of_first"])
    for url in ("/api/v1/applications", "/api/v1/projects", "/api/v1/ideas"):
        text = client.get(url, headers=headers).get_data(as_text=True)
        assert TAGS[0] in text and TAGS[1] not in text, url


def test_the_chosen_programme_is_remembered_and_the_lists_follow_it(app, world, people,
                                                                    login_as, demo_date):
    demo_date("2008-04-14")
    client = login_as(people.jonas)
    home = client.get("/").get_data(as_text=True)
    assert 'name="programme_id"' in home and "Program två" in home
    first, second = world["programmes"]
    assert client.get(f"/?programme_id={second}").status_code == 200
    with client.session_transaction() as session:
        assert session[SESSION_KEY] == second
    for url in ("/applications/", "/projects/", "/ideas/", "/applications/?format=xlsx"):
        text = text_of(client.get(url))
        assert TAGS[1] in text and TAGS[0] not in text, url
    assert TAGS[0] in client.get(f"/projects/?programme_id={first}").get_data(as_text=True)
    client.get("/?programme_id=all")
    text = client.get("/applications/").get_data(as_text=True)
    assert TAGS[0] in text and TAGS[1] in text
    assert client.get(f"/?programme_id={UNKNOWN}").status_code == 404


def test_roles_for_one_programme_are_granted_on_the_user_page(app, world, people, make_user,
                                                              login_as):
    from tests.conftest import csrf_token_from

    admin = make_user(["administrator"], name="Admin")
    client = login_as(admin)
    second = world["second"]
    page = client.get(f"/admin/users/{people.sven}")
    assert f"roles_in_programme_{second}" in page.get_data(as_text=True)
    response = client.post(f"/admin/users/{people.sven}", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "name": "Sven",
        "email": "ignored@test.example", "organisation_id": people.other,
        "roles": ["applicant"], f"roles_in_programme_{second}": ["auditor"],
        "is_active": "y"})
    assert response.status_code == 302, re.findall(r"<p[^>]*>([^<]*)</p>",
                                                   response.get_data(as_text=True))
    with app.app_context():
        sven = _user(people.sven)
        grants = {(a.role.value, a.programme_id) for a in sven.role_assignments}
        assert grants == {("applicant", None), ("auditor", second)}
        assert "auditor" in sven.roles_for(second)
        assert "auditor" not in sven.roles_for(world["programmes"][0])


def test_login_sees_only_the_programmes_one_works_in(app, client, world, demo_date):
    with app.app_context():
        email = _user(world["office_of_first"]).email
    login(client, email)
    home = client.get("/").get_data(as_text=True)
    assert "Program ett" in home and "Program två" not in home


def test_the_api_grants_a_role_in_one_programme(app, client, world, people, make_user,
                                                api_token):
    admin = api_token(make_user(["administrator"], name="Admin"))
    second = world["second"]
    url = f"/api/v1/users/{people.sven}/roles"
    response = client.put(url, headers=admin, json={"grants": [
        {"role": "applicant"}, {"role": "programme_office", "programme_id": second},
        {"role": "decision_maker", "authority_key": "city_director", "programme_id": second}]})
    assert response.status_code == 200, response.get_data(as_text=True)
    granted = [
        {"role": "applicant", "authority_key": None, "programme_id": None},
        {"role": "decision_maker", "authority_key": "city_director", "programme_id": second},
        {"role": "programme_office", "authority_key": None, "programme_id": second}]
    assert client.get(url, headers=admin).get_json()["grants"] == granted
    assert client.get("/api/v1/me", headers=api_token(people.sven)).get_json()["grants"] == granted
    with app.app_context():
        sven = _user(people.sven)
        assert sven.authority_keys_for(second) == {"city_director"}
        assert sven.authority_keys_for(world["programmes"][0]) == frozenset()
    unknown = client.put(url, headers=admin, json={"grants": [
        {"role": "auditor", "programme_id": UNKNOWN}]})
    assert unknown.status_code == 422 and unknown.mimetype == "application/problem+json"
    assert client.get(url, headers=api_token(people.jonas)).status_code == 403
    assert client.put(url, headers=api_token(people.jonas),
                      json={"grants": [{"role": "administrator"}]}).status_code == 403


# ---- jobs and the one programme a person works in -----------------------------------------

def test_jobs_tell_each_programmes_own_office(app, app_ctx, world, people, demo_date):
    from app.core.models import Notification
    from app.jobs import services as job_services

    demo_date("2008-07-01")
    assert job_services.escalate_overdue_reports(date(2008, 7, 1)) > 0
    demo_date(None)

    def links_to(user_id):
        return [n.link for n in db.session.scalars(db.select(Notification).where(
            Notification.user_id == user_id, Notification.kind == "report.overdue"))]

    from app.projects.models import Project

    first, second = world["programmes"]
    projects = {programme_id: db.session.scalar(db.select(Project.id).where(
        Project.programme_id == programme_id)) for programme_id in (first, second)}
    assert set(links_to(world["office_of_first"])) == {f"/projects/{projects[first]}"}
    assert set(links_to(people.jonas)) == {f"/projects/{projects[first]}",
                                           f"/projects/{projects[second]}"}


def test_pages_about_one_programme_open_the_only_one_a_person_works_in(app, world, login_as,
                                                                       demo_date):
    demo_date("2008-04-14")
    client = login_as(world["office_of_first"])
    for url in ("/budget-cuts/", "/tertial-reports", "/dashboards/programme", "/adherence",
                "/prioritisation/"):
        response = client.get(url)
        assert response.status_code == 200, url
    for url in ("/budget-cuts/", "/tertial-reports", "/dashboards/programme"):
        text = client.get(url).get_data(as_text=True)
        assert "Program ett" in text and "Program två" not in text, url


def test_an_office_of_one_programme_cannot_screen_the_others_ideas(app, app_ctx, world,
                                                                   make_user):
    from app.ideas import services as idea_services

    first, second = world["programmes"]
    office = _user(make_user([f"programme_office@{first}", "working_group"],
                             name="Kontor och arbetsgrupp"))
    ideas = {programme_id: db.session.scalar(db.select(ProjectIdea).where(
        ProjectIdea.programme_id == programme_id)) for programme_id in (first, second)}
    with pytest.raises(Forbidden):
        idea_services.screen_idea(ideas[second], "approved_to_apply", "", office)
    assert idea_services.screen_idea(ideas[first], "approved_to_apply", "", office)


def test_an_applicant_of_one_programme_is_offered_only_that_programme(app, world, login_as,
                                                                      demo_date):
    demo_date("2008-04-14")
    client = login_as(world["applicant_of_first"])
    for url in ("/applications/new", "/ideas/new"):
        text = client.get(url).get_data(as_text=True)
        assert "Program ett" in text and "Program två" not in text, url
    second = world["programmes"][1]
    refused = client.get(f"/applications/new?programme_id={second}").get_data(as_text=True)
    assert "Program två" not in refused
