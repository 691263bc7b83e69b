"""Dashboard pages: who sees which, filters kept in the URL, and downloads of the charts' data."""

from io import BytesIO

import openpyxl
import pytest

from app.extensions import db
from app.programmes.models import Programme
from app.programmes.services import envelope_position
from tests.integration.dashboard_portfolio import GRANT_SEK, build_portfolio

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRAMME_CHARTS = ("envelope", "pipeline", "areas", "status", "adherence", "benefits",
                    "budget_cuts", "portfolio")


@pytest.fixture
def portfolio(app, make_programme, demo_date):
    demo_date("2011-01-15")
    programme_id = make_programme()
    with app.app_context():
        built = build_portfolio(programme_id, 12, "W")
        db.session.commit()
    return built


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == XLSX
    return openpyxl.load_workbook(BytesIO(response.data))


def test_programme_dashboard_shows_every_chart_with_table_and_download(
        client, login_as, people, portfolio):
    login_as(people.jonas)
    response = client.get(f"/dashboards/programme?programme_id={portfolio.programme_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in PROGRAMME_CHARTS:
        assert f'data-chart="{name}"' in html
        assert f'data-testid="table-{name}"' in html
        assert (f"/dashboards/programme/chart/{name}.xlsx?programme_id="
                f"{portfolio.programme_id}") in html
    assert 'type="application/json"' in html
    assert "<script>" not in html


@pytest.mark.parametrize("person", ["jonas", "committee", "auditor", "per"])
def test_programme_roles_see_the_programme_dashboard(client, login_as, people, portfolio, person):
    login_as(getattr(people, person))
    assert client.get("/dashboards/programme").status_code == 200


def test_an_administration_gets_its_own_dashboard_not_the_programmes(
        client, login_as, people, portfolio):
    login_as(people.karin)
    assert client.get("/dashboards/programme").status_code == 403
    response = client.get("/dashboards/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dashboards/organisation/{people.traffic}")
    assert client.get(f"/dashboards/organisation/{people.traffic}").status_code == 200
    assert client.get(f"/dashboards/organisation/{people.other}").status_code == 403
    assert client.get("/dashboards/organisation/999999").status_code == 404
    assert client.get(
        f"/dashboards/organisation/{people.other}/chart/benefits.xlsx").status_code == 403


def test_programme_roles_see_any_organisations_dashboard(client, login_as, people, portfolio):
    login_as(people.jonas)
    organisation_id = portfolio.organisation_ids[0]
    response = client.get(f"/dashboards/organisation/{organisation_id}"
                          f"?programme_id={portfolio.programme_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "W projekt 0000" in html and "W projekt 0001" not in html
    assert 'data-testid="reports-due"' in html


def test_filters_stay_in_the_url_and_narrow_the_figures(client, login_as, people, portfolio):
    login_as(people.jonas)
    organisation_id = portfolio.organisation_ids[1]
    query = (f"programme_id={portfolio.programme_id}&organisation_id={organisation_id}"
             "&status=active&year=2010")
    html = client.get(f"/dashboards/programme?{query}").get_data(as_text=True)
    assert f'<option value="{organisation_id}" selected>' in html
    assert '<option value="active" selected>' in html
    assert 'value="2010"' in html
    download = f"/dashboards/programme/chart/portfolio.xlsx?{query}".replace("&", "&amp;")
    assert download in html
    sheet = _workbook(client.get(f"/dashboards/programme/chart/portfolio.xlsx?{query}")).active
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["W projekt 0001", "W projekt 0004", "W projekt 0007", "W projekt 0010"]


@pytest.mark.parametrize("query", ["status=sleeping", "year=twenty", "area=-1", "year=\u00b2",
                                   "year=1800", "organisation_id=" + "9" * 5000])
def test_malformed_filters_are_refused(client, login_as, people, portfolio, query):
    login_as(people.jonas)
    assert client.get(f"/dashboards/programme?{query}").status_code == 422


def test_a_refused_filter_is_named_as_on_the_form(client, login_as, people, portfolio):
    login_as(people.jonas)
    response = client.get("/dashboards/programme?year=abc")
    assert response.status_code == 422
    assert "År måste vara ett heltal från 1900 till 2200" in response.get_data(as_text=True)


def test_an_unknown_organisation_in_the_filter_is_not_found(client, login_as, people,
                                                             portfolio):
    login_as(people.jonas)
    response = client.get("/dashboards/programme?organisation_id=999999")
    assert response.status_code == 404
    assert "Det finns ingen sådan organisation" in response.get_data(as_text=True)


def test_envelope_download_has_the_ledgers_numbers_as_typed_cells(
        app, client, login_as, people, portfolio):
    login_as(people.jonas)
    response = client.get(
        f"/dashboards/programme/chart/envelope.xlsx?programme_id={portfolio.programme_id}")
    sheet = _workbook(response).active
    values = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    with app.app_context():
        from datetime import date

        envelope = envelope_position(db.session.get(Programme, portfolio.programme_id),
                                     date(2011, 1, 15))
    assert values == [envelope.reserved_sek, envelope.committed_sek, envelope.spent_sek,
                      envelope.committed_sek - envelope.spent_sek, envelope.remaining_sek]
    assert all(isinstance(value, int) for value in values)
    assert sheet.cell(row=2, column=2).number_format == '#,##0 "kr"'
    assert "attachment" in response.headers["Content-Disposition"]


def test_adherence_download_has_dates_and_shares(client, login_as, people, portfolio):
    login_as(people.jonas)
    sheet = _workbook(client.get(
        f"/dashboards/programme/chart/adherence.xlsx?programme_id={portfolio.programme_id}"
    )).active
    last = list(sheet.iter_rows(min_row=2, values_only=True))[-1]
    assert last[0].date().isoformat() == "2011-01-15"
    assert last[1] == 12
    assert sheet.cell(row=sheet.max_row, column=3).number_format == "0.0%"


def test_unknown_chart_is_not_found(client, login_as, people, portfolio):
    login_as(people.jonas)
    assert client.get("/dashboards/programme/chart/nothing.xlsx").status_code == 404


def test_project_dashboard_follows_the_project_page(client, login_as, people, portfolio, app):
    project_id = portfolio.project_ids[0]
    login_as(people.jonas)
    html = client.get(f"/dashboards/project/{project_id}").get_data(as_text=True)
    for name in ("burn_up", "timeline", "benefits"):
        assert f'data-chart="{name}"' in html
    sheet = _workbook(client.get(f"/dashboards/project/{project_id}/chart/burn_up.xlsx")).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[2] for row in rows] == [200_000, 400_000]
    assert {row[5] for row in rows} == {GRANT_SEK}
    detail = client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert f"/dashboards/project/{project_id}" in detail


def test_project_dashboard_is_hidden_from_other_organisations(client, login_as, people,
                                                               portfolio):
    login_as(people.karin)
    assert client.get(f"/dashboards/project/{portfolio.project_ids[0]}").status_code == 404
    assert client.get(
        f"/dashboards/project/{portfolio.project_ids[0]}/chart/burn_up.xlsx").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboards/programme")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_api_gives_each_charts_table_with_the_pages_filters(client, api_token, people, portfolio):
    headers = api_token(people.jonas)
    organisation_id = portfolio.organisation_ids[1]
    response = client.get(f"/api/v1/dashboards/programme?programme_id={portfolio.programme_id}"
                          f"&organisation_id={organisation_id}&status=active", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    charts = {chart["name"]: chart for chart in body["charts"]}
    assert list(charts) == list(PROGRAMME_CHARTS)
    assert body["as_of"] == "2011-01-15"
    portfolio_rows = charts["portfolio"]["rows"]
    assert [row[0] for row in portfolio_rows] == ["W projekt 0001", "W projekt 0004",
                                                  "W projekt 0007", "W projekt 0010"]
    assert [c["kind"] for c in charts["envelope"]["columns"]] == ["text", "sek"]
    adherence_last = charts["adherence"]["rows"][-1]
    assert adherence_last[0] == "2011-01-15"
    assert isinstance(adherence_last[2], str)


def test_api_refuses_administrations_and_bad_filters(client, api_token, people, portfolio):
    response = client.get("/api/v1/dashboards/programme", headers=api_token(people.karin))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    bad = client.get("/api/v1/dashboards/programme?status=sleeping",
                     headers=api_token(people.jonas))
    assert bad.status_code == 422
    unknown = client.get("/api/v1/dashboards/programme?organisation_id=999999",
                         headers=api_token(people.jonas))
    assert unknown.status_code == 404
    assert unknown.mimetype == "application/problem+json"


def test_api_dashboard_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/dashboards/programme"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "programme_id", "area", "organisation_id", "status", "year"}
    assert "ProgrammeDashboard" in spec["components"]["schemas"]


def test_tertial_partial_draws_the_snapshots_charts_with_tables(app):
    from flask import render_template_string

    from tests.unit.test_dashboard_figures import SNAPSHOT

    snapshot = {**SNAPSHOT, "period_ends_on": "2010-04-30", "as_of": "2010-04-30"}
    with app.test_request_context():
        html = render_template_string('{% include "dashboards/_tertial_charts.html" %}',
                                      snapshot=snapshot, report=None)
    for name in ("envelope", "by_area", "status", "adherence"):
        assert f'id="tertial-{name}-figure"' in html
        assert f'data-testid="table-{name}"' in html
    assert "350\u00a0000\u00a0000\u00a0kr" in html
    assert f'/assets/{app.extensions["asset_manifest"]["vendor/plotly.min.js"]}' in html
