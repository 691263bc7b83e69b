"""The benefit pages through the test client: the calculation editor and its live evaluation,
the Excel round-trip, the register with its filters, and a benefit's realisation form.

Pages are Swedish by default; the tests match on data (amounts in Swedish format, field
names, data-testid markers), not on translated text.
"""

import copy
import re
from io import BytesIO

import pytest
import sqlalchemy as sa

from app.benefits.models import Benefit, CalculationVersion, RealisationEntry
from app.benefits.views import FROZEN_MESSAGE
from app.extensions import db
from tests.conftest import csrf_token_from, login
from tests.web.test_benefits_api import FULL_EXAMPLE, WORKED_EXAMPLE, _decide_with_calculation

NBSP = "\u00a0"
NPV_WORKED = f"629{NBSP}819{NBSP}kr"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def browser(app, db_session, people):
    """One logged-in client per person, each from its own address (the login limit is per IP)."""
    from app.accounts.models import User

    clients = {}

    def get(name: str):
        if name not in clients:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"127.0.1.{len(clients) + 10}"
            with app.app_context():
                email = db.session.get(User, getattr(people, name)).email
            assert login(client, email).status_code == 302
            clients[name] = client
        return clients[name]

    return get


def html_of(response) -> str:
    return response.get_data(as_text=True)


def calc_url(application_id: int, rest: str = "") -> str:
    return f"/benefits/applications/{application_id}/calculation{rest}"


def post_form(client, url: str, page_url: str, data: dict, **kwargs):
    """Post a form with the CSRF token taken from the page that shows it."""
    token = csrf_token_from(html_of(client.get(page_url)))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def versions(app, application_id: int) -> list[CalculationVersion]:
    from app.applications.models import Application
    from app.benefits import services

    with app.app_context():
        calc = services.calculation_of(db.session.get(Application, application_id))
        return [] if calc is None else list(calc.versions)


def saved_payload(app, application_id: int) -> dict | None:
    from app.applications.models import Application
    from app.benefits import services

    with app.app_context():
        version = services.latest_version(db.session.get(Application, application_id))
        return None if version is None else services.payload_of(version)


def save_calculation(app, people, application_id: int, payload: dict) -> None:
    from app.accounts.models import User
    from app.applications.models import Application
    from app.benefits import services

    with app.app_context():
        services.save_working_calculation(db.session.get(Application, application_id), payload,
                                          db.session.get(User, people.karin))
        db.session.commit()


SETTINGS = {"start_year_field": "2010", "years_field": "5", "discount_rate": "3,5",
            "adoption_target": "60", "adoption_ramp_years": "3",
            "adoption_go_live_year": "2011", "sensitivity_benefits": "-20",
            "sensitivity_costs": "20"}
CHANNEL_SHIFT = {"kind": "channel_shift", "name": "Färre samtal", "recipient": "organisation",
                 "volume_every_year": "10 000", "mix_phone": "50", "mix_letter": "30",
                 "mix_visit": "20"}


def _costs(years: list[str]) -> dict:
    return {f"by_year_sek-{index}": value for index, value in enumerate(years)}


def enter_worked_example(client, application_id: int) -> None:
    page = calc_url(application_id)
    response = post_form(client, calc_url(application_id, "/settings"), page, SETTINGS)
    assert response.status_code == 302, html_of(response)[:3000]
    for name, kind, amounts in (
            ("Utveckling", "investment", ["1 200 000", "0", "0", "0", "0"]),
            ("Drift", "running", ["", "150 000", "150000", "150 000", "150 000"])):
        new_cost = calc_url(application_id, "/costs/new")
        response = post_form(client, new_cost, new_cost,
                             {"name": name, "kind": kind, **_costs(amounts)})
        assert response.status_code == 302, html_of(response)[:3000]
    new_line = calc_url(application_id, "/benefits/new?kind=channel_shift")
    response = post_form(client, new_line, new_line, CHANNEL_SHIFT)
    assert response.status_code == 302, html_of(response)[:3000]


# ---- the calculation editor ---------------------------------------------------------------

