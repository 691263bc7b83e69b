"""A decision's date cannot be chosen to get round delegation, through the API or the page.

Every decider (deputy city director, city director, finance committee) is tried against every
regime boundary (2010-12-31 under the 2007 rules, 2011-01-01 under the 2010-12-15 rules) and
limit (3, 10 and 15 MSEK, inclusive, and one krona more), dated today, in the past (a decision
already taken on paper, with and without a reason, inside and outside the 30-day window) and
in the future. Only the holder of the authority in force on the decision's date may register it.
"""

from datetime import date, timedelta

import pytest

from app.applications.models import Decision
from tests.web.test_application_pages import clients_for, count, html_of, load, post_step

PROBLEM = "application/problem+json"
DECIDERS = {"anders": "deputy_city_director", "eva": "city_director",
            "committee": "finance_committee"}
REASON = "Beslutet fattades på sammanträdet; registreras i efterhand."
# (amount, decision date) -> who decides under the rules in force on that date
ROUTED = {
    (3_000_000, "2010-12-31"): "anders", (3_000_000, "2011-01-01"): "eva",
    (3_000_001, "2010-12-31"): "eva", (3_000_001, "2011-01-01"): "eva",
    (10_000_000, "2010-12-31"): "eva", (10_000_000, "2011-01-01"): "eva",
    (10_000_001, "2010-12-31"): "committee", (10_000_001, "2011-01-01"): "eva",
    (15_000_000, "2010-12-31"): "committee", (15_000_000, "2011-01-01"): "eva",
    (15_000_001, "2010-12-31"): "committee", (15_000_001, "2011-01-01"): "committee",
}
CASES = sorted(ROUTED)


@pytest.fixture
def token(api_token, people):
    return {name: api_token(getattr(people, name)) for name in (*DECIDERS, "karin")}


def _api_decide(client, token, application_id, who, **body):
    return client.post(f"/api/v1/applications/{application_id}/decision", headers=token[who],
                       json={"outcome": "approved", **body})


def _assert_refused_date(response, field: str, earliest: date, latest: date) -> None:
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM
    assert response.json["field"] == field
    assert earliest.isoformat() in response.json["detail"]
    assert latest.isoformat() in response.json["detail"]


@pytest.mark.parametrize("amount, on", CASES)
def test_api_dates_today_past_and_future_at_every_boundary(client, token, make_application,
                                                           demo_date, amount, on):
    decision_on = date.fromisoformat(on)
    holder = ROUTED[(amount, on)]
    application_id = make_application("awaiting_decision", requested_sek=amount,
                                      on="2010-11-15", kind="implementation")

    demo_date(decision_on - timedelta(days=1))
    for who in DECIDERS:
        refused = _api_decide(client, token, application_id, who, decided_on=on,
                              backdating_reason=REASON)
        _assert_refused_date(refused, "decided_on", decision_on - timedelta(days=31),
                             decision_on - timedelta(days=1))
        assert "efter dagens datum" in refused.json["detail"]

    demo_date(decision_on + timedelta(days=31))
    for who in DECIDERS:
        _assert_refused_date(
            _api_decide(client, token, application_id, who, decided_on=on,
                        backdating_reason=REASON),
            "decided_on", decision_on + timedelta(days=1), decision_on + timedelta(days=31))

    demo_date(decision_on + timedelta(days=1))
    _assert_refused_date(_api_decide(client, token, application_id, holder, decided_on=on),
                         "backdating_reason", decision_on - timedelta(days=29),
                         decision_on + timedelta(days=1))
    assert count(client.application, Decision) == 0

    demo_date(decision_on)
    for who in DECIDERS:
        if who == holder:
            continue
        refused = _api_decide(client, token, application_id, who, decided_on=on)
        assert refused.status_code == 403, (who, refused.json)
        assert DECIDERS[holder] in refused.json["detail"]
    decided = _api_decide(client, token, application_id, holder)
    assert decided.status_code == 201, decided.json
    assert decided.json["decided_on"] == on
    assert decided.json["authority_key"] == DECIDERS[holder]
    assert decided.json["backdating_reason"] == ""


@pytest.mark.parametrize("amount, on", CASES)
def test_api_a_decision_taken_on_paper_is_routed_by_its_own_date(client, token,
                                                                 make_application, demo_date,
                                                                 amount, on):
    """Twenty days later, perhaps under the other regime: the rules of the decision's date."""
    decision_on = date.fromisoformat(on)
    holder = ROUTED[(amount, on)]
    application_id = make_application("awaiting_decision", requested_sek=amount,
                                      on="2010-11-15", kind="implementation")
    demo_date(decision_on + timedelta(days=20))
    for who in DECIDERS:
        if who == holder:
            continue
        refused = _api_decide(client, token, application_id, who, decided_on=on,
                              backdating_reason=REASON)
        assert refused.status_code == 403, (who, refused.json)
    decided = _api_decide(client, token, application_id, holder, decided_on=on,
                          backdating_reason=f"  {REASON} ")
    assert decided.status_code == 201, decided.json
    assert decided.json["decided_on"] == on
    assert decided.json["authority_key"] == DECIDERS[holder]
    assert decided.json["backdating_reason"] == REASON
    assert decided.json["diary_number"].startswith(f"SLK {decision_on.year}/")


