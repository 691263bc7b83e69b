"""A city's second programme, set up in the pages (issue 17): the administrator creates it with
its envelope, a goal and its own delegation, grants an applicant a role in it alone, and the
applicant applies to it; the application is routed by the new programme's delegation.

The file is named to run last among the browser tests: a second programme changes which
programmes the shared live server's lists offer.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BUSINESS_DATE, keyboard_login, path_of
from tests.browser.journeys import Journey, application_values, fill_in, send

pytestmark = pytest.mark.browser

PROGRAMME_NAME = "Digitala nämndtjänster 2008–2011"
APPLICANT = {"name": "Nora Lind", "email": "nora.lind@trafik.example",
             "password": "Nora-har-ett-langt-losenord-2008"}
DIRECTOR_LIMIT_SEK = 2_000_000


def _programme_id(page) -> int:
    found = re.search(r"/programmes/(\d+)", path_of(page.url))
    assert found, page.url
    return int(found.group(1))


def test_an_administrator_sets_up_a_programme_and_its_applicant_applies(page, log_in_as,
                                                                          url_for, live_app):
    journey = Journey(page, url_for, live_app)
    log_in_as("administrator")

    page.goto(url_for("programmes.new"))
    form = page.locator("main form")
    fill_in(form, {"name": PROGRAMME_NAME, "starts_on": BUSINESS_DATE.isoformat(),
                   "ends_on": "2011-12-31", "diary_number_format": "DNT {year}/{seq:04d}"})
    response = send(page, form.locator("[type=submit]"))
    assert response.status == 200, page.locator("#error-summary").all_inner_texts()
    programme_id = _programme_id(page)

    page.goto(url_for("programmes.reservations", programme_id=programme_id))
    form = page.locator("main form:has([name=amount_sek])")
    fill_in(form, {"amount_sek": "40000000", "booked_on": BUSINESS_DATE.isoformat(),
                   "description": "KF 2008-01-28, dnr 2008/0012"})
    response = send(page, form.locator("[type=submit]"))
    assert response.status == 200, page.locator("#error-summary").all_inner_texts()
    journey.scan("the new programme's envelope")

    page.goto(url_for("programmes.goals", programme_id=programme_id))
    form = page.locator("main form:has([name=title])")
    fill_in(form, {"title": "Enklare kontakt med staden för medborgare och företag"})
    response = send(page, form.locator("[type=submit]"))
    assert response.status == 200, page.locator("#error-summary").all_inner_texts()

    page.goto(url_for("programmes.delegation", programme_id=programme_id))
    form = page.locator("main form:has([name=valid_from])")
    fill_in(form, {
        "valid_from": BUSINESS_DATE.isoformat(), "source": "KS 2008-01-30, dnr 2008/0009",
        "reason": "Programmets egen delegation enligt kommunstyrelsens beslut.",
        "rule_1_authority_key": "programme_director", "rule_1_authority_name": "Programchef",
        "rule_1_limit_sek": str(DIRECTOR_LIMIT_SEK),
        "rule_2_authority_key": "finance_committee",
        "rule_2_authority_name": "Kommunstyrelsens ekonomiutskott"})
    response = send(page, form.locator("[type=submit]"))
    assert response.status == 200, page.locator("#error-summary").all_inner_texts()
    expect(page.locator("main")).to_contain_text("Programchef")
    journey.scan("the new programme's delegation")

    page.goto(url_for("accounts.new_user"))
    form = page.locator("main form")
    fill_in(form, {"name": APPLICANT["name"], "email": APPLICANT["email"],
                   "password": APPLICANT["password"]})
    form.locator("[name=organisation_id]").select_option(label="Trafikkontoret")
    form.locator(f"[name=roles_in_programme_{programme_id}]").select_option("applicant")
    response = send(page, form.locator("[type=submit]"))
    assert response.status == 200, page.locator("#error-summary").all_inner_texts()
    journey.person = None
    journey.log_out()

    response = keyboard_login(page, APPLICANT["email"], APPLICANT["password"])
    assert response is not None and response.ok
    page.goto(url_for("applications.new", programme_id=programme_id))
    expect(page.locator("main")).to_contain_text(PROGRAMME_NAME)
    values = application_values(
        kind="feasibility", title="Bokning av nämndsammanträden på webben",
        requested_sek=1_500_000, starts_on=date(2008, 4, 1), ends_on=date(2009, 3, 31),
        costs=[(2008, "external_purchase", 1_000_000), (2009, "internal_staff", 500_000)],
        milestones=[])
    values = {name: value for name, value in values.items()
              if not re.fullmatch(r"goal_([2-9]|\d\d+)_(score|motivation)", name)}
    fill_in(page.locator("#application-form"), values)
    journey.scan("the application to the new programme")
    application_id = journey.save_draft()
    journey.add_benefit_calculation(application_id)
    submitted = journey.submit_application(application_id)
    assert submitted.reference

    journey.person = None
    journey.log_out()

    journey.prepare_for_decision(application_id, goals=[1])
    assert journey.routed_authority() == "Programchef"
    expect(page.locator("main")).to_contain_text("KS 2008-01-30, dnr 2008/0009")
