"""Budget-cut pages: the explanation a head of administration reads, its Excel, the year's
proposal, adoption and correction, reconciliation, policies and what-if."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.accounts.models import Organisation, User
from app.budget_cuts import services
from app.budget_cuts.models import BudgetCutEntry, BudgetCutPolicy
from app.core.enums import BudgetCutEntryKind
from app.core.models import AuditEntry
from app.extensions import db
from app.programmes.models import Programme
from tests.conftest import count_rows, csrf_token_from
from tests.integration.test_budget_cuts import DEMO_POLICY, add_project, realise, steady

NBSP = "\u00a0"


def _text(response) -> str:
    return response.get_data(as_text=True)


def build_world(app, people, make_organisation, make_user, make_programme) -> SimpleNamespace:
    """Utbildningsförvaltningen with Skolval (700 000/yr) and Hitta skola (500 000/yr) from
    2011, a not yet launched Skolwebb, Trafikkontoret's route planner; the demo policy."""
    edu = make_organisation("Utbildningsförvaltningen")
    head = make_user(["applicant"], organisation_id=edu, name="Annika Wallin")
    programme_id = make_programme()
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        services.create_policy(programme, DEMO_POLICY, db.session.get(User, people.jonas))
        school = add_project(programme_id, edu, "Skolval", go_live_on=date(2010, 1, 15),
                             benefits=[(edu, "Färre pappersansökningar", steady(700_000))])
        add_project(programme_id, edu, "Hitta skola", go_live_on=date(2009, 8, 17),
                    benefits=[(edu, "Färre samtal till skolorna", steady(500_000))])
        add_project(programme_id, edu, "Skolwebb", go_live_on=None,
                    benefits=[(edu, "Färre utskick", steady(300_000))])
        add_project(programme_id, people.traffic, "Cykelreseplanerare",
                    go_live_on=date(2010, 5, 17),
                    benefits=[(people.traffic, "Färre samtal", steady(200_000, 2010))])
        realise(school, "Färre pappersansökningar", 2011, 650_000)
        db.session.commit()
    return SimpleNamespace(edu=edu, head=head, programme=programme_id, traffic=people.traffic,
                           karin=people.karin, jonas=people.jonas, auditor=people.auditor)


@pytest.fixture
def world(app, people, make_organisation, make_user, make_programme):
    return build_world(app, people, make_organisation, make_user, make_programme)


def _url(world, path: str) -> str:
    separator = "&" if "?" in path else "?"
    return f"/budget-cuts{path}{separator}programme_id={world.programme}"


def _propose_and_adopt(app, world, amount=1_200_000, reason=""):
    with app.app_context():
        programme = db.session.get(Programme, world.programme)
        jonas = db.session.get(User, world.jonas)
        services.propose_budget_cuts(programme, 2012, jonas)
        services.adopt_budget_cut(programme, db.session.get(Organisation, world.edu), 2012,
                                  amount, "KF 2011-11-28, Budget 2012", reason, jonas)
        db.session.commit()


# ---- the explanation ------------------------------------------------------------------------

def test_the_head_of_administration_finds_why_her_budget_is_lower(app, client, login_as, world):
    _propose_and_adopt(app, world)
    login_as(world.head)
    landing = client.get(f"/budget-cuts/?programme_id={world.programme}")
    assert landing.status_code == 302
    response = client.get(_url(world, f"/2012/organisations/{world.edu}"))
    html = _text(response)
    assert response.status_code == 200
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    assert "2012" in heading and f"1,2{NBSP}mnkr" in heading
    for expected in ("Skolval", "Hitta skola", "Färre pappersansökningar",
                     "Färre samtal till skolorna",
                     "Neddragningen är beslutad: KF 2011-11-28, Budget 2012",
                     f"700{NBSP}000{NBSP}kr", f"500{NBSP}000{NBSP}kr", f"650{NBSP}000{NBSP}kr",
                     f"1{NBSP}200{NBSP}000{NBSP}kr"):
        assert expected in html, expected
    lines = html[html.index('data-testid="lines"'):]
    lines = lines[:lines.index("</table>")]
    body = lines[lines.index("<tbody>"):lines.index("</tbody>")]
    assert body.count("<tr>") == 2 and "Skolwebb" not in lines
    assert "Skolwebb" in html[html.index('data-testid="excluded"'):]
    assert 'scope="col"' in lines and "<caption>" in lines
    assert "<script>" not in html


