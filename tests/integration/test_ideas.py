"""Idea services against the database: submit, edit, screen, visibility, reuse check, idle list."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications.models import Application
from app.core.enums import ApplicationKind, ApplicationState, IdeaState
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.models import AuditEntry, Notification
from app.extensions import db
from app.ideas import permissions, services
from app.ideas.models import ProjectIdea
from app.programmes.models import Programme
from app.projects.models import Project

VAGVISARE = ("Vägvisare för gång och cykel i stadens webbkarta",
             "En ruttfunktion i stadens webbkarta som visar gång- och cykelvägar mellan två "
             "adresser, byggd på Baggis geografiska data.")
KARIN_IDEA = {"title": "Cykelreseplanerare", "description": "Föreslår cykelvägar mellan adresser.",
              "target_group": "Cyklister", "expected_benefit": "Fler cykelresor",
              "contact_name": "Karin Holm", "contact_email": "karin@test.example"}


@pytest.fixture
def world(app_ctx, make_organisation, make_user, make_programme):
    """Trafikkontoret (Karin), Stadsbyggnadskontoret (Sven), the programme office, an auditor."""
    traffic = make_organisation("Trafikkontoret")
    planning = make_organisation("Stadsbyggnadskontoret")
    ids = SimpleNamespace(
        traffic=traffic, planning=planning,
        karin=make_user(["applicant"], organisation_id=traffic, name="Karin"),
        karins_colleague=make_user(["applicant"], organisation_id=traffic),
        sven=make_user(["applicant"], organisation_id=planning, name="Sven"),
        jonas=make_user(["programme_office"], name="Jonas"),
        jonas2=make_user(["programme_office"]),
        auditor=make_user(["auditor"]),
        loner=make_user(["applicant"]),
        programme=make_programme(),
    )
    return SimpleNamespace(ids=ids, **{
        name: db.session.get(User, value) for name, value in vars(ids).items()
        if name not in ("traffic", "planning", "programme")
    }, programme=db.session.get(Programme, ids.programme))


def add_idea(programme_id, organisation_id, title="En idé", description="Beskrivning",
             state=IdeaState.SUBMITTED, screened_at=None) -> ProjectIdea:
    idea = ProjectIdea(programme_id=programme_id, organisation_id=organisation_id, title=title,
                       description=description, state=state, screened_at=screened_at)
    db.session.add(idea)
    db.session.flush()
    return idea


def notifications_for(user_id) -> list[Notification]:
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id)
                              .order_by(Notification.id)).all()


def audit_actions(idea) -> list[str]:
    return db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "ProjectIdea",
                                           AuditEntry.object_id == str(idea.id))
        .order_by(AuditEntry.id)).all()


# ---- submit ---------------------------------------------------------------------------------

def test_submit_records_the_idea_audits_and_tells_the_programme_office(world):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    assert idea.id and idea.state == IdeaState.SUBMITTED
    assert idea.organisation_id == world.ids.traffic and idea.submitted_by_id == world.karin.id
    assert idea.contact_email == "karin@test.example"
    assert audit_actions(idea) == ["idea.submitted"]
    for office in (world.jonas, world.jonas2):
        [notice] = notifications_for(office.id)
        assert notice.kind == "idea.submitted" and notice.link == f"/ideas/{idea.id}"
        assert "Cykelreseplanerare" in notice.message and "Trafikkontoret" in notice.message
    assert notifications_for(world.sven.id) == []


def test_submit_flushes_but_never_commits(world):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    idea_id = idea.id
    db.session.rollback()
    assert db.session.get(ProjectIdea, idea_id) is None


@pytest.mark.parametrize("who", ["jonas", "auditor", "loner"])
def test_only_an_applicant_with_an_organisation_submits(world, who):
    with pytest.raises(Forbidden):
        services.submit_idea(world.programme, dict(KARIN_IDEA), actor=getattr(world, who))


@pytest.mark.parametrize(("change", "field"), [
    ({"title": None}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"description": ""}, "description"),
    ({"description": "x" * 10_001}, "description"),
    ({"target_group": 5}, "target_group"),
    ({"contact_email": "karin-at-trafik"}, "contact_email"),
    ({"contact_name": "x" * 201}, "contact_name"),
])
def test_submit_refuses_bad_input_naming_the_field(world, change, field):
    data = {**KARIN_IDEA, **change}
    if change.get("title", "") is None:
        del data["title"]
    with pytest.raises(InvalidInput) as caught:
        services.submit_idea(world.programme, data, actor=world.karin)
    assert caught.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProjectIdea)) == 0


def test_submit_strips_whitespace_and_defaults_optional_fields(world):
    idea = services.submit_idea(world.programme, {"title": "  Cykel  ", "description": " D "},
                                actor=world.karin)
    assert (idea.title, idea.description, idea.target_group, idea.contact_email) == (
        "Cykel", "D", "", "")


# ---- update ---------------------------------------------------------------------------------

def test_update_changes_fields_and_audits_only_what_changed(world):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    services.update_idea(idea, {"title": "Cykelplanerare", "description": KARIN_IDEA[
        "description"]}, actor=world.karins_colleague)
    assert idea.title == "Cykelplanerare" and idea.state == IdeaState.SUBMITTED
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "idea.updated")
                               ).one()
    assert entry.before == {"title": "Cykelreseplanerare"}
    assert entry.after == {"title": "Cykelplanerare"}


def test_update_without_changes_writes_nothing(world):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    services.update_idea(idea, {"title": KARIN_IDEA["title"]}, actor=world.karin)
    assert audit_actions(idea) == ["idea.submitted"]


@pytest.mark.parametrize(("who", "error"), [
    ("sven", NotFound), ("loner", NotFound), ("jonas", Forbidden), ("auditor", Forbidden)])
def test_update_by_others_is_refused(world, who, error):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    with pytest.raises(error):
        services.update_idea(idea, {"title": "X"}, actor=getattr(world, who))
    assert idea.title == "Cykelreseplanerare"


@pytest.mark.parametrize("state", [IdeaState.APPROVED_TO_APPLY, IdeaState.REJECTED])
def test_a_screened_idea_cannot_be_edited(world, state):
    idea = add_idea(world.programme.id, world.ids.traffic, state=state)
    with pytest.raises(Conflict):
        services.update_idea(idea, {"title": "X"}, actor=world.karin)


def test_update_refuses_a_blank_title(world):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    with pytest.raises(InvalidInput) as caught:
        services.update_idea(idea, {"title": " "}, actor=world.karin)
    assert caught.value.field == "title"


# ---- screening ------------------------------------------------------------------------------

@pytest.mark.parametrize(("outcome", "comment"), [
    ("approved_to_apply", ""),
    ("approved_to_apply", "Samordna med webbkartan."),
    ("rejected", "Stadsbyggnadskontorets vägvisare täcker behovet."),
    ("more_info_requested", "Hur många cyklister?"),
])
def test_screening_records_the_outcome_audits_and_notifies_the_organisation(
        world, outcome, comment):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    services.screen_idea(idea, outcome, f"  {comment}  ", actor=world.jonas)
    assert idea.state == IdeaState(outcome) and idea.screening_comment == comment
    assert idea.screened_by_id == world.jonas.id and idea.screened_at is not None
    assert audit_actions(idea) == ["idea.submitted", "idea.screened"]
    for member in (world.karin, world.karins_colleague):
        [notice] = notifications_for(member.id)
        assert notice.kind == "idea.screened" and notice.link == f"/ideas/{idea.id}"
    assert notifications_for(world.sven.id) == []


@pytest.mark.parametrize(("outcome", "comment", "field"), [
    ("rejected", "", "comment"),
    ("rejected", "   ", "comment"),
    ("more_info_requested", None, "comment"),
    ("approved", "", "outcome"),
    ("submitted", "", "outcome"),
    (None, "", "outcome"),
    ("approved_to_apply", "x" * 5_001, "comment"),
])
def test_screening_refuses_bad_input_and_changes_nothing(world, outcome, comment, field):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    with pytest.raises(InvalidInput) as caught:
        services.screen_idea(idea, outcome, comment, actor=world.jonas)
    assert caught.value.field == field
    assert idea.state == IdeaState.SUBMITTED and audit_actions(idea) == ["idea.submitted"]


@pytest.mark.parametrize(("who", "error"), [
    ("karin", Forbidden), ("auditor", Forbidden), ("sven", NotFound)])
def test_only_the_programme_office_screens(world, who, error):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    with pytest.raises(error):
        services.screen_idea(idea, "approved_to_apply", "", actor=getattr(world, who))
    assert idea.state == IdeaState.SUBMITTED


@pytest.mark.parametrize("state", [IdeaState.APPROVED_TO_APPLY, IdeaState.REJECTED,
                                   IdeaState.MORE_INFO_REQUESTED])
def test_screening_from_any_state_but_submitted_is_a_conflict(world, state):
    idea = add_idea(world.programme.id, world.ids.traffic, state=state)
    with pytest.raises(Conflict) as caught:
        services.screen_idea(idea, "approved_to_apply", "", actor=world.jonas)
    assert caught.value.extra["state"] == state.value
    assert idea.state == state


def test_more_information_round_trip(world):
    idea = services.submit_idea(world.programme, dict(KARIN_IDEA), actor=world.karin)
    services.screen_idea(idea, "more_info_requested", "Hur många användare?", actor=world.jonas)
    with pytest.raises(Conflict):
        services.screen_idea(idea, "approved_to_apply", "", actor=world.jonas)
    services.update_idea(idea, {"target_group": "60 000 cyklister"}, actor=world.karin)
    assert idea.state == IdeaState.SUBMITTED
    answered = [n for n in notifications_for(world.jonas.id) if n.kind == "idea.answered"]
    assert len(answered) == 1 and answered[0].link == f"/ideas/{idea.id}"
    services.screen_idea(idea, "approved_to_apply", "", actor=world.jonas)
    assert audit_actions(idea) == ["idea.submitted", "idea.screened", "idea.answered",
                                   "idea.screened"]
    history = services.idea_history(idea)
    assert [(h.action, h.state, h.actor_name) for h in history] == [
        ("idea.submitted", "submitted", "Karin"),
        ("idea.screened", "more_info_requested", "Jonas"),
        ("idea.answered", "submitted", "Karin"),
        ("idea.screened", "approved_to_apply", "Jonas"),
    ]
    assert history[1].comment == "Hur många användare?"


# ---- visibility -----------------------------------------------------------------------------

def test_visibility(world):
    own = add_idea(world.programme.id, world.ids.traffic, "Trafik")
    other = add_idea(world.programme.id, world.ids.planning, "Plan",
                     state=IdeaState.APPROVED_TO_APPLY)

    def seen(user, **filters):
        return {i.title for i in db.session.scalars(permissions.visible_ideas(user, **filters))}

    assert seen(world.karin) == {"Trafik"}
    assert seen(world.jonas) == seen(world.auditor) == {"Trafik", "Plan"}
    assert seen(world.loner) == set()
    assert seen(world.jonas, state=IdeaState.APPROVED_TO_APPLY) == {"Plan"}
    assert seen(world.jonas, organisation_id=world.ids.traffic) == {"Trafik"}
    assert seen(world.karin, organisation_id=world.ids.planning) == set()
    assert permissions.get_visible_idea(world.karin, own.id) is own
    assert permissions.get_visible_idea(world.auditor, other.id) is other
    for missing in (other.id, 999_999):
        with pytest.raises(NotFound):
            permissions.get_visible_idea(world.karin, missing)


# ---- reuse check ----------------------------------------------------------------------------

def _project(programme_id, organisation_id, title, idea=None, description=""):
    application = Application(programme_id=programme_id, organisation_id=organisation_id,
                              kind=ApplicationKind.IMPLEMENTATION, title=title,
                              description=description, state=ApplicationState.DECIDED,
                              idea_id=idea.id if idea else None)
    db.session.add(application)
    db.session.flush()
    project = Project(programme_id=programme_id, organisation_id=organisation_id, title=title,
                      application_id=application.id, baseline_start_on=date(2009, 1, 1),
                      baseline_end_on=date(2009, 12, 31))
    db.session.add(project)
    db.session.flush()
    return project


def test_similar_to_finds_other_organisations_ideas_and_projects(world, make_organisation):
    p = world.programme.id
    vagvisare = add_idea(p, world.ids.planning, *VAGVISARE, state=IdeaState.APPROVED_TO_APPLY)
    add_idea(p, world.ids.traffic, "Cykelreseplanerare för Stockholm", "Cykelvägar")
    add_idea(p, world.ids.planning, "Cykelställ vid skolor", "Cykel", state=IdeaState.REJECTED)
    funded_idea = add_idea(p, world.ids.planning, "Cykelkarta", "Karta för cykel och gång",
                           state=IdeaState.APPROVED_TO_APPLY)
    project = _project(p, world.ids.planning, "Cykelkarta", funded_idea, "Karta för cykel")
    other = make_organisation("Idrottsförvaltningen")
    add_idea(p, other, "Boka simhall", "Simskola och banor")

    matches = services.similar_to("Cykelreseplanerare\nFöreslår cykelvägar.", world.ids.traffic)
    found = {(m.kind, m.id) for m in matches}
    assert ("idea", vagvisare.id) in found
    assert ("project", project.id) in found
    assert ("idea", funded_idea.id) not in found        # the project stands for it
    assert all(m.organisation != "Trafikkontoret" for m in matches)
    assert {m.title for m in matches} == {VAGVISARE[0], "Cykelkarta"}
    vagvisare_match = next(m for m in matches if m.kind == "idea")
    assert vagvisare_match.organisation == "Stadsbyggnadskontoret"
    assert vagvisare_match.state == "approved_to_apply"

    assert services.similar_to("", world.ids.traffic) == []
    assert services.similar_to("Cykel", world.ids.traffic, limit=1)[0].score >= 40


def test_similar_to_idea_excludes_the_idea_and_its_organisation(world):
    p = world.programme.id
    karins = add_idea(p, world.ids.traffic, "Cykelreseplanerare", "Cykelvägar")
    add_idea(p, world.ids.traffic, "Cykelparkering", "Cykel")
    vagvisare = add_idea(p, world.ids.planning, *VAGVISARE)
    assert [(m.kind, m.id) for m in services.similar_to_idea(karins)] == [("idea", vagvisare.id)]
    assert [m.id for m in services.similar_to("Cykel", None, exclude_idea_id=karins.id)
            if m.kind == "idea"] != []


@pytest.fixture
def count_queries(app_ctx):
    """Count the SQL statements sent to the database inside the `with` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements = []

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return counting


