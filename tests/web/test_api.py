"""The /api/v1 skeleton: bearer tokens, problem+json, pagination, OpenAPI."""

import json

import pytest

from app.core.enums import LedgerEntryKind

PROBLEM = "application/problem+json"


@pytest.fixture
def headers(make_user, make_organisation, api_token):
    organisation = make_organisation("Trafikkontoret")
    user = make_user(["applicant"], organisation_id=organisation, email="karin@test.example",
                     name="Karin")
    return api_token(user)


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-token", "Basic abc",
                                           "bearer np_wrong"])
def test_missing_or_invalid_token_is_401_problem_json(client, authorization):
    extra = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v1/me", headers=extra)
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == 401 and body["title"] and "Authorization: Bearer" in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert body["detail"].startswith(("Ingen API-nyckel skickades.",
                                      "API-nyckeln är inte giltig.")), body["detail"]


def test_session_cookie_is_not_accepted_on_the_api(client, make_user, login_as):
    login_as(make_user(["administrator"]))
    assert client.get("/api/v1/me").status_code == 401


def test_me_returns_the_tokens_user(client, headers):
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    body = response.json
    assert body["email"] == "karin@test.example"
    assert body["organisation"]["name"] == "Trafikkontoret"
    assert body["roles"] == ["applicant"] and body["authority_keys"] == []


def test_organisations_are_paginated(client, headers, make_organisation):
    for i in range(5):
        make_organisation(f"Stadsdel {i}")
    response = client.get("/api/v1/organisations?page=2&page_size=2", headers=headers)
    assert response.status_code == 200
    assert len(response.json) == 2
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 6 and pagination["page"] == 2


def test_bad_pagination_is_422_naming_the_field(client, headers):
    response = client.get("/api/v1/organisations?page_size=0", headers=headers)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert "page_size" in response.json["detail"]
    assert response.json["errors"][0]["field"] == "page_size"


def test_programme_envelope_is_computed_from_the_ledger(app, client, headers, make_programme):
    from datetime import date

    from app.extensions import db
    from app.programmes.models import EnvelopeEntry

    programme = make_programme(reserved_sek=650_000_000)
    with app.app_context():
        db.session.add_all([
            EnvelopeEntry(programme_id=programme, kind=LedgerEntryKind.COMMITMENT,
                          amount_sek=397_900_000, booked_on=date(2010, 2, 1), description="c"),
            EnvelopeEntry(programme_id=programme, kind=LedgerEntryKind.SPENDING,
                          amount_sek=1_000_000, booked_on=date(2010, 2, 1), description="s"),
        ])
        db.session.commit()
    detail = client.get(f"/api/v1/programmes/{programme}", headers=headers)
    assert detail.status_code == 200
    assert detail.json["envelope"] == {"reserved_sek": 650_000_000, "committed_sek": 397_900_000,
                                       "spent_sek": 1_000_000, "remaining_sek": 252_100_000}
    assert [r["authority_key"] for r in detail.json["delegation_rules"]].count("city_director") == 2
    listing = client.get("/api/v1/programmes", headers=headers)
    assert listing.json[0]["envelope"]["remaining_sek"] == 252_100_000


def test_unknown_programme_is_404_problem_json(client, headers):
    response = client.get("/api/v1/programmes/999999", headers=headers)
    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert "999999" in response.json["detail"]


def test_openapi_document_describes_the_endpoints_and_bearer_auth(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/me", "/api/v1/organisations", "/api/v1/programmes",
            "/api/v1/programmes/{programme_id}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    envelope = spec["components"]["schemas"]["Envelope"]["properties"]
    assert set(envelope) == {"reserved_sek", "committed_sek", "spent_sek", "remaining_sek"}
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert "401" in me["responses"]
