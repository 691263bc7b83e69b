"""Every list's Excel export: the rows on screen, in the same order, typed, with safe text."""

import re
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.applications.models import Application, Decision
from app.core.enums import (
    ApplicationKind,
    DecisionKind,
    DecisionOutcome,
    IdeaState,
    ProjectState,
    RagStatus,
    ReportState,
)
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.projects.models import Project, StatusReport
from reports.xlsx import DATE_FORMAT, DATETIME_FORMAT, SEK_FORMAT
from tests.web.test_application_pages import clients_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=2+2"]
CONTROL_TITLE = "Skol\x01val\x07\x1f"  # PostgreSQL text cannot hold NUL
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\n")


@pytest.fixture
def browser(app, db_session, people, demo_date):
    demo_date("2010-03-01")
    return clients_for(app, people)


@pytest.fixture
def world(app, people, make_programme, make_area):
    """Ideas and projects of two organisations, with hostile titles among them."""
    programme_id = make_programme()
    school, build = make_area(name="Skola"), make_area(name="Bygga och bo")
    with app.app_context():
        ideas = []
        titles = ["Bygglov på nätet", *HOSTILE, CONTROL_TITLE]
        for n, title in enumerate(titles):
            idea = ProjectIdea(
                programme_id=programme_id, title=title, description="Beskrivning",
                organisation_id=people.traffic if n % 2 else people.other,
                state=IdeaState.APPROVED_TO_APPLY if n % 3 == 0 else IdeaState.SUBMITTED,
                submitted_at=datetime(2009, 1, 1 + n, 9, 30, tzinfo=UTC),
                screened_at=datetime(2009, 2, 1, 8, 0, tzinfo=UTC) if n % 3 == 0 else None)
            db.session.add(idea)
            ideas.append(idea)
        projects = []
        for n, title in enumerate(["Äldreomsorg e-tjänst", *HOSTILE, CONTROL_TITLE]):
            project = Project(
                programme_id=programme_id, title=title,
                organisation_id=people.traffic if n % 2 else people.other,
                area_id=school if n % 2 else build,
                state=ProjectState.CLOSED if n == 3 else ProjectState.ACTIVE,
                baseline_start_on=date(2009, 1, 1), baseline_end_on=date(2010, 12, 31 - n))
            db.session.add(project)
            projects.append(project)
        db.session.commit()
        return {"programme_id": programme_id, "school": school, "build": build,
                "ideas": [i.id for i in ideas], "projects": [p.id for p in projects]}


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    assert "attachment;" in response.headers["Content-Disposition"]
    return load_workbook(BytesIO(response.get_data()))


def sheet_rows(ws):
    return [list(row) for row in ws.iter_rows(min_row=2, values_only=True)]


def first_column(ws):
    return [row[0] for row in sheet_rows(ws)]


def linked_ids(html: str, prefix: str) -> list[int]:
    return [int(i) for i in re.findall(rf'href="/{prefix}/(\d+)"', html)]


def titles_of(app, model, ids):
    """The titles of `ids` in that order, as an export cell holds them."""
    with app.app_context():
        by_id = {o.id: o.title for o in db.session.scalars(sa.select(model)
                                                             .where(model.id.in_(ids)))}
    return [excel_text(by_id[i]) for i in ids]