def test_an_organisation_sees_only_its_own_explanation(client, login_as, world):
    login_as(world.head)
    token = csrf_token_from(_text(client.get(_url(world, f"/2012/organisations/{world.edu}"))))
    assert client.get(_url(world, f"/2012/organisations/{world.traffic}")).status_code == 404
    assert client.get(_url(world, f"/2012/organisations/{world.traffic}/explanation.xlsx")
                      ).status_code == 404
    for path in ("/2012", "/2012/reconciliation", "/what-if"):
        assert client.get(_url(world, path)).status_code == 403, path
    assert client.post(_url(world, "/2012/propose"),
                       data={"csrf_token": token}).status_code == 403


def test_programme_roles_and_auditors_see_every_explanation(client, login_as, world):
    login_as(world.auditor)
    html = _text(client.get(_url(world, f"/2012/organisations/{world.edu}")))
    assert "Utbildningsförvaltningen" in html and "Skolval" in html
    assert "/adopt" not in html


def test_pages_need_login(client, world):
    response = client.get(_url(world, f"/2012/organisations/{world.edu}"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_year_outside_the_programme_is_refused(client, login_as, world):
    login_as(world.head)
    assert client.get(_url(world, f"/2031/organisations/{world.edu}")).status_code == 422


def test_the_explanation_downloads_as_one_sheet_of_excel(app, client, login_as, world):
    _propose_and_adopt(app, world)
    login_as(world.head)
    response = client.get(_url(world, f"/2012/organisations/{world.edu}/explanation.xlsx"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.data))
    assert len(workbook.sheetnames) == 1
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows[0]) == 10
    by_project = {row[1]: row for row in rows[1:] if row[1]}
    assert by_project["Skolval"][5] == 700_000 and by_project["Skolval"][7] == 700_000
    assert by_project["Skolval"][8] == 650_000
    assert by_project["Hitta skola"][7] == 500_000
    assert any("KF 2011-11-28" in str(row[9]) for row in rows)


# ---- proposal, adoption, correction ---------------------------------------------------------

def test_the_programme_office_proposes_the_years_cuts(app, client, login_as, world):
    login_as(world.jonas)
    page = client.get(_url(world, "/2012"))
    html = _text(page)
    assert page.status_code == 200 and "Utbildningsförvaltningen" in html
    response = client.post(_url(world, "/2012/propose"),
                           data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 302
    with app.app_context():
        proposals = db.session.scalars(sa.select(BudgetCutEntry).order_by(
            BudgetCutEntry.organisation_id)).all()
        assert {(e.organisation_id, e.amount_sek) for e in proposals} == {
            (world.edu, 1_200_000), (world.traffic, 200_000)}
    client.post(_url(world, "/2012/propose"), data={"csrf_token": csrf_token_from(html)})
    with app.app_context():
        assert count_rows(BudgetCutEntry) == 2


def test_proposing_without_a_policy_says_what_to_do(app, client, login_as, world):
    login_as(world.jonas)
    html = _text(client.get(_url(world, "/2008")))
    with app.app_context():
        db.session.execute(sa.delete(BudgetCutPolicy))
        db.session.commit()
    response = client.post(_url(world, "/2008/propose"), data={"csrf_token": csrf_token_from(html)},
                           follow_redirects=True)
    assert "/budget-cuts/policies" in _text(response) or "policy" in _text(response).lower()
    with app.app_context():
        assert count_rows(BudgetCutEntry) == 0


def test_an_adopted_cut_that_differs_needs_its_reason(app, client, login_as, world):
    with app.app_context():
        services.propose_budget_cuts(db.session.get(Programme, world.programme), 2012,
                                     db.session.get(User, world.jonas))
        db.session.commit()
    login_as(world.jonas)
    url = _url(world, f"/2012/organisations/{world.edu}/adopt")
    page = client.get(url)
    html = _text(page)
    assert 'value="1 200 000"' in html
    form = {"csrf_token": csrf_token_from(html), "amount_sek": "1 000 000",
            "council_decision_ref": "KF 2011-11-28", "reason": ""}
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert 'href="#reason"' in _text(refused) and 'aria-invalid="true"' in _text(refused)
    accepted = client.post(url, data={**form, "reason": "Fullmäktige sänkte neddragningen."})
    assert accepted.status_code == 302
    html = _text(client.get(accepted.headers["Location"]))
    assert "Fullmäktige sänkte neddragningen." in html and f"1{NBSP}000{NBSP}000{NBSP}kr" in html
    assert client.get(url).status_code == 302


def test_an_adopted_cut_is_corrected_by_a_new_entry(app, client, login_as, world):
    _propose_and_adopt(app, world)
    with app.app_context():
        adopted = db.session.scalar(sa.select(BudgetCutEntry).where(
            BudgetCutEntry.kind == BudgetCutEntryKind.ADOPTED))
        adopted_id = adopted.id
    login_as(world.jonas)
    url = f"/budget-cuts/entries/{adopted_id}/correct"
    html = _text(client.get(url))
    form = {"csrf_token": csrf_token_from(html), "amount_sek": "900000",
            "council_decision_ref": "KF 2012-06-11", "reason": ""}
    assert client.post(url, data=form).status_code == 422
    assert client.post(url, data={**form, "reason": "Tilläggsbudget"}).status_code == 302
    with app.app_context():
        correction = db.session.scalar(sa.select(BudgetCutEntry).where(
            BudgetCutEntry.kind == BudgetCutEntryKind.CORRECTION))
        assert (correction.amount_sek, correction.corrects_id) == (900_000, adopted_id)
        assert db.session.get(BudgetCutEntry, adopted_id).amount_sek == 1_200_000


def test_only_the_programme_office_records_decisions(app, client, login_as, world):
    login_as(world.auditor)
    assert client.get(_url(world, f"/2012/organisations/{world.edu}/adopt")).status_code == 403


# ---- reconciliation and overview ------------------------------------------------------------

def test_the_reconciliation_flags_a_cut_greater_than_realised(app, client, login_as, world):
    _propose_and_adopt(app, world)
    login_as(world.jonas)
    html = _text(client.get(_url(world, "/2012/reconciliation")))
    row = html[html.index("Utbildningsförvaltningen"):]
    row = row[:row.index("</tr>")]
    assert f"650{NBSP}000{NBSP}kr" in row
    assert f"550{NBSP}000{NBSP}kr" in row
    assert "KF 2011-11-28" in row


def test_the_overview_shows_the_city_total_by_year(app, client, login_as, world):
    _propose_and_adopt(app, world)
    login_as(world.jonas)
    html = _text(client.get(_url(world, "/")))
    row = html[html.index("<th scope=\"row\">2012</th>"):]
    row = row[:row.index("</tr>")]
    assert f"1{NBSP}400{NBSP}000{NBSP}kr" in row and f"1{NBSP}200{NBSP}000{NBSP}kr" in row


# ---- policies -------------------------------------------------------------------------------

def test_a_share_outside_0_to_100_is_a_form_error_on_the_share(app, client, login_as, world):
    login_as(world.jonas)
    page = _text(client.get(_url(world, "/policies")))
    form = {"csrf_token": csrf_token_from(page), "valid_from_year": "2011", "share": "150",
            "lag_years": "1"}
    refused = client.post(_url(world, "/policies"), data=form)
    assert refused.status_code == 422
    html = _text(refused)
    assert 'href="#share"' in html and 'id="share-error"' in html
    refused = client.post(_url(world, "/policies"), data={**form, "share": "50",
                                                          "lag_years": "-1"})
    assert refused.status_code == 422 and 'id="lag_years-error"' in _text(refused)
    refused = client.post(_url(world, "/policies"), data={**form, "share": "50",
                                                          "valid_from_year": "2030"})
    assert refused.status_code == 422 and 'id="valid_from_year-error"' in _text(refused)
    accepted = client.post(_url(world, "/policies"), data={**form, "share": "50",
                                                           "net_running_costs": "y"})
    assert accepted.status_code == 302
    with app.app_context():
        policy = db.session.scalar(sa.select(BudgetCutPolicy).where(
            BudgetCutPolicy.valid_from_year == 2011))
        assert policy.share == Decimal("0.5") and policy.net_running_costs


def test_others_read_the_policy_but_cannot_change_it(client, login_as, world):
    login_as(world.head)
    html = _text(client.get(_url(world, "/policies")))
    assert "2008" in html and "<form method=\"post\" novalidate>" not in html
    assert client.post(_url(world, "/policies"),
                       data={"csrf_token": csrf_token_from(html)}).status_code == 403


def test_a_policy_is_edited_until_a_proposal_rests_on_it(app, client, login_as, world):
    with app.app_context():
        policy_id = db.session.scalar(sa.select(BudgetCutPolicy.id))
    login_as(world.jonas)
    url = f"/budget-cuts/policies/{policy_id}/edit"
    html = _text(client.get(url))
    assert 'value="100"' in html
    form = {"csrf_token": csrf_token_from(html), "valid_from_year": "2008", "share": "75",
            "lag_years": "2"}
    assert client.post(url, data=form).status_code == 302
    with app.app_context():
        services.propose_budget_cuts(db.session.get(Programme, world.programme), 2012,
                                     db.session.get(User, world.jonas))
        db.session.commit()
    client.post(url, data={**form, "share": "10"})
    with app.app_context():
        assert db.session.get(BudgetCutPolicy, policy_id).share == Decimal("0.75")


# ---- what-if --------------------------------------------------------------------------------

def test_what_if_compares_policies_in_a_table_and_a_chart_and_writes_nothing(
        app, client, login_as, world):
    login_as(world.jonas)
    with app.app_context():
        before = [count_rows(m) for m in (BudgetCutEntry, BudgetCutPolicy, AuditEntry)]
    query = ("/what-if?first_year=2011&last_year=2012"
             "&scenarios-0-share=100&scenarios-0-lag_years=1"
             "&scenarios-1-share=50&scenarios-1-lag_years=1"
             "&scenarios-2-share=100&scenarios-2-lag_years=2")
    response = client.get(_url(world, query))
    html = _text(response)
    assert response.status_code == 200
    table = html[html.index('data-testid="what-if-totals"'):]
    table = table[:table.index("</table>")]
    row = table[table.index("<th scope=\"row\">2012</th>"):]
    assert f"1{NBSP}400{NBSP}000{NBSP}kr" in row and f"700{NBSP}000{NBSP}kr" in row
    assert f"200{NBSP}000{NBSP}kr" in row
    assert 'role="img"' in html and "<rect" in html and 'aria-labelledby="chart-title' in html
    assert "<script>" not in html and "style=" not in html[html.index("<svg"):]
    with app.app_context():
        assert [count_rows(m) for m in (BudgetCutEntry, BudgetCutPolicy, AuditEntry)] == before


def test_what_if_opens_with_the_policy_in_force_and_names_a_bad_field(client, login_as, world):
    login_as(world.jonas)
    first = client.get(_url(world, "/what-if"))
    assert first.status_code == 200 and 'data-testid="what-if-totals"' in _text(first)
    refused = client.get(_url(world, "/what-if?first_year=2011&last_year=2012"
                                     "&scenarios-0-share=100&scenarios-1-share=120"))
    assert refused.status_code == 422
    assert 'id="scenarios-1-share-error"' in _text(refused)
    assert 'href="#scenarios-1-share"' in _text(refused)
