"""The position page, its API and its Excel sheet on the seeded demo: the same figures to the
krona at every date, the rows behind each figure, and the refusals."""

from datetime import date
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.programmes.models import Programme
from app.programmes.position import position
from tests.web.seeded_demo import issue_token
from tests.web.test_demo_reports import client_of

DATES = ["2008-06-30", "2009-04-30", "2010-03-01", "2011-06-30", "2012-12-31"]


@pytest.fixture
def demo(app, db_session, demo_date) -> int:
    from app.seed import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        programme_id = db.session.scalar(sa.select(Programme.id).order_by(Programme.id))
    demo_date(date(2010, 3, 1))
    return programme_id


@pytest.fixture
def jonas(app, demo):
    return client_of(app, "jonas@demo.stockholm.example", "127.0.2.1")


@pytest.fixture
def karin(app, demo):
    return client_of(app, "karin@demo.stockholm.example", "127.0.2.2")


def _page_values(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'<tr data-figure="([^"]+)">.*?data-value="([^"]*)"', html, re.S))


def _sheet_values(data: bytes) -> list[tuple]:
    sheet = load_workbook(BytesIO(data)).worksheets[0]
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows(min_row=2)]


def _flat(figures: dict) -> dict[str, object]:
    flat = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            name = "budget_cuts_sek" if key == "budget_cuts_sek" else key
            flat.update({f"{name}.{inner}": number for inner, number in value.items()})
        elif key != "on":
            flat[key] = value
    return flat


@pytest.mark.parametrize("day", DATES)
def test_page_api_and_sheet_agree_to_the_krona(app, demo, jonas, day):
    headers = issue_token(app, "jonas@demo.stockholm.example")
    api = jonas.get(f"/api/v1/programmes/{demo}/position?on={day}", headers=headers)
    assert api.status_code == 200, api.get_data(as_text=True)
    figures = api.get_json()
    assert figures["on"] == day
    with app.app_context():
        programme = db.session.get(Programme, demo)
        assert figures == position(programme, date.fromisoformat(day)).as_dict()
    page = jonas.get(f"/programmes/{demo}/position?on={day}")
    assert page.status_code == 200
    shown = _page_values(page.get_data(as_text=True))
    expected = _flat(figures)
    assert set(shown) == set(expected)
    for key, value in expected.items():
        assert shown[key] == ("" if value is None else str(value)), key
    sheet = jonas.get(f"/programmes/{demo}/position.xlsx?on={day}")
    assert sheet.status_code == 200
    numbers = [next((v for v in row[1:] if v is not None), None)
               for row in _sheet_values(sheet.data)]
    assert numbers == [expected[key] for key in shown]


def test_the_projects_rows_are_the_figure(jonas, demo):
    html = jonas.get(f"/programmes/{demo}/position?on=2010-03-01").get_data(as_text=True)
    assert f"/programmes/{demo}/position/rows?figure=projects" in html
    figures = jonas.get(f"/programmes/{demo}/position?on=2010-03-01")
    count = _page_values(figures.get_data(as_text=True))["projects"]
    rows = jonas.get(f"/programmes/{demo}/position/rows?figure=projects&on=2010-03-01")
    assert rows.status_code == 200
    assert f'data-count="{count}"' in rows.get_data(as_text=True)


@pytest.mark.parametrize("figure", ["projects", "finished", "feasibility", "other", "ideas",
                                    "budget_cuts", "adherence"])
def test_every_figure_has_its_rows(jonas, demo, figure):
    response = jonas.get(f"/programmes/{demo}/position/rows?figure={figure}&on=2010-03-01")
    assert response.status_code == 200
    assert 'data-testid="position-rows"' in response.get_data(as_text=True)


def test_idea_groups_add_up_to_the_received(jonas, demo):
    import re

    counts = {}
    for group in ("", "became_projects", "not_approved", "awaiting_application"):
        html = jonas.get(f"/programmes/{demo}/position/rows?figure=ideas&group={group}"
                         "&on=2010-03-01").get_data(as_text=True)
        counts[group] = int(re.search(r'data-count="(\d+)"', html).group(1))
    assert counts[""] == counts["became_projects"] + counts["not_approved"] + counts[
        "awaiting_application"]


def test_an_applicant_sees_the_figures_but_not_the_rows(karin, demo):
    page = karin.get(f"/programmes/{demo}/position")
    assert page.status_code == 200
    assert "position/rows" not in page.get_data(as_text=True)
    assert karin.get(f"/programmes/{demo}/position/rows?figure=projects").status_code == 403


@pytest.mark.parametrize("bad", ["2006-01-01", "2013-01-01", "yesterday", "2010-02-30"])
def test_a_bad_date_is_refused_everywhere(app, jonas, demo, bad):
    headers = issue_token(app, "jonas@demo.stockholm.example")
    api = jonas.get(f"/api/v1/programmes/{demo}/position?on={bad}", headers=headers)
    assert api.status_code == 422
    assert api.headers["Content-Type"].startswith("application/problem+json")
    assert jonas.get(f"/programmes/{demo}/position?on={bad}").status_code == 422
    assert jonas.get(f"/programmes/{demo}/position.xlsx?on={bad}").status_code == 422
    assert jonas.get(f"/programmes/{demo}/position/rows?on={bad}").status_code == 422


def test_unknown_programme_and_figure(app, jonas, demo):
    headers = issue_token(app, "jonas@demo.stockholm.example")
    assert jonas.get("/api/v1/programmes/999999/position", headers=headers).status_code == 404
    assert jonas.get("/programmes/999999/position").status_code == 404
    assert jonas.get(f"/programmes/{demo}/position/rows?figure=nothing").status_code == 400
    assert jonas.get(f"/programmes/{demo}/position/rows?figure=ideas&group=x").status_code == 400


def test_the_programme_page_links_to_its_position(jonas, demo):
    html = jonas.get(f"/programmes/{demo}?on=2009-04-30").get_data(as_text=True)
    assert f"/programmes/{demo}/position?on=2009-04-30" in html


def test_signed_out_and_without_token(client, demo):
    assert client.get(f"/programmes/{demo}/position").status_code == 302
    assert client.get(f"/api/v1/programmes/{demo}/position").status_code == 401