def test_the_worked_example_entered_through_the_forms_gives_its_npv(
        app, browser, make_application):
    application_id = make_application("draft")
    karin = browser("karin")
    first = karin.get(calc_url(application_id))
    assert first.status_code == 200
    assert 'data-part="settings"' in html_of(first)
    enter_worked_example(karin, application_id)

    html = html_of(karin.get(calc_url(application_id)))
    assert NPV_WORKED in html
    assert f"2{NBSP}380{NBSP}781{NBSP}kr" in html and f"1{NBSP}750{NBSP}962{NBSP}kr" in html
    assert "1,36" in html and "2013" in html and "44,1" in html
    assert 'id="peng-figure"' in html
    assert f'/assets/{app.extensions["asset_manifest"]["vendor/plotly.min.js"]}' in html
    payload = saved_payload(app, application_id)
    assert payload["benefits"] == [{**WORKED_EXAMPLE["benefits"][0],
                                    "volume_per_year": 10000}]
    assert payload["costs"] == WORKED_EXAMPLE["costs"]
    assert payload["adoption"] == WORKED_EXAMPLE["adoption"]
    assert payload["discount_rate"] == 0.035
    assert len(versions(app, application_id)) == 1


def test_a_new_calculation_counts_no_benefit_before_the_year_after_its_start(
        app, browser, make_application):
    """The default ramp: go-live the year after the start year, the target two years later."""
    application_id = make_application("draft")
    html = html_of(browser("karin").get(calc_url(application_id)))
    start = int(re.search(r'name="start_year_field"[^>]*value="(\d{4})"', html).group(1))
    go_live = re.search(r'name="adoption_go_live_year"[^>]*value="(\d{4})"', html)
    ramp = re.search(r'name="adoption_ramp_years"[^>]*value="(\d+)"', html)
    assert int(go_live.group(1)) == start + 1 and ramp.group(1) == "2"


def test_a_line_is_edited_and_removed_and_the_form_shows_its_saved_values(
        app, browser, make_application, people):
    application_id = make_application("draft")
    save_calculation(app, people, application_id, FULL_EXAMPLE)
    karin = browser("karin")
    edit = calc_url(application_id, "/benefits/1")
    html = html_of(karin.get(edit))
    assert 'value="Kortare handläggning"' in html
    assert 'name="volume_per_year-4" type="text" value="10 000"' in html
    assert 'name="salary_sek" type="text" value="420 000"' in html
    assert 'name="committed_fte_by_year-2" type="text" value="0,25"' in html
    response = post_form(karin, edit, edit, {
        "kind": "staff_time", "name": "Kortare handläggning", "recipient": "organisation",
        "volume_every_year": "9 000", "minutes_saved_per_case": "12",
        "hourly_cost_sek": "380", "fte_every_year": "0,5"})
    assert response.status_code == 302, html_of(response)[:3000]
    line = saved_payload(app, application_id)["benefits"][1]
    assert line == {"kind": "staff_time", "name": "Kortare handläggning",
                    "recipient": "organisation", "volume_per_year": 9000,
                    "minutes_saved_per_case": 12, "hourly_cost_sek": 380,
                    "committed_fte_by_year": 0.5}
    remove = calc_url(application_id, "/benefits/5/delete")
    assert post_form(karin, remove, calc_url(application_id), {}).status_code == 302
    assert [b["name"] for b in saved_payload(app, application_id)["benefits"]] == [
        "Färre samtal", "Kortare handläggning", "Slipper resa", "Porto", "Licens avvecklas"]
    assert karin.get(calc_url(application_id, "/benefits/9")).status_code == 404