def excel_text(value: str) -> str:
    """What a cell holds for `value` after the safe writer (control characters removed, CR
    written as LF)."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value.replace("\r", "\n"))


def assert_text_cells_safe(ws, last_row=None):
    for row in ws.iter_rows(min_row=2, max_row=last_row):
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", cell.value
                assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", cell.value)
                if cell.value.startswith(FORMULA_STARTS):
                    assert cell.quotePrefix, cell.value


def assert_hostile_titles_are_text(ws, column=0):
    """Every hostile title is in the sheet as the text typed, never a formula."""
    cells = {row[column].value: row[column] for row in ws.iter_rows(min_row=2)}
    for title in [*HOSTILE, CONTROL_TITLE]:
        cell = cells[excel_text(title)]
        assert cell.data_type == "s"
        assert cell.quotePrefix == cell.value.startswith(FORMULA_STARTS)


def screen_headers(html: str, table_marker: str = "<table") -> list[str]:
    """The column headers of the first table after `table_marker`, as the page shows them."""
    table = html[html.index(table_marker):]
    head = table[:table.index("</thead>")]
    return [re.sub(r"<[^>]+>", "", th).strip()
            for th in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', head, re.S)]


# ---- ideas --------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "?state=submitted", "?state=approved_to_apply"])
def test_ideas_export_has_the_screens_rows_in_order(app, browser, world, query):
    jonas = browser("jonas")
    html = jonas.get(f"/ideas/{query}").get_data(as_text=True)
    on_screen = titles_of(app, ProjectIdea, linked_ids(html, "ideas"))
    assert on_screen

    separator = "&" if query else "?"
    ws = workbook(jonas.get(f"/ideas/{query}{separator}format=xlsx")).active

    assert [c.value for c in ws[1]] == screen_headers(html)
    assert first_column(ws) == on_screen
    assert_text_cells_safe(ws)


def test_ideas_export_types_dates_and_keeps_hostile_titles_as_text(app, browser, world):
    ws = workbook(browser("jonas").get("/ideas/?format=xlsx")).active
    rows = {row[0]: row for row in sheet_rows(ws)}

    assert_hostile_titles_are_text(ws)
    assert "Skolval" in rows
    submitted = [row for row in ws.iter_rows(min_row=2) if row[0].value == "+1"][0][3]
    assert submitted.is_date and submitted.number_format == DATETIME_FORMAT
    assert submitted.value == datetime(2009, 1, 3, 10, 30)  # shown in Stockholm time
    assert all(len(row) == 5 and row[1] and row[2] for row in rows.values())


def test_the_export_link_carries_the_filters(browser, world):
    html = browser("jonas").get("/ideas/?state=submitted").get_data(as_text=True)

    link = re.search(r'href="([^"]*)" data-testid="export-xlsx"', html).group(1)
    assert link.replace("&amp;", "&") == "/ideas/?state=submitted&on=2010-03-01&format=xlsx"


def test_an_applicant_exports_only_its_own_ideas(app, browser, world, people):
    ws = workbook(browser("karin").get("/ideas/?format=xlsx")).active

    assert {row[1] for row in sheet_rows(ws)} == {"Trafikkontoret"}


def test_ideas_api_xlsx_follows_the_json_list(app, world, api_token, people, client):
    headers = api_token(people.jonas)
    listed = client.get("/api/v1/ideas?state=submitted&page_size=100", headers=headers).json

    response = client.get("/api/v1/ideas?state=submitted&format=xlsx", headers=headers)

    assert first_column(workbook(response).active) == [excel_text(i["title"]) for i in listed]


def test_an_unknown_format_is_refused(world, api_token, people, client, browser):
    response = client.get("/api/v1/ideas?format=csv", headers=api_token(people.jonas))

    assert response.status_code == 422
    assert browser("jonas").get("/ideas/?format=csv").status_code in (400, 422)


# ---- projects and the compilation ----------------------------------------------------------

@pytest.mark.parametrize("query", ["", "?state=active", "?area={school}", "?organisation={org}"])
def test_projects_export_has_the_screens_rows_in_order(app, browser, world, people, query):
    query = query.format(school=world["school"], org=people.traffic)
    jonas = browser("jonas")
    html = jonas.get(f"/projects/{query}").get_data(as_text=True)
    on_screen = titles_of(app, Project, linked_ids(html, "projects"))
    assert on_screen

    separator = "&" if query else "?"
    ws = workbook(jonas.get(f"/projects/{query}{separator}format=xlsx")).active

    assert [c.value for c in ws[1]] == screen_headers(html)
    assert first_column(ws) == on_screen
    headers = [c.value for c in ws[1]]
    with app.app_context():
        named = [db.session.get(Project, project_id) for project_id in linked_ids(html, "projects")]
        expected = [(p.organisation.name, p.area.name if p.area else None) for p in named]
    organisation, area = headers.index("Organisation"), headers.index("Verksamhetsområde")
    assert [(row[organisation].value, row[area].value)
            for row in ws.iter_rows(min_row=2)] == expected
    start = ws.cell(row=2, column=[c.value for c in ws[1]].index("Planerad start") + 1)
    assert start.is_date and start.number_format == DATE_FORMAT
    assert_text_cells_safe(ws)
    if not query:
        assert_hostile_titles_are_text(ws)


def test_projects_api_xlsx_uses_the_same_filters(world, api_token, people, client):
    headers = api_token(people.jonas)
    url = f"/api/v1/projects?area_id={world['school']}&state=active"
    listed = client.get(url + "&page_size=100", headers=headers).json

    ws = workbook(client.get(url + "&format=xlsx", headers=headers)).active

    assert first_column(ws) == [excel_text(p["title"]) for p in listed]
    assert len(listed) >= 1


@pytest.fixture
def grants(app, world):
    """A decided application per project: 100 000 kr times its place, the last one reduced."""
    with app.app_context():
        granted = {}
        for n, project_id in enumerate(world["projects"], start=1):
            project = db.session.get(Project, project_id)
            application = Application(programme_id=world["programme_id"],
                                      organisation_id=project.organisation_id,
                                      kind=ApplicationKind.IMPLEMENTATION, title=project.title,
                                      requirements={})
            db.session.add(application)
            db.session.flush()
            project.application_id = application.id
            decisions = [(DecisionKind.ORIGINAL, 100_000 * n)]
            if n == len(world["projects"]):
                decisions.append((DecisionKind.REDUCTION, 30_000))
            original = None
            for m, (kind, amount) in enumerate(decisions):
                decision = Decision(
                    programme_id=world["programme_id"], application_id=application.id,
                    kind=kind, outcome=DecisionOutcome.APPROVED, amount_sek=amount,
                    diary_number=f"SLK 2009/{n:03d}{m}", decided_on=date(2009, 1, n + m),
                    authority_key="programme_office",
                    refers_to_id=original.id if original else None)
                db.session.add(decision)
                db.session.flush()
                original = original or decision
            granted[project_id] = 100_000 * n - (30_000 if len(decisions) == 2 else 0)
        db.session.commit()
        return granted


def test_project_compilation_lists_every_visible_project(app, browser, world, grants):
    ws = workbook(browser("jonas").get("/projects/compilation.xlsx")).active

    rows = sheet_rows(ws)[:-1]  # the last row holds the totals
    assert sorted(row[2] for row in rows) == sorted(
        titles_of(app, Project, world["projects"]))
    assert [(row[0], row[2]) for row in rows] == sorted((row[0], row[2]) for row in rows)
    assert ws.cell(row=ws.max_row, column=5).value == f"=SUM(E2:E{ws.max_row - 1})"
    assert ws["E2"].number_format == SEK_FORMAT
    assert_text_cells_safe(ws, last_row=ws.max_row - 1)
    assert_hostile_titles_are_text(ws, column=2)


def test_project_compilation_api_json_and_xlsx(world, grants, api_token, people, client):
    headers = api_token(people.jonas)
    listed = client.get("/api/v1/projects/compilation", headers=headers).json

    ws = workbook(client.get("/api/v1/projects/compilation?format=xlsx", headers=headers)).active

    rows = sheet_rows(ws)
    assert [row[2] for row in rows[:-1]] == [excel_text(row["title"]) for row in listed]
    assert {row["project_id"]: row["granted_sek"] for row in listed} == grants
    summed = sum(row[4] for row in rows[:-1])  # what =SUM(E2:E<n>) recomputes to
    assert rows[-1][4] == f"=SUM(E2:E{len(rows)})"
    assert summed == sum(row["granted_sek"] for row in listed) == sum(grants.values())
    assert all(row[3].startswith("SLK 2009/") for row in rows[:-1])


def test_project_compilation_follows_the_list_filters(app, browser, world, grants):
    jonas = browser("jonas")
    html = jonas.get(f"/projects/?area={world['school']}").get_data(as_text=True)
    on_screen = titles_of(app, Project, linked_ids(html, "projects"))

    ws = workbook(jonas.get(f"/projects/compilation.xlsx?area={world['school']}")).active

    assert sorted(row[2] for row in sheet_rows(ws)[:-1]) == sorted(on_screen)


def test_project_compilation_shows_the_latest_reported_status(app, world, api_token, people,
                                                               client):
    project_id = world["projects"][0]
    with app.app_context():
        db.session.add(StatusReport(
            project_id=project_id, period_number=1, period_starts_on=date(2009, 1, 1),
            period_ends_on=date(2009, 2, 11), due_on=date(2009, 2, 20),
            state=ReportState.SUBMITTED, overall_status=RagStatus.AMBER,
            actual_cost_to_date_sek=250_000, submitted_at=datetime(2009, 2, 15, tzinfo=UTC)))
        db.session.commit()

    listed = client.get("/api/v1/projects/compilation", headers=api_token(people.jonas)).json

    row = next(r for r in listed if r["project_id"] == project_id)
    assert (row["status"], row["spent_sek"]) == ("amber", 250_000)


# ---- applications ---------------------------------------------------------------------------

def test_applications_export_follows_screen_and_api(app, browser, make_application, api_token,
                                                    people, client):
    first = make_application("submitted", title="=HYPERLINK(\"http://x\",\"y\")",
                             kind="feasibility")
    second = make_application("submitted", requested_sek=2_000_000, on="2008-03-01",
                              kind="feasibility")
    make_application("draft", title="Utkast", kind="feasibility")
    jonas = browser("jonas")
    html = jonas.get("/applications/?kind=feasibility").get_data(as_text=True)
    on_screen = [i for i in linked_ids(html, "applications") if i in (first, second)]

    ws = workbook(jonas.get("/applications/?kind=feasibility&format=xlsx")).active
    api_ws = workbook(client.get("/api/v1/applications?kind=feasibility&format=xlsx",
                                 headers=api_token(people.jonas))).active

    titles = [row[1] for row in sheet_rows(ws)]
    assert [c.value for c in ws[1]] == screen_headers(html)
    assert titles == [row[1] for row in sheet_rows(api_ws)]
    assert titles == titles_of(app, Application, linked_ids(html, "applications"))
    assert len(titles) == len(on_screen) == 2
    assert "Utkast" not in titles
    assert titles[1] == '=HYPERLINK("http://x","y")'
    requested = ws["G2"]
    assert (requested.value, requested.number_format) == (2_000_000, SEK_FORMAT)
    assert ws["F2"].is_date
    assert_text_cells_safe(ws)


# ---- the reports queue ----------------------------------------------------------------------

def test_reports_queue_exports_its_three_tables(app, browser, world, api_token, people,
                                                client):
    jonas = browser("jonas")
    html = jonas.get("/projects/queue").get_data(as_text=True)
    due_table = re.search(r'data-testid="reports-due".*?</table>', html, re.S).group(0)
    on_screen = titles_of(app, Project, [int(i) for i in
                                         re.findall(r'data-project="(\d+)"', due_table)])

    wb = workbook(jonas.get("/projects/queue?format=xlsx"))
    api_wb = workbook(client.get("/api/v1/reports/queue?format=xlsx",
                                 headers=api_token(people.jonas)))

    assert len(wb.sheetnames) == 3
    due = wb.worksheets[0]
    assert first_column(due) == on_screen
    assert first_column(api_wb.worksheets[0]) == on_screen
    assert due["F2"].is_date and isinstance(due["C2"].value, int)
    assert_text_cells_safe(due)


def test_reports_queue_api_json(world, api_token, people, client):
    body = client.get("/api/v1/reports/queue", headers=api_token(people.jonas)).json

    assert set(body) == {"due", "submitted", "completion_requested", "since"}
    assert all("due_on" in item for item in body["due"])


# ---- budget cuts ------------------------------------------------------------------------------

def test_budget_cut_totals_export_matches_the_api(app, browser, world, api_token, people,
                                                  client):
    headers = api_token(people.jonas)
    query = f"programme_id={world['programme_id']}"
    totals = client.get(f"/api/v1/budget-cuts/totals?{query}", headers=headers).json

    ws = workbook(browser("jonas").get(f"/budget-cuts/?{query}&format=xlsx")).active
    api_ws = workbook(client.get(f"/api/v1/budget-cuts/totals?{query}&format=xlsx",
                                 headers=headers)).active

    assert first_column(ws) == [t["budget_year"] for t in totals] == first_column(api_ws)
    assert [row[1] for row in sheet_rows(ws)] == [t["proposed_sek"] for t in totals]


@pytest.fixture
def cuts(app, people, make_organisation, make_user, make_programme):
    """The budget-cut pages' world, with the 2012 cuts proposed and one adopted."""
    from tests.web.test_budget_cut_pages import _propose_and_adopt, build_world

    world = build_world(app, people, make_organisation, make_user, make_programme)
    _propose_and_adopt(app, world, reason='=HYPERLINK("http://x","y")')
    return world


