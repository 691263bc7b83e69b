"""Administrator pages: users, organisations and roles; nobody else gets in."""

import pytest
import sqlalchemy as sa

from app.accounts.models import Organisation, User
from app.core.enums import Role
from app.core.models import AuditEntry
from app.extensions import db
from tests.conftest import csrf_token_from


@pytest.fixture
def admin(make_user, login_as):
    return login_as(make_user(["administrator"]))


def _post_form(client, url, data):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/organisations/new"])
def test_non_administrators_are_forbidden(client, make_user, login_as, path):
    login_as(make_user(["programme_office"]))
    assert client.get(path).status_code == 403


def test_admin_creates_an_organisation_and_a_decision_maker(app, admin, make_area,
                                                           make_programme):
    make_programme()
    area = make_area(key="tekniska", name="Tekniska")
    response = _post_form(admin, "/admin/organisations/new", {
        "name": "Trafikkontoret", "short_name": "TK", "kind": "administration",
        "area_id": str(area), "is_active": "y"})
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(
            sa.select(Organisation).where(Organisation.name == "Trafikkontoret"))
        assert org.area.key == "tekniska"
    response = _post_form(admin, "/admin/users/new", {
        "name": "Eva", "email": "eva@test.example", "organisation_id": str(org.id),
        "roles": ["decision_maker", "finance_committee"], "authority_key": "city_director",
        "password": "a-long-password", "is_active": "y"})
    assert response.status_code == 302
    with app.app_context():
        eva = db.session.scalar(sa.select(User).where(User.email == "eva@test.example"))
        assert eva.roles == {Role.DECISION_MAKER, Role.FINANCE_COMMITTEE}
        assert eva.authority_keys == {"city_director"}
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert "organisation.created" in actions and "user.created" in actions


def test_decision_maker_without_authority_key_gets_a_field_error(app, admin):
    response = _post_form(admin, "/admin/users/new", {
        "name": "Anders", "email": "anders@test.example", "organisation_id": "0",
        "roles": ["decision_maker"], "authority_key": "", "password": "a-long-password"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "error-summary" in html and "behöver en beslutsrätt" in html
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "anders@test.example")) is None


def test_duplicate_email_and_short_password_are_field_errors(admin, make_user):
    make_user(email="taken@test.example")
    response = _post_form(admin, "/admin/users/new", {
        "name": "X", "email": "taken@test.example", "organisation_id": "0",
        "roles": ["applicant"], "password": "a-long-password"})
    assert response.status_code == 422 and "taken@test.example" in response.get_data(as_text=True)
    response = _post_form(admin, "/admin/users/new", {
        "name": "Y", "email": "y@test.example", "organisation_id": "0", "password": "short"})
    assert response.status_code == 422 and 'aria-invalid="true"' in response.get_data(as_text=True)


def test_admin_edits_roles_and_deactivates_a_user(app, admin, make_user):
    user = make_user(["applicant"])
    response = _post_form(admin, f"/admin/users/{user}", {
        "name": "Renamed", "email": "ignored@test.example", "organisation_id": "0",
        "roles": ["working_group"], "authority_key": "", "password": ""})
    assert response.status_code == 302
    with app.app_context():
        edited = db.session.get(User, user)
        assert edited.name == "Renamed" and edited.roles == {Role.WORKING_GROUP}
        assert not edited.is_active
        assert not edited.email.startswith("ignored")


def test_everyone_logged_in_can_list_organisations(client, make_user, login_as,
                                                   make_organisation):
    make_organisation("Stadsarkivet")
    login_as(make_user(["applicant"]))
    response = client.get("/organisations")
    assert response.status_code == 200 and "Stadsarkivet" in response.get_data(as_text=True)
    assert "/admin/organisations/new" not in response.get_data(as_text=True)
