"""Sessions end on the server, tried as an attacker would: copied cookies replayed after a
logout, a new password or a deactivation; a planted session before login; deciding on money
from a remembered or restored session."""

import sqlalchemy as sa

from app.accounts.models import User
from app.core.audit import AuditEntry
from app.extensions import db
from tests.conftest import DEMO_PASSWORD, csrf_token_from, login

REMEMBER_COOKIE = "remember_token"


def login_remembered(client, email: str, password: str = DEMO_PASSWORD):
    """Log in through the real form with "Remember me" ticked."""
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"email": email, "password": password, "remember": "y",
                                       "csrf_token": csrf_token_from(page)})


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _copy_cookies(app, source, address: str = "198.51.100.9", names=("session",)):
    """A second client (the attacker's) carrying copies of `source`'s cookies."""
    thief = _client(app, address)
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        thief.set_cookie(name, cookie.value)
    return thief


def _email(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def _logout(client):
    home = client.get("/").get_data(as_text=True)
    return client.post("/logout", data={"csrf_token": csrf_token_from(home)})


def _is_logged_out(response) -> bool:
    return response.status_code == 302 and response.location.startswith("/login")


def _audit_actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry.action).where(
            AuditEntry.object_type == "User", AuditEntry.object_id == str(user_id))
            .order_by(AuditEntry.id)).all()


def test_a_copied_session_cookie_is_refused_after_logout(app, db_session, make_user):
    user_id = make_user(["applicant"])
    victim = _client(app, "203.0.113.5")
    assert login(victim, _email(app, user_id)).status_code == 302
    thief = _copy_cookies(app, victim)
    assert thief.get("/").status_code == 200  # the copy works while the session lives

    assert _logout(victim).status_code == 302
    assert _is_logged_out(thief.get("/"))
    assert _is_logged_out(thief.get("/applications/"))
    assert "user.sessions_ended" in _audit_actions(app, user_id)


def test_a_copied_remember_me_cookie_is_refused_after_logout(app, db_session, make_user):
    user_id = make_user(["applicant"])
    victim = _client(app, "203.0.113.6")
    assert login_remembered(victim, _email(app, user_id)).status_code == 302
    assert victim.get_cookie(REMEMBER_COOKIE) is not None
    thief = _copy_cookies(app, victim, names=(REMEMBER_COOKIE,))
    assert thief.get("/").status_code == 200  # restored from the remember-me cookie

    _logout(victim)
    fresh_thief = _copy_cookies(app, victim, names=())
    fresh_thief.set_cookie(REMEMBER_COOKIE, thief.get_cookie(REMEMBER_COOKIE).value)
    assert _is_logged_out(fresh_thief.get("/"))


def test_logging_out_ends_the_session_on_every_device(app, db_session, make_user):
    user_id = make_user(["applicant"])
    email = _email(app, user_id)
    laptop, phone = _client(app, "203.0.113.7"), _client(app, "203.0.113.8")
    login(laptop, email)
    login(phone, email)
    _logout(laptop)
    assert _is_logged_out(phone.get("/"))
    assert login(phone, email).status_code == 302
    assert phone.get("/").status_code == 200


def test_a_new_password_ends_existing_sessions(app, db_session, make_user):
    from app.accounts.services import update_user

    user_id = make_user(["applicant"])
    victim = _client(app, "203.0.113.9")
    login(victim, _email(app, user_id))
    thief = _copy_cookies(app, victim)
    with app.app_context():
        update_user(db.session.get(User, user_id), {"password": "a-brand-new-password"})
        db.session.commit()
    assert _is_logged_out(victim.get("/"))
    assert _is_logged_out(thief.get("/"))
    assert login(victim, _email(app, user_id), "a-brand-new-password").status_code == 302
    assert _audit_actions(app, user_id)[-1] == "user.sessions_ended"


def test_the_administrator_changing_a_password_on_the_page_ends_sessions(
        app, db_session, make_user):
    user_id = make_user(["applicant"])
    victim = _client(app, "203.0.113.10")
    login(victim, _email(app, user_id))
    admin = _client(app, "203.0.113.11")
    login(admin, _email(app, make_user(["administrator"])))
    form = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, user_id)
        data = {"name": user.name, "email": user.email, "organisation_id": "0",
                "roles": "applicant", "password": "another-new-password", "is_active": "y",
                "csrf_token": csrf_token_from(form)}
    assert admin.post(f"/admin/users/{user_id}", data=data).status_code == 302
    assert _is_logged_out(victim.get("/"))


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(
        app, db_session, make_user):
    from app.accounts.services import update_user

    user_id = make_user(["applicant"])
    victim = _client(app, "203.0.113.12")
    login(victim, _email(app, user_id))
    thief = _copy_cookies(app, victim)
    with app.app_context():
        update_user(db.session.get(User, user_id), {"is_active": False})
        db.session.commit()
    assert _is_logged_out(thief.get("/"))
    with app.app_context():
        update_user(db.session.get(User, user_id), {"is_active": True})
        db.session.commit()
    assert _is_logged_out(thief.get("/"))
    assert _is_logged_out(victim.get("/"))