def test_the_probe_a_2011_date_on_a_2010_business_date_is_refused(client, token,
                                                                   make_application, demo_date):
    """Issue 11: Eva dated 12 MSEK 2011-02-01 on business date 2010-03-01 and got 201."""
    application_id = make_application("awaiting_decision", requested_sek=12_000_000,
                                      on="2010-02-01", kind="implementation")
    demo_date("2010-03-01")
    future = _api_decide(client, token, application_id, "eva", decided_on="2011-02-01")
    _assert_refused_date(future, "decided_on", date(2010, 2, 1), date(2010, 3, 1))
    assert _api_decide(client, token, application_id, "eva").status_code == 403
    assert _api_decide(client, token, application_id, "eva",
                       decided_on="2010-03-01").status_code == 403
    assert count(client.application, Decision) == 0
    decided = _api_decide(client, token, application_id, "committee")
    assert decided.status_code == 201
    assert decided.json["authority_key"] == "finance_committee"


def test_a_date_before_submission_is_refused_even_inside_the_window(client, token,
                                                                    make_application,
                                                                    demo_date):
    application_id = make_application("awaiting_decision", on="2008-03-01")
    demo_date("2008-03-10")
    refused = _api_decide(client, token, application_id, "anders", decided_on="2008-02-28",
                          backdating_reason=REASON)
    _assert_refused_date(refused, "decided_on", date(2008, 3, 1), date(2008, 3, 10))


def test_the_window_is_the_programmes_setting(app, client, token, make_programme,
                                              make_application, demo_date):
    from app.extensions import db
    from app.programmes.models import Programme

    programme_id = make_programme()
    with app.app_context():
        db.session.get(Programme, programme_id).decision_backdating_days = 0
        db.session.commit()
    application_id = make_application("awaiting_decision", programme_id=programme_id)
    demo_date("2008-04-02")
    refused = _api_decide(client, token, application_id, "anders", decided_on="2008-04-01",
                          backdating_reason=REASON)
    _assert_refused_date(refused, "decided_on", date(2008, 4, 2), date(2008, 4, 2))
    assert _api_decide(client, token, application_id, "anders").status_code == 201


def test_corrections_follow_the_same_dates(client, token, make_application, demo_date):
    application_id = make_application("awaiting_decision", requested_sek=1_000_000)
    demo_date("2008-04-01")
    original = _api_decide(client, token, application_id, "anders").json
    url = f"/api/v1/decisions/{original['id']}/corrections"
    body = {"kind": "supplementary", "amount_sek": 100_000}

    def correct(**extra):
        return client.post(url, headers=token["anders"], json={**body, **extra})

    demo_date("2008-05-01")
    _assert_refused_date(correct(decided_on="2008-05-02", backdating_reason=REASON),
                         "decided_on", date(2008, 4, 1), date(2008, 5, 1))
    _assert_refused_date(correct(decided_on="2008-03-31", backdating_reason=REASON),
                         "decided_on", date(2008, 4, 1), date(2008, 5, 1))
    _assert_refused_date(correct(decided_on="2008-04-15"), "backdating_reason",
                         date(2008, 4, 1), date(2008, 5, 1))
    backdated = correct(decided_on="2008-04-15", backdating_reason=REASON)
    assert backdated.status_code == 201, backdated.json
    assert backdated.json["backdating_reason"] == REASON
    today = correct()
    assert today.status_code == 201 and today.json["decided_on"] == "2008-05-01"
    assert today.json["backdating_reason"] == ""
    # 10 MSEK more makes 11.2 MSEK: the finance committee's under the 2007 rules, not Anders'
    assert correct(amount_sek=10_000_000).status_code == 403


# ---- the page -----------------------------------------------------------------------------

def _page_decide(client, application_id, **fields):
    values = {"outcome": "approved", "decision_text": "Ansökan beviljas.", **fields}
    return post_step(client, application_id, "decide", "decide", **values)


def _decision_id(response) -> int:
    assert response.status_code == 302, html_of(response)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("amount, on", CASES)
