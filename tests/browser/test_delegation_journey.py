"""Journey 3 in the browser: 12 MSEK goes to the finance committee in 2009, to Eva in 2011.

Karin writes and submits each implementation application through the form while the live
server's business clock stands in that year; the preparation chain takes it to a decision.
Routing follows the application's expected decision date, so the clock at submission counts.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import (
    APPLICANT,
    CITY_DIRECTOR,
    FINANCE_COMMITTEE,
    Journey,
    application_values,
    authority_on,
    expected_decision_on,
)
from tests.browser.test_login_journey import kronor

pytestmark = pytest.mark.browser

REQUESTED_SEK = 12_000_000


def implementation(year: int) -> dict:
    """A complete 12 MSEK implementation application starting two months into `year`."""
    return application_values(
        kind="implementation", title=f"Cykelreseplaneraren: genomförande {year}",
        requested_sek=REQUESTED_SEK, starts_on=date(year, 3, 1), ends_on=date(year + 1, 10, 29),
        costs=[(year, "external_purchase", 6_000_000), (year, "internal_staff", 2_500_000),
               (year + 1, "licences", 2_000_000), (year + 1, "internal_staff", 1_000_000),
               (year + 1, "operation_maintenance", 500_000)],
        milestones=[("Upphandling klar", date(year, 6, 15)),
                    ("Första versionen i drift", date(year + 1, 3, 1)),
                    ("Utvärdering", date(year + 1, 10, 1))])


@pytest.fixture
def journey(page, url_for, live_app):
    """The guarded page of conftest, for the demo people to take turns at."""
    return Journey(page, url_for, live_app)


def submit_and_prepare(journey: Journey, year: int):
    """Karin submits the 12 MSEK application; the chain takes it to awaiting decision."""
    journey.act_as(APPLICANT)
    journey.write_application(implementation(year), f"the implementation form ({year})")
    draft_id = journey.save_draft()
    journey.add_benefit_calculation(draft_id)
    submitted = journey.submit_application(draft_id)
    assert re.fullmatch(rf"ANS-{year}-\d{{4}}", submitted.reference), submitted
    journey.prepare_for_decision(submitted.id)
    return submitted


def refused_without_form(journey: Journey, submitted, decided_on: date, authority) -> None:
    """The person sees who decides, gets no decide form, and a forced POST is refused (403)."""
    journey.open("applications.queue")
    expect(journey.page.locator(f"tr[data-application='{submitted.id}']")).to_have_count(0)
    journey.open("applications.detail", application_id=submitted.id)
    assert journey.routed_authority() == authority.name
    expect(journey.page.locator("#decide-form")).to_have_count(0)
    journey.scan("the application awaiting another's decision")
    assert journey.post_decision_anyway(submitted.id, amount_sek=REQUESTED_SEK,
                                        decided_on=decided_on) == 403


def decided_by(journey: Journey, role: str, submitted, decided_on: date, authority) -> None:
    """The routed authority finds it in the queue and approves; the record names the rule."""
    person = journey.act_as(role)
    row = journey.open_from_queue(submitted.id)
    assert submitted.reference in row and authority.name in row, row
    assert kronor(REQUESTED_SEK) in row, row
    decision = journey.decide(amount_sek=REQUESTED_SEK, decided_on=decided_on)
    assert re.fullmatch(rf"SLK {decided_on.year}/\d{{4}}", decision["diary-number"]), decision
    assert decision["amount"] == kronor(REQUESTED_SEK)
    assert person.name in decision["decider"]
    assert decision["delegation"][0] == authority.name
    assert decision["delegation"][2] == authority.source


def test_twelve_million_in_2009_is_decided_by_the_finance_committee(journey, business_clock):
    """Above the city director's 10 MSEK (2007 rules) the finance committee decides, not Eva."""
    with business_clock(date(2009, 9, 1)) as today:
        submitted = submit_and_prepare(journey, today.year)
        decision_day = expected_decision_on(today)
        assert submitted.expected_decision_on == decision_day.isoformat()
        committee = authority_on("finance_committee", decision_day)
        director = authority_on("city_director", decision_day)
        assert director.limit_sek < REQUESTED_SEK and committee.limit_sek is None
        assert journey.routed_authority() == committee.name

        journey.act_as(CITY_DIRECTOR)
        refused_without_form(journey, submitted, today, committee)
        decided_by(journey, FINANCE_COMMITTEE, submitted, today, committee)


def test_twelve_million_in_2011_is_decided_by_the_city_director(journey, business_clock):
    """From 2011 the city director's limit is 15 MSEK, so Eva decides the same amount."""
    with business_clock(date(2011, 2, 1)) as today:
        submitted = submit_and_prepare(journey, today.year)
        decision_day = expected_decision_on(today)
        assert submitted.expected_decision_on == decision_day.isoformat()
        director = authority_on("city_director", decision_day)
        assert REQUESTED_SEK <= director.limit_sek
        assert journey.routed_authority() == director.name

        journey.act_as(FINANCE_COMMITTEE)
        refused_without_form(journey, submitted, today, director)
        decided_by(journey, CITY_DIRECTOR, submitted, today, director)
        assert journey.page.locator("[data-testid=delegation] dd").nth(1).text_content() == (
            kronor(director.limit_sek))
