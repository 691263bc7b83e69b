"""A project's first approving decision day is kept on the project, whoever adds the rows.

Every as-of list counts a project from `Project.decided_on`; these tests add decisions and
projects in each order, directly as well as through the decision service's demo, and check
that the stored day is always the earliest approving decision's, and that the as-of queries
count the project from it.
"""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.applications.models import Application, Decision
from app.core.enums import ApplicationKind, ApplicationState, DecisionKind, DecisionOutcome
from app.extensions import db
from app.projects import queries
from app.projects.models import Project
from tests.integration.migration_replay import stored_then_backfilled


class _Rows:
    """Applications, decisions and projects added directly, as an import or a script would."""

    def __init__(self, programme_id: int, organisation_id: int):
        self.programme_id, self.organisation_id, self.diary = programme_id, organisation_id, 0

    def application(self, title: str) -> Application:
        application = Application(programme_id=self.programme_id,
                                  organisation_id=self.organisation_id, title=title,
                                  kind=ApplicationKind.IMPLEMENTATION,
                                  state=ApplicationState.DECIDED)
        db.session.add(application)
        db.session.flush()
        return application

    def decision(self, application: Application, on: str, *,
                 outcome=DecisionOutcome.APPROVED, kind=DecisionKind.ORIGINAL,
                 refers_to: Decision | None = None, flush: bool = True) -> Decision:
        self.diary += 1
        decision = Decision(programme_id=self.programme_id, application_id=application.id,
                            kind=kind, outcome=outcome, amount_sek=1_000_000,
                            diary_number=f"P {self.diary}", decided_on=date.fromisoformat(on),
                            authority_key="city_director",
                            refers_to_id=refers_to.id if refers_to else None)
        db.session.add(decision)
        if flush:
            db.session.flush()
        return decision

    def bulk_inserted_project(self, application: Application) -> int:
        """A project written by a bulk insert, which no flush event sees: without the day."""
        return db.session.execute(sa.insert(Project).values(
            programme_id=self.programme_id, application_id=application.id,
            organisation_id=self.organisation_id, title=application.title,
            baseline_start_on=date(2008, 3, 1), baseline_end_on=date(2009, 6, 30))
            .returning(Project.id)).scalar_one()

    def project(self, application: Application | None, title: str = "Imported", *,
                created_on: str = "2008-01-15", flush: bool = True) -> Project:
        project = Project(programme_id=self.programme_id,
                          application_id=application.id if application else None,
                          organisation_id=self.organisation_id,
                          title=application.title if application else title,
                          baseline_start_on=date(2008, 1, 1), baseline_end_on=date(2009, 12, 31),
                          created_at=datetime.combine(date.fromisoformat(created_on),
                                                      datetime.min.time(), UTC))
        db.session.add(project)
        if flush:
            db.session.flush()
        return project


@pytest.fixture
def rows(app_ctx, make_programme, make_organisation):
    return _Rows(make_programme(), make_organisation("Stadsbyggnadskontoret"))


def test_a_project_created_after_its_decision_takes_the_decision_day(rows):
    application = rows.application("Bygglov")
    rows.decision(application, "2008-03-01")
    assert rows.project(application).decided_on == date(2008, 3, 1)


def test_a_decision_recorded_after_the_project_sets_the_day(rows):
    application = rows.application("Bygglov")
    project = rows.project(application)
    assert project.decided_on is None
    rows.decision(application, "2008-04-10")
    assert project.decided_on == date(2008, 4, 10)
    db.session.expire(project)
    assert project.decided_on == date(2008, 4, 10)


def test_rows_added_in_one_flush_are_matched(rows):
    application = rows.application("Bygglov")
    project = rows.project(application, flush=False)
    rows.decision(application, "2008-05-02", flush=False)
    db.session.flush()
    assert project.decided_on == date(2008, 5, 2)


@pytest.mark.parametrize(("later_kind", "later_outcome"), [
    (DecisionKind.SUPPLEMENTARY, DecisionOutcome.APPROVED),
    (DecisionKind.REDUCTION, DecisionOutcome.APPROVED),
    (DecisionKind.REVOCATION, DecisionOutcome.APPROVED),
])
def test_later_decisions_keep_the_first_day(rows, later_kind, later_outcome):
    application = rows.application("Bygglov")
    first = rows.decision(application, "2008-03-01")
    project = rows.project(application)
    rows.decision(application, "2009-06-01", kind=later_kind, outcome=later_outcome,
                  refers_to=first)
    assert project.decided_on == date(2008, 3, 1)