@pytest.mark.parametrize("rows", [1, 25])
def test_similar_to_uses_two_queries_whatever_the_number_of_candidates(
        world, make_organisation, count_queries, rows):
    organisations = [make_organisation(f"Stadsdel {n}") for n in range(rows)]
    for n, organisation in enumerate(organisations):
        idea = add_idea(world.programme.id, organisation, f"Cykelkarta {n}", "Cykelbanor",
                        state=IdeaState.APPROVED_TO_APPLY)
        _project(world.programme.id, organisation, f"Cykelprojekt {n}", description="Cykel")
        add_idea(world.programme.id, organisation, f"Cykelidé {n}", "Cykel")
        assert idea.id
    db.session.commit()
    db.session.connection()  # begin the next transaction outside the count
    with count_queries() as statements:
        matches = services.similar_to("Cykelkarta\nCykelbanor", world.ids.traffic, limit=100)
    assert len(matches) == 3 * rows
    assert len(statements) == 2, statements


# ---- idle approved ideas --------------------------------------------------------------------

def _approved(world, title, approved_on: date, programme_id=None):
    moment = datetime.combine(approved_on, datetime.min.time(), UTC) + timedelta(hours=12)
    return add_idea(programme_id or world.programme.id, world.ids.traffic, title,
                    state=IdeaState.APPROVED_TO_APPLY, screened_at=moment)


