"""Delegation regimes through the API and the pages: routing follows a regime change at once."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from app.programmes.models import DelegationRegime, DelegationRule
from tests.conftest import count_rows, csrf_token_from

TODAY = date(2011, 6, 1)
CHIEF_OF_STAFF = {
    "valid_from": "2011-09-01",
    "reason": "KS 2011-08-24: the chief of staff decides projects up to 5 MSEK.",
    "rules": [
        {"authority_key": "chief_of_staff", "authority_name": "Stabschef",
         "limit_sek": 5_000_000, "source": "KS 2011-08-24"},
        {"authority_key": "city_director", "authority_name": "Stadsdirektör",
         "limit_sek": 15_000_000, "source": "KS 2011-08-24"},
        {"authority_key": "finance_committee", "authority_name": "Ekonomiutskottet",
         "limit_sek": None, "source": "KS 2010-12-15"},
    ],
}


@pytest.fixture
def world(app, make_programme, make_user, api_token, demo_date):
    demo_date(TODAY)
    admin = make_user(["administrator"])
    office = make_user(["programme_office"])
    return {"programme": make_programme(), "admin": admin, "office": office,
            "admin_api": api_token(admin), "office_api": api_token(office)}


def _regimes_url(world, suffix=""):
    return f"/api/v1/programmes/{world['programme']}/delegation-regimes{suffix}"


def _route(client, world, amount_sek, on):
    response = client.get("/api/v1/delegation/route", headers=world["office_api"], query_string={
        "programme_id": world["programme"], "amount_sek": amount_sek, "date": on})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["authority"]


def test_routing_changes_on_the_day_a_regime_added_through_the_api_starts(client, world):
    before = (_route(client, world, 4_000_000, "2011-08-31"),
              _route(client, world, 4_000_000, "2011-09-01"))

    response = client.post(_regimes_url(world), json=CHIEF_OF_STAFF, headers=world["admin_api"])

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["valid_from"], body["valid_to"], body["state"], body["in_force"]) == (
        "2011-09-01", None, "future", False)
    assert [r["authority_key"] for r in body["rules"]] == [
        "chief_of_staff", "city_director", "finance_committee"]
    assert before == ("city_director", "city_director")
    assert _route(client, world, 4_000_000, "2011-08-31") == "city_director"
    assert _route(client, world, 4_000_000, "2011-09-01") == "chief_of_staff"
    assert _route(client, world, 5_000_001, "2011-09-01") == "city_director"
    assert _route(client, world, 15_000_001, "2011-09-01") == "finance_committee"
    listed = client.get(_regimes_url(world), headers=world["admin_api"]).get_json()
    assert [(r["valid_from"], r["valid_to"], r["state"]) for r in listed] == [
        ("2007-10-01", "2010-12-31", "past"), ("2011-01-01", "2011-08-31", "in_force"),
        ("2011-09-01", None, "future")]


@pytest.mark.parametrize(("change", "named"), [
    ({"rules": [{"authority_key": "a", "authority_name": "A", "limit_sek": 9, "source": "x"},
                {"authority_key": "b", "authority_name": "B", "limit_sek": 8, "source": "x"}]},
     "limits_not_rising"),
    ({"rules": [{"authority_key": "a", "authority_name": "A", "limit_sek": None, "source": "x"},
                {"authority_key": "b", "authority_name": "B", "limit_sek": None, "source": "x"}]},
     "unlimited_twice"),
    ({"valid_from": "2011-05-31"}, "before_business_date"),
    ({"valid_from": "2011-01-01"}, "inside_regime_in_force"),
    ({"reason": " "}, "reason_missing"),
    ({"rules": [{"authority_key": "Chief Of Staff", "authority_name": "S", "limit_sek": 1,
                 "source": "x"}]}, "key_not_slug"),
])
def test_a_bad_regime_is_a_422_naming_the_problem_and_nothing_is_saved(client, world, change,
                                                                      named):
    with client.application.app_context():
        before = count_rows(DelegationRule)

    response = client.post(_regimes_url(world), json={**CHIEF_OF_STAFF, **change},
                           headers={**world["admin_api"], "Accept-Language": "en"})

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert named in [error.get("code") for error in response.get_json()["errors"]]
    with client.application.app_context():
        assert count_rows(DelegationRule) == before


def test_the_body_is_exactly_the_documented_one(client, world):
    response = client.post(_regimes_url(world), json={**CHIEF_OF_STAFF, "extra": 1},
                           headers=world["admin_api"])

    assert response.status_code == 422
    assert "extra" in response.get_data(as_text=True)


def test_a_limit_error_is_worded_in_swedish_by_default(client, world):
    response = client.post(_regimes_url(world), json={**CHIEF_OF_STAFF, "rules": [
        {"authority_key": "a", "authority_name": "A", "limit_sek": None, "source": "x"},
        {"authority_key": "b", "authority_name": "B", "limit_sek": 5, "source": "x"}]},
        headers=world["admin_api"])

    assert response.status_code == 422
    assert "ska stå sist" in response.get_json()["detail"]


@pytest.mark.parametrize(("method", "suffix"), [
    ("GET", ""), ("POST", ""), ("PATCH", "/1"), ("DELETE", "/1")])
def test_only_an_administrator_reads_or_changes_regimes(client, world, method, suffix):
    kwargs = {"json": CHIEF_OF_STAFF} if method in ("POST", "PATCH") else {}

    office = client.open(_regimes_url(world, suffix), method=method, headers=world["office_api"],
                         **kwargs)
    nobody = client.open(_regimes_url(world, suffix), method=method, **kwargs)

    assert office.status_code == 403 and office.mimetype == "application/problem+json"
    assert nobody.status_code == 401


def test_an_unknown_programme_or_regime_is_404(client, world):
    assert client.get("/api/v1/programmes/99999/delegation-regimes",
                      headers=world["admin_api"]).status_code == 404
    assert client.post("/api/v1/programmes/99999/delegation-regimes", json=CHIEF_OF_STAFF,
                       headers=world["admin_api"]).status_code == 404
    assert client.delete(_regimes_url(world, "/99999"),
                         headers=world["admin_api"]).status_code == 404


def _regime_id(app, programme_id, valid_from):
    with app.app_context():
        return db.session.scalar(sa.select(DelegationRegime.id).where(
            DelegationRegime.programme_id == programme_id,
            DelegationRegime.valid_from == valid_from))


@pytest.mark.parametrize("start", [date(2007, 10, 1), date(2011, 1, 1)])
def test_a_regime_in_force_or_past_cannot_be_patched_or_deleted(app, client, world, start):
    regime_id = _regime_id(app, world["programme"], start)

    patched = client.patch(_regimes_url(world, f"/{regime_id}"), headers=world["admin_api"],
                           json={"rules": [{"authority_key": "city_director",
                                            "authority_name": "Stadsdirektör",
                                            "limit_sek": 99_000_000, "source": "forged"}]})
    deleted = client.delete(_regimes_url(world, f"/{regime_id}"), headers=world["admin_api"])

    assert patched.status_code == deleted.status_code == 409
    assert patched.mimetype == "application/problem+json"
    assert "in_force_immutable" in [e["code"] for e in patched.get_json()["errors"]]
    with app.app_context():
        limits = db.session.scalars(sa.select(DelegationRule.limit_sek).where(
            DelegationRule.regime_id == regime_id)).all()
    assert 99_000_000 not in limits and len(limits) >= 2


def test_a_future_regime_is_patched_and_deleted(app, client, world):
    created = client.post(_regimes_url(world), json=CHIEF_OF_STAFF,
                          headers=world["admin_api"]).get_json()

    patched = client.patch(_regimes_url(world, f"/{created['id']}"), headers=world["admin_api"],
                           json={"valid_from": "2011-10-01"})

    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["valid_from"] == "2011-10-01"
    assert _route(client, world, 4_000_000, "2011-09-15") == "city_director"
    assert _route(client, world, 4_000_000, "2011-10-01") == "chief_of_staff"
    deleted = client.delete(_regimes_url(world, f"/{created['id']}"), headers=world["admin_api"])
    assert deleted.status_code == 204
    assert _route(client, world, 4_000_000, "2011-10-01") == "city_director"


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert set(paths["/api/v1/programmes/{programme_id}/delegation-regimes"]) >= {"get", "post"}
    assert set(paths["/api/v1/programmes/{programme_id}/delegation-regimes/{regime_id}"]) >= {
        "patch", "delete"}


# ---- pages ---------------------------------------------------------------------------------

def _page(world):
    return f"/programmes/{world['programme']}/delegation"


def _form_data(html, **values):
    data = {"csrf_token": csrf_token_from(html), "valid_from": "2011-09-01",
            "reason": "KS 2011-08-24 ger stabschefen delegation.", "source": "KS 2011-08-24"}
    rows = [("chief_of_staff", "Stabschef", "5 000 000"), ("city_director", "Stadsdirektör",
                                                          "15 000 000"),
            ("finance_committee", "Ekonomiutskottet", "")]
    for number, (key, name, limit) in enumerate(rows, start=1):
        data.update({f"rule_{number}_authority_key": key, f"rule_{number}_authority_name": name,
                     f"rule_{number}_limit_sek": limit})
    data.update(values)
    return data


def test_an_administrator_adds_a_regime_on_the_page_and_sees_the_timeline(
        app, client, world, login_as):
    login_as(world["admin"])
    detail = client.get(f"/programmes/{world['programme']}").get_data(as_text=True)
    assert 'data-testid="delegation-regimes-link"' in detail
    page = client.get(_page(world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Gäller" in html and "Ersatt" in html and 'data-testid="regime-timeline"' in html

    response = client.post(_page(world), data=_form_data(html))

    assert response.status_code == 302
    html = client.get(_page(world)).get_data(as_text=True)
    assert "Kommande" in html and "chief_of_staff" in html
    assert _route(client, world, 4_000_000, "2011-09-01") == "chief_of_staff"


def test_a_bad_regime_on_the_page_names_the_problem(app, client, world, login_as):
    login_as(world["admin"])
    html = client.get(_page(world)).get_data(as_text=True)
    with app.app_context():
        before = count_rows(DelegationRegime)

    response = client.post(_page(world), data=_form_data(
        html, rule_2_limit_sek="1 000 000", reason=""))

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "error-summary" in text
    assert "Rad 2: beloppsgränsen 1" in text and "Ange motiveringen" in text
    with app.app_context():
        assert count_rows(DelegationRegime) == before


def test_only_future_regimes_offer_edit_and_delete_on_the_page(app, client, world, login_as):
    login_as(world["admin"])
    html = client.get(_page(world)).get_data(as_text=True)
    client.post(_page(world), data=_form_data(html))
    in_force = _regime_id(app, world["programme"], date(2011, 1, 1))
    future = _regime_id(app, world["programme"], date(2011, 9, 1))
    html = client.get(_page(world)).get_data(as_text=True)

    assert f"/delegation/{future}/edit" in html and f"/delegation/{in_force}/edit" not in html
    token = csrf_token_from(html)
    refused = client.post(f"{_page(world)}/{in_force}/delete", data={"csrf_token": token})
    assert refused.status_code == 302
    assert _regime_id(app, world["programme"], date(2011, 1, 1)) == in_force
    edit = client.get(f"{_page(world)}/{future}/edit")
    assert edit.status_code == 200
    saved = client.post(f"{_page(world)}/{future}/edit", data=_form_data(
        edit.get_data(as_text=True), valid_from="2011-10-01"))
    assert saved.status_code == 302
    assert _regime_id(app, world["programme"], date(2011, 10, 1)) == future
    deleted = client.post(f"{_page(world)}/{future}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert _regime_id(app, world["programme"], date(2011, 10, 1)) is None


@pytest.mark.parametrize("roles", [["programme_office"], ["decision_maker:city_director"],
                                   ["auditor"]])
def test_the_delegation_pages_are_for_administrators_only(client, world, make_user, login_as,
                                                          roles):
    login_as(make_user(roles))

    assert client.get(_page(world)).status_code == 403
    assert 'data-testid="delegation-regimes-link"' not in client.get(
        f"/programmes/{world['programme']}").get_data(as_text=True)


def test_a_new_authority_can_be_granted_in_the_user_admin_page(app, client, world, login_as):
    client.post(_regimes_url(world), json=CHIEF_OF_STAFF, headers=world["admin_api"])
    login_as(world["admin"])
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="chief_of_staff"' in form

    response = client.post("/admin/users/new", data={
        "csrf_token": csrf_token_from(form), "name": "Stina", "email": "stina@test.example",
        "organisation_id": "0", "roles": ["decision_maker"], "authority_key": "chief_of_staff",
        "password": "a-long-password", "is_active": "y"})

    assert response.status_code == 302
    with app.app_context():
        stina = db.session.scalar(sa.select(User).where(User.email == "stina@test.example"))
        assert stina.authority_keys == {"chief_of_staff"}
