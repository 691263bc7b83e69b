"""The demo's head of Utbildningsförvaltningen reads her administration's work and changes nothing.

Tried as an attacker would: every write route of the app (pages and API) with her own
organisation's objects in the path, and reads of another organisation's objects.
"""

import json
from datetime import date

import pytest
import sqlalchemy as sa

from app.applications.models import Application, Decision
from app.benefits.models import Benefit
from app.budget_cuts.models import BudgetCutEntry, BudgetCutPolicy
from app.core.enums import Role
from app.extensions import db
from app.followup.models import FollowUpTask
from app.ideas.models import ProjectIdea
from app.projects.models import Project, StatusReport
from tests.conftest import csrf_token_from
from tests.web.test_application_pages import html_of
from tests.web.test_demo_reports import client_of, demo  # noqa: F401  (fixture)

HEAD = "utbildning@demo.stockholm.example"
OWN = "Utbildningsförvaltningen"
OTHER = "Trafikkontoret"
# Writes that change only the person's own session or settings, or compute without storing.
SELF_SERVICE = {
    "accounts.login", "accounts.logout", "core.set_language", "core.notifications_read",
    "core.notification_settings", "api_notification_settings.update_settings",
    "benefits.evaluate", "api_benefits.evaluate", "api_budget_cuts.what_if",
    "accounts.issue_token", "accounts.revoke_token", "api_accounts.revoke_my_token",
}


def _first(model, *where):
    return db.session.scalar(sa.select(model.id).where(*where).order_by(model.id).limit(1))


def _objects_of(app, organisation_name: str) -> dict[str, int]:
    """One object of each kind belonging to the organisation, by the path argument's name."""
    from app.accounts.models import Organisation, User

    with app.app_context():
        organisation = _first(Organisation, Organisation.name == organisation_name)
        project = _first(Project, Project.organisation_id == organisation)
        if _first(FollowUpTask, FollowUpTask.project_id == project) is None:
            db.session.add(FollowUpTask(project_id=project, kind="benefit_follow_up",
                                        due_on=date(2010, 6, 1)))
            db.session.commit()
        application = db.session.scalar(sa.select(Project.application_id).where(
            Project.id == project))
        found = {
            "organisation_id": organisation, "project_id": project,
            "application_id": application,
            "decision_id": _first(Decision, Decision.application_id == application),
            "report_id": _first(StatusReport, StatusReport.project_id.in_(
                sa.select(Project.id).where(Project.organisation_id == organisation))),
            "benefit_id": _first(Benefit, Benefit.project_id.in_(
                sa.select(Project.id).where(Project.organisation_id == organisation))),
            "idea_id": _first(ProjectIdea, ProjectIdea.organisation_id == organisation),
            "entry_id": _first(BudgetCutEntry, BudgetCutEntry.organisation_id == organisation),
            "policy_id": _first(BudgetCutPolicy),
            "user_id": _first(User, User.email == HEAD),
            "task_id": _first(FollowUpTask, FollowUpTask.project_id == project),
            "index": 0, "year": 2010,
        }
        found["cut_year"] = db.session.scalar(sa.select(BudgetCutEntry.budget_year).where(
            BudgetCutEntry.id == found["entry_id"])) if found["entry_id"] else None
    assert all(value is not None for value in found.values()), found
    return found


@pytest.fixture
def head(app, demo):  # noqa: F811
    return client_of(app, HEAD, "127.0.2.1")


@pytest.fixture
def head_token(app, demo):  # noqa: F811
    from app.accounts.models import User
    from app.accounts.services import issue_api_token

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == HEAD))
        assert user.roles == {Role.ADMINISTRATION_READER}
        token = issue_api_token(user)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _write_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SELF_SERVICE or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            yield rule, method


def test_the_head_holds_only_the_reader_role(app, demo):  # noqa: F811
    from app.accounts.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == HEAD))
        assert user.roles == {Role.ADMINISTRATION_READER}
        assert user.organisation.name == OWN


def test_the_reader_cannot_change_anything_through_the_api(app, head_token):
    ids = _objects_of(app, OWN)
    client = app.test_client()
    tried, wrong = 0, []
    for rule, method in _write_routes(app):
        if not rule.rule.startswith("/api/"):
            continue
        url = rule.build({name: ids.get(name, 1) for name in rule.arguments},
                         append_unknown=False)[1]
        response = client.open(url, method=method, headers=head_token, json={
            "programme_id": 1, "title": "Läsaren skriver", "kind": "feasibility"})
        if response.status_code != 403 or response.mimetype != "application/problem+json":
            wrong.append((method, url, response.status_code,
                          response.get_data(as_text=True)[:200]))
        tried += 1
    assert wrong == []
    assert tried >= 35


