"""The one-year benefit follow-up: what it still lacks, who marks it done, and when.

Karin's project (Trafikkontoret) is decided on 2008-04-01 with the small calculation's benefit
"Porto" (planned 2008–2012); a second benefit "Kundtjänstsamtal" is added to the register.
The e-service goes live on 2008-09-01, so the follow-up is due on 2009-09-01 and a realised
value for 2008 or 2009 counts (a value for a year still to come does not).
"""

from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications import decisions as application_decisions
from app.applications.models import Application
from app.benefits import services as benefit_services
from app.benefits.models import Benefit
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.models import AuditEntry, Notification
from app.extensions import db
from app.followup.models import FollowUpTask
from app.jobs import services as jobs
from app.projects import closing as project_closing
from app.projects import followup_tasks as project_followup
from app.projects import permissions
from tests.conftest import decide_on_the_day
from tests.integration.followup_portfolio import add_benefit


def _user(user_id) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def karin(people):
    return _user(people.karin)


@pytest.fixture
def jonas(people):
    return _user(people.jonas)


@pytest.fixture
def project(app_ctx, people, make_application, demo_date):
    """Karin's project, live since 2008-09-01, with two benefits; the clock at the due date."""
    application = db.session.get(Application, make_application("awaiting_decision"))
    decide_on_the_day(application, {"outcome": "approved",
                                    "decided_on": date(2008, 4, 1)},
                      _user(people.anders))
    project = application_decisions.project_for(application)
    add_benefit(project, people.traffic, name="Kundtjänstsamtal",
                planned_by_year={2009: 100_000, 2010: 200_000})
    demo_date("2008-09-02")
    project_closing.record_go_live(project, date(2008, 9, 1), _user(people.karin))
    db.session.commit()
    demo_date("2009-09-01")
    return project


@pytest.fixture
def task(project) -> FollowUpTask:
    (task,) = project_followup.follow_up_tasks(project)
    assert task.due_on == date(2009, 9, 1) and task.done_at is None
    return task


def _benefit(project, name: str) -> Benefit:
    return db.session.scalar(sa.select(Benefit).where(Benefit.project_id == project.id,
                                                      Benefit.name == name))


def _realise(project, name: str, year: int, actor) -> None:
    benefit_services.record_realisation(_benefit(project, name),
                                        {"year": year, "actual_sek": 9_000}, actor)


def _audited(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEntry.id))
                             .where(AuditEntry.action == action))


def _notified(kind: str) -> list[int]:
    return sorted(db.session.scalars(sa.select(Notification.user_id)
                                     .where(Notification.kind == kind)))


def test_every_benefit_without_a_realised_value_is_named(project, task, karin):
    assert [m.name for m in project_followup.followup_problems(task)] == [
        "Kundtjänstsamtal", "Porto"]
    _realise(project, "Porto", 2009, karin)
    (missing,) = project_followup.followup_problems(task)
    assert (missing.name, missing.benefit_id, missing.link) == (
        "Kundtjänstsamtal", _benefit(project, "Kundtjänstsamtal").id,
        f"/benefits/{_benefit(project, 'Kundtjänstsamtal').id}")


@pytest.mark.parametrize(("year", "counts"), [(2008, True), (2009, True)])
def test_a_value_counts_from_the_go_live_year_up_to_this_year(project, task, karin, year,
                                                              counts):
    _realise(project, "Porto", year, karin)
    missing = {m.name for m in project_followup.followup_problems(task)}
    assert ("Porto" not in missing) is counts
    assert project_followup.followup_years(task) == (2008, 2009)


def test_a_value_for_a_year_that_has_not_begun_is_refused_naming_its_first_day(
        project, task, karin):
    """Writes respect time (issue 12): 2010's value can be recorded from 2010-01-01 on."""
    with pytest.raises(InvalidInput) as refused:
        _realise(project, "Porto", 2010, karin)
    assert refused.value.field == "year" and "2010-01-01" in refused.value.detail
    assert "Porto" in {m.name for m in project_followup.followup_problems(task)}


def test_the_follow_up_is_refused_while_values_are_missing(project, task, karin):
    _realise(project, "Porto", 2009, karin)
    with pytest.raises(Conflict) as refused:
        project_followup.complete_followup_task(task, karin)
    assert "Kundtjänstsamtal" in refused.value.detail and "Porto" not in refused.value.detail
    benefit_id = _benefit(project, "Kundtjänstsamtal").id
    assert refused.value.extra["missing_benefits"] == [
        {"benefit_id": benefit_id, "name": "Kundtjänstsamtal", "link": f"/benefits/{benefit_id}"}]
    assert task.done_at is None
    assert _audited("followup.completed") == 0 and _notified("followup.completed") == []


def test_the_follow_up_is_done_once_every_benefit_has_a_value(project, task, karin, people):
    _realise(project, "Porto", 2008, karin)
    _realise(project, "Kundtjänstsamtal", 2009, karin)
    done = project_followup.complete_followup_task(task, karin)
    assert done.id == task.id and done.done_at is not None
    assert project_followup.followup_problems_by_task([done]) == {}
    audit = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "followup.completed"))
    assert (audit.actor_id, audit.object_id, audit.after["project_id"]) == (
        karin.id, str(task.id), project.id)
    assert _notified("followup.completed") == [people.jonas]
    with pytest.raises(Conflict) as twice:
        project_followup.complete_followup_task(task, _user(people.jonas))
    assert twice.value.extra == {"done_at": done.done_at.isoformat()}
    assert _audited("followup.completed") == 1 and _notified("followup.completed") == [
        people.jonas]


def test_the_programme_office_may_complete_it_early_when_the_values_are_in(
        project, task, jonas, demo_date):
    demo_date("2009-03-01")
    _realise(project, "Porto", 2008, jonas)
    _realise(project, "Kundtjänstsamtal", 2009, jonas)
    assert project_followup.complete_followup_task(task, jonas).done_at is not None


@pytest.mark.parametrize("name", ["sven", "auditor", "leila"])
def test_only_the_organisation_or_the_programme_office_completes_it(project, task, karin,
                                                                    people, name):
    _realise(project, "Porto", 2009, karin)
    _realise(project, "Kundtjänstsamtal", 2009, karin)
    with pytest.raises(Forbidden):
        project_followup.complete_followup_task(task, _user(getattr(people, name)))
    assert task.done_at is None and _audited("followup.completed") == 0


def test_another_organisation_cannot_find_the_task(task, people):
    with pytest.raises(NotFound):
        permissions.get_visible_followup_task(_user(people.sven), task.id)
    with pytest.raises(NotFound):
        permissions.get_visible_followup_task(_user(people.jonas), task.id + 1000)
    assert permissions.get_visible_followup_task(_user(people.auditor), task.id) == task


def test_the_scheduler_stops_reminding_once_the_follow_up_is_done(project, task, karin, people,
                                                                  demo_date):
    _realise(project, "Porto", 2009, karin)
    _realise(project, "Kundtjänstsamtal", 2009, karin)
    project_followup.complete_followup_task(task, karin)
    assert jobs.create_followup_tasks(date(2009, 9, 1)) == 0
    assert _notified("followup.due") == []


def test_the_scheduler_reminds_about_a_due_follow_up_not_done(task, people):
    assert jobs.create_followup_tasks(date(2009, 9, 1)) == 1
    assert _notified("followup.due") == [people.karin]
