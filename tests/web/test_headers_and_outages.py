"""Response headers (HSTS in production, no caching of case data or downloads) and the
answer when the database drops the connection mid-request: 503, problem+json on the API and
a Swedish page in the browser, after a rollback."""

import pytest
from sqlalchemy.exc import OperationalError

from config import ProdConfig, TestConfig
from tests.conftest import login


class _Gone(Exception):
    """Stands in for the driver's error when the server closes the connection."""


def _dropped_connection(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, _Gone("server closed the connection unexpectedly"))


@pytest.fixture
def office(app, db_session, make_user):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.60"
    login(client, _email(app, make_user(["programme_office"])))
    return client


def _email(app, user_id: int) -> str:
    from app.accounts.models import User
    from app.extensions import db

    with app.app_context():
        return db.session.get(User, user_id).email


def test_hsts_is_sent_in_production_only(app, client, monkeypatch):
    assert ProdConfig.HSTS_SECONDS >= 180 * 24 * 3600
    assert not TestConfig.HSTS_SECONDS
    assert "Strict-Transport-Security" not in client.get("/login").headers
    monkeypatch.setitem(app.config, "HSTS_SECONDS", ProdConfig.HSTS_SECONDS)
    header = client.get("/login").headers["Strict-Transport-Security"]
    assert header == f"max-age={ProdConfig.HSTS_SECONDS}; includeSubDomains"


@pytest.mark.parametrize("path", ["/", "/applications/", "/ideas/", "/programmes/",
                                  "/audit/", "/notifications"])
def test_pages_with_case_data_are_never_cached(office, path):
    response = office.get(path, follow_redirects=True)
    assert "no-store" in response.headers["Cache-Control"], (path, response.status_code)


def test_downloads_are_never_cached(office):
    response = office.get("/ideas/?format=xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]


def test_static_assets_may_still_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_a_dropped_connection_on_the_api_is_503_problem_json(app, client, db_session,
                                                             make_user, api_token, monkeypatch):
    headers = api_token(make_user(["programme_office"]))
    monkeypatch.setattr("app.api.auth.user_for_token", _dropped_connection)
    response = client.get("/api/v1/programmes", headers=headers)
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 503 and "try again" in body["detail"]
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"


def test_a_dropped_connection_in_the_browser_is_a_swedish_page(app, office, monkeypatch):
    """Even when loading the logged-in user is what failed: the page must not query again."""
    from app.extensions import login_manager

    monkeypatch.setattr(login_manager, "_user_callback", _dropped_connection)
    response = office.get("/applications/")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Databasen går inte att nå just nu" in html and '<html lang="sv">' in html
    assert int(response.headers["Retry-After"]) > 0


def test_the_outage_answer_rolls_back_the_request(app, office, monkeypatch):
    """A change flushed before the connection dropped is not committed by anything later."""
    from app.extensions import db

    rolled_back = []
    original = db.session.rollback

    def watch():
        rolled_back.append(True)
        original()

    monkeypatch.setattr(db.session, "rollback", watch, raising=False)
    monkeypatch.setattr("app.start.views.render_template", _dropped_connection)
    response = office.get("/")
    assert response.status_code == 503
    assert rolled_back


def test_unexpected_errors_are_problem_json_on_the_api_and_swedish_in_the_browser(
        app, client, office, db_session, make_user, api_token, monkeypatch):
    """With exceptions not propagated (as in production) every path answers in its language."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    headers = api_token(make_user(["programme_office"]))

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("app.api.auth.user_for_token", broken)
    api = client.get("/api/v1/programmes", headers=headers)
    assert api.status_code == 500 and api.mimetype == "application/problem+json"
    monkeypatch.setattr("app.start.views.render_template", broken)
    page = office.get("/")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "Något gick fel" in page.get_data(as_text=True)
