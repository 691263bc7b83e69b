"""Journey 4 in the browser: Karin is reminded, reports cost amber with a reason; Jonas sees it.

The business clock is moved to 25 March 2010: period 12 of Cykelreseplanerare (the demo's
status reports cover periods 1-11) ended on 21 March and is due on 31 March, inside the
reminder window. The reminder job runs; Karin logs in with the keyboard, follows the
reminder, opens the report pre-filled from period 11, turns the cost status amber with the
arrow keys and submits without a reason (refused, naming the field), then gives the reason
and submits. Jonas finds the report in his queue and in the project's status history. axe
scans every page reached. The submitted report keeps the forecast of period 11, so the
demo's adherence figures, which other journeys read, do not change.
"""

import re
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.enums import RagStatus
from tests.browser.conftest import path_of, tab_to
from tests.browser.journeys import (
    APPLICANT,
    PROGRAMME_OFFICE,
    Journey,
    by_label,
    fill_in,
    local_days,
    seed,
    sek_value,
    typed_amount,
)

pytestmark = pytest.mark.browser

PROJECT = "Cykelreseplanerare"
REPORT_DAY = date(2010, 3, 25)
PERIOD = 12
NEW_COST_SEK = 760_000
MILESTONES = "Användartestet med 40 cyklister klart 2010-03-12; vägvalet för lutning justerat."
EXPLANATION = ("Kartlicensen för cykelparkering blev 60 000 kr dyrare än offererat. Vi tar det "
               "inom ramen genom att stryka den tryckta foldern; prognosen ligger kvar.")


def last_seeded_report() -> dict:
    """The project's last report in seed_data/status_reports.yaml, with what it carries."""
    entry = next(item for item in seed("status_reports.yaml")["projects"]
                 if item["project"] == PROJECT)
    carried: dict = {}
    for report in entry["reports"]:
        carried.update(report)
    return carried


@pytest.fixture
def journey(page, url_for, live_app):
    """The guarded page of conftest, for Karin and then Jonas to take turns at."""
    return Journey(page, url_for, live_app)


@pytest.fixture
def project_id(live_app) -> int:
    from app.extensions import db
    from app.projects.models import Project

    with live_app.app_context():
        found = db.session.scalar(sa.select(Project.id).where(Project.title == PROJECT))
        db.session.remove()
    assert found is not None
    return found


def send_reminders(live_app, day: date) -> None:
    """Run the scheduler's daily reminder job against the live server's database."""
    from app.extensions import db
    from app.jobs.services import send_report_reminders

    with live_app.app_context():
        send_report_reminders(day)
        db.session.commit()
        db.session.remove()


def press_with_keyboard(page, control):
    """Focus a control and press Enter; return the response of the page it leads to."""
    control.focus()
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    return navigation.value


def follow_reminder(journey: Journey, project_id: int) -> None:
    """Karin sees an unread notification in the menu and follows the reminder to the project."""
    page, url_for = journey.page, journey.url_for
    bell = page.locator(f"header a[href='{url_for('core.notification_list')}']")
    expect(bell.locator(".badge")).not_to_have_text("0")
    journey.follow(bell)
    journey.scan("Karin's notifications")
    project_path = url_for("projects.detail", project_id=project_id)
    reminder = page.locator(f"main a[href='{project_path}']").filter(has_text=PROJECT)
    expect(reminder).to_have_count(1)
    expect(reminder).to_contain_text(str(PERIOD))
    journey.follow(reminder)
    assert path_of(page.url) == project_path, page.url
    journey.scan("the project page with a report due")


def open_prefilled_report(journey: Journey):
    """Press "write the report" with the keyboard; the form holds period 11's answers."""
    page = journey.page
    due = page.locator("[data-testid=report-due]")
    expect(due).to_contain_text(f" {PERIOD} ")
    response = press_with_keyboard(page, due.locator("button"))
    assert response.status == 200, page.url
    assert re.fullmatch(r"/projects/reports/\d+/edit", path_of(page.url)), page.url

    previous = last_seeded_report()
    form = page.locator("#report-form")
    expect(by_label(form, "actual_cost_to_date_sek")).to_have_value(
        typed_amount(previous["actual_cost_sek"]))
    expect(by_label(form, "forecast_cost_sek")).to_have_value(
        typed_amount(previous.get("forecast_cost_sek", 1_200_000)))
    expect(by_label(form, "next_milestones")).to_have_value(previous["next_milestones"])
    expect(form.locator("input[name=cost_status][value=green]")).to_be_checked()
    expect(form.locator("[data-explanation-for=cost]")).to_be_hidden()
    journey.scan("the report form pre-filled from period 11")
    return form