def organisations_on_screen(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r'<th scope="row"><a [^>]*>([^<]*)</a></th>', body)


def test_budget_cut_year_export_follows_the_page_and_the_api(app, browser, cuts, api_token,
                                                              people, client):
    jonas = browser("jonas")
    url = f"/budget-cuts/2012?programme_id={cuts.programme}"
    html = jonas.get(url).get_data(as_text=True)
    listed = client.get(f"/api/v1/budget-cuts?year=2012&programme_id={cuts.programme}",
                        headers=api_token(people.jonas)).json

    ws = workbook(jonas.get(url + "&format=xlsx")).active
    api_ws = workbook(client.get(
        f"/api/v1/budget-cuts?year=2012&programme_id={cuts.programme}&format=xlsx",
        headers=api_token(people.jonas))).active

    rows = sheet_rows(ws)
    assert [c.value for c in ws[1]] == screen_headers(html)[:5]
    assert [row[0] for row in rows[:-1]] == organisations_on_screen(html)
    assert len(rows) - 1 == len(listed) >= 2
    assert rows == sheet_rows(api_ws)
    assert [row[1] for row in rows[:-1]] == [item["proposed_sek"] for item in listed]
    last = len(rows)
    assert rows[-1][:5] == ["Hela staden", f"=SUM(B2:B{last})", None, f"=SUM(D2:D{last})",
                            f"=SUM(E2:E{last})"]
    assert sum(row[1] for row in rows[:-1]) == sum(item["proposed_sek"] for item in listed)
    assert sum(row[3] or 0 for row in rows[:-1]) == sum(
        item["adopted_sek"] or 0 for item in listed) == 1_200_000
    assert ws["B2"].number_format == SEK_FORMAT