def test_idle_ideas_at_the_n_day_boundary(world):
    world.programme.idea_idle_days = 60
    approved_on = date(2010, 1, 4)
    _approved(world, "Cykel", approved_on)
    on_day = approved_on + timedelta(days=60)
    assert services.idle_approved_ideas(world.programme, on_day - timedelta(days=1)) == []
    [row] = services.idle_approved_ideas(world.programme, on_day)
    assert (row.idea.title, row.approved_on, row.days_waiting) == ("Cykel", approved_on, 60)
    assert services.idle_approved_ideas(world.programme, on_day, idle_days=61) == []
    assert len(services.idle_approved_ideas(world.programme, on_day, idle_days=0)) == 1


def test_idle_days_count_in_stockholm_time(world):
    """Approved 23:30 UTC on 31 Dec is 00:30 on 1 Jan in Stockholm: that is the approval day."""
    add_idea(world.programme.id, world.ids.traffic, "Sent", state=IdeaState.APPROVED_TO_APPLY,
             screened_at=datetime(2009, 12, 31, 23, 30, tzinfo=UTC))
    assert services.idle_approved_ideas(world.programme, date(2010, 1, 10), idle_days=10) == []
    [row] = services.idle_approved_ideas(world.programme, date(2010, 1, 11), idle_days=10)
    assert row.approved_on == date(2010, 1, 1)


