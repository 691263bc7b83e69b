"""Logging in and out through the real form: messages, rate limit, safe redirects."""

import pytest

from tests.conftest import csrf_token_from, login


def test_login_page_is_swedish_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "Logga in" in html


def test_correct_password_logs_in_and_lands_on_tasks(client, make_user):
    make_user(email="karin@test.example", name="Karin")
    response = login(client, "karin@test.example")
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Välkommen, Karin" in home.get_data(as_text=True)


def test_email_is_matched_case_insensitively(client, make_user):
    make_user(email="jonas@test.example")
    assert login(client, "  JONAS@Test.Example ").status_code == 302


def test_unknown_user_and_wrong_password_get_the_same_message(client, make_user):
    make_user(email="leila@test.example")
    wrong_password = login(client, "leila@test.example", "not-the-password")
    unknown_user = login(client, "nobody@test.example", "not-the-password")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 200
        assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_inactive_user_cannot_log_in(client, make_user):
    make_user(email="gone@test.example", is_active=False)
    response = login(client, "gone@test.example")
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)


def test_repeated_failures_are_rate_limited_with_retry_after(client, make_user, app):
    make_user(email="per@test.example")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        assert login(client, "per@test.example", "wrong-password").status_code == 200
    blocked = login(client, "per@test.example")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


def test_pages_require_login_and_remember_where_you_were_going(client):
    response = client.get("/programmes/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_login_redirects_to_a_local_next_path(client, make_user):
    make_user(email="maria@test.example")
    response = login(client, "maria@test.example", next_path="/programmes/")
    assert response.location == "/programmes/"


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/x",
                                       "/\\evil.example"])
def test_login_never_redirects_off_site(client, make_user, next_path):
    make_user(email="anders@test.example")
    response = login(client, "anders@test.example", next_path=next_path)
    assert response.status_code == 302
    assert response.location == "/"


def test_logout_needs_a_post_with_csrf_and_ends_the_session(client, make_user):
    make_user(email="eva@test.example")
    login(client, "eva@test.example")
    assert client.get("/logout").status_code == 405
    home = client.get("/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token_from(home)})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_language_can_be_switched_to_english_and_back(client, make_user):
    make_user(email="lang@test.example")
    login(client, "lang@test.example")
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/",
                                   "csrf_token": csrf_token_from(page)})
    english = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in english and "My tasks" in english
    client.post("/language", data={"lang": "sv", "csrf_token": csrf_token_from(english)})
    assert "Mina uppgifter" in client.get("/").get_data(as_text=True)


def test_unknown_language_is_refused(client):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/language", data={"lang": "xx", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 400
