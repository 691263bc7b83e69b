"""Idea pages through the test client: list, write with the reuse check, detail, screen, idle."""

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.core.enums import IdeaState
from app.core.models import Notification
from app.extensions import db
from app.ideas.models import ProjectIdea
from tests.conftest import csrf_token_from

VAGVISARE = "Vägvisare för gång och cykel i stadens webbkarta"


def _idea(programme, organisation, title, description, state=IdeaState.SUBMITTED,
          screened_at=None, comment="") -> int:
    idea = ProjectIdea(programme_id=programme, organisation_id=organisation, title=title,
                       description=description, state=state, screened_at=screened_at,
                       screening_comment=comment)
    db.session.add(idea)
    db.session.flush()
    return idea.id


@pytest.fixture
def world(app, make_organisation, make_user, make_programme):
    """Karin (Trafikkontoret), Sven (Stadsbyggnadskontoret) with the route service, Jonas."""
    traffic = make_organisation("Trafikkontoret")
    planning = make_organisation("Stadsbyggnadskontoret")
    programme = make_programme()
    with app.app_context():
        ids = {
            "vagvisare": _idea(programme, planning, VAGVISARE,
                               "En ruttfunktion som visar gång- och cykelvägar mellan adresser.",
                               IdeaState.APPROVED_TO_APPLY,
                               datetime(2009, 11, 13, 12, tzinfo=UTC)),
            "karins": _idea(programme, traffic, "Felanmälan i gatumiljön",
                            "Felanmäl potthål med mobilen."),
            "asked": _idea(programme, traffic, "Parkeringsapp", "Betala parkering.",
                           IdeaState.MORE_INFO_REQUESTED, datetime(2010, 2, 1, 12, tzinfo=UTC),
                           "Hur många parkerar per dag?"),
        }
        db.session.commit()
    return SimpleNamespace(
        traffic=traffic, planning=planning, programme=programme, **ids,
        karin=make_user(["applicant"], organisation_id=traffic, name="Karin"),
        sven=make_user(["applicant"], organisation_id=planning, name="Sven"),
        jonas=make_user(["programme_office"], name="Jonas"),
        auditor=make_user(["auditor"]),
    )


def _text(response) -> str:
    return response.get_data(as_text=True)


def _logout(client):
    token = csrf_token_from(_text(client.get("/ideas/")))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def _stored(app, **filters):
    with app.app_context():
        return db.session.scalars(sa.select(ProjectIdea).filter_by(**filters)).all()


NEW_IDEA = {"title": "Cykelreseplanerare",
            "description": "En reseplanerare som föreslår cykelvägar mellan två adresser.",
            "target_group": "Cyklister", "expected_benefit": "Fler cykelresor",
            "contact_name": "Karin", "contact_email": "karin@test.example"}


def _post_new(client, world, data, seen=None):
    page = client.get("/ideas/new")
    form = {**data, "programme_id": world.programme, "csrf_token": csrf_token_from(_text(page))}
    if seen is not None:
        form["seen_similar"] = seen
    return client.post("/ideas/new", data=form)


# ---- list -----------------------------------------------------------------------------------

def test_applicant_lists_only_own_organisations_ideas(client, login_as, world):
    login_as(world.karin)
    html = _text(client.get("/ideas/"))
    assert "Felanmälan i gatumiljön" in html and "Parkeringsapp" in html
    assert VAGVISARE not in html


def test_programme_office_filters_by_state_and_organisation_in_the_url(client, login_as, world):
    login_as(world.jonas)
    html = _text(client.get("/ideas/"))
    assert VAGVISARE in html and "Felanmälan i gatumiljön" in html
    html = _text(client.get("/ideas/?state=approved_to_apply"))
    assert VAGVISARE in html and "Felanmälan i gatumiljön" not in html
    html = _text(client.get(f"/ideas/?organisation_id={world.traffic}"))
    assert VAGVISARE not in html and "Parkeringsapp" in html
    assert f'<option value="{world.traffic}" selected' in html


@pytest.mark.parametrize("query", ["state=approved", "organisation_id=x", "organisation_id=-1"])
def test_bad_filters_are_400(client, login_as, world, query):
    login_as(world.jonas)
    assert client.get(f"/ideas/?{query}").status_code == 400