def test_invalid_input_shows_every_error_and_saves_nothing(app, browser, make_application,
                                                          people):
    application_id = make_application("draft")
    save_calculation(app, people, application_id, WORKED_EXAMPLE)
    karin = browser("karin")
    new_line = calc_url(application_id, "/benefits/new?kind=channel_shift")
    response = post_form(karin, new_line, new_line, {
        "kind": "channel_shift", "name": "", "recipient": "organisation",
        "volume_per_year-0": "100", "volume_per_year-1": "-5", "volume_per_year-2": "tolv",
        "mix_phone": "50", "mix_letter": "30"})
    assert response.status_code == 422
    html = html_of(response)
    summary = re.search(r'data-testid="errors">(.*?)</ul>', html, re.S).group(1)
    targets = re.findall(r'href="#([\w-]+)"', summary)
    assert {"name", "volume_per_year-1", "volume_per_year-2", "volume_per_year-3",
            "mix_phone"} <= set(targets)
    assert 'aria-invalid="true"' in html
    staff = calc_url(application_id, "/benefits/new?kind=staff_time")
    response = post_form(karin, staff, staff, {
        "kind": "staff_time", "name": "", "recipient": "organisation",
        "volume_every_year": "100", "minutes_saved_per_case": "5",
        "hourly_cost_sek": "300", "salary_sek": "400000"})
    assert response.status_code == 422
    summary = re.search(r'data-testid="errors">(.*?)</ul>', html_of(response), re.S).group(1)
    assert {"name", "hourly_cost_sek"} <= set(re.findall(r'href="#([\w-]+)"', summary))
    assert re.search(r'href="#hourly_cost_sek">[^<]*: Ange antingen timkostnaden eller lönen, '
                     r'inte båda\.</a>', summary), summary
    assert saved_payload(app, application_id)["benefits"] == WORKED_EXAMPLE["benefits"]
    assert len(versions(app, application_id)) == 1


def test_changing_the_years_stretches_the_lines_or_reports_errors(app, browser,
                                                                  make_application, people):
    application_id = make_application("draft")
    save_calculation(app, people, application_id, WORKED_EXAMPLE)
    karin = browser("karin")
    page = calc_url(application_id)
    response = post_form(karin, calc_url(application_id, "/settings"), page,
                         {**SETTINGS, "years_field": "7"})
    assert response.status_code == 302
    payload = saved_payload(app, application_id)
    assert payload["years"] == 7
    assert payload["costs"][1]["by_year_sek"] == [0, 150000, 150000, 150000, 150000, 0, 0]
    response = post_form(karin, calc_url(application_id, "/settings"), page,
                         {**SETTINGS, "discount_rate": "150", "adoption_go_live_year": "2030"})
    assert response.status_code == 422
    summary = re.search(r'data-testid="errors">(.*?)</ul>', html_of(response), re.S).group(1)
    assert {"discount_rate", "adoption_go_live_year"} <= set(
        re.findall(r'href="#([\w-]+)"', summary))
    assert saved_payload(app, application_id)["discount_rate"] == 0.035


def test_another_organisation_cannot_see_or_edit_the_calculation(app, browser,
                                                                 make_application, people):
    application_id = make_application("draft")
    save_calculation(app, people, application_id, WORKED_EXAMPLE)
    sven = browser("sven")
    assert sven.get(calc_url(application_id)).status_code == 404
    token = csrf_token_from(html_of(sven.get("/benefits/")))
    assert sven.post(calc_url(application_id, "/settings"),
                     data={**SETTINGS, "csrf_token": token}).status_code == 404
    auditor = browser("auditor")
    html = html_of(auditor.get(calc_url(application_id)))
    assert NPV_WORKED in html and 'data-testid="read-only"' in html
    assert 'data-part="settings"' not in html
    token = csrf_token_from(html_of(auditor.get("/benefits/")))
    assert auditor.post(calc_url(application_id, "/settings"),
                        data={**SETTINGS, "csrf_token": token}).status_code == 403
    assert auditor.get(calc_url(application_id, "/costs/new")).status_code == 403


