"""Browser fixtures: a live server on the demo data, the system Chromium, keyboard-only login.

The browser tests drive a real server over HTTP, so they cannot use the shared
rolled-back `db_session`: they get their own SQLite file, migrated and seeded once per
session. They run only in the SQLite pass of `make test` and only where Debian's
`chromium` is installed; otherwise every test here is skipped with the reason.
"""

import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

HERE = Path(__file__).resolve().parent
SEED_DATA = HERE.parent.parent / "seed_data"
# The business clock of the live server: early 2008, under the 2007 delegation rules, so a new
# 1.2 MSEK application is decided by the deputy city director (JOURNEYS.md, journey 2).
BUSINESS_DATE = date(2008, 2, 1)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${event.documentURI}`);
}, true);
"""


def chromium_path() -> str | None:
    """The system Chromium: /usr/bin/chromium, else whatever `chromium` is on PATH."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if os.environ.get("TEST_DATABASE_URL"):
        return "browser journeys run in the SQLite pass of make test"
    if chromium_path() is None:
        return "Chromium is not installed: apt-get install chromium"
    return None


def pytest_collection_modifyitems(config, items):
    """Skip every test in this folder, with the reason in the -ra summary, when they cannot run."""
    reason = skip_reason()
    if reason is None:
        return
    marker = pytest.mark.skip(reason=reason)
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(marker)


@dataclass(frozen=True)
class DemoUser:
    """A demo login from seed_data/users.yaml."""

    email: str
    name: str
    password: str
    roles: tuple[str, ...]
    organisation: str | None


def _read_yaml(name: str) -> dict:
    """One seed file, read the way seed_demo reads it, so tests follow the demo data."""
    return yaml.safe_load((SEED_DATA / name).read_text(encoding="utf-8"))


def demo_users() -> list[DemoUser]:
    """Every demo user of seed_data/users.yaml, with the shared demo password."""
    data = _read_yaml("users.yaml")
    return [
        DemoUser(email=entry["email"], name=entry["name"], password=data["demo_password"],
                 roles=tuple(entry.get("roles", ())), organisation=entry.get("organisation"))
        for entry in data["users"]
    ]


def demo_user_with_role(role: str) -> DemoUser:
    """The first demo user holding this role (e.g. programme_office)."""
    for user in demo_users():
        if role in user.roles:
            return user
    raise LookupError(f"seed_data/users.yaml has no demo user with the role {role}")


def demo_programme_name() -> str:
    """The demo programme's name from seed_data/programme.yaml."""
    return _read_yaml("programme.yaml")["programme"]["name"]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The application on its own migrated and seeded SQLite file, for the live server.

    Seeded first and then served as of BUSINESS_DATE (DEMO_DATE), the way `make run` does.
    """
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.seed import seed_demo

    database = tmp_path_factory.mktemp("browser") / "browser.sqlite3"
    application = create_app({
        "APP_CONFIG": "testing",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "RATELIMIT_ENABLED": False,
        "DEMO_DATE": None,
    })
    with application.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()
    application.config["DEMO_DATE"] = BUSINESS_DATE
    return application


@pytest.fixture
def business_clock(live_app):
    """Move the live server's business clock for part of a test, then put it back.

    The app reads DEMO_DATE on every request, so `with business_clock(date(2011, 2, 1)):`
    serves every request inside the block as of that day.
    """

    @contextmanager
    def moved_to(day: date):
        previous = live_app.config.get("DEMO_DATE")
        live_app.config["DEMO_DATE"] = day
        try:
            yield day
        finally:
            live_app.config["DEMO_DATE"] = previous

    return moved_to


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve the app on a free local port in a daemon thread; yield its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def url_for(live_app):
    """Build a path from an endpoint name, so tests do not hard-code the app's URLs."""
    from flask import url_for as flask_url_for

    def build(endpoint: str, **values) -> str:
        with live_app.test_request_context():
            return flask_url_for(endpoint, **values)

    return build


@pytest.fixture(scope="session")
def browser():
    """The system Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(),
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh context and page; the test fails if the page logged errors or broke the CSP.

    A page's own HTTP status (a form answered with 422) is the test's to assert, so Chromium's
    "Failed to load resource" for a top-level document is not counted; for a stylesheet,
    script or icon it is.
    """
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    problems: list[str] = []
    console_errors: list[tuple[str, str]] = []
    documents: set[str] = set()
    context.expose_binding("__reportCspViolation",
                           lambda _source, text: problems.append(f"CSP violation: {text}"))
    context.add_init_script(CSP_LISTENER)
    new_page = context.new_page()

    def on_console(message):
        if message.type == "error":
            source = message.location.get("url", "")
            console_errors.append((source, f"console error on {new_page.url}: {message.text}"
                                           + (f" ({source})" if source else "")))

    def on_response(response):
        if response.request.resource_type == "document":
            documents.add(response.url)
        if response.status >= 500:
            problems.append(f"server error {response.status} for {response.url}")

    new_page.on("console", on_console)
    new_page.on("response", on_response)
    new_page.on("pageerror", lambda error: problems.append(
        f"uncaught exception on {new_page.url}: {error}"))
    yield new_page
    context.close()
    problems.extend(text for url, text in console_errors
                    if not (url in documents and "Failed to load resource" in text))
    if problems:
        pytest.fail("The browser reported problems:\n" + "\n".join(problems), pytrace=False)


def path_of(url: str) -> str:
    """The path of a URL, without the query or the fragment the browser may carry over."""
    return urlsplit(url).path


def focused_matches(page, selector: str) -> bool:
    """Whether the element that has keyboard focus matches this CSS selector."""
    return page.evaluate(
        "selector => !!document.activeElement && document.activeElement.matches(selector)",
        selector,
    )


def describe_focus(page) -> str:
    """The start of the focused element's HTML, to say where focus went in a failure."""
    return page.evaluate("() => document.activeElement ? document.activeElement.outerHTML"
                         ".slice(0, 200) : 'nothing'")


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches the selector; fail after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_matches(page, selector):
            return
    pytest.fail(f"{selector} was not reached with {limit} presses of Tab on {page.url}; "
                f"focus is on {describe_focus(page)}")


def keyboard_login(page, email: str, password: str):
    """Log in through the login form with the keyboard alone; return the response of the POST.

    From the top of the page: Tab to the skip link, Enter to jump to the main content, Tab to
    the e-mail field, type, Tab to the password, type, Enter.
    """
    page.goto("/login")
    page.keyboard.press("Tab")
    assert focused_matches(page, "a.skip-link"), describe_focus(page)
    page.keyboard.press("Enter")
    assert focused_matches(page, "main"), describe_focus(page)
    page.keyboard.press("Tab")
    assert focused_matches(page, "input[name=email]"), describe_focus(page)
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert focused_matches(page, "input[name=password]"), describe_focus(page)
    page.keyboard.type(password)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    return navigation.value


@pytest.fixture(scope="session")
def _login_cookies():
    """Session cookies per role, so each role types its password into the form only once."""
    return {}


@pytest.fixture
def log_in_as(page, _login_cookies, url_for):
    """Log the page in as the demo user with this role (by keyboard once, then by cookie).

    A logout ends every session of that person on the server, so a kept cookie is tried on
    the start page first and the person logs in again when it no longer works.
    """

    def log_in(role: str) -> DemoUser:
        user = demo_user_with_role(role)
        if role in _login_cookies:
            page.context.add_cookies(_login_cookies[role])
            page.goto(url_for("start.home"))
            if path_of(page.url) == url_for("start.home"):
                return user
            page.context.clear_cookies()
        response = keyboard_login(page, user.email, user.password)
        assert response is not None and response.ok, f"logging in as {user.email} failed"
        assert path_of(page.url) == url_for("start.home"), page.url
        _login_cookies[role] = page.context.cookies()
        return user

    return log_in