def test_budget_cut_reconciliation_exports_what_the_page_shows(app, browser, cuts, api_token,
                                                               people, client):
    jonas = browser("jonas")
    url = f"/budget-cuts/2012/reconciliation?programme_id={cuts.programme}"
    html = jonas.get(url).get_data(as_text=True)
    link = re.search(r'href="([^"]*)" data-testid="export-xlsx"', html).group(1)
    listed = client.get(f"/api/v1/budget-cuts?year=2012&programme_id={cuts.programme}",
                        headers=api_token(people.jonas)).json

    ws = workbook(jonas.get(link.replace("&amp;", "&"))).active

    rows = sheet_rows(ws)
    assert [c.value for c in ws[1]] == screen_headers(html)
    assert [row[0] for row in rows[:-1]] == organisations_on_screen(html)
    edu = next(row for row in rows if row[0] == "Utbildningsförvaltningen")
    assert edu[2] == 1_200_000 and edu[5] == 2011 and edu[6] == 650_000
    assert edu[4] == 'KF 2011-11-28, Budget 2012\n=HYPERLINK("http://x","y")'
    assert edu[7].startswith("Neddragningen överstiger det realiserade: ")
    assert "550\xa0000" in edu[7]
    last = len(rows)
    assert rows[-1] == ["Hela staden", f"=SUM(B2:B{last})", f"=SUM(C2:C{last})", None, None,
                        None, f"=SUM(G2:G{last})", None]
    assert sum(row[6] for row in rows[:-1]) == sum(item["realised_sek"] for item in listed)
    assert_text_cells_safe(ws, last_row=last)