def test_the_calculation_is_frozen_after_submission(app, browser, make_application, people,
                                                    demo_date):
    from app.accounts.models import User
    from app.applications import services as application_services
    from app.applications.models import Application

    application_id = make_application("draft")
    save_calculation(app, people, application_id, WORKED_EXAMPLE)
    demo_date("2008-02-01")
    with app.app_context():
        application_services.submit(db.session.get(Application, application_id),
                                    db.session.get(User, people.karin))
        db.session.commit()
    karin = browser("karin")
    html = html_of(karin.get(calc_url(application_id)))
    assert 'data-testid="read-only"' in html and NPV_WORKED in html
    assert 'data-part="settings"' not in html
    response = post_form(karin, calc_url(application_id, "/settings"), "/benefits/", SETTINGS)
    assert response.status_code == 409
    with app.test_request_context():
        assert str(FROZEN_MESSAGE) in html_of(response)
    assert karin.get(calc_url(application_id, "/benefits/0")).status_code == 409
    assert [v.is_frozen for v in versions(app, application_id)] == [True]


def test_evaluate_needs_the_csrf_header_and_returns_the_engines_json(browser):
    karin = browser("karin")
    token = csrf_token_from(html_of(karin.get("/benefits/")))
    headers = {"X-CSRFToken": token}
    response = karin.post("/benefits/evaluate", json=WORKED_EXAMPLE, headers=headers)
    assert response.status_code == 200
    assert response.json["npv_sek"] == 629819
    assert response.json["pv_by_colour_sek"] == {"green": 0, "yellow": 2380781,
                                                 "blue": 1750962}
    broken = copy.deepcopy(WORKED_EXAMPLE)
    broken["benefits"][0]["channel_mix"] = {"phone": 0.5}
    broken["discount_rate"] = 2
    invalid = karin.post("/benefits/evaluate", json=broken, headers=headers)
    assert invalid.status_code == 422
    assert {"benefits[0].channel_mix", "discount_rate"} <= {
        e["field"] for e in invalid.json["errors"]}
    assert karin.post("/benefits/evaluate", data="nonsense", headers=headers).status_code == 422
    assert karin.post("/benefits/evaluate", json=WORKED_EXAMPLE).status_code == 400


# ---- Excel --------------------------------------------------------------------------------

def test_template_download_is_a_valid_workbook(browser, make_application):
    pytest.importorskip("reports.benefit_workbook")
    from openpyxl import load_workbook

    application_id = make_application("draft")
    response = browser("karin").get(calc_url(application_id, "/template.xlsx"))
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    assert load_workbook(BytesIO(response.data)).sheetnames


def fill_template(data: bytes, payload: dict) -> bytes:
    """Type a payload into the template's yellow cells as a person would, with openpyxl."""
    from openpyxl import load_workbook

    labels = {"channel_shift": "Kanalbyte", "organisation": "Organisationen",
              "investment": "Investering", "running": "Drift"}
    workbook = load_workbook(BytesIO(data))
    settings = workbook["Inställningar"]
    rows = {settings.cell(row, 5).value: row for row in range(2, settings.max_row + 1)}
    for key, value in payload.items():
        if isinstance(value, dict):
            for name, item in value.items():
                settings.cell(rows[f"{key}.{name}"], 2).value = item
        elif key in rows:
            settings.cell(rows[key], 2).value = value
    for sheet, lines in (("Nyttor", payload["benefits"]), ("Kostnader", payload["costs"])):
        ws = workbook[sheet]
        columns = {cell.value: cell.column for cell in ws[2] if cell.value}
        for index, line in enumerate(lines):
            for key, value in line.items():
                if key == "channel_mix":
                    cells = {f"channel_mix.{c}": share for c, share in value.items()}
                elif key == "volume_per_year":
                    cells = {f"{key}[{t}]": value for t in range(payload["years"])}
                elif isinstance(value, list):
                    cells = {f"{key}[{t}]": item for t, item in enumerate(value)}
                else:
                    cells = {key: labels.get(value, value)}
                for name, item in cells.items():
                    ws.cell(3 + index, columns[name]).value = item
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, application_id: int, data: bytes, filename: str = "nyttokalkyl.xlsx"):
    token = csrf_token_from(html_of(client.get(calc_url(application_id))))
    return client.post(calc_url(application_id, "/import"), data={
        "import-csrf_token": token, "import-workbook": (BytesIO(data), filename)},
        content_type="multipart/form-data")