def test_page_dates_today_past_and_future_at_every_boundary(app, people, make_application,
                                                            demo_date, amount, on):
    decision_on = date.fromisoformat(on)
    holder = ROUTED[(amount, on)]
    browser = clients_for(app, people)
    application_id = make_application("awaiting_decision", requested_sek=amount,
                                      on="2010-11-15", kind="implementation")

    for business_on, reason in ((decision_on - timedelta(days=1), REASON),
                                (decision_on + timedelta(days=31), REASON),
                                (decision_on + timedelta(days=1), "")):
        demo_date(business_on)
        for who in DECIDERS:
            refused = _page_decide(browser(who), application_id, decided_on=on,
                                   backdating_reason=reason)
            assert refused.status_code in (403, 422), (who, business_on)
            if who == holder and refused.status_code == 422:
                html = html_of(refused)
                field = "backdating_reason" if not reason and business_on > decision_on \
                    else "decided_on"
                assert f'id="decide-{field}-error"' in html, (who, business_on)
                assert business_on.isoformat() in html
    assert count(app, Decision) == 0

    demo_date(decision_on + timedelta(days=20))
    for who in DECIDERS:
        if who != holder:
            assert _page_decide(browser(who), application_id, decided_on=on,
                                backdating_reason=REASON).status_code == 403, who
    decision_id = _decision_id(_page_decide(browser(holder), application_id, decided_on=on,
                                            backdating_reason=REASON))
    stored = load(app, Decision, decision_id)
    assert stored["decided_on"] == decision_on
    assert stored["authority_key"] == DECIDERS[holder]
    assert stored["backdating_reason"] == REASON
    shown = html_of(browser(holder).get(f"/decisions/{decision_id}"))
    assert REASON in shown and 'data-testid="backdating-reason"' in shown


def test_the_page_names_the_allowed_dates_and_decides_today_by_default(app, people,
                                                                      make_application,
                                                                      demo_date):
    browser = clients_for(app, people)
    application_id = make_application("awaiting_decision", on="2008-03-01")
    demo_date("2008-04-20")
    html = html_of(browser("anders").get(f"/applications/{application_id}"))
    assert 'data-testid="decision-window"' in html
    assert "2008-03-21" in html and "2008-04-20" in html
    assert 'value="2008-04-20"' in html
    decision_id = _decision_id(_page_decide(browser("anders"), application_id,
                                            decided_on="2008-04-20"))
    assert load(app, Decision, decision_id)["backdating_reason"] == ""


# ---- the anti-splitting warning before anyone decides ---------------------------------------

def test_the_splitting_warning_is_shown_before_anyone_decides(app, people, client, token,
                                                              api_token, make_programme,
                                                              make_application, demo_date):
    import re

    programme = make_programme()
    feasibility = make_application("awaiting_decision", requested_sek=2_000_000,
                                   programme_id=programme, title="Förstudie",
                                   kind="feasibility")
    demo_date("2008-03-07")
    assert _api_decide(client, token, feasibility, "anders").status_code == 201
    implementation = make_application(
        "awaiting_decision", requested_sek=2_000_000, programme_id=programme,
        kind="implementation", feasibility_id=feasibility, title="Genomförande",
        on="2008-03-01")
    office = api_token(people.jonas)

    routing = client.get(f"/api/v1/applications/{implementation}/routing", headers=office).json
    assert routing["authority"] == "deputy_city_director"
    assert routing["splitting_warning"]["earlier_sek"] == 2_000_000
    assert routing["splitting_warning"]["total_sek"] == 4_000_000
    assert routing["splitting_warning"]["limit_sek"] == 3_000_000
    assert routing["splitting_warning"]["excess_sek"] == 1_000_000
    assert "4 000 000" in routing["splitting_warning"]["message"].replace("\xa0", " ")
    assert (routing["earliest_decision_on"], routing["latest_decision_on"]) == (
        "2008-03-01", "2008-03-07")

    args = {"programme_id": programme, "amount_sek": 2_000_000, "date": "2008-03-07"}
    plain = client.get("/api/v1/delegation/route", query_string=args, headers=office).json
    assert plain["authority"] == "deputy_city_director" and "splitting_warning" not in plain
    warned = client.get("/api/v1/delegation/route", headers=office,
                        query_string={**args, "application_id": implementation}).json
    assert warned["splitting_warning"]["total_sek"] == 4_000_000
    under = client.get("/api/v1/delegation/route", headers=office, query_string={
        **args, "amount_sek": 1_000_000, "application_id": implementation}).json
    assert under["splitting_warning"] is None

    browser = clients_for(app, people)
    for who in ("jonas", "anders"):
        html = html_of(browser(who).get(f"/applications/{implementation}"))
        preview = re.search(r'data-testid="splitting-preview"[^>]*>(.*?)</div>', html, re.S)
        assert preview, who
        assert "4 000 000" in preview.group(1).replace("\xa0", " ").replace("&nbsp;", " ")
    decide_form = html_of(browser("anders").get(f"/applications/{implementation}"))
    assert 'name="decide-splitting_acknowledged"' in decide_form
    assert 'name="decide-splitting_reason"' in decide_form
    assert count(app, Decision) == 1


