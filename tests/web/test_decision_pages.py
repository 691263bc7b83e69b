"""Deciding through the detail page and the printable decision page: delegation, the
anti-splitting warning, the envelope, corrections and who may see or take a decision.

The tests match on data (diary numbers, amounts, names, field names, data-testid markers).
"""

import re

import pytest
import sqlalchemy as sa

from app.applications.models import Application, Decision
from app.core.money import format_sek
from app.extensions import db
from app.programmes.models import EnvelopeEntry
from tests.web.test_application_pages import (
    clients_for,
    count,
    html_of,
    load,
    marked,
    page,
    post_step,
    remaining_on_programme_page,
)


@pytest.fixture
def browser(app, db_session, people, demo_date):
    """Clients for the journey's people, on a business date in 2008 (the 2007 delegation)."""
    demo_date("2008-03-07")
    return clients_for(app, people)


def tag_of(html: str, name: str) -> str:
    """Return the form control's opening tag for a field name."""
    match = re.search(rf'<(?:input|textarea|select)\b[^>]*\bname="{name}"[^>]*>', html)
    assert match, f"no control named {name}"
    return match.group(0)


def decide(client, application_id: int, **fields):
    values = {"outcome": "approved", "decided_on": "2008-03-07",
              "decision_text": "Ansökan beviljas.", **fields}
    return post_step(client, application_id, "decide", "decide", **values)


def decision_id_from(response) -> int:
    assert response.status_code == 302, html_of(response)[:3000]
    return int(re.search(r"/decisions/(\d+)$", response.headers["Location"]).group(1))


def correct(client, decision_id: int, **fields):
    from tests.web.test_application_pages import token

    data = {f"correct-{name}": value for name, value in fields.items()}
    data["correct-csrf_token"] = token(client)
    return client.post(f"/decisions/{decision_id}/correct", data=data)


def test_the_decision_page_is_a_printable_record(app, browser, make_application):
    application_id = make_application("awaiting_decision")
    anders = browser("anders")
    decision_id = decision_id_from(decide(anders, application_id, amount_sek="1 200 000",
                                          conditions="Rapport var sjätte vecka."))
    html = page(anders, f"/decisions/{decision_id}")
    assert marked(html, "diary-number") == "SLK 2008/0001"
    assert marked(html, "amount") == "1 200 000 kr"
    delegation = marked(html, "delegation")
    assert "Deputy" in delegation and "3 000 000 kr" in delegation
    assert "KF 2007" in delegation
    assert marked(html, "decider").startswith("Anders")
    assert "Ansökan beviljas." in html and "Rapport var sjätte vecka." in html
    assert "2008-03-07" in html
    assert f'src="/assets/{app.extensions["asset_manifest"]["js/applications.js"]}"' in html
    assert "<script>" not in html
    karin = browser("karin")
    assert marked(page(karin, f"/decisions/{decision_id}"), "diary-number") == "SLK 2008/0001"
    assert 'name="correct-kind"' not in page(karin, f"/decisions/{decision_id}")
    assert browser("sven").get(f"/decisions/{decision_id}").status_code == 404
    assert browser("jonas").get("/decisions/999999").status_code == 404


def test_the_decide_form_defaults_to_the_requested_amount_and_planned_date(browser,
                                                                          make_application):
    application_id = make_application("awaiting_decision", requested_sek=2_500_000)
    html = page(browser("anders"), f"/applications/{application_id}")
    assert 'name="decide-amount_sek"' in html and 'value="2 500 000"' in html
    assert 'value="2008-03-07"' in tag_of(html, "decide-decided_on")
    assert 'name="decide-splitting_reason"' not in html


def test_above_the_deputys_limit_only_the_routed_authority_may_decide(app, browser,
                                                                     make_application,
                                                                     demo_date):
    application_id = make_application("awaiting_decision", requested_sek=12_000_000,
                                      on="2009-02-01", kind="implementation")
    demo_date("2009-03-08")
    for who in ("anders", "eva"):
        client = browser(who)
        html = page(client, f"/applications/{application_id}")
        assert marked(html, "routed-authority") == "Committee"
        assert 'id="decide-form"' not in html
        refused = decide(client, application_id, decided_on="2009-03-08")
        assert refused.status_code == 403
    committee = browser("committee")
    assert 'id="decide-form"' in page(committee, f"/applications/{application_id}")
    assert count(app, Decision) == 0
    decision_id = decision_id_from(decide(committee, application_id, decided_on="2009-03-08",
                                          amount_sek="12000000"))
    assert "Committee" in marked(page(committee, f"/decisions/{decision_id}"), "delegation")