def test_upload_of_the_filled_template_saves_the_worked_example(app, browser,
                                                                make_application):
    pytest.importorskip("reports.benefit_workbook")
    application_id = make_application("draft")
    karin = browser("karin")
    template = karin.get(calc_url(application_id, "/template.xlsx")).data
    response = upload(karin, application_id, fill_template(template, WORKED_EXAMPLE))
    assert response.status_code == 302, html_of(response)[:3000]
    payload = saved_payload(app, application_id)
    assert payload["benefits"][0]["channel_mix"] == WORKED_EXAMPLE["benefits"][0]["channel_mix"]
    assert [c["by_year_sek"] for c in payload["costs"]] == [
        c["by_year_sek"] for c in WORKED_EXAMPLE["costs"]]
    assert NPV_WORKED in html_of(karin.get(calc_url(application_id)))


def test_upload_of_garbage_shows_a_clear_error_and_saves_nothing(app, browser,
                                                                 make_application, people):
    pytest.importorskip("reports.benefit_workbook")
    application_id = make_application("draft")
    save_calculation(app, people, application_id, WORKED_EXAMPLE)
    karin = browser("karin")
    response = upload(karin, application_id, b"this is not a workbook")
    assert response.status_code == 422
    errors = re.search(r'data-testid="import-errors">(.*?)</ul>', html_of(response), re.S)
    assert errors and "<li>" in errors.group(1)
    template = karin.get(calc_url(application_id, "/template.xlsx")).data
    response = upload(karin, application_id, template)
    assert response.status_code == 422
    assert 'data-testid="import-errors"' in html_of(response)
    assert saved_payload(app, application_id)["benefits"] == WORKED_EXAMPLE["benefits"]
    assert len(versions(app, application_id)) == 1


def test_export_download_opens_in_openpyxl_with_formulas(app, browser, make_application,
                                                        people):
    pytest.importorskip("reports.benefit_workbook")
    from openpyxl import load_workbook

    application_id = make_application("draft")
    save_calculation(app, people, application_id, WORKED_EXAMPLE)
    response = browser("karin").get(calc_url(application_id, "/export.xlsx"))
    assert response.status_code == 200 and response.mimetype == XLSX
    workbook = load_workbook(BytesIO(response.data))
    formulas = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
    assert formulas
    other = make_application("draft")
    assert browser("karin").get(calc_url(other, "/export.xlsx")).status_code == 404


# ---- the register and a benefit -----------------------------------------------------------

def _two_projects(app, make_application, people, demo_date):
    shared = copy.deepcopy(FULL_EXAMPLE)
    shared["benefits"][3]["owner_organisation_id"] = people.other
    _, first = _decide_with_calculation(app, make_application, people, shared, demo_date)
    _, second = _decide_with_calculation(app, make_application, people, WORKED_EXAMPLE,
                                         demo_date)
    return first, second


def _register_ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-benefit-id="(\d+)"', html)}


def _benefit_ids(app, **where) -> set[int]:
    with app.app_context():
        query = sa.select(Benefit.id)
        for key, value in where.items():
            query = query.where(getattr(Benefit, key) == value)
        return set(db.session.scalars(query))


def test_the_register_filters_and_shows_each_organisation_its_own(
        app, browser, make_application, people, demo_date):
    first, second = _two_projects(app, make_application, people, demo_date)
    jonas = browser("jonas")
    everything = html_of(jonas.get("/benefits/?year=2014"))
    assert _register_ids(everything) == _benefit_ids(app) != set()
    assert len(_benefit_ids(app, project_id=first)) == 5
    only_first = html_of(jonas.get(f"/benefits/?year=2014&project_id={first}"))
    assert _register_ids(only_first) == _benefit_ids(app, project_id=first)
    owned = html_of(jonas.get(f"/benefits/?year=2014&organisation_id={people.other}"))
    assert _register_ids(owned) == _benefit_ids(app, owner_organisation_id=people.other)
    assert 'data-testid="project-totals"' in owned
    planned_2011 = f"292{NBSP}000{NBSP}kr"
    assert planned_2011 in html_of(jonas.get(f"/benefits/?year=2011&project_id={second}"))
    assert jonas.get("/benefits/?year=abc").status_code == 400
    assert _register_ids(html_of(browser("sven").get("/benefits/?year=2014"))) == (
        _benefit_ids(app, owner_organisation_id=people.other))
    assert _register_ids(html_of(browser("karin").get("/benefits/?year=2014"))) == (
        _benefit_ids(app))
    assert _register_ids(html_of(browser("auditor").get("/benefits/?year=2014"))) == (
        _benefit_ids(app))