def test_the_reader_cannot_change_anything_through_the_pages(app, head):
    ids = _objects_of(app, OWN)
    token = csrf_token_from(html_of(head.get("/projects/")))
    tried, wrong = 0, []
    for rule, method in _write_routes(app):
        if rule.rule.startswith("/api/"):
            continue
        url = rule.build({name: ids.get(name, 1) for name in rule.arguments},
                         append_unknown=False)[1]
        data = {"csrf_token": token, "title": "Läsaren skriver"}
        prefix = url.rstrip("/").rsplit("/", 1)[-1]
        data.update({f"{p}-csrf_token": token for p in (
            prefix, "decide", "assess", "opinion", "qc", "return", "withdraw", "start",
            "correct")})
        response = head.open(url, method=method, data=data)
        if response.status_code != 403:
            wrong.append((method, url, response.status_code))
        tried += 1
    assert wrong == []
    assert tried >= 35
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id)).where(
            Application.title == "Läsaren skriver")) == 0


@pytest.mark.parametrize("path", [
    "/api/v1/applications/{application_id}", "/api/v1/projects/{project_id}",
    "/api/v1/reports/{report_id}", "/api/v1/benefits/{benefit_id}/realisations",
    "/api/v1/decisions/{decision_id}", "/api/v1/ideas/{idea_id}",
])
def test_the_reader_reads_her_own_administrations_objects_and_no_others(app, head_token, path):
    own, other = _objects_of(app, OWN), _objects_of(app, OTHER)
    client = app.test_client()
    assert client.get(path.format(**own), headers=head_token).status_code == 200
    refused = client.get(path.format(**other), headers=head_token)
    assert refused.status_code == 404, path


def test_the_reader_sees_her_lists_and_budget_cuts(app, head, head_token):
    own, other = _objects_of(app, OWN), _objects_of(app, OTHER)
    client = app.test_client()
    projects = client.get("/api/v1/projects", headers=head_token).json
    assert projects and {p["id"] for p in projects} >= {own["project_id"]}
    assert other["project_id"] not in {p["id"] for p in projects}
    listed = client.get("/api/v1/applications?page_size=100", headers=head_token)
    assert json.loads(listed.headers["X-Pagination"])["total_pages"] == 1
    applications = listed.json
    assert own["application_id"] in {a["id"] for a in applications}
    assert other["application_id"] not in {a["id"] for a in applications}
    for url in (f"/projects/{own['project_id']}", f"/projects/reports/{own['report_id']}",
                f"/benefits/{own['benefit_id']}", f"/applications/{own['application_id']}",
                f"/budget-cuts/{own['cut_year']}/organisations/{own['organisation_id']}"):
        response = head.get(url)
        assert response.status_code == 200, (url, response.status_code)
    for url in (f"/projects/{other['project_id']}", f"/benefits/{other['benefit_id']}",
                f"/applications/{other['application_id']}"):
        assert head.get(url).status_code == 404, url
    other_cuts = f"/budget-cuts/{own['cut_year']}/organisations/{other['organisation_id']}"
    assert head.get(other_cuts).status_code in (403, 404)


# ---- granting the role ----------------------------------------------------------------------

def test_the_admin_grants_the_reader_role_only_with_an_organisation(app, make_user, login_as,
                                                                    make_organisation):
    from app.accounts.models import User

    admin = login_as(make_user(["administrator"]))
    school = make_organisation("Utbildningsförvaltningen")
    url = "/admin/users/new"
    form = {"name": "Annika", "email": "annika@test.example", "roles": ["administration_reader"],
            "authority_key": "", "password": "a-long-password", "is_active": "y"}
    refused = admin.post(url, data={**form, "organisation_id": "0",
                                    "csrf_token": csrf_token_from(html_of(admin.get(url)))})
    assert refused.status_code == 422
    assert 'id="organisation_id-error"' in html_of(refused)
    created = admin.post(url, data={**form, "organisation_id": str(school),
                                    "csrf_token": csrf_token_from(html_of(admin.get(url)))})
    assert created.status_code == 302
    with app.app_context():
        annika = db.session.scalar(sa.select(User).where(User.email == "annika@test.example"))
        assert annika.roles == {Role.ADMINISTRATION_READER}
    listing = html_of(admin.get("/admin/users"))
    assert "Förvaltningsläsare (egen förvaltning, endast läsning)" in listing
    assert 'value="administration_reader"' in html_of(admin.get(url))