def test_segregation_of_duties_is_403_even_with_the_authority(app, browser, people,
                                                             make_application):
    from app.accounts.models import User
    from app.accounts.services import update_user

    application_id = make_application("awaiting_decision")
    with app.app_context():
        maria = db.session.get(User, people.maria)
        update_user(maria, {"roles": ["budget_management",
                                      "decision_maker:deputy_city_director"]})
        db.session.commit()
    response = decide(browser("maria"), application_id)
    assert response.status_code == 403
    assert load(app, Application, application_id)["state"] == "awaiting_decision"
    assert count(app, Decision) == 0


@pytest.mark.parametrize("fields, field", [
    ({"amount_sek": "tolv"}, "decide-amount_sek"),
    ({"amount_sek": "-1"}, "decide-amount_sek"),
    ({"amount_sek": "1.5"}, "decide-amount_sek"),
    ({"amount_sek": "1000000000001"}, "decide-amount_sek"),
    ({"outcome": "approved", "amount_sek": "900000"}, "decide-amount_sek"),
    ({"outcome": "approved_reduced", "amount_sek": "1200000"}, "decide-amount_sek"),
    ({"decided_on": "2001-01-01"}, "decide-decided_on"),
    ({"decided_on": "2008-01-01"}, "decide-decided_on"),
    ({"decided_on": "igår"}, "decide-decided_on"),
    ({"decision_text": ""}, "decide-decision_text"),
    ({"outcome": "maybe"}, "decide-outcome"),
])
def test_bad_decision_input_is_a_field_error_and_nothing_is_decided(app, browser,
                                                                   make_application, fields,
                                                                   field):
    application_id = make_application("awaiting_decision")
    response = decide(browser("anders"), application_id, **{"amount_sek": "1200000", **fields})
    assert response.status_code == 422
    html = html_of(response)
    assert f'id="{field}-error"' in html and f'href="#{field}"' in html
    assert count(app, Decision) == 0
    assert load(app, Application, application_id)["state"] == "awaiting_decision"


def test_a_rejection_commits_no_money(app, browser, make_application):
    application_id = make_application("awaiting_decision")
    programme = load(app, Application, application_id)["programme_id"]
    anders = browser("anders")
    before = remaining_on_programme_page(anders, programme)
    decision_id = decision_id_from(decide(anders, application_id, outcome="rejected",
                                          amount_sek="1 200 000"))
    assert load(app, Decision, decision_id)["amount_sek"] == 0
    assert remaining_on_programme_page(anders, programme) == before
    assert 'name="correct-kind"' not in page(anders, f"/decisions/{decision_id}")


def test_deciding_twice_is_409_and_creates_one_decision(app, browser, make_application):
    application_id = make_application("awaiting_decision")
    anders = browser("anders")
    decision_id_from(decide(anders, application_id, amount_sek="1200000"))
    again = decide(anders, application_id, amount_sek="1200000")
    assert again.status_code == 409
    assert count(app, Decision) == 1


def test_the_splitting_warning_must_be_acknowledged_with_a_reason(app, browser,
                                                                 make_application,
                                                                 make_programme):
    programme = make_programme()
    feasibility = make_application("awaiting_decision", requested_sek=2_000_000,
                                   programme_id=programme, title="Förstudie",
                                   kind="feasibility")
    anders = browser("anders")
    decision_id_from(decide(anders, feasibility, amount_sek="2000000"))
    implementation = make_application(
        "awaiting_decision", requested_sek=2_000_000, programme_id=programme,
        kind="implementation", feasibility_id=feasibility, title="Genomförande")

    warned = decide(anders, implementation, amount_sek="2000000")
    assert warned.status_code == 409
    html = html_of(warned)
    warning = marked(html, "splitting-warning")
    assert "4 000 000 kr" in warning and "3 000 000 kr" in warning
    assert 'aria-required="true"' in tag_of(html, "decide-splitting_acknowledged")
    assert 'aria-required="true"' in tag_of(html, "decide-splitting_reason")
    assert count(app, Decision) == 1

    no_reason = decide(anders, implementation, amount_sek="2000000",
                       splitting_acknowledged="y")
    assert no_reason.status_code == 422
    assert 'id="decide-splitting_reason-error"' in html_of(no_reason)
    assert count(app, Decision) == 1

    decision_id = decision_id_from(decide(
        anders, implementation, amount_sek="2000000", splitting_acknowledged="y",
        splitting_reason="Genomförandet är ett eget projekt med egen nyttokalkyl."))
    stored = load(app, Decision, decision_id)
    assert stored["splitting_acknowledged"] is True
    assert stored["splitting_reason"] == "Genomförandet är ett eget projekt med egen nyttokalkyl."
    assert "egen nyttokalkyl" in marked(page(anders, f"/decisions/{decision_id}"),
                                        "splitting-reason")


