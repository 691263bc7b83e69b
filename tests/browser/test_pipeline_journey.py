"""Journeys 1 and 2 in the browser: Karin's idea and application, the preparation chain, Anders.

The live server's business clock stands at conftest.BUSINESS_DATE (early 2008), so the
1.2 MSEK feasibility study falls under the 2007 delegation and the deputy city director
decides it. Every person logs in with the keyboard alone; axe scans every page reached.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from app.core.enums import ApplicationState, IdeaState, Role
from app.core.labels import APPLICATION_STATE, ROLE
from app.ideas.services import IDEA_STATE_LABELS
from tests.browser.conftest import BUSINESS_DATE, path_of
from tests.browser.journeys import (
    APPLICANT,
    ATTACHMENT_NAME,
    CITY_DIRECTOR,
    DEPUTY_DIRECTOR,
    PROGRAMME_OFFICE,
    Journey,
    Submitted,
    application_values,
    authority_on,
    by_label,
    choose,
    expected_decision_on,
    fill_in,
    local_days,
    seed,
    send,
)
from tests.browser.test_login_journey import kronor

pytestmark = pytest.mark.browser

REQUESTED_SEK = 1_200_000
IDEA_TITLE = "Cykelreseplanerare för Stockholm"
IDEA_DESCRIPTION = ("En reseplanerare på webben som föreslår cykelvägar mellan hem och arbete, "
                    "med cykelbanor och cykelparkering.")
APPLICATION = application_values(
    kind="feasibility", title="Förstudie: cykelreseplanerare för pendlare",
    requested_sek=REQUESTED_SEK, starts_on=date(2008, 4, 1), ends_on=date(2008, 9, 30),
    costs=[(2008, "external_purchase", 700_000), (2008, "internal_staff", 300_000),
           (2008, "licences", 150_000), (2009, "operation_maintenance", 50_000)],
    milestones=[("Behovsanalys klar", date(2008, 5, 30)),
                ("Förstudierapport", date(2008, 9, 15))])
STAGES_AFTER_DRAFT = (ApplicationState.SUBMITTED, ApplicationState.IN_PREPARATION,
                      ApplicationState.ADVISORY_OPINION, ApplicationState.QUALITY_CHECK,
                      ApplicationState.AWAITING_DECISION, ApplicationState.DECIDED)


def route_service() -> dict:
    """Stadsbyggnadskontoret's walking and cycling route service among the seeded ideas."""
    return next(idea for idea in seed("ideas.yaml")["ideas"]
                if idea["organisation"] == "Stadsbyggnadskontoret"
                and "cykel" in idea["title"].lower())


def similar_match(scope, idea: dict):
    """The entry of a similarity list that names this idea and its organisation."""
    return (scope.locator("[data-testid=similar-match]")
            .filter(has_text=idea["title"]).filter(has_text=idea["organisation"]))


@pytest.fixture
def journey(page, url_for, live_app):
    """The guarded page of conftest, for the demo people to take turns at."""
    return Journey(page, url_for, live_app)


def write_idea(journey: Journey) -> int:
    """Karin writes her idea; while she types, the other office's route service is listed."""
    page, url_for = journey.page, journey.url_for
    journey.follow(page.locator(f"nav a[href='{url_for('ideas.index')}']"))
    journey.follow(page.locator(f"main a[href='{url_for('ideas.new')}']"))
    form, live_list = page.locator("#idea-form"), page.locator("#similar-results")
    expect(live_list).to_have_attribute("aria-live", "polite")
    expect(similar_match(live_list, route_service())).to_have_count(0)
    by_label(form, "title").press_sequentially(IDEA_TITLE)
    expect(similar_match(live_list, route_service())).to_have_count(1)
    by_label(form, "description").press_sequentially(IDEA_DESCRIPTION)
    fill_in(form, {"target_group": "Cyklister som pendlar, cirka 60 000.",
                   "expected_benefit": "Fler cykelresor och färre frågor till kundtjänsten.",
                   "contact_name": "Karin Holm", "contact_email": "karin@demo.stockholm.example"})
    expect(similar_match(live_list, route_service())).to_have_count(1)
    journey.scan("the idea form with the similar route service")
    for _attempt in range(2):
        response = send(page, form.locator("[type=submit]"))
        found = re.fullmatch(r"/ideas/(\d+)", path_of(page.url))
        if found:
            return int(found.group(1))
        assert response.status == 200, page.locator(".error-summary").all_inner_texts()
        expect(similar_match(live_list, route_service())).to_have_count(1)
    pytest.fail(f"the idea was not submitted after seeing the similar ones: {page.url}")


def screen_idea(journey: Journey, idea_id: int) -> None:
    """Jonas finds the idea in the list, sees the route service beside it and approves it."""
    page, url_for = journey.page, journey.url_for
    journey.follow(page.locator(f"nav a[href='{url_for('ideas.index')}']"))
    journey.follow(page.locator(f"main a[href='{url_for('ideas.detail', idea_id=idea_id)}']"))
    journey.follow(page.locator(f"main a[href='{url_for('ideas.screen', idea_id=idea_id)}']"))
    expect(similar_match(page.locator("main"), route_service())).to_have_count(1)
    form = page.locator("form:has([name=outcome])")
    choose(form, "outcome", IdeaState.APPROVED_TO_APPLY.value)
    fill_in(form, {"comment": "Får söka. Samordna med Stadsbyggnadskontorets vägvisare."})
    journey.scan("the screening form")
    assert send(page, form.locator("[type=submit]")).status == 200
    assert path_of(page.url) == url_for("ideas.detail", idea_id=idea_id)
    expect(page.locator("[data-testid=idea-state]")).to_have_text(
        journey.label(IDEA_STATE_LABELS, IdeaState.APPROVED_TO_APPLY))