def test_the_register_shows_one_page_at_a_time_and_totals_every_row(
        app, browser, make_application, people, demo_date, monkeypatch):
    from app.benefits import views as benefit_views

    _two_projects(app, make_application, people, demo_date)
    monkeypatch.setattr(benefit_views, "REGISTER_PAGE_SIZE", 3)
    jonas = browser("jonas")
    everything = _benefit_ids(app)
    pages = [html_of(jonas.get(f"/benefits/?year=2014&page={number}"))
             for number in range(1, len(everything) // 3 + 2)]
    seen = [_register_ids(html) for html in pages]
    assert all(len(ids) <= 3 for ids in seen) and len(seen[0]) == 3
    assert set().union(*seen) == everything and sum(map(len, seen)) == len(everything)
    assert 'rel="next"' in pages[0] and 'rel="prev"' in pages[-1]
    assert "page=2" in pages[0] and "year=2014" in pages[0]
    totals = [re.search(r'data-testid="project-totals".*?</table>', html, re.S).group(0)
              for html in pages]
    assert len(set(totals)) == 1
    assert jonas.get("/benefits/?year=2014&page=0").status_code in (400, 422)


def test_the_benefit_page_records_realised_values_for_those_allowed(
        app, browser, make_application, people, demo_date):
    _, project_id = _decide_with_calculation(app, make_application, people, WORKED_EXAMPLE,
                                             demo_date)
    (benefit_id,) = _benefit_ids(app, project_id=project_id)
    url = f"/benefits/{benefit_id}"
    karin = browser("karin")
    html = html_of(karin.get(url))
    assert 'id="planned-figure"' in html and 'data-testid="planned-vs-realised"' in html
    response = post_form(karin, f"{url}/realisations", url, {
        "year": "2011", "actual_sek": "250 000", "actual_cash_releasing_sek": "0",
        "indicator_value": "62,5", "measured_by": "Karin", "evidence": "Samtalsstatistik"})
    assert response.status_code == 302, html_of(response)[:3000]
    correction = post_form(karin, f"{url}/realisations", url,
                           {"year": "2011", "actual_sek": "280 000"})
    assert correction.status_code == 302
    html = html_of(karin.get(url))
    assert f"280{NBSP}000{NBSP}kr" in html and "62,50" in html
    with app.app_context():
        entries = db.session.scalars(sa.select(RealisationEntry)
                                     .order_by(RealisationEntry.id)).all()
        assert [(e.year, e.actual_sek) for e in entries] == [(2011, 250000), (2011, 280000)]
        assert entries[1].corrects_id == entries[0].id
    register = html_of(karin.get(f"/benefits/?year=2011&project_id={project_id}"))
    assert f"280{NBSP}000{NBSP}kr" in register and f"-12{NBSP}000{NBSP}kr" in register
    bad = post_form(karin, f"{url}/realisations", url,
                    {"year": "2011", "actual_sek": "5", "actual_cash_releasing_sek": "9"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in html_of(bad)
    details = post_form(karin, f"{url}/details", url, {
        "details-benefit_owner_name": "Karin Trafik", "details-indicator": "Andel digitala",
        "details-indicator_baseline": "12,5"})
    assert details.status_code == 302
    html = html_of(karin.get(url))
    assert "Andel digitala" in html and "12,50" in html

    auditor = browser("auditor")
    assert auditor.get(url).status_code == 200
    assert 'name="actual_sek"' not in html_of(auditor.get(url))
    refused = post_form(auditor, f"{url}/realisations", "/benefits/",
                        {"year": "2011", "actual_sek": "1"})
    assert refused.status_code == 403
    assert browser("sven").get(url).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RealisationEntry)) == 2