def test_a_rejection_gives_no_day_and_an_earlier_approval_moves_it_back(rows):
    application = rows.application("Bygglov")
    rows.decision(application, "2008-02-01", outcome=DecisionOutcome.REJECTED)
    project = rows.project(application)
    assert project.decided_on is None
    rows.decision(application, "2008-09-01")
    rows.decision(application, "2008-06-01")
    assert project.decided_on == date(2008, 6, 1)


def test_a_project_inserted_without_the_day_gets_the_first_one_from_a_later_decision(rows):
    application = rows.application("Bygglov")
    first = rows.decision(application, "2008-03-01")
    project_id = rows.bulk_inserted_project(application)
    rows.decision(application, "2010-06-01", kind=DecisionKind.SUPPLEMENTARY, refers_to=first)
    assert db.session.get(Project, project_id).decided_on == date(2008, 3, 1)


def test_the_as_of_queries_count_a_project_from_the_stored_day(rows):
    decided = rows.project(rows.application("Beslutat"), created_on="2007-12-01")
    rows.decision(db.session.get(Application, decided.application_id), "2008-03-01")
    imported = rows.project(None, "Importerat", created_on="2008-02-01")

    def existing(on: str) -> set[int]:
        return set(db.session.scalars(queries.existing_ids(rows.programme_id,
                                                           date.fromisoformat(on))))

    assert existing("2008-01-31") == set()
    assert existing("2008-02-01") == {imported.id}
    assert existing("2008-02-29") == {imported.id}
    assert existing("2008-03-01") == {imported.id, decided.id}


def test_every_demo_project_has_its_first_approving_decision_day(app, db_session):
    from app.seed import seed_demo

    with app.app_context():
        seed_demo()
        db.session.flush()
        first_day = (sa.select(sa.func.min(Decision.decided_on))
                     .where(Decision.application_id == Project.application_id,
                            Decision.outcome != DecisionOutcome.REJECTED)
                     .scalar_subquery())
        rows = db.session.execute(sa.select(Project.title, Project.decided_on,
                                            first_day.label("first_day"))).all()
    assert len(rows) > 20
    assert [(title, stored) for title, stored, _first in rows] == [
        (title, first) for title, _stored, first in rows]
    assert all(stored is not None for _title, stored, _first in rows)


def test_the_migration_backfills_the_day_decide_stores(tmp_path):
    on_the_day, backfilled = stored_then_backfilled(
        tmp_path / "decided_on.sqlite3", "SELECT id, decided_on FROM project ORDER BY id",
        "f4c9d2e6a8b1")
    assert on_the_day and all(day is not None for _id, day in on_the_day)
    assert backfilled == on_the_day


def _decided_project(make_application, people) -> Project:
    from app.accounts.models import User
    from tests.conftest import decide_on_the_day

    application = db.session.get(Application, make_application("awaiting_decision"),
                                 populate_existing=True)
    decide_on_the_day(application, {"outcome": "approved", "decided_on": date(2008, 4, 1)},
                      db.session.get(User, people.anders))
    return db.session.scalar(sa.select(Project).where(Project.application_id == application.id))


@pytest.mark.postgres_only
@pytest.mark.parametrize("rewrite", [
    "UPDATE project SET decided_on = decided_on - 400",
    "UPDATE project SET decided_on = decided_on + 1",
    "UPDATE project SET decided_on = NULL",
])
def test_the_database_refuses_a_rewritten_day(app_ctx, make_application, people, rewrite):
    from sqlalchemy.exc import DBAPIError

    project = _decided_project(make_application, people)
    assert project.decided_on == date(2008, 4, 1)
    savepoint = db.session.begin_nested()
    db.session.execute(sa.text(rewrite + " WHERE id = :id"), {"id": project.id})
    with pytest.raises(DBAPIError, match="first approving decision") as refused:
        db.session.execute(sa.text(
            "SET CONSTRAINTS project_decided_on_is_the_first_approval IMMEDIATE"))
    savepoint.rollback()
    assert refused.value.orig.sqlstate == "42501"


@pytest.mark.postgres_only
def test_the_database_accepts_the_day_the_decisions_give(rows):
    application = rows.application("Bygglov")
    first = rows.decision(application, "2008-03-01")
    project_id = rows.bulk_inserted_project(application)
    rows.decision(application, "2010-06-01", kind=DecisionKind.SUPPLEMENTARY, refers_to=first)
    db.session.execute(sa.text(
        "SET CONSTRAINTS project_decided_on_is_the_first_approval IMMEDIATE"))
    assert db.session.get(Project, project_id).decided_on == date(2008, 3, 1)
