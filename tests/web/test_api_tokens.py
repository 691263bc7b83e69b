"""API tokens expire and can be revoked by their owner and the administrator (API, pages,
CLI), tried as an attacker would: the old token after a reissue, an expired token, a
revoked one, and someone else's token id."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import ApiToken, User
from app.core.audit import AuditEntry
from app.core.models import utcnow
from app.extensions import db
from tests.conftest import csrf_token_from, login


def _issue(app, user_id: int, **options) -> str:
    from app.accounts.services import issue_api_token

    with app.app_context():
        token = issue_api_token(db.session.get(User, user_id), **options)
        db.session.commit()
    return token


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _token_id(app, token: str) -> int:
    from app.accounts.models import hash_token

    with app.app_context():
        return db.session.scalar(sa.select(ApiToken.id).where(
            ApiToken.token_hash == hash_token(token)))


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.id)).all()


def _refused(response, reason: str) -> None:
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert reason in response.get_json()["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.fixture
def owner(make_user):
    return make_user(["applicant"])


def test_a_new_token_expires_after_the_configured_lifetime(app, db_session, client, owner):
    token = _issue(app, owner)
    listed = client.get("/api/v1/me/tokens", headers=_bearer(token)).get_json()
    assert len(listed) == 1 and listed[0]["state"] == "active"
    with app.app_context():
        record = db.session.get(ApiToken, listed[0]["id"])
        lifetime = record.expires_at - record.created_at
    assert abs(lifetime - timedelta(days=app.config["API_TOKEN_LIFETIME_DAYS"])) < timedelta(
        minutes=1)
    assert "token_hash" not in listed[0] and token not in str(listed)


def test_an_expired_token_is_401_problem_json(app, db_session, client, owner):
    token = _issue(app, owner)
    with app.app_context():
        db.session.get(ApiToken, _token_id(app, token)).expires_at = (
            utcnow() - timedelta(seconds=1))
        db.session.commit()
    _refused(client.get("/api/v1/me", headers=_bearer(token)), "API-nyckeln har gått ut.")


def test_issuing_with_revoke_others_makes_the_old_token_401(app, db_session, client, owner):
    old = _issue(app, owner, name="old")
    assert client.get("/api/v1/me", headers=_bearer(old)).status_code == 200
    new = _issue(app, owner, name="new", revoke_others=True)
    _refused(client.get("/api/v1/me", headers=_bearer(old)), "API-nyckeln har återkallats.")
    assert client.get("/api/v1/me", headers=_bearer(new)).status_code == 200
    states = {t["name"]: t["state"]
              for t in client.get("/api/v1/me/tokens", headers=_bearer(new)).get_json()}
    assert states == {"old": "revoked", "new": "active"}
    assert [e.object_id for e in _audit(app, "api_token.revoked")] == [
        str(_token_id(app, old))]


def test_issuing_without_revoke_keeps_the_old_token(app, db_session, client, owner):
    old = _issue(app, owner)
    _issue(app, owner)
    assert client.get("/api/v1/me", headers=_bearer(old)).status_code == 200


def test_the_owner_revokes_a_token_through_the_api(app, db_session, client, owner):
    keep, lose = _issue(app, owner, name="keep"), _issue(app, owner, name="lose")
    lose_id = _token_id(app, lose)
    response = client.delete(f"/api/v1/me/tokens/{lose_id}", headers=_bearer(keep))
    assert response.status_code == 204
    _refused(client.get("/api/v1/me", headers=_bearer(lose)), "API-nyckeln har återkallats.")
    assert client.delete(f"/api/v1/me/tokens/{lose_id}", headers=_bearer(keep)).status_code == 204
    revoked = _audit(app, "api_token.revoked")
    assert len(revoked) == 1 and revoked[0].actor_id == owner
    assert revoked[0].object_type == "ApiToken" and revoked[0].object_id == str(lose_id)


def test_a_token_can_revoke_itself(app, db_session, client, owner):
    token = _issue(app, owner)
    assert client.delete(f"/api/v1/me/tokens/{_token_id(app, token)}",
                         headers=_bearer(token)).status_code == 204
    _refused(client.get("/api/v1/me", headers=_bearer(token)), "API-nyckeln har återkallats.")


def test_someone_elses_token_id_is_404_and_stays_valid(app, db_session, client, owner,
                                                       make_user):
    victim = make_user(["programme_office"])
    victims_token = _issue(app, victim)
    mine = _issue(app, owner)
    victims_id = _token_id(app, victims_token)
    for request in (client.delete(f"/api/v1/me/tokens/{victims_id}", headers=_bearer(mine)),
                    client.delete(f"/api/v1/users/{victim}/tokens/{victims_id}",
                                  headers=_bearer(mine)),
                    client.get(f"/api/v1/users/{victim}/tokens", headers=_bearer(mine)),
                    client.delete(f"/api/v1/users/{owner}/tokens/{victims_id}",
                                  headers=_bearer(mine))):
        assert request.status_code == 404
        assert request.mimetype == "application/problem+json"
    assert client.get("/api/v1/me", headers=_bearer(victims_token)).status_code == 200
    assert _audit(app, "api_token.revoked") == []


def test_the_administrator_lists_and_revokes_anyones_tokens(app, db_session, client, owner,
                                                            make_user):
    admin_token = _issue(app, make_user(["administrator"]))
    target = _issue(app, owner, name="integration")
    target_id = _token_id(app, target)
    listed = client.get(f"/api/v1/users/{owner}/tokens", headers=_bearer(admin_token))
    assert listed.status_code == 200
    assert [(t["id"], t["name"], t["state"]) for t in listed.get_json()] == [
        (target_id, "integration", "active")]
    assert client.delete(f"/api/v1/users/{owner}/tokens/{target_id}",
                         headers=_bearer(admin_token)).status_code == 204
    _refused(client.get("/api/v1/me", headers=_bearer(target)), "API-nyckeln har återkallats.")
    assert client.get("/api/v1/users/999999/tokens",
                      headers=_bearer(admin_token)).status_code == 404
    assert client.delete(f"/api/v1/users/{owner}/tokens/999999",
                         headers=_bearer(admin_token)).status_code == 404


def test_a_deactivated_owners_token_is_refused(app, db_session, client, owner):
    from app.accounts.services import update_user

    token = _issue(app, owner)
    with app.app_context():
        update_user(db.session.get(User, owner), {"is_active": False})
        db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_issuing_is_audited_without_the_token(app, db_session, owner):
    token = _issue(app, owner, name="reporting")
    entries = _audit(app, "api_token.issued")
    assert len(entries) == 1
    assert entries[0].after["name"] == "reporting" and entries[0].after["expires_at"]
    assert token not in str(entries[0].after)


# ---- pages ------------------------------------------------------------------------------

def _logged_in(app, user_id: int, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    with app.app_context():
        email = db.session.get(User, user_id).email
    assert login(client, email).status_code == 302
    return client


def test_the_owner_creates_a_token_on_the_page_and_sees_it_once(app, db_session, owner):
    old = _issue(app, owner, name="old one")
    browser = _logged_in(app, owner, "203.0.113.50")
    page = browser.get("/account/tokens")
    assert page.status_code == 200 and "old one" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    created = browser.post("/account/tokens", data={
        "name": "Rapportsystemet", "revoke_others": "y",
        "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert created.status_code == 200
    shown = re.search(r'<code id="new-token">(np_[^<]+)</code>', created.get_data(as_text=True))
    assert shown, created.get_data(as_text=True)[:2000]
    new = shown.group(1)
    assert app.test_client().get("/api/v1/me", headers=_bearer(new)).status_code == 200
    assert app.test_client().get("/api/v1/me", headers=_bearer(old)).status_code == 401
    assert new not in browser.get("/account/tokens").get_data(as_text=True)


def test_the_owner_revokes_on_the_page_but_not_someone_elses(app, db_session, owner,
                                                              make_user):
    mine = _issue(app, owner)
    theirs = _issue(app, make_user(["applicant"]))
    browser = _logged_in(app, owner, "203.0.113.51")
    csrf = csrf_token_from(browser.get("/account/tokens").get_data(as_text=True))
    other = browser.post(f"/account/tokens/{_token_id(app, theirs)}/revoke",
                         data={"csrf_token": csrf})
    assert other.status_code == 404
    assert app.test_client().get("/api/v1/me", headers=_bearer(theirs)).status_code == 200
    revoked = browser.post(f"/account/tokens/{_token_id(app, mine)}/revoke",
                           data={"csrf_token": csrf})
    assert revoked.status_code == 302
    assert app.test_client().get("/api/v1/me", headers=_bearer(mine)).status_code == 401
    assert "Återkallad" in browser.get("/account/tokens").get_data(as_text=True)


def test_the_administrators_token_page_for_a_user(app, db_session, owner, make_user):
    token = _issue(app, owner, name="Ekonomisystemet")
    admin = _logged_in(app, make_user(["administrator"]), "203.0.113.52")
    page = admin.get(f"/admin/users/{owner}/tokens")
    assert page.status_code == 200 and "Ekonomisystemet" in page.get_data(as_text=True)
    response = admin.post(f"/admin/users/{owner}/tokens/{_token_id(app, token)}/revoke",
                          data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert app.test_client().get("/api/v1/me", headers=_bearer(token)).status_code == 401

    applicant = _logged_in(app, make_user(["applicant"]), "203.0.113.53")
    assert applicant.get(f"/admin/users/{owner}/tokens").status_code == 403
    csrf = csrf_token_from(applicant.get("/account/tokens").get_data(as_text=True))
    assert applicant.post(f"/admin/users/{owner}/tokens/{_token_id(app, token)}/revoke",
                          data={"csrf_token": csrf}).status_code == 403


# ---- command line -------------------------------------------------------------------------

def test_flask_users_revoke_token_and_reissue_with_revoke(app, db_session, owner):
    with app.app_context():
        email = db.session.get(User, owner).email
    runner = app.test_cli_runner()
    first = runner.invoke(args=["users", "token", email, "--days", "7"]).output.strip()
    second = runner.invoke(args=["users", "token", email, "--revoke-others"]).output.strip()
    client = app.test_client()
    assert client.get("/api/v1/me", headers=_bearer(first)).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(second)).status_code == 200
    listing = runner.invoke(args=["users", "tokens", email]).output
    assert "revoked" in listing and "active" in listing

    result = runner.invoke(args=["users", "revoke-token", str(_token_id(app, second))])
    assert result.exit_code == 0 and "Revoked 1" in result.output
    assert client.get("/api/v1/me", headers=_bearer(second)).status_code == 401
    assert runner.invoke(args=["users", "revoke-token", "999999"]).exit_code != 0
    third = runner.invoke(args=["users", "token", email]).output.strip()
    assert runner.invoke(args=["users", "revoke-token", "--all", email]).exit_code == 0
    assert client.get("/api/v1/me", headers=_bearer(third)).status_code == 401


def test_a_token_carries_every_role_of_its_user(app, db_session, make_user):
    """The token, its user and the user's roles come in one statement (one row per role):
    every role must arrive, not only the first row's."""
    from app.accounts.services import user_for_token
    from app.core.enums import Role

    token = _issue(app, make_user(["applicant", "programme_office", "auditor"]))
    statements = []

    def count(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    with app.app_context():
        db.session.expunge_all()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            user = user_for_token(token)
            roles = user.roles
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert roles == {Role.APPLICANT, Role.PROGRAMME_OFFICE, Role.AUDITOR}
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