def test_idle_ideas_exclude_those_with_an_application_and_other_states(world, make_programme):
    today = date(2010, 6, 1)
    long_ago = date(2009, 1, 1)
    waiting = _approved(world, "Väntar", long_ago)
    applied = _approved(world, "Har ansökan", long_ago)
    withdrawn = _approved(world, "Återtagen ansökan", long_ago)
    _approved(world, "Annat program", long_ago,
              programme_id=make_programme("Annat program"))
    add_idea(world.programme.id, world.ids.traffic, "Avslagen", state=IdeaState.REJECTED,
             screened_at=datetime(2009, 1, 1, tzinfo=UTC))
    add_idea(world.programme.id, world.ids.traffic, "Ej gallrad")
    for idea, state in ((applied, ApplicationState.DRAFT),
                        (withdrawn, ApplicationState.WITHDRAWN)):
        db.session.add(Application(programme_id=world.programme.id,
                                   organisation_id=world.ids.traffic, idea_id=idea.id,
                                   kind=ApplicationKind.FEASIBILITY, title=idea.title,
                                   state=state))
    db.session.flush()
    rows = services.idle_approved_ideas(world.programme, today)
    assert [r.idea.id for r in rows] == [waiting.id, withdrawn.id]


def test_idle_ideas_refuse_negative_days(world):
    with pytest.raises(InvalidInput):
        services.idle_approved_ideas(world.programme, date(2010, 1, 1), idle_days=-1)
