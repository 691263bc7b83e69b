"""The calculation engine's problems are worded at the edge, in the reader's language.

The engine gives a code, a field path and values; `app/benefits/engine_labels.py` says them
with Flask-Babel for the pages and the API, and the workbook import in its own Swedish.
"""

import copy

import pytest
from flask_babel import force_locale

from app.benefits import engine_labels
from app.benefits.calculation import EngineCode, EngineProblem, Within
from reports.benefit_workbook import engine_messages
from tests.conftest import csrf_token_from, login
from tests.unit.test_benefit_calculation import worked_example

EVALUATE = "/api/v1/benefit-calculations/evaluate"
PROBLEM = "application/problem+json"
# Values like the engine's for the codes that name any; every other code names none.
SAMPLE_PARAMS = {
    EngineCode.UNKNOWN_FIELD: {"within": Within.BENEFIT_LINE, "kind": "per_case",
                               "allowed": ("amount_sek", "name")},
    EngineCode.NOT_A_NUMBER: {"value": "tolv"},
    EngineCode.BETWEEN: {"minimum": 0.0, "maximum": 1.0, "value": 1.5},
    EngineCode.GREATER_THAN: {"minimum": 0.0, "value": -3.5},
    EngineCode.NOT_NEGATIVE: {"value": -2.5},
    EngineCode.AT_LEAST: {"minimum": 1.0, "value": 0.5},
    EngineCode.AT_MOST: {"maximum": 1.0, "value": 1.5},
    EngineCode.NOT_A_WHOLE_NUMBER: {"value": 2.5},
    EngineCode.WHOLE_NUMBER_RANGE: {"minimum": 1900, "maximum": 2200, "value": 1800},
    EngineCode.TEXT_REQUIRED: {"value": "  "},
    EngineCode.NOT_TRUE_OR_FALSE: {"value": 1},
    EngineCode.NOT_A_LIST: {"value": 50000},
    EngineCode.VALUES_PER_YEAR: {"years": 5, "count": 2},
    EngineCode.KIND_REQUIRED: {"allowed": ("channel_shift", "fixed")},
    EngineCode.UNKNOWN_KIND: {"value": "magic", "allowed": ("channel_shift", "fixed")},
    EngineCode.REQUIRED_FOR_KIND: {"kind": "fixed"},
    EngineCode.RECIPIENT_REQUIRED: {"allowed": ("organisation", "citizens")},
    EngineCode.UNKNOWN_RECIPIENT: {"value": "state", "allowed": ("organisation", "citizens")},
    EngineCode.CHANNEL_MIX_SHAPE: {"allowed": ("phone", "email")},
    EngineCode.UNKNOWN_CHANNEL: {"allowed": ("phone", "email")},
    EngineCode.SHARES_SUM: {"total": 0.53333},
    EngineCode.UNKNOWN_COST_KIND: {"value": "other", "allowed": ("investment", "running")},
}


def _sample(code: EngineCode) -> EngineProblem:
    return EngineProblem("benefits[0].amount_sek", code, SAMPLE_PARAMS.get(code, {}))


def test_every_code_has_words_at_every_edge():
    assert set(engine_labels.MESSAGES) == set(EngineCode)
    assert set(engine_messages._WORDS) == set(EngineCode)


@pytest.mark.parametrize("code", list(EngineCode))
def test_every_code_is_said_in_swedish_and_english(app, code):
    """A code whose Swedish equals its English msgid has no Swedish translation."""
    with app.test_request_context():
        with force_locale("en"):
            english_words = str(engine_labels.MESSAGES[code])
            english = engine_labels.problem_message(_sample(code))
        with force_locale("sv"):
            swedish_words = str(engine_labels.MESSAGES[code])
            swedish = engine_labels.problem_message(_sample(code))
    assert swedish_words != english_words
    for message in (english, swedish):
        assert message.endswith(".") and "%(" not in message
    assert swedish != english