def test_a_session_id_without_the_generation_is_refused(app, db_session, make_user):
    """A cookie forged in the old form (`_user_id` = the bare id) logs nobody in."""
    user_id = make_user(["administrator"])
    client = _client(app, "203.0.113.13")
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    assert _is_logged_out(client.get("/"))


def test_login_starts_a_new_session_and_drops_what_was_planted(app, db_session, make_user):
    user_id = make_user(["applicant"])
    client = _client(app, "203.0.113.14")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
        session["_sid"] = "attacker-chosen"
        session["lang"] = "en"
    before = client.get_cookie("session").value
    assert login(client, _email(app, user_id)).status_code == 302
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_sid"] != "attacker-chosen"
        assert session["lang"] == "en"  # the chosen language survives the login


def test_a_session_cookie_from_before_login_grants_nothing(app, db_session, make_user):
    user_id = make_user(["applicant"])
    victim = _client(app, "203.0.113.15")
    victim.get("/login")
    planted = victim.get_cookie("session").value
    login(victim, _email(app, user_id))
    attacker = _client(app, "198.51.100.10")
    attacker.set_cookie("session", planted)
    assert _is_logged_out(attacker.get("/"))


# ---- deciding on money needs a recent login in a remembered session ----------------------

def _decider(app, people, remembered: bool):
    client = _client(app, "203.0.113.40")
    email = _email(app, people.anders)
    response = login_remembered(client, email) if remembered else login(client, email)
    assert response.status_code == 302
    return client


def _age_login(client, minutes: int) -> None:
    with client.session_transaction() as session:
        session["_login_at"] -= minutes * 60


def _decisions(app) -> int:
    from app.applications.models import Decision

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Decision))


def test_a_remembered_session_logs_in_again_before_deciding(
        app, db_session, people, demo_date, make_application):
    from tests.web.test_decision_pages import decide, decision_id_from

    demo_date("2008-03-07")
    application_id = make_application("awaiting_decision")
    anders = _decider(app, people, remembered=True)
    detail = f"/applications/{application_id}"
    assert 'data-testid="recent-login-needed"' not in anders.get(detail).get_data(as_text=True)
    _age_login(anders, app.config["RECENT_LOGIN_MINUTES"] + 1)
    notice = anders.get(detail).get_data(as_text=True)
    assert 'data-testid="recent-login-needed"' in notice and "reauth=1" in notice

    refused = decide(anders, application_id, amount_sek="1200000")
    assert refused.status_code == 302
    assert refused.location.startswith("/login?")
    assert f"next=/applications/{application_id}" in refused.location.replace("%2F", "/")
    assert _decisions(app) == 0
    again = anders.get(refused.location)
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "Beslut om pengar kräver att du nyss har loggat in" in html
    assert "Logga in igen" in html and _email(app, people.anders) in html

    relogin = anders.post(refused.location, data={
        "email": _email(app, people.anders), "password": DEMO_PASSWORD,
        "csrf_token": csrf_token_from(html)})
    assert relogin.status_code == 302 and relogin.location == f"/applications/{application_id}"
    decision_id_from(decide(anders, application_id, amount_sek="1200000"))
    assert _decisions(app) == 1


def test_a_session_restored_from_the_remember_me_cookie_cannot_decide(
        app, db_session, people, demo_date, make_application):
    from tests.web.test_decision_pages import decide

    demo_date("2008-03-07")
    application_id = make_application("awaiting_decision")
    anders = _decider(app, people, remembered=True)
    anders.delete_cookie("session")
    assert anders.get("/").status_code == 200  # still logged in, from the cookie
    refused = decide(anders, application_id, amount_sek="1200000")
    assert refused.status_code == 302 and refused.location.startswith("/login?")
    assert _decisions(app) == 0


def test_a_recently_remembered_or_ordinary_session_decides(
        app, db_session, people, demo_date, make_application):
    from tests.web.test_decision_pages import decide, decision_id_from

    demo_date("2008-03-07")
    first, second = make_application("awaiting_decision"), make_application("awaiting_decision")
    remembered = _decider(app, people, remembered=True)
    decision_id_from(decide(remembered, first, amount_sek="1200000"))
    ordinary = _decider(app, people, remembered=False)
    _age_login(ordinary, 120)  # a browser session, not remembered: its age does not matter
    decision_id_from(decide(ordinary, second, amount_sek="1200000"))
    assert _decisions(app) == 2


def test_a_correction_in_a_stale_remembered_session_logs_in_again(
        app, db_session, people, demo_date, make_application):
    from tests.web.test_decision_pages import correct, decide, decision_id_from

    demo_date("2008-03-07")
    anders = _decider(app, people, remembered=True)
    decision_id = decision_id_from(decide(anders, make_application("awaiting_decision"),
                                          amount_sek="1200000"))
    _age_login(anders, app.config["RECENT_LOGIN_MINUTES"] + 1)
    refused = correct(anders, decision_id, kind="reduction", amount_sek="200000",
                      decided_on="2008-03-07", decision_text="Minskas.")
    assert refused.status_code == 302
    assert f"next=/decisions/{decision_id}" in refused.location.replace("%2F", "/")
    assert _decisions(app) == 1
