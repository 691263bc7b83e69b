"""Every form needs its CSRF token: without it, 400 and nothing written."""

import sqlalchemy as sa

from app.accounts.models import Organisation, User
from tests.conftest import count_rows


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user(email="karin@test.example")
    response = client.post("/login", data={"email": "karin@test.example",
                                           "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_admin_form_without_csrf_token_writes_nothing(app, client, make_user, login_as):
    admin = make_user(roles=["administrator"])
    login_as(admin)
    with app.app_context():
        users_before = count_rows(User)
        organisations_before = count_rows(Organisation)
    response = client.post("/admin/users/new", data={
        "name": "Mallory", "email": "mallory@test.example", "organisation_id": "0",
        "roles": ["administrator"], "password": "long-enough-password", "is_active": "y",
    })
    assert response.status_code == 400
    assert "Ladda om sidan" in response.get_data(as_text=True)
    response = client.post("/admin/organisations/new", data={"name": "X", "kind": "company"})
    assert response.status_code == 400
    with app.app_context():
        from app.extensions import db

        assert count_rows(User) == users_before
        assert count_rows(Organisation) == organisations_before
        mallory = sa.select(User).where(User.email == "mallory@test.example")
        assert db.session.scalar(mallory) is None


def test_api_is_exempt_from_csrf_but_needs_a_token(client):
    response = client.post("/api/v1/me")
    assert response.status_code in (401, 405)
    assert response.mimetype == "application/problem+json"