def turn_cost_amber_by_keyboard(page, form) -> None:
    """Move the cost status from green to amber with the arrow key; its reason field appears."""
    form.locator("input[name=cost_status][value=green]").focus()
    page.keyboard.press("ArrowRight")
    expect(form.locator("input[name=cost_status][value=amber]")).to_be_checked()
    expect(form.locator("textarea[name=cost_explanation]")).to_be_visible()


def test_karin_reports_cost_amber_and_jonas_sees_it(journey, business_clock, live_app, url_for,
                                                     project_id):
    """Reminder, pre-filled form, refusal without a reason, submission, queue and history."""
    page = journey.page
    with business_clock(REPORT_DAY):
        send_reminders(live_app, REPORT_DAY)

        journey.act_as(APPLICANT)
        follow_reminder(journey, project_id)
        form = open_prefilled_report(journey)
        fill_in(form, {"actual_cost_to_date_sek": typed_amount(NEW_COST_SEK),
                       "milestones_reached": MILESTONES})
        turn_cost_amber_by_keyboard(page, form)

        response = press_with_keyboard(page, form.locator("[name=send]"))
        assert response.status == 422, page.url
        refusal = page.locator("#error-summary a[href='#cost_explanation']")
        expect(refusal).to_have_count(1)
        label = page.locator("label[for=cost_explanation]").inner_text().strip()
        expect(refusal).to_contain_text(label)
        expect(page.locator("#error-summary li")).to_have_count(1)
        journey.scan("the report refused without a reason for amber")

        form = page.locator("#report-form")
        expect(form.locator("input[name=cost_status][value=amber]")).to_be_checked()
        form.locator("input[name=cost_status][value=amber]").focus()
        tab_to(page, "textarea[name=cost_explanation]", limit=1)
        page.keyboard.type(EXPLANATION)
        response = press_with_keyboard(page, form.locator("[name=send]"))
        assert response.status == 200, page.locator("#error-summary").all_inner_texts()
        found = re.fullmatch(r"/projects/reports/(\d+)", path_of(page.url))
        assert found, page.url
        report_id = int(found.group(1))
        expect(page.locator(".alert-success")).to_have_count(1)
        cost = page.locator("[data-testid=statuses] tr[data-aspect=cost]")
        expect(cost.locator("[data-rag]")).to_have_attribute("data-rag", RagStatus.AMBER.value)
        expect(cost).to_contain_text(EXPLANATION)
        assert sek_value(page.locator("[data-testid=actual]").inner_text()) == NEW_COST_SEK
        journey.scan("Karin's submitted report")

        journey.act_as(PROGRAMME_OFFICE)
        journey.follow(page.locator(f"nav a[href='{url_for('projects.index')}']"))
        journey.follow(page.locator(f"main a[href='{url_for('projects.queue')}']"))
        row = page.locator(f"[data-testid=submitted-reports] tr[data-report='{report_id}']")
        expect(row).to_have_count(1)
        cells = [text.strip() for text in row.locator("td").all_inner_texts()]
        assert cells[0] == PROJECT and cells[2] == str(PERIOD), cells
        assert cells[3].split()[0] in local_days(REPORT_DAY), cells
        statuses = row.locator("[data-rag]").evaluate_all(
            "badges => badges.map(badge => badge.dataset.rag)")
        assert statuses == ["green", "amber", "green", "green", "green"], statuses
        journey.scan("Jonas's reports queue")

        journey.follow(row.get_by_role("link", name=PROJECT, exact=True))
        history = page.locator(f"[data-testid=status-history] tr[data-period='{PERIOD}']")
        expect(history).to_have_count(1)
        assert history.locator("[data-rag]").evaluate_all(
            "badges => badges.map(badge => badge.dataset.rag)") == statuses
        expect(history.locator(
            f"a[href='{url_for('projects.report', report_id=report_id)}']")).to_have_count(1)
        expect(page.locator("[data-testid=kept-budget] strong")).to_have_count(0)
        journey.scan("the project page with Karin's report in the status history")

        journey.follow(history.locator("a"))
        expect(page.locator("[data-testid=statuses] tr[data-aspect=cost]")).to_contain_text(
            EXPLANATION)
        journey.scan("Karin's report as Jonas reads it")