def test_an_approval_beyond_the_envelope_shows_what_is_left(app, browser, make_application,
                                                           make_programme):
    """The request fits the whole envelope, but not what is left after an earlier grant."""
    programme = make_programme(reserved_sek=1_500_000)
    anders = browser("anders")
    earlier = make_application("awaiting_decision", requested_sek=500_000, programme_id=programme)
    assert decide(anders, earlier, amount_sek="500000").status_code == 302
    decisions_before = count(app, Decision)
    application_id = make_application("awaiting_decision", programme_id=programme)
    response = decide(anders, application_id, amount_sek="1200000")
    assert response.status_code == 409
    html = html_of(response)
    assert 'id="decide-amount_sek-error"' in html and format_sek(1_000_000) in html
    assert count(app, Decision) == decisions_before
    assert load(app, Application, application_id)["state"] == "awaiting_decision"


def test_a_reduction_refers_back_and_gives_money_back(app, browser, make_application,
                                                     demo_date):
    application_id = make_application("awaiting_decision")
    programme = load(app, Application, application_id)["programme_id"]
    anders = browser("anders")
    original = decision_id_from(decide(anders, application_id, amount_sek="1200000"))
    after_decision = remaining_on_programme_page(anders, programme, on="2008-06-01")
    demo_date("2008-06-01")
    html = page(anders, f"/decisions/{original}")
    assert 'name="correct-kind"' in html
    assert 'name="correct-kind"' not in page(browser("eva"), f"/decisions/{original}")

    missing = correct(anders, original, kind="reduction", decided_on="2008-06-01",
                      decision_text="Minskning")
    assert missing.status_code == 422 and 'id="correct-amount_sek-error"' in html_of(missing)
    too_much = correct(anders, original, kind="reduction", amount_sek="1300000",
                       decided_on="2008-06-01", decision_text="Minskning")
    assert too_much.status_code == 422 and 'id="correct-amount_sek-error"' in html_of(too_much)
    assert count(app, Decision) == 1

    reduced = correct(anders, original, kind="reduction", amount_sek="200 000",
                      decided_on="2008-06-01", decision_text="Projektet blev billigare.")
    correction = decision_id_from(reduced)
    correction_page = page(anders, f"/decisions/{correction}")
    assert marked(correction_page, "diary-number") == "SLK 2008/0002"
    assert marked(correction_page, "refers-to") == "SLK 2008/0001"
    assert "SLK 2008/0002" in marked(page(anders, f"/decisions/{original}"), "corrections")
    # The reduction is dated 2008-06-01: the envelope gives the money back from that day.
    assert remaining_on_programme_page(anders, programme, on="2008-06-01") == (
        after_decision + 200_000)
    demo_date("2008-06-02")
    assert correct(anders, correction, kind="reduction", amount_sek="1", decided_on="2008-06-02",
                   decision_text="x").status_code == 403


def test_only_a_decision_maker_may_correct(app, browser, make_application):
    application_id = make_application("awaiting_decision")
    original = decision_id_from(decide(browser("anders"), application_id,
                                       amount_sek="1200000"))
    jonas = browser("jonas")
    assert 'name="correct-kind"' not in page(jonas, f"/decisions/{original}")
    response = correct(jonas, original, kind="revocation", decided_on="2008-06-01",
                       decision_text="Återkallas")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EnvelopeEntry).where(
            EnvelopeEntry.kind == "release")) == 0