def test_budget_cut_totals_follow_the_city_overview(app, browser, cuts, api_token, people,
                                                    client):
    query = f"programme_id={cuts.programme}"
    totals = client.get(f"/api/v1/budget-cuts/totals?{query}",
                        headers=api_token(people.jonas)).json

    ws = workbook(browser("jonas").get(f"/budget-cuts/?{query}&format=xlsx")).active

    assert sheet_rows(ws) == [
        [t["budget_year"], t["proposed_sek"], t["adopted_sek"], t["cut_sek"], t["realised_sek"],
         t["organisations"]] for t in totals]


# ---- OpenAPI ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/ideas", "/applications", "/projects", "/benefits",
                                  "/budget-cuts/totals", "/audit-log", "/projects/compilation",
                                  "/reports/queue"])
def test_openapi_documents_the_xlsx_format(client, path):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"][f"/api/v1{path}"]["get"]

    assert XLSX in operation["responses"]["200"]["content"]
    assert "application/json" in operation["responses"]["200"]["content"]
    formats = [p for p in operation["parameters"] if p["name"] == "format"]
    assert formats and formats[0]["schema"]["enum"] == ["json", "xlsx"]


# ---- the benefit register -------------------------------------------------------------------

def test_benefit_register_export_follows_screen_and_api(app, make_application, people,
                                                        demo_date, api_token, client):
    from tests.web.test_benefit_pages import _register_ids, _two_projects

    _two_projects(app, make_application, people, demo_date)
    demo_date("2012-06-01")
    jonas = clients_for(app, people)("jonas")
    html = jonas.get("/benefits/?year=2012").get_data(as_text=True)
    on_screen = _register_ids(html)
    names = re.findall(r'data-benefit-id="\d+">\s*<td><a [^>]*>([^<]*)</a>', html)

    wb = workbook(jonas.get("/benefits/?year=2012&format=xlsx"))
    api_wb = workbook(client.get("/api/v1/benefits?year=2012&format=xlsx",
                                 headers=api_token(people.jonas)))
    listed = client.get("/api/v1/benefits?year=2012", headers=api_token(people.jonas)).json

    register = wb.worksheets[0]
    assert len(wb.sheetnames) == 3
    assert len(sheet_rows(register)) == len(on_screen) == len(listed) > 0
    assert first_column(register) == names
    assert sheet_rows(register) == sheet_rows(api_wb.worksheets[0])
    planned = register["F2"]
    assert planned.number_format == SEK_FORMAT and isinstance(planned.value, int)
    assert [row[5] for row in sheet_rows(register)] == [r["planned_to_date_sek"] for r in listed]
    totals = sum(row[1] for row in sheet_rows(wb.worksheets[1]))
    assert totals == sum(r["planned_total_sek"] for r in listed)