def test_pages_need_login(client, world):
    for path in ("/ideas/", "/ideas/new", f"/ideas/{world.karins}", "/ideas/similar?title=x"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- writing an idea with the reuse check ---------------------------------------------------

def test_new_idea_form_is_accessible_and_loads_the_live_check(client, login_as, world):
    login_as(world.karin)
    response = client.get("/ideas/new")
    html = _text(response)
    assert response.status_code == 200
    for name in ("title", "description", "target_group", "expected_benefit", "contact_name",
                 "contact_email"):
        assert f'<label class="form-label" for="{name}">' in html
    assert 'id="similar-results" aria-live="polite"' in html
    assert 'data-similar-url="/ideas/similar"' in html
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    script = client.application.extensions["asset_manifest"]["js/ideas.js"]
    assert f'src="/assets/{script}" nonce="{nonce}"' in html
    assert "<script>" not in html


def test_live_check_returns_other_organisations_similar_ideas(client, login_as, world):
    login_as(world.karin)
    response = client.get("/ideas/similar?title=Cykelreseplanerare&description=")
    html = _text(response)
    assert response.status_code == 200 and "<html" not in html
    assert VAGVISARE in html and "Stadsbyggnadskontoret" in html
    assert f'data-keys="idea:{world.vagvisare}"' in html
    assert f'href="/ideas/{world.vagvisare}"' not in html   # Karin cannot open it
    assert "Vägvisare" not in _text(client.get("/ideas/similar?title=Simhall"))


def test_live_check_leaves_out_the_users_own_organisation(client, login_as, world):
    login_as(world.sven)
    html = _text(client.get("/ideas/similar?title=Vägvisare+för+cykel"))
    assert VAGVISARE not in html


def test_static_script_is_served(client, login_as, world):
    script = client.application.extensions["asset_manifest"]["js/ideas.js"]
    response = client.get(f"/assets/{script}")
    assert response.status_code == 200 and b"similar-results" in response.data
    response.close()


def test_submit_shows_similar_ideas_first_then_submits(app, client, login_as, world):
    login_as(world.karin)
    first = _post_new(client, world, NEW_IDEA)
    html = _text(first)
    assert first.status_code == 200
    assert VAGVISARE in html and 'class="alert alert-warning"' in html
    assert _stored(app, title="Cykelreseplanerare") == []
    seen = re.search(r'name="seen_similar" type="hidden" value="([^"]*)"', html).group(1)
    assert seen == f"idea:{world.vagvisare}"

    second = _post_new(client, world, NEW_IDEA, seen=seen)
    assert second.status_code == 302
    [idea] = _stored(app, title="Cykelreseplanerare")
    assert second.headers["Location"] == f"/ideas/{idea.id}"
    assert idea.organisation_id == world.traffic and idea.state == IdeaState.SUBMITTED
    with app.app_context():
        notices = db.session.scalars(sa.select(Notification.link)
                                     .where(Notification.user_id == world.jonas)).all()
    assert notices == [f"/ideas/{idea.id}"]


def test_submit_without_similar_ideas_goes_straight_through(app, client, login_as, world):
    login_as(world.karin)
    response = _post_new(client, world, {**NEW_IDEA, "title": "Simskola",
                                         "description": "Boka simskola för barn."})
    assert response.status_code == 302
    assert len(_stored(app, title="Simskola")) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"description": "  "}, "description"),
    ({"contact_email": "karin-at-trafik"}, "contact_email"),
])
def test_submit_with_errors_reshows_the_form_with_the_similar_list(
        app, client, login_as, world, change, field):
    login_as(world.karin)
    response = _post_new(client, world, {**NEW_IDEA, **change})
    html = _text(response)
    assert response.status_code == 422
    assert 'id="error-summary"' in html and f'href="#{field}"' in html
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"',
                     html) or f'aria-describedby="{field}-help {field}-error"' in html
    if change.get("title") != "":
        assert VAGVISARE in html
    assert len(_stored(app, organisation_id=world.traffic)) == 2


def test_submit_without_csrf_is_refused(app, client, login_as, world):
    login_as(world.karin)
    response = client.post("/ideas/new", data={**NEW_IDEA, "programme_id": world.programme})
    assert response.status_code == 400
    assert len(_stored(app, organisation_id=world.traffic)) == 2


@pytest.mark.parametrize("who", ["jonas", "auditor"])
def test_only_applicants_write_ideas(client, login_as, world, who):
    login_as(getattr(world, who))
    assert client.get("/ideas/new").status_code == 403


# ---- detail, edit ---------------------------------------------------------------------------

def test_detail_shows_the_history_and_similar_ideas(app, client, login_as, world):
    login_as(world.karin)
    _post_new(client, world, NEW_IDEA, seen=f"idea:{world.vagvisare}")
    [idea] = _stored(app, title="Cykelreseplanerare")
    html = _text(client.get(f"/ideas/{idea.id}"))
    assert VAGVISARE in html and "Stadsbyggnadskontoret" in html
    history = html.split("<caption>")[1]
    assert "Karin" in history
    assert f'href="/ideas/{idea.id}/edit"' in html
    assert f'href="/ideas/{idea.id}/screen"' not in html
    _logout(client)
    login_as(world.jonas)
    html = _text(client.get(f"/ideas/{idea.id}"))
    assert f'href="/ideas/{idea.id}/screen"' in html
    assert f'href="/ideas/{idea.id}/edit"' not in html


def test_another_organisations_idea_is_404(client, login_as, world):
    login_as(world.karin)
    for path in (f"/ideas/{world.vagvisare}", f"/ideas/{world.vagvisare}/edit",
                 f"/ideas/{world.vagvisare}/screen", "/ideas/999999",
                 f"/ideas/similar?idea_id={world.vagvisare}"):
        assert client.get(path).status_code == 404, path


