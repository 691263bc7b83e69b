"""A decided feasibility study is a grant, not a funded project, by every route.

Anders decides Karin's study on its page; then Karin, Jonas and Anders try every door to a
project and its six-weekly reports: the API's project and report endpoints with any id the
study has, a second decision, a supplementary grant, and the daily report jobs. None opens.
"""

import re
from datetime import date

import pytest

from app.applications.models import Decision
from app.core.models import Notification
from app.extensions import db
from app.projects.models import Project, StatusReport
from tests.web.test_application_pages import (
    clients_for,
    count,
    html_of,
    marked,
    page,
    post_step,
    remaining_on_programme_page,
)

PROBLEM = "application/problem+json"


@pytest.fixture
def browser(app, db_session, people, demo_date):
    demo_date("2008-03-07")
    return clients_for(app, people)


@pytest.fixture
def token(api_token, people):
    return {name: api_token(getattr(people, name)) for name in ("karin", "jonas", "anders")}


@pytest.fixture
def decided_study(app, browser, make_application, make_programme):
    """Karin's 1 200 000 kr study, decided by Anders on its page on 2008-03-07."""
    programme = make_programme()
    study = make_application("awaiting_decision", requested_sek=1_200_000, kind="feasibility",
                             programme_id=programme, title="Förstudie e-arkiv")
    before = remaining_on_programme_page(browser("jonas"), programme, on="2008-03-07")
    decided = post_step(browser("anders"), study, "decide", "decide", outcome="approved",
                        amount_sek="1 200 000", decided_on="2008-03-07",
                        decision_text="Förstudien beviljas.")
    assert decided.status_code == 302, html_of(decided)[:3000]
    with app.app_context():
        decision = db.session.query(Decision).filter_by(application_id=study).one()
        decision_id = decision.id
    return {"programme": programme, "study": study, "decision": decision_id,
            "decision_url": decided.headers["Location"], "before": before}


def test_the_decision_page_says_the_study_is_a_grant_and_the_envelope_drops_by_it(
        app, browser, decided_study):
    html = page(browser("anders"), decided_study["decision_url"])

    assert "förstudie är ett bidrag, inte ett finansierat projekt" in marked(html,
                                                                           "funded-project")
    assert not re.search(r'href="/projects/\d', html)
    assert marked(html, "amount") == "1 200 000 kr"
    remaining = remaining_on_programme_page(browser("jonas"), decided_study["programme"],
                                            on="2008-03-07")
    assert decided_study["before"] - remaining == 1_200_000
    applicant_view = page(browser("karin"), f"/applications/{decided_study['study']}")
    assert "SLK 2008/0001" in marked(applicant_view, "decisions")
    assert count(app, Project) == 0


def test_no_route_gives_a_decided_study_a_project_or_six_weekly_reports(
        app, client, browser, token, decided_study, demo_date):
    from app.jobs import services as jobs

    study, decision = decided_study["study"], decided_study["decision"]
    again = client.post(f"/api/v1/applications/{study}/decision", headers=token["anders"],
                        json={"outcome": "approved"})
    assert again.status_code == 409 and again.mimetype == PROBLEM
    supplement = client.post(f"/api/v1/decisions/{decision}/corrections",
                             headers=token["anders"],
                             json={"kind": "supplementary", "amount_sek": 100_000,
                                   "decided_on": "2008-03-07", "decision_text": "Tillägg"})
    assert supplement.status_code == 201, supplement.json
    assert count(app, Project) == 0

    for project_id in {study, decision, supplement.json["id"], 1}:
        for who in ("karin", "jonas"):
            headers = token[who]
            assert client.get(f"/api/v1/projects/{project_id}",
                              headers=headers).status_code == 404
            opened = client.post(f"/api/v1/projects/{project_id}/reports", headers=headers,
                                 json={"period_number": 1})
            assert opened.status_code == 404 and opened.mimetype == PROBLEM
            assert client.post(f"/api/v1/projects/{project_id}/go-live", headers=headers,
                               json={"go_live_on": "2008-03-07"}).status_code == 404
            assert browser(who).get(f"/projects/{project_id}").status_code == 404
    assert client.get("/api/v1/projects", headers=token["jonas"]).json == []
    queue = client.get("/api/v1/reports/queue", headers=token["jonas"]).json
    assert "Förstudie e-arkiv" not in str(queue)
    assert "Förstudie e-arkiv" not in page(browser("karin"), "/projects/")

    demo_date("2008-12-01")
    with app.app_context():
        for day in (date(2008, 4, 20), date(2008, 6, 1), date(2008, 12, 1)):
            assert jobs.open_due_periods(day) == 0
            assert jobs.send_report_reminders(day) == 0
            assert jobs.escalate_overdue_reports(day) == 0
        db.session.commit()
    assert count(app, Project) == 0
    assert count(app, StatusReport) == 0
    with app.app_context():
        kinds = {n.kind for n in db.session.query(Notification)}
    assert not {kind for kind in kinds if kind.startswith("report.")}