def follow_submitted_application(journey: Journey, submitted: Submitted) -> None:
    """The receipt's link leads to the application's page: stage, who holds it, since when."""
    page, url_for = journey.page, journey.url_for
    journey.follow(page.locator(
        f"main a[href='{url_for('applications.detail', application_id=submitted.id)}']"))
    expect(page.locator("[data-testid=reference]")).to_have_text(submitted.reference)
    assert journey.stage() == journey.label(APPLICATION_STATE, ApplicationState.SUBMITTED)
    expect(page.locator("[data-testid=held-by]")).to_have_text(
        journey.label(ROLE, Role.PROGRAMME_OFFICE))
    since = page.locator("[data-testid=since]").text_content().strip()
    assert since[:10] in local_days(BUSINESS_DATE), since
    expect(page.locator("[data-testid=attachments]")).to_contain_text(ATTACHMENT_NAME)
    expect(page.locator("main")).to_contain_text(kronor(REQUESTED_SEK))
    journey.scan("the submitted application as the applicant")


def test_idea_to_funding_decision(journey, url_for):
    """Journeys 1–2: idea, screening, application, receipt, preparation chain, decision, money."""
    page = journey.page
    journey.act_as(APPLICANT)
    idea_id = write_idea(journey)
    expect(page.locator("[data-testid=idea-state]")).to_have_text(
        journey.label(IDEA_STATE_LABELS, IdeaState.SUBMITTED))
    expect(similar_match(page.locator("main"), route_service())).to_have_count(1)
    journey.scan("the submitted idea")

    journey.act_as(PROGRAMME_OFFICE)
    screen_idea(journey, idea_id)

    journey.act_as(APPLICANT)
    journey.follow(page.locator(f"nav a[href='{url_for('core.notification_list')}']"))
    journey.follow(page.locator(f"main a[href='{url_for('ideas.detail', idea_id=idea_id)}']"))
    expect(page.locator("[data-testid=idea-state]")).to_have_text(
        journey.label(IDEA_STATE_LABELS, IdeaState.APPROVED_TO_APPLY))
    journey.write_application(APPLICATION, "the feasibility application form, every section")
    draft_id = journey.save_draft()
    journey.add_benefit_calculation(draft_id)
    submitted = journey.submit_application(draft_id)
    assert re.fullmatch(rf"ANS-{BUSINESS_DATE.year}-\d{{4}}", submitted.reference), submitted
    decision_day = expected_decision_on(BUSINESS_DATE)
    assert submitted.expected_decision_on == decision_day.isoformat()
    follow_submitted_application(journey, submitted)

    journey.prepare_for_decision(submitted.id)
    deputy = authority_on("deputy_city_director", decision_day)
    assert journey.routed_authority() == deputy.name

    journey.act_as(DEPUTY_DIRECTOR)
    row = journey.open_from_queue(submitted.id)
    for text in (submitted.reference, kronor(REQUESTED_SEK), deputy.name):
        assert text in row, row

    journey.act_as(CITY_DIRECTOR)
    journey.open("applications.queue")
    expect(page.locator(f"tr[data-application='{submitted.id}']")).to_have_count(0)
    journey.open("applications.detail", application_id=submitted.id)
    assert journey.routed_authority() == deputy.name
    expect(page.locator("#decide-form")).to_have_count(0)
    journey.scan("the application awaiting another's decision")
    assert journey.post_decision_anyway(submitted.id, amount_sek=REQUESTED_SEK,
                                        decided_on=BUSINESS_DATE) == 403

    anders = journey.act_as(DEPUTY_DIRECTOR)
    remaining_before = journey.remaining_sek()
    journey.open_from_queue(submitted.id)
    decision = journey.decide(amount_sek=REQUESTED_SEK, decided_on=BUSINESS_DATE)
    assert re.fullmatch(rf"SLK {BUSINESS_DATE.year}/\d{{4}}", decision["diary-number"]), decision
    assert decision["amount"] == kronor(REQUESTED_SEK)
    assert anders.name in decision["decider"]
    assert decision["delegation"][:3] == [deputy.name, kronor(deputy.limit_sek), deputy.source]
    remaining_after = journey.remaining_sek()
    assert remaining_after == remaining_before - REQUESTED_SEK
    expect(page.locator("table.envelope [data-testid=remaining]")).to_have_text(
        kronor(remaining_after))

    journey.act_as(APPLICANT)
    journey.open("applications.detail", application_id=submitted.id)
    assert journey.stage() == journey.label(APPLICATION_STATE, ApplicationState.DECIDED)
    expect(page.locator("[data-testid=decisions]")).to_contain_text(decision["diary-number"])
    journey.follow(page.locator(f"nav a[href='{url_for('core.notification_list')}']"))
    notices = page.locator(
        f"main a[href='{url_for('applications.detail', application_id=submitted.id)}']")
    expect(notices).to_have_count(len(STAGES_AFTER_DRAFT))
    expect(notices.first).to_contain_text(submitted.reference)
    expect(notices.first).to_contain_text(decision["diary-number"])
    expect(notices.first).to_contain_text(kronor(REQUESTED_SEK))
    journey.scan("the applicant's notifications after the decision")