def test_answering_a_question_requeues_the_idea(app, client, login_as, world):
    login_as(world.karin)
    page = client.get(f"/ideas/{world.asked}/edit")
    assert "Hur många parkerar per dag?" in _text(page)
    response = client.post(f"/ideas/{world.asked}/edit", data={
        "title": "Parkeringsapp", "description": "Betala parkering. 5 000 parkeringar per dag.",
        "csrf_token": csrf_token_from(_text(page))})
    assert response.status_code == 302
    [idea] = _stored(app, id=world.asked)
    assert idea.state == IdeaState.SUBMITTED and "5 000" in idea.description


def test_editing_a_screened_idea_is_409(client, login_as, world):
    login_as(world.sven)
    assert client.get(f"/ideas/{world.vagvisare}/edit").status_code == 409


def test_edit_with_a_blank_title_is_422(app, client, login_as, world):
    login_as(world.karin)
    page = client.get(f"/ideas/{world.karins}/edit")
    response = client.post(f"/ideas/{world.karins}/edit", data={
        "title": " ", "description": "x", "csrf_token": csrf_token_from(_text(page))})
    assert response.status_code == 422 and 'href="#title"' in _text(response)
    assert _stored(app, id=world.karins)[0].title == "Felanmälan i gatumiljön"


# ---- screening ------------------------------------------------------------------------------

def test_programme_office_screens_with_the_similar_list(app, client, login_as, world):
    with app.app_context():
        cykel = _idea(world.programme, world.traffic, "Cykelreseplanerare", "Cykelvägar.")
        db.session.commit()
    login_as(world.jonas)
    page = client.get(f"/ideas/{cykel}/screen")
    html = _text(page)
    assert page.status_code == 200 and VAGVISARE in html
    assert f'href="/ideas/{world.vagvisare}"' in html      # the office may open it
    assert '<fieldset class="mb-3" id="outcome"' in html and "<legend" in html
    response = client.post(f"/ideas/{cykel}/screen", data={
        "outcome": "rejected", "comment": "Återanvänd vägvisaren.",
        "csrf_token": csrf_token_from(html)})
    assert response.status_code == 302 and response.headers["Location"] == f"/ideas/{cykel}"
    [idea] = _stored(app, id=cykel)
    assert idea.state == IdeaState.REJECTED and idea.screening_comment == "Återanvänd vägvisaren."
    with app.app_context():
        links = db.session.scalars(sa.select(Notification.link)
                                   .where(Notification.user_id == world.karin)).all()
    assert links == [f"/ideas/{cykel}"]
    _logout(client)
    login_as(world.karin)
    detail = _text(client.get(f"/ideas/{cykel}"))
    assert "Återanvänd vägvisaren." in detail


@pytest.mark.parametrize(("data", "field"), [
    ({"outcome": "rejected", "comment": ""}, "comment"),
    ({"outcome": "more_info_requested", "comment": "  "}, "comment"),
    ({"outcome": "approved", "comment": ""}, "outcome"),
    ({"comment": "x"}, "outcome"),
])
def test_screening_errors_are_422_and_change_nothing(app, client, login_as, world, data, field):
    login_as(world.jonas)
    page = client.get(f"/ideas/{world.karins}/screen")
    response = client.post(f"/ideas/{world.karins}/screen",
                           data={**data, "csrf_token": csrf_token_from(_text(page))})
    assert response.status_code == 422
    assert f'href="#{field}"' in _text(response)
    assert _stored(app, id=world.karins)[0].state == IdeaState.SUBMITTED


def test_screening_by_an_applicant_is_403_and_an_answered_idea_is_409(client, login_as, world):
    login_as(world.karin)
    assert client.get(f"/ideas/{world.karins}/screen").status_code == 403
    _logout(client)
    login_as(world.jonas)
    assert client.get(f"/ideas/{world.asked}/screen").status_code == 409
    assert client.get(f"/ideas/{world.vagvisare}/screen").status_code == 409


# ---- idle approved ideas --------------------------------------------------------------------

def test_programme_office_sees_approved_ideas_without_an_application(client, login_as, world):
    login_as(world.jonas)
    response = client.get(f"/ideas/idle?programme_id={world.programme}")
    html = _text(response)
    assert response.status_code == 200
    assert VAGVISARE in html and "2009-11-13" in html
    assert "Felanmälan i gatumiljön" not in html


@pytest.mark.parametrize("who", ["karin", "auditor"])
def test_idle_list_is_for_the_programme_office(client, login_as, world, who):
    login_as(getattr(world, who))
    assert client.get("/ideas/idle").status_code == 403


def test_idle_list_of_a_missing_programme_is_404(client, login_as, world):
    login_as(world.jonas)
    assert client.get("/ideas/idle?programme_id=999999").status_code == 404