@pytest.mark.parametrize(("problem", "english", "swedish"), [
    (EngineProblem("benefits[0].channel_mix", EngineCode.SHARES_SUM, {"total": 0.5}),
     "The shares must add up to 1 (now 0.5).", "Andelarna ska summera till 1 (nu 0,5)."),
    (EngineProblem("benefits[0].channel_mix.fax", EngineCode.UNKNOWN_CHANNEL,
                   {"allowed": ("phone", "email", "letter", "visit")}),
     "This is not a channel of today's mix; use “phone” (phone), “e-mail” (email), "
     "“letter” (letter), “visit” (visit).",
     "Det här är ingen kanal i dagens fördelning; använd ”telefon” (phone), ”e-post” (email), "
     "”brev” (letter), ”besök” (visit)."),
    (EngineProblem("benefits[0].volume_per_year", EngineCode.VALUES_PER_YEAR,
                   {"years": 3, "count": 2}),
     "Give exactly 3 values, one per year (now 2).", "Ange exakt 3 värden, ett per år (nu 2)."),
    (EngineProblem("benefits[0].amount_sek", EngineCode.NOT_A_NUMBER, {"value": "tolv"}),
     "Write a number, for example 12 (now \"tolv\").",
     "Skriv ett tal, till exempel 12 (nu \"tolv\")."),
    (EngineProblem("discount_rate", EngineCode.BETWEEN,
                   {"minimum": 0.0, "maximum": 1.0, "value": 1.5}),
     "Write a number from 0 to 1 (now 1.5).", "Skriv ett tal från 0 till 1 (nu 1,5)."),
    (EngineProblem("benefits[0].cash_releasing", EngineCode.CITIZEN_TIME_CASH),
     "Leave this out: time saved by citizens or businesses never releases cash.",
     "Lämna bort detta: tid som medborgare eller företag sparar påverkar aldrig budgeten."),
    (EngineProblem("start_year", EngineCode.WHOLE_NUMBER_RANGE,
                   {"minimum": 1900, "maximum": 2200, "value": 12500.5}),
     "Write a whole number from 1900 to 2200 (now 12,500.5).",
     "Skriv ett heltal från 1900 till 2200 (nu 12\u00a0500,5)."),
    (EngineProblem("discount_rate", EngineCode.BETWEEN,
                   {"minimum": 0.0, "maximum": 1.0, "value": 1e22}),
     "Write a number from 0 to 1 (now 1E22).", "Skriv ett tal från 0 till 1 (nu 1×10^22)."),
])
def test_messages_say_what_to_do_with_numbers_the_readers_way(app, problem, english, swedish):
    with app.test_request_context():
        with force_locale("en"):
            assert engine_labels.problem_message(problem) == english
        with force_locale("sv"):
            assert engine_labels.problem_message(problem) == swedish


@pytest.mark.parametrize(("path", "english", "swedish"), [
    ("discount_rate", "Discount rate (% per year, real)", "Kalkylränta (% per år, real)"),
    ("adoption.ramp_years", "Years to reach the target (ramp, years)",
     "År till målet (upptrappning, år)"),
    ("benefits[0].channel_mix.phone", "Benefit line 1 (Färre samtal), Phone (%)",
     "Nyttorad 1 (Färre samtal), Telefon (%)"),
    ("costs[1].by_year_sek[2]", "Cost line 2 (Drift), Cost per year (kr), 2012",
     "Kostnadsrad 2 (Drift), Kostnad per år (kr), 2012"),
    ("benefits[3].volume_per_yr", "Benefit line 4, volume_per_yr", "Nyttorad 4, volume_per_yr"),
    ("discount", "discount", "discount"),
])
def test_fields_are_named_as_the_calculation_forms_label_them(app, path, english, swedish):
    with app.test_request_context():
        with force_locale("en"):
            assert engine_labels.field_name(path, worked_example()) == english
        with force_locale("sv"):
            assert engine_labels.field_name(path, worked_example()) == swedish


def _broken() -> dict:
    payload = copy.deepcopy(worked_example())
    payload["discount_rate"] = 1.5
    payload["benefits"][0]["channel_mix"] = {"phone": 0.5}
    return payload


def test_the_api_says_a_bad_calculation_in_swedish_by_default(client, api_token, people):
    response = client.post(EVALUATE, json=_broken(), headers=api_token(people.karin))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    body = response.json
    assert body["field"] == "discount_rate"
    assert body["errors"] == [
        {"field": "discount_rate", "code": "between",
         "message": "Skriv ett tal från 0 till 1 (nu 1,5)."},
        {"field": "benefits[0].channel_mix", "code": "shares_sum",
         "message": "Andelarna ska summera till 1 (nu 0,5)."},
    ]
    assert body["detail"] == (
        "Nyttokalkylen är inte giltig: Kalkylränta (% per år, real): Skriv ett tal från 0 till 1 "
        "(nu 1,5). Nyttorad 1 (Färre samtal), Kanalfördelning i dag (procent av ärendena, "
        "summerar till 100): Andelarna ska summera till 1 (nu 0,5).")


@pytest.mark.parametrize(("lang", "message"), [
    ("sv", "Skriv ett tal från 0 till 1 (nu 1,5)."),
    ("en", "Write a number from 0 to 1 (now 1.5)."),
])
def test_the_calculation_page_says_it_in_the_readers_language(app, client, people, lang,
                                                                message):
    from app.accounts.models import User
    from app.extensions import db

    with app.app_context():
        email = db.session.get(User, people.karin).email
    login(client, email)
    page = client.get("/benefits/").get_data(as_text=True)
    client.post("/language", data={"lang": lang, "csrf_token": csrf_token_from(page)})
    token = csrf_token_from(client.get("/benefits/").get_data(as_text=True))
    response = client.post("/benefits/evaluate", json=_broken(), headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert {"field": "discount_rate", "code": "between", "message": message} in (
        response.json["errors"])
