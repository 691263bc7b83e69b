"""Programme set-up pages and API (issue 17), the first-run page, and attackers."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.core.enums import LedgerEntryKind
from app.extensions import db
from app.programmes.models import EnvelopeEntry, Programme
from tests.conftest import csrf_token_from

PROBLEM = "application/problem+json"


@pytest.fixture
def admin(make_user):
    return make_user(["administrator"])


@pytest.fixture
def as_admin(admin, login_as):
    return login_as(admin)


def _post(client, path: str, data: dict):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


PROGRAMME_FORM = {
    "name": "Andra programmet", "description": "", "starts_on": "2013-01-01",
    "ends_on": "2016-12-31", "diary_number_format": "SLK {year}/{seq:04d}",
    "calculation_years": "5", "discount_rate": "0.035", "hours_per_fte": "1700",
    "oncost_rate": "0.54", "channel_unit_sek": "2", "in_preparation": "21",
    "idea_idle_days": "60", "schedule_tolerance_days": "0", "decision_backdating_days": "30",
}


def test_administrator_creates_a_programme_in_the_pages(app, as_admin):
    page = as_admin.get("/programmes/new")
    assert page.status_code == 200
    response = _post(as_admin, "/programmes/new", PROGRAMME_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        programme = db.session.scalar(sa.select(Programme).where(
            Programme.name == "Andra programmet"))
        assert programme.stage_service_days["in_preparation"] == 21
        programme_id = programme.id
    for page in ("edit", "reservations", "goals", "areas", "calendar"):
        assert as_admin.get(f"/programmes/{programme_id}/{page}").status_code == 200, page


@pytest.mark.parametrize(("change", "message"), [
    ({"ends_on": "2012-12-31"}, "Programmet kan inte sluta innan det börjar."),
    ({"name": "Befintligt"}, "Det finns redan ett program som heter Befintligt"),
    ({"diary_number_format": "{x}"}, "Diarienummerformatet"),
])
def test_bad_programme_form_names_the_problem_and_saves_nothing(app, as_admin, make_programme,
                                                                change, message):
    make_programme("Befintligt")
    response = _post(as_admin, "/programmes/new", {**PROGRAMME_FORM, **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html, re.findall(r'invalid-feedback[^>]*>([^<]*)', html)
    with app.app_context():
        assert db.session.scalar(sa.select(Programme).where(
            Programme.name == "Andra programmet")) is None


def test_reservation_page_books_and_refuses_a_withdrawal_below_committed(app, as_admin,
                                                                         make_programme):
    programme_id = make_programme(reserved_sek=1_000_000)
    with app.app_context():
        first_id = db.session.scalar(sa.select(EnvelopeEntry.id).where(
            EnvelopeEntry.programme_id == programme_id))
        db.session.add(EnvelopeEntry(programme_id=programme_id, kind=LedgerEntryKind.COMMITMENT,
                                     amount_sek=800_000, booked_on=date(2008, 1, 1),
                                     description="Beviljat"))
        db.session.commit()
    path = f"/programmes/{programme_id}/reservations"
    refused = _post(as_admin, path, {"amount_sek": "200001", "booked_on": "2010-01-01",
                                     "description": "KF indragning", "corrects_id": first_id})
    assert refused.status_code == 422
    assert "under det som redan är beviljat" in refused.get_data(as_text=True)
    booked = _post(as_admin, path, {"amount_sek": "5000000", "booked_on": "2010-01-01",
                                    "description": "KS tillskott", "corrects_id": "0"})
    assert booked.status_code == 302
    assert "KS tillskott" in as_admin.get(path).get_data(as_text=True)


def test_goal_pages_add_move_and_delete(app, as_admin, make_programme):
    programme_id = make_programme()
    path = f"/programmes/{programme_id}/goals"
    assert _post(as_admin, path, {"title": "Nytt mål"}).status_code == 302
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        new_id = programme.goals[-1].id
    token = csrf_token_from(as_admin.get(path).get_data(as_text=True))
    moved = as_admin.post(f"{path}/{new_id}/move", data={"direction": "up",
                                                         "csrf_token": token})
    assert moved.status_code == 302
    with app.app_context():
        assert [g.id for g in db.session.get(Programme, programme_id).goals][3] == new_id
    assert as_admin.post(f"{path}/{new_id}/delete",
                         data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert len(db.session.get(Programme, programme_id).goals) == 4


def test_calendar_page_refuses_overlapping_periods(as_admin, make_programme):
    programme_id = make_programme()
    response = _post(as_admin, f"/programmes/{programme_id}/calendar", {
        "six_weekly_period_days": "28", "report_due_after_days": "30",
        "report_early_days": "0", "tertial_due_after_days": "15"})
    assert response.status_code == 422
    assert "överlappar" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["applicant", "programme_office", "auditor",
                                  "decision_maker:city_director"])
def test_other_roles_cannot_set_up_programmes(app, make_user, login_as, make_programme, role,
                                              api_token):
    programme_id = make_programme()
    user_id = make_user([role])
    client = login_as(user_id)
    for path in ("/programmes/new", f"/programmes/{programme_id}/edit",
                 f"/programmes/{programme_id}/reservations", f"/programmes/{programme_id}/goals",
                 f"/programmes/{programme_id}/areas", f"/programmes/{programme_id}/calendar"):
        assert client.get(path).status_code == 403, path
        assert client.post(path, data={}).status_code in (400, 403), path
    headers = api_token(user_id)
    assert client.post("/api/v1/programmes", json={"name": "X", "starts_on": "2013-01-01",
                                                   "ends_on": "2014-01-01"},
                       headers=headers).status_code == 403
    assert client.patch(f"/api/v1/programmes/{programme_id}", json={"name": "Kapad"},
                        headers=headers).status_code == 403
    assert client.post(f"/api/v1/programmes/{programme_id}/reservations",
                       json={"amount_sek": 1, "description": "x"},
                       headers=headers).status_code == 403
    with app.app_context():
        assert db.session.get(Programme, programme_id).name != "Kapad"


def test_anonymous_is_sent_to_login_and_refused_by_the_api(client, make_programme):
    programme_id = make_programme()
    response = client.get(f"/programmes/{programme_id}/edit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/api/v1/programmes", json={}).status_code == 401


# --- API ---


def test_api_creates_and_changes_a_programme(client, admin, api_token, make_programme):
    headers = api_token(admin)
    created = client.post("/api/v1/programmes", headers=headers, json={
        "name": "API-programmet", "starts_on": "2013-01-01", "ends_on": "2016-12-31",
        "stage_service_days": {"in_preparation": 14}, "discount_rate": 0.04})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["six_weekly_period_days"] == 42 and body["envelope"]["reserved_sek"] == 0
    programme_id = body["id"]
    changed = client.patch(f"/api/v1/programmes/{programme_id}", headers=headers,
                           json={"description": "Nu med beskrivning"})
    assert changed.status_code == 200 and changed.get_json()["description"].startswith("Nu")
    make_programme("Upptaget")
    taken = client.patch(f"/api/v1/programmes/{programme_id}", headers=headers,
                         json={"name": "Upptaget"})
    assert taken.status_code == 422 and taken.mimetype == PROBLEM
    assert taken.get_json()["field"] == "name"
    reversed_period = client.patch(f"/api/v1/programmes/{programme_id}", headers=headers,
                                   json={"ends_on": "2012-01-01"})
    assert reversed_period.status_code == 422
    assert client.patch("/api/v1/programmes/999999", headers=headers,
                        json={}).status_code == 404


def test_api_goals_areas_reservations_and_calendar(client, admin, api_token, make_programme):
    headers = api_token(admin)
    programme_id = make_programme(reserved_sek=1_000)
    base = f"/api/v1/programmes/{programme_id}"
    assert len(client.get(f"{base}/goals", headers=headers).get_json()) == 4
    goal = client.post(f"{base}/goals", headers=headers, json={"title": "Femte"}).get_json()
    assert goal["number"] == 5
    patched = client.patch(f"{base}/goals/{goal['id']}", headers=headers,
                           json={"title": "Femte, ändrat"})
    assert patched.get_json()["title"] == "Femte, ändrat"
    ids = [g["id"] for g in client.get(f"{base}/goals", headers=headers).get_json()]
    order = client.put(f"{base}/goals/order", headers=headers,
                       json={"goal_ids": [ids[-1], *ids[:-1]]})
    assert order.status_code == 200 and order.get_json()[0]["id"] == goal["id"]
    assert client.delete(f"{base}/goals/{goal['id']}", headers=headers).status_code == 204
    area = client.post(f"{base}/areas", headers=headers, json={
        "key": "tekniska", "name": "Tekniska", "estimate_sek": 43_000_000})
    assert area.status_code == 201
    assert client.get(f"{base}/areas", headers=headers).get_json()[0]["key"] == "tekniska"
    reservations = client.get(f"{base}/reservations", headers=headers).get_json()
    withdrawal = client.post(f"{base}/reservations", headers=headers, json={
        "amount_sek": -2_000, "corrects_id": reservations[0]["id"], "description": "Indragning"})
    assert withdrawal.status_code == 422 and withdrawal.mimetype == PROBLEM
    added = client.post(f"{base}/reservations", headers=headers, json={
        "amount_sek": 500, "booked_on": "2011-01-01", "description": "KS 2010-12-15"})
    assert added.status_code == 201 and added.get_json()["amount_sek"] == 500
    calendar = client.patch(f"{base}/calendar", headers=headers,
                            json={"six_weekly_period_days": 28})
    assert calendar.status_code == 200 and calendar.get_json()["six_weekly_period_days"] == 28
    overlap = client.patch(f"{base}/calendar", headers=headers,
                           json={"report_due_after_days": 28})
    assert overlap.status_code == 422 and overlap.get_json()["field"] == "report_due_after_days"
    for path in ("goals", "areas", "reservations", "calendar"):
        assert client.get(f"/api/v1/programmes/999999/{path}",
                          headers=headers).status_code == 404


def test_new_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/programmes", "/api/v1/programmes/{programme_id}",
                 "/api/v1/programmes/{programme_id}/goals",
                 "/api/v1/programmes/{programme_id}/areas",
                 "/api/v1/programmes/{programme_id}/reservations",
                 "/api/v1/programmes/{programme_id}/calendar"):
        assert path in paths, path
    assert "post" in paths["/api/v1/programmes"]
    assert "patch" in paths["/api/v1/programmes/{programme_id}/calendar"]


# --- the first-run page ---


def _remove_administrators(app):
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM role_assignment WHERE role = 'administrator'"))
        db.session.commit()


def test_first_run_page_creates_the_administrator_and_logs_them_in(app, client):
    _remove_administrators(app)
    page = client.get("/setup")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    without_csrf = client.post("/setup", data={"name": "Första", "email": "f@stad.example",
                                               "password": "ett-langt-losenord",
                                               "confirm": "ett-langt-losenord"})
    assert without_csrf.status_code == 400
    created = client.post("/setup", data={"name": "Första", "email": "f@stad.example",
                                          "password": "ett-langt-losenord",
                                          "confirm": "ett-langt-losenord", "csrf_token": token})
    assert created.status_code == 302 and created.headers["Location"].endswith("/programmes/new")
    assert client.get("/programmes/new").status_code == 200
    assert client.get("/setup").status_code == 404


def test_first_run_page_cannot_make_another_administrator(app, client, admin):
    """Attacker: once an administrator exists, /setup is gone, also for a forged POST."""
    from app.accounts.models import User

    assert client.get("/setup").status_code == 404
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    forged = client.post("/setup", data={"name": "Angripare", "email": "evil@example.com",
                                         "password": "ett-langt-losenord",
                                         "confirm": "ett-langt-losenord", "csrf_token": token})
    assert forged.status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "evil@example.com")) is None
