"""Users choose whether their notifications are also e-mailed: a settings page and the API."""

import sqlalchemy as sa

from app.accounts.models import User
from app.core.models import AuditEntry
from app.extensions import db
from tests.conftest import csrf_token_from


def _wants_email(app, user_id: int) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).wants_email


def test_the_notifications_page_links_to_the_settings(client, people, login_as):
    login_as(people.karin)
    page = client.get("/notifications").get_data(as_text=True)
    assert 'href="/account/notifications"' in page


def test_unticking_the_box_stops_emails_and_ticking_starts_them(app, client, people, login_as):
    login_as(people.karin)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'type="checkbox"' in page and "checked" in page
    assert '<label class="form-check-label" for="wants_email">' in page

    response = client.post("/account/notifications",
                           data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert response.status_code == 200
    assert _wants_email(app, people.karin) is False
    page = response.get_data(as_text=True)
    assert 'id="wants_email" name="wants_email" type="checkbox" value="y">' in page

    client.post("/account/notifications",
                data={"csrf_token": csrf_token_from(page), "wants_email": "y"})
    assert _wants_email(app, people.karin) is True
    with app.app_context():
        changes = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "user.notification_settings")).all()
        assert [c.after for c in changes] == [{"wants_email": False}, {"wants_email": True}]
        assert {(c.object_type, c.object_id) for c in changes} == {("User", str(people.karin))}


def test_the_settings_form_needs_its_csrf_token(app, client, people, login_as):
    login_as(people.karin)
    response = client.post("/account/notifications", data={})
    assert response.status_code == 400
    assert _wants_email(app, people.karin) is True


def test_the_settings_page_needs_a_login(client):
    response = client.get("/account/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_api_reads_and_changes_only_the_callers_setting(app, client, people, api_token):
    karin = api_token(people.karin)
    assert client.get("/api/v1/me/notification-settings", headers=karin).get_json() == {
        "wants_email": True}
    response = client.patch("/api/v1/me/notification-settings", json={"wants_email": False},
                            headers=karin)
    assert response.status_code == 200 and response.get_json() == {"wants_email": False}
    assert _wants_email(app, people.karin) is False
    assert _wants_email(app, people.sven) is True


def test_api_refuses_a_missing_or_non_boolean_value(app, client, people, api_token):
    karin = api_token(people.karin)
    for body in ({}, {"wants_email": "kanske"}, {"wants_email": True, "extra": 1}):
        response = client.patch("/api/v1/me/notification-settings", json=body, headers=karin)
        assert response.status_code == 422, body
        assert response.content_type == "application/problem+json"
        assert response.get_json()["detail"]
    assert _wants_email(app, people.karin) is True


def test_api_needs_a_token_and_is_documented(client):
    assert client.get("/api/v1/me/notification-settings").status_code == 401
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = spec["paths"]["/api/v1/me/notification-settings"]
    assert set(operations) >= {"get", "patch"}
