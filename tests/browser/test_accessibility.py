"""axe-core scans at WCAG 2.1 A/AA of the login page and every page a role reaches from its menu."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import keyboard_login, path_of, tab_to

pytestmark = pytest.mark.browser

AXE = Axe()
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
ADMINISTRATOR, PROGRAMME_OFFICE, APPLICANT = "administrator", "programme_office", "applicant"
EVERYONE = frozenset({ADMINISTRATOR, PROGRAMME_OFFICE, APPLICANT})
ADMINISTRATOR_ONLY = frozenset({ADMINISTRATOR})


def violations_report(violations: list[dict], where: str) -> str:
    """One line per violated rule: id, impact, what to fix, and the first offending elements."""
    lines = [f"{len(violations)} accessibility rule(s) violated on {where}:"]
    for violation in violations:
        nodes = violation["nodes"]
        targets = [" >>> ".join(map(str, node["target"])) for node in nodes[:3]]
        summary = " ".join((nodes[0].get("failureSummary") or "").split()) if nodes else ""
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}; "
            f"{len(nodes)} element(s), first {targets}; {summary[:300]} [{violation['helpUrl']}]"
        )
    return "\n".join(lines)


def violations_on(page) -> list[dict]:
    """Run axe on the page as it is now and return its violations."""
    return AXE.run(page, options=AXE_OPTIONS).response["violations"]


def assert_accessible(page, where: str) -> None:
    """Fail with a readable list of violations (not pytest's diff of axe's JSON) if any."""
    violations = violations_on(page)
    if violations != []:
        pytest.fail(violations_report(violations, where), pytrace=False)


def menu_paths(page) -> set[str]:
    """The paths every link in the rendered <nav> points to."""
    hrefs = page.locator("nav a[href]").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
    return {path_of(href) for href in hrefs}


def follow(page, locator, what: str) -> None:
    """Click a link that must be on the page and wait for the page it opens (status 200)."""
    assert locator.count() > 0, f"{what}: no such link on {page.url}"
    with page.expect_navigation() as navigation:
        locator.first.click()
    response = navigation.value
    assert response is not None and response.status == 200, (
        f"{what}: {page.url} answered {response.status if response else 'nothing'}")


@dataclass(frozen=True)
class Target:
    """A page to scan, who can reach it, and how: through the menu, then perhaps one more link."""

    name: str
    roles: frozenset
    menu_endpoint: str
    link_selector: Callable[[Callable], str] | None = None


def links_to(endpoint: str, id_name: str) -> Callable[[Callable], str]:
    """A selector for the table's links to any object of an endpoint (its URL up to the id)."""
    return lambda url_for: "main table a[href^='{}']".format(
        url_for(endpoint, **{id_name: 0}).removesuffix("0"))


TARGETS = [
    Target("start page", EVERYONE, "start.home"),
    Target("programmes", EVERYONE, "programmes.index"),
    Target("a programme", EVERYONE, "programmes.index",
           links_to("programmes.detail", "programme_id")),
    Target("applications", EVERYONE, "applications.index"),
    Target("an application", EVERYONE, "applications.index",
           links_to("applications.detail", "application_id")),
    Target("organisations", EVERYONE, "accounts.organisations"),
    Target("notifications", EVERYONE, "core.notification_list"),
    Target("users", ADMINISTRATOR_ONLY, "accounts.users"),
    Target("new user", ADMINISTRATOR_ONLY, "accounts.users",
           lambda url_for: f"main a[href='{url_for('accounts.new_user')}']"),
    Target("edit user", ADMINISTRATOR_ONLY, "accounts.users",
           links_to("accounts.edit_user", "user_id")),
    Target("new organisation", ADMINISTRATOR_ONLY, "accounts.organisations",
           lambda url_for: f"main a[href='{url_for('accounts.new_organisation')}']"),
    Target("edit organisation", ADMINISTRATOR_ONLY, "accounts.organisations",
           links_to("accounts.edit_organisation", "organisation_id")),
]
CASES = [(role, target) for role in (ADMINISTRATOR, PROGRAMME_OFFICE, APPLICANT)
         for target in TARGETS if role in target.roles]


def open_target(page, url_for, target: Target) -> None:
    """Reach the page as a user would: the menu link, then the page's own link if any."""
    page.goto(url_for("start.home"))
    menu_link = page.locator(f"nav a[href='{url_for(target.menu_endpoint)}']")
    follow(page, menu_link, f"the menu link to {target.menu_endpoint}")
    if target.link_selector is not None:
        follow(page, page.locator(target.link_selector(url_for)), target.name)


@pytest.mark.parametrize(("role", "target"), CASES,
                         ids=[f"{role}-{target.name.replace(' ', '-')}" for role, target in CASES])
def test_page_has_no_wcag_violations(page, log_in_as, url_for, role, target):
    """Each page in each role's menu, and its detail and form pages, passes axe at WCAG 2.1 AA."""
    log_in_as(role)
    open_target(page, url_for, target)
    assert_accessible(page, f"{target.name} ({path_of(page.url)}) as {role}")


@pytest.mark.parametrize("role", [ADMINISTRATOR, PROGRAMME_OFFICE, APPLICANT])
def test_menu_pages_missing_from_targets_are_scanned_too(page, log_in_as, url_for, role):
    """The menu is read from the rendered <nav>, so a page added to it is scanned at once."""
    log_in_as(role)
    page.goto(url_for("start.home"))
    listed = {url_for(target.menu_endpoint) for target in TARGETS if role in target.roles}
    failures = []
    for path in sorted(menu_paths(page) - listed):
        response = page.goto(path)
        if response is None or response.status != 200:
            failures.append(f"{path} answered {response.status if response else 'nothing'}")
        elif violations := violations_on(page):
            failures.append(violations_report(violations, f"{path} as {role}"))
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def test_login_page_has_no_wcag_violations(page, url_for):
    """The page everyone sees first, logged out."""
    assert page.goto(url_for("accounts.login")).status == 200
    assert_accessible(page, "the login page")


def test_login_error_summary_has_no_wcag_violations(page, url_for):
    """A login submitted empty shows the error summary and the fields' errors."""
    page.goto(url_for("accounts.login"))
    tab_to(page, "main form button[type=submit], main form input[type=submit]")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 422
    assert page.locator("#error-summary").is_visible(), "no error summary after a failed login"
    assert_accessible(page, "the login page with the error summary")


def test_login_wrong_password_message_has_no_wcag_violations(page):
    """A login with a wrong password shows the generic message."""
    response = keyboard_login(page, "nobody@demo.stockholm.example", "not-the-password")
    assert response.status == 200
    assert page.locator("main .alert-danger").is_visible()
    assert_accessible(page, "the login page after a wrong password")
