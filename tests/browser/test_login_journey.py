"""The programme officer's journey with the keyboard alone: skip link, log in, envelope, log out."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import (
    demo_programme_name,
    demo_user_with_role,
    keyboard_login,
    path_of,
    tab_to,
)

pytestmark = pytest.mark.browser

NBSP = "\u00a0"
RESERVED_SEK = 650_000_000
WRONG_LOGIN_MESSAGE = {
    "sv": "Fel e-postadress eller lösenord.",
    "en": "Wrong e-mail address or password.",
}


def kronor(amount: int) -> str:
    """Whole kronor as the app shows them: digits grouped by non-breaking spaces, then kr."""
    return f"{amount:,}".replace(",", NBSP) + f"{NBSP}kr"


@pytest.fixture(scope="module")
def programme(live_app):
    """The demo programme's id and its envelope on the business date, summed straight from
    the ledger (entries booked by then count)."""
    from app.core import clock
    from app.core.enums import LedgerEntryKind
    from app.extensions import db
    from app.programmes.models import EnvelopeEntry, Programme

    with live_app.app_context():
        programme_id = db.session.scalar(
            sa.select(Programme.id).where(Programme.name == demo_programme_name()))
        sums = dict(db.session.execute(
            sa.select(EnvelopeEntry.kind, sa.func.sum(EnvelopeEntry.amount_sek))
            .where(EnvelopeEntry.programme_id == programme_id,
                   EnvelopeEntry.booked_on <= clock.today())
            .group_by(EnvelopeEntry.kind)).all())
        db.session.remove()
    reserved = int(sums.get(LedgerEntryKind.RESERVATION, 0))
    committed = int(sums.get(LedgerEntryKind.COMMITMENT, 0)) - int(
        sums.get(LedgerEntryKind.RELEASE, 0))
    return {"id": programme_id, "reserved_sek": reserved,
            "remaining_sek": reserved - committed}


def press_enter_and_wait(page):
    """Press Enter on the focused element and return the response of the page it leads to."""
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    return navigation.value


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page):
    """Keyboard users must be able to jump past the navigation (WCAG 2.4.1)."""
    page.goto("/login")
    page.keyboard.press("Tab")
    skip_link = page.locator("a.skip-link")
    expect(skip_link).to_be_focused()
    assert skip_link.get_attribute("href") == "#main"
    box = skip_link.bounding_box()
    assert box is not None and box["width"] > 1 and box["height"] > 1, "skip link stays hidden"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_programme_officer_reaches_the_envelope_by_keyboard_and_logs_out(
        page, url_for, programme):
    """Jonas logs in, opens the programme from the navigation, reads the envelope, logs out."""
    jonas = demo_user_with_role("programme_office")
    response = keyboard_login(page, jonas.email, jonas.password)
    assert response.status == 200
    assert path_of(page.url) == url_for("start.home")
    expect(page.locator("#tasks-heading")).to_be_visible()

    tab_to(page, f"nav a[href='{url_for('programmes.index')}']")
    assert press_enter_and_wait(page).status == 200
    assert path_of(page.url) == url_for("programmes.index")

    detail = url_for("programmes.detail", programme_id=programme["id"])
    tab_to(page, f"main a[href^='{detail}?']")
    assert press_enter_and_wait(page).status == 200
    assert path_of(page.url) == detail
    expect(page.locator("h1")).to_have_text(demo_programme_name())

    assert programme["reserved_sek"] == RESERVED_SEK
    cells = [cell.text_content().strip() for cell in page.locator("table.envelope td").all()]
    assert kronor(RESERVED_SEK) in cells, cells
    remaining = page.locator("table.envelope [data-testid=remaining]")
    assert remaining.text_content().strip() == kronor(programme["remaining_sek"])

    tab_to(page, f"form[action='{url_for('accounts.logout')}'] button")
    assert press_enter_and_wait(page).status == 200
    assert path_of(page.url) == url_for("accounts.login")
    expect(page.locator("main [role=status]")).not_to_be_empty()
    page.goto(url_for("start.home"))
    assert path_of(page.url) == url_for("accounts.login"), "still logged in after logging out"


@pytest.mark.parametrize("who", ["wrong password", "unknown user"])
def test_a_failed_login_shows_the_generic_message(page, url_for, who):
    """A wrong password and an unknown address get the same message, so neither leaks."""
    jonas = demo_user_with_role("programme_office")
    email = jonas.email if who == "wrong password" else "nobody@demo.stockholm.example"
    response = keyboard_login(page, email, "not-the-password")
    assert response.status == 200
    assert path_of(page.url) == url_for("accounts.login")
    language = page.locator("html").get_attribute("lang")
    assert language in WRONG_LOGIN_MESSAGE, language
    expect(page.locator("main .alert-danger")).to_have_text(WRONG_LOGIN_MESSAGE[language])


def test_language_switch_to_english_and_back_stays_on_the_page(page, log_in_as, url_for,
                                                               programme):
    """The language button works from the keyboard and returns to the same page."""
    log_in_as("programme_office")
    detail = url_for("programmes.detail", programme_id=programme["id"])
    page.goto(detail)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "sv")

    tab_to(page, "nav button[name=lang][value=en]")
    assert press_enter_and_wait(page).status == 200
    assert path_of(page.url) == detail
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator(f"form[action='{url_for('accounts.logout')}'] button")).to_have_text(
        "Log out")

    tab_to(page, "nav button[name=lang][value=sv]")
    assert press_enter_and_wait(page).status == 200
    assert path_of(page.url) == detail
    expect(html).to_have_attribute("lang", "sv")
