"""Organisation scoping: drafts are private to the applying organisation."""

from datetime import date

import pytest

from app.applications.models import Application
from app.core.enums import ApplicationKind, ApplicationState
from app.extensions import db


@pytest.fixture
def world(app, make_organisation, make_user, make_programme):
    """Two administrations, each with a draft and a submitted application."""
    programme = make_programme()
    traffic, school = make_organisation("Trafikkontoret"), make_organisation("Utbildning")
    ids = {}
    with app.app_context():
        for org, label in ((traffic, "traffic"), (school, "school")):
            for state in (ApplicationState.DRAFT, ApplicationState.SUBMITTED):
                application = Application(
                    programme_id=programme, organisation_id=org,
                    kind=ApplicationKind.FEASIBILITY, title=f"{label} {state}", state=state,
                    requested_sek=1_200_000, starts_on=date(2008, 1, 1),
                )
                db.session.add(application)
                db.session.flush()
                ids[(label, state.value)] = application.id
        db.session.commit()
    return {
        "ids": ids,
        "karin": make_user(["applicant"], organisation_id=traffic),
        "jonas": make_user(["programme_office"]),
        "auditor": make_user(["auditor"]),
    }


def test_applicant_sees_own_draft(client, login_as, world):
    login_as(world["karin"])
    assert client.get(f"/applications/{world['ids'][('traffic', 'draft')]}").status_code == 200


def test_applicant_gets_404_for_another_organisations_draft(client, login_as, world):
    login_as(world["karin"])
    response = client.get(f"/applications/{world['ids'][('school', 'draft')]}")
    assert response.status_code == 404


def test_applicant_gets_404_for_another_organisations_submitted_application(
        client, login_as, world):
    login_as(world["karin"])
    assert client.get(f"/applications/{world['ids'][('school', 'submitted')]}").status_code == 404


def test_applicant_list_shows_only_own_organisation(client, login_as, world):
    login_as(world["karin"])
    html = client.get("/applications/").get_data(as_text=True)
    assert "traffic draft" in html and "traffic submitted" in html
    assert "school" not in html


def test_programme_office_sees_submitted_but_not_drafts(client, login_as, world):
    login_as(world["jonas"])
    assert client.get(f"/applications/{world['ids'][('school', 'submitted')]}").status_code == 200
    assert client.get(f"/applications/{world['ids'][('school', 'draft')]}").status_code == 404
    html = client.get("/applications/").get_data(as_text=True)
    assert "school submitted" in html and "school draft" not in html


def test_auditor_reads_everything(client, login_as, world):
    login_as(world["auditor"])
    for application_id in world["ids"].values():
        assert client.get(f"/applications/{application_id}").status_code == 200


def test_unknown_stage_filter_is_a_bad_request(client, login_as, world):
    login_as(world["karin"])
    assert client.get("/applications/?state=approved-ish").status_code == 400
