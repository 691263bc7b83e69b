"""One truth on any date (issue 12): the demo walked at five dates, every figure shown in two
places (page, API, export, dashboard, snapshot) equal to the krona; bad dates refused.

The demo is seeded into the rolled-back test database; the business clock stands at 1 March
2010 (the demo's DEMO_DATE) and every request asks for its own `on`.
"""

import itertools
import json
import re
from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.accounts.models import User
from app.core import periods
from app.extensions import db
from app.programmes.models import Programme
from tests.web.test_demo_reports import client_of, demo  # noqa: F401  (the demo fixture)

ADDRESSES = (f"127.0.3.{n}" for n in itertools.count(1))  # one per login: the login limit
DATES = ("2008-06-30", "2009-04-30", "2010-03-01", "2011-06-30", "2012-12-31")
NBSP = "\xa0"


def _kronor(text: str) -> int:
    return int(re.sub(r"[^\d-]", "", text))


def _remaining(html: str) -> list[int]:
    return [_kronor(value) for value in re.findall(r'data-testid="remaining">([^<]*)<', html)]


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    sheet = load_workbook(BytesIO(response.data), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _chart(body: dict, name: str) -> dict:
    return next(chart for chart in body["charts"] if chart["name"] == name)


@pytest.fixture
def jonas(app, demo):  # noqa: F811
    return client_of(app, "jonas@demo.stockholm.example", next(ADDRESSES))


@pytest.fixture
def programme_id(app, demo):  # noqa: F811
    """The demo programme's id (PostgreSQL's sequences move on across rolled-back tests)."""
    with app.app_context():
        return db.session.scalar(sa.select(Programme.id))


@pytest.fixture
def token(app, demo, api_token):  # noqa: F811
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(
            User.email == "jonas@demo.stockholm.example"))
    return api_token(user_id)


@pytest.mark.parametrize("on", DATES)
def test_every_figure_shown_twice_is_equal_on_each_date(jonas, token, client, programme_id,
                                                         on):
    """The envelope, the projects, the pipeline, adherence and benefits agree everywhere."""
    left = set()
    for path in ("/", "/programmes/", f"/programmes/{programme_id}"):
        html = jonas.get(f"{path}?on={on}").get_data(as_text=True)
        assert f'data-on="{on}"' in html, path
        left.update(_remaining(html) if path != "/programmes/" else [])
    api = client.get(f"/api/v1/programmes/{programme_id}?on={on}", headers=token).json
    left.add(api["envelope"]["remaining_sek"])
    dashboard = client.get(f"/api/v1/dashboards/programme?on={on}", headers=token).json
    assert dashboard["as_of"] == on
    envelope = _chart(dashboard, "envelope")["rows"]
    left.add(envelope[-1][1])
    assert len(left) == 1, left

    projects_api = client.get(f"/api/v1/projects?on={on}&page_size=100", headers=token)
    project_ids = {item["id"] for item in projects_api.json}
    page = jonas.get(f"/projects/?on={on}").get_data(as_text=True)
    assert set(map(int, re.findall(r'<tr data-project="(\d+)"', page))) == project_ids
    exported = _rows(jonas.get(f"/projects/?on={on}&format=xlsx"))
    assert len(exported) - 1 == len(project_ids)
    compilation = client.get(f"/api/v1/projects/compilation?on={on}", headers=token).json
    assert {row["project_id"] for row in compilation} == project_ids
    compiled = _rows(jonas.get(f"/projects/compilation.xlsx?on={on}"))
    granted_in_workbook = sum(row[4] for row in compiled if isinstance(row[4], int))
    assert granted_in_workbook == sum(row["granted_sek"] for row in compilation)
    assert not any(f"/{int(on[:4]) + 1}/" in str(row) for row in compiled)
    pipeline = dict(_chart(dashboard, "pipeline")["rows"])
    assert list(pipeline.values())[4] == len(project_ids)
    closed = [row for row in compilation if row["state"] == "closed"]
    assert list(pipeline.values())[5] == len(closed)

    ideas = client.get(f"/api/v1/ideas?on={on}&page_size=100", headers=token).json
    assert list(pipeline.values())[0] == len(ideas)
    ideas_page = jonas.get(f"/ideas/?on={on}").get_data(as_text=True)
    assert len(_rows(jonas.get(f"/ideas/?on={on}&format=xlsx"))) - 1 == len(ideas)
    assert all(item["submitted_at"][:10] <= on for item in ideas)
    assert ideas_page.count('data-testid="as-of"') == 1

    adherence = client.get(f"/api/v1/adherence?programme_id={programme_id}&on={on}",
                           headers=token).json
    last = _chart(dashboard, "adherence")["rows"][-1]
    assert last[0] == on and last[1] == adherence["portfolio"]["assessed"]
    assert adherence["portfolio"]["projects"] == len(project_ids)

    listed = client.get(f"/api/v1/benefits?year={on[:4]}&on={on}&page_size=100", headers=token)
    assert json.loads(listed.headers["X-Pagination"])["total_pages"] == 1
    register = listed.json
    benefits = _chart(dashboard, "benefits")["rows"]
    realised_chart = sum(row[2] or 0 for row in benefits if row[0] <= int(on[:4]))
    assert sum(row["actual_to_date_sek"] for row in register) == realised_chart