def test_the_routing_answer_does_not_reveal_an_application_one_cannot_see(
        client, people, api_token, make_programme, make_application, demo_date):
    programme = make_programme()
    draft = make_application("draft", programme_id=programme)
    other_programme = make_programme()
    submitted = make_application("awaiting_decision", programme_id=other_programme)
    demo_date("2008-03-07")
    args = {"programme_id": programme, "amount_sek": 1_000_000, "date": "2008-03-07"}
    for application_id in (draft, submitted, 999_999):
        refused = client.get("/api/v1/delegation/route", headers=api_token(people.jonas),
                             query_string={**args, "application_id": application_id})
        assert refused.status_code == 422, refused.json
        assert refused.mimetype == PROBLEM and refused.json["field"] == "application_id"


def test_the_programme_shows_its_backdating_window(app, people, client, api_token,
                                                   make_programme):
    programme = make_programme()
    answer = client.get(f"/api/v1/programmes/{programme}", headers=api_token(people.jonas))
    assert answer.json["decision_backdating_days"] == 30
    html = html_of(clients_for(app, people)("jonas").get(f"/programmes/{programme}"))
    assert 'data-testid="decision-backdating"' in html and "30" in html


def test_a_supplementary_grant_meets_the_splitting_warning_too(client, token, make_programme,
                                                               make_application, demo_date):
    programme = make_programme()
    feasibility = make_application("awaiting_decision", requested_sek=2_000_000,
                                   programme_id=programme, title="Förstudie",
                                   kind="feasibility")
    implementation = make_application(
        "awaiting_decision", requested_sek=1_000_000, programme_id=programme,
        kind="implementation", feasibility_id=feasibility, title="Genomförande")
    demo_date("2008-03-07")
    assert _api_decide(client, token, feasibility, "anders").status_code == 201
    original = _api_decide(client, token, implementation, "anders")
    assert original.status_code == 201 and not original.json["splitting_acknowledged"]
    url = f"/api/v1/decisions/{original.json['id']}/corrections"
    body = {"kind": "supplementary", "amount_sek": 500_000}

    warned = client.post(url, headers=token["anders"], json=body)
    assert warned.status_code == 409, warned.json
    assert warned.json["field"] == "splitting_acknowledged"
    assert warned.json["splitting_total_sek"] == 3_500_000
    assert client.post(url, headers=token["anders"], json={
        **body, "splitting_acknowledged": True, "splitting_reason": " "}).status_code == 409
    taken = client.post(url, headers=token["anders"], json={
        **body, "splitting_acknowledged": True, "splitting_reason": "Utökad omfattning"})
    assert taken.status_code == 201, taken.json
    assert taken.json["splitting_acknowledged"] is True
    assert taken.json["splitting_reason"] == "Utökad omfattning"
    reduction = client.post(url, headers=token["anders"], json={"kind": "reduction",
                                                                "amount_sek": 100_000})
    assert reduction.status_code == 201 and not reduction.json["splitting_acknowledged"]


def test_the_correction_page_shows_the_splitting_warning_and_asks_for_a_reason(
        app, people, client, token, make_programme, make_application, demo_date):
    from tests.web.test_decision_pages import correct

    programme = make_programme()
    feasibility = make_application("awaiting_decision", requested_sek=2_000_000,
                                   programme_id=programme, title="Förstudie",
                                   kind="feasibility")
    implementation = make_application(
        "awaiting_decision", requested_sek=1_000_000, programme_id=programme,
        kind="implementation", feasibility_id=feasibility, title="Genomförande")
    demo_date("2008-03-07")
    assert _api_decide(client, token, feasibility, "anders").status_code == 201
    original = _api_decide(client, token, implementation, "anders").json["id"]
    anders = clients_for(app, people)("anders")
    warned = correct(anders, original, kind="supplementary", amount_sek="500000",
                     decided_on="2008-03-07", decision_text="Utökning")
    assert warned.status_code == 409
    html = html_of(warned)
    assert 'data-testid="splitting-warning"' in html
    assert 'name="correct-splitting_reason"' in html
    taken = correct(anders, original, kind="supplementary", amount_sek="500000",
                    decided_on="2008-03-07", decision_text="Utökning",
                    splitting_acknowledged="y", splitting_reason="Utökad omfattning")
    stored = load(app, Decision, _decision_id(taken))
    assert stored["splitting_reason"] == "Utökad omfattning"
