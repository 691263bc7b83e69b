"""The seeded demo tells the benefit map's story on 1 March 2010: residential parking's board
decision and manual checks are late, the benefits resting on them are at risk, and
Trafikkontoret's 2010 budget cut was taken before the change happened."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.programmes.models import Programme
from tests.web.test_demo_reports import DEMO_DAY, client_of, table

BOARD = "Trafiknämnden beslutar att sluta skriva ut tillstånd på papper"


@pytest.fixture
def seeded(app, db_session, demo_date) -> None:
    """The demo in the rolled-back test database, the clock at 1 March 2010."""
    from app.seed import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
    demo_date(DEMO_DAY)


@pytest.fixture
def office(app, seeded):
    return client_of(app, "jonas@demo.stockholm.example", "127.0.1.16")


def _programme_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Programme.id))


def test_the_programme_office_finds_the_late_change_the_benefit_and_the_cut(app, office):
    html = office.get(f"/programmes/{_programme_id(app)}/benefit-map").get_data(as_text=True)
    late = table(html, "late-changes")
    assert BOARD in late and "Boendeparkering" in late
    row = late[late.index(BOARD):]
    row = row[:row.index("</tr>")]
    assert "Porto och utskrift" in row
    assert re.search(r"/budget-cuts/2010/organisations/\d+", row)
    assert "Skolexpeditionerna" in late
    assert "Förskoleansökan" not in late
    risk = table(html, "risk-by-organisation")
    assert "Trafikkontoret" in risk and "Utbildningsförvaltningen" in risk
    assert 'data-figure-source="network-figure"' in html


def test_the_demo_maps_through_the_api(app, seeded):
    from app.accounts.models import User
    from app.accounts.services import issue_api_token

    with app.app_context():
        token = issue_api_token(db.session.scalar(sa.select(User).where(
            User.email == "jonas@demo.stockholm.example")))
        db.session.commit()
    client = app.test_client()
    body = client.get(f"/api/v1/programmes/{_programme_id(app)}/benefit-map?on=2010-03-01",
                      headers={"Authorization": f"Bearer {token}"}).json
    kinds = {node["kind"] for node in body["nodes"]}
    assert kinds == {"enabler", "enabling_change", "business_change", "benefit", "goal"}
    board = next(n for n in body["nodes"] if n["label"] == BOARD)
    assert (board["state"], board["due_on"], board["at_risk"]) == ("under_way", "2008-05-31",
                                                                   True)
    platform = [n for n in body["nodes"] if n["label"] == "E-tjänsteplattformen"]
    assert len(platform) == 1 and platform[0]["kind"] == "enabler"
    before = client.get(f"/api/v1/programmes/{_programme_id(app)}/benefit-map?on=2008-05-30",
                        headers={"Authorization": f"Bearer {token}"}).json
    assert not any(n["at_risk"] for n in before["nodes"] if n["kind"] == "benefit")


def test_the_budget_cut_explanation_says_the_cut_came_before_the_change(app, office):
    from app.accounts.models import Organisation

    with app.app_context():
        traffic = db.session.scalar(sa.select(Organisation.id).where(
            Organisation.name == "Trafikkontoret"))
    html = office.get(f"/budget-cuts/2010/organisations/{traffic}?programme_id="
                     f"{_programme_id(app)}").get_data(as_text=True)
    flags = html[html.index('data-testid="flags"'):]
    assert "Cut before the change happened" in flags or "Neddragning före förändringen" in flags
    assert BOARD in flags