@pytest.mark.parametrize("on", ("2010-03-01",))
def test_the_measured_bugs_of_1_march_2010_are_gone(jonas, token, client, programme_id, on):
    """The figures issue 12 measured: 252,1 mnkr left everywhere, no 2011 decisions, no
    October 2010 ideas, 39 projects of which 13 finished (the council report's own figures),
    nothing realised for 2010."""
    for path in ("/", f"/programmes/{programme_id}"):
        assert _remaining(jonas.get(f"{path}?on={on}").get_data(as_text=True)) == [252_100_000]
    assert client.get(f"/api/v1/programmes/{programme_id}?on={on}",
                      headers=token).json["envelope"]["remaining_sek"] == 252_100_000
    compiled = str(_rows(jonas.get(f"/projects/compilation.xlsx?on={on}")))
    assert "SLK 2011/" not in compiled
    listed = client.get(f"/api/v1/ideas?on={on}&page_size=100", headers=token)
    assert json.loads(listed.headers["X-Pagination"])["total_pages"] == 1
    assert max(item["submitted_at"][:10] for item in listed.json) <= on
    dashboard = client.get(f"/api/v1/dashboards/programme?on={on}", headers=token).json
    pipeline = list(dict(_chart(dashboard, "pipeline")["rows"]).values())
    assert pipeline[4:] == [39, 13]
    benefits = {row[0]: row[2] for row in _chart(dashboard, "benefits")["rows"]}
    assert benefits.get(2010) in (None, 0)


@pytest.mark.parametrize("value", ["not-a-date", "2010-02-30", "2007-09-30", "2013-01-01"])
def test_a_bad_date_is_refused_beside_the_field_and_in_the_api(jonas, token, client,
                                                               programme_id, value):
    for path in ("/", f"/programmes/{programme_id}", "/projects/", "/ideas/", "/applications/",
                 "/benefits/", "/dashboards/programme", "/budget-cuts/"):
        response = jonas.get(f"{path}?on={value}")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, path
        assert 'data-testid="as-of-error"' in html and "2007-10-01" in html, path
    for path in (f"/api/v1/programmes/{programme_id}", "/api/v1/projects", "/api/v1/ideas",
                 "/api/v1/dashboards/programme", "/api/v1/projects/compilation",
                 "/api/v1/benefits?year=2010",
                 f"/api/v1/adherence?programme_id={programme_id}"):
        separator = "&" if "?" in path else "?"
        response = client.get(f"{path}{separator}on={value}", headers=token)
        assert response.status_code == 422, (path, response.json)
        assert response.mimetype == "application/problem+json"
    outside = client.get(f"/api/v1/programmes/{programme_id}?on=2013-01-01", headers=token).json
    assert outside["field"] == "on" and "2012-12-31" in outside["detail"]


def test_a_tertial_report_built_today_equals_one_built_the_day_after_its_period(
        app, demo, demo_date):  # noqa: F811
    """Every demo tertial: the snapshot holds only what existed at the period end."""
    from app.followup.services import build_snapshot

    def without_stamp(snapshot: dict) -> dict:
        return {key: value for key, value in snapshot.items() if key != "generated_at"}

    with app.app_context():
        programme = db.session.scalar(sa.select(Programme))
        decided = dict(db.session.execute(sa.text(
            "SELECT p.title, MIN(d.decided_on) FROM project p JOIN decision d "
            "ON d.application_id = p.application_id GROUP BY p.title")).all())
        tertials = periods.tertials_between(programme.starts_on, programme.ends_on)
        for period in tertials:
            demo_date(date(2026, 12, 6))
            today = without_stamp(build_snapshot(programme, period))
            demo_date(period.ends_on + timedelta(days=1))
            then = without_stamp(build_snapshot(programme, period))
            assert today == then, (period.year, period.number)
            titles = {row["title"] for row in today["projects"]}
            titles |= {line["project"] for line in today["benefit_lines"]}
            for title in titles:
                decided_on = decided[title]
                decided_on = (decided_on if isinstance(decided_on, date)
                              else date.fromisoformat(str(decided_on)))
                assert decided_on <= period.ends_on, (period.year, period.number, title)
        first = build_snapshot(programme, tertials[0])
        assert "Skolval" not in {line["project"] for line in first["benefit_lines"]}
