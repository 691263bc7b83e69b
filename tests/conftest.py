"""Shared fixtures: the app, a migrated database, a rolled-back session per test, factories.

The database is SQLite in a temporary file, or PostgreSQL when TEST_DATABASE_URL is set.
Its schema is built once per session by running the migrations. Each test runs inside
one connection-level transaction that is rolled back at the end; the application's own
commits only release savepoints (join_transaction_mode="create_savepoint").

Web tests must not hold an app context while they make requests (a request would reuse it,
and `g` with the logged-in user would leak between requests); factories push one briefly.
"""

import itertools
import os
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import scoped_session, sessionmaker

DEMO_PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def _test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _reset_postgres_schema(engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The application on a freshly migrated test database."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    application = create_app({
        "APP_CONFIG": "testing",
        "SQLALCHEMY_DATABASE_URI": _normalise(_test_database_url(tmp_path_factory)),
        "RATELIMIT_ENABLED": True,
    })
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            _reset_postgres_schema(db.engine)
        upgrade()
        db.session.remove()
    return application


def _normalise(url: str) -> str:
    from config import normalise_database_url

    return normalise_database_url(url)


@pytest.fixture(scope="session")
def dialect(app) -> str:
    from app.extensions import db

    with app.app_context():
        return db.engine.dialect.name


@pytest.fixture
def db_session(app):
    """Run the test inside one transaction that is rolled back afterwards."""
    from app.extensions import db, limiter

    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    test_session = scoped_session(factory, scopefunc=lambda: "test")
    original = db.session
    db.session = test_session
    limiter.reset()
    try:
        yield test_session
    finally:
        test_session.remove()
        db.session = original
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def app_ctx(app, db_session):
    """An app context for tests that call services directly (no requests)."""
    with app.test_request_context():
        yield app


@contextmanager
def _context(app):
    from flask import has_app_context

    if has_app_context():
        yield
    else:
        with app.app_context():
            yield


@pytest.fixture
def make_area(app, db_session):
    def make(**overrides):
        from app.accounts.models import Area
        from app.extensions import db

        n = next(_counter)
        with _context(app):
            area = Area(key=overrides.get("key", f"area{n}"),
                        name=overrides.get("name", f"Area {n}"))
            db.session.add(area)
            db.session.commit()
            return area.id

    return make


@pytest.fixture
def make_organisation(app, db_session):
    """Create an organisation and return its id."""

    def make(name: str | None = None, kind: str = "administration", area_id=None) -> int:
        from app.accounts.services import create_organisation
        from app.extensions import db

        with _context(app):
            organisation = create_organisation(
                {"name": name or f"Förvaltning {next(_counter)}", "kind": kind, "area_id": area_id}
            )
            db.session.commit()
            return organisation.id

    return make


@pytest.fixture
def make_user(app, db_session):
    """Create a user with roles (e.g. ['applicant'] or ['decision_maker:city_director'])."""

    def make(roles=("applicant",), organisation_id=None, email=None, password=DEMO_PASSWORD,
             name=None, is_active=True) -> int:
        from app.accounts.services import create_user
        from app.extensions import db

        n = next(_counter)
        with _context(app):
            user = create_user({
                "email": email or f"user{n}@test.example", "name": name or f"User {n}",
                "password": password, "organisation_id": organisation_id,
                "roles": list(roles), "is_active": is_active,
            })
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def make_programme(app, db_session):
    """Create a programme with the 2007 and 2011 delegation regimes and a reservation.

    The 2011 regime ends with the programme (2012-12-31), as the demo's file says.
    """

    def make(name: str | None = None, reserved_sek: int = 650_000_000) -> int:
        from datetime import date

        from app.core.enums import LedgerEntryKind
        from app.extensions import db
        from app.programmes.models import (
            DelegationRegime,
            DelegationRule,
            EnvelopeEntry,
            Goal,
            Programme,
        )

        with _context(app):
            programme = Programme(
                name=name or f"Programme {next(_counter)}",
                starts_on=date(2007, 10, 1), ends_on=date(2012, 12, 31),
            )
            programme.goals = [Goal(number=i, title=f"Goal {i}") for i in range(1, 5)]
            programme.delegation_rules = [
                DelegationRule(authority_key="deputy_city_director", authority_name="Deputy",
                               limit_sek=3_000_000, valid_from=date(2007, 10, 1),
                               valid_to=date(2010, 12, 31), source="KF 2007"),
                DelegationRule(authority_key="city_director", authority_name="Director",
                               limit_sek=10_000_000, valid_from=date(2007, 10, 1),
                               valid_to=date(2010, 12, 31), source="KF 2007"),
                DelegationRule(authority_key="finance_committee", authority_name="Committee",
                               limit_sek=None, valid_from=date(2007, 10, 1),
                               valid_to=date(2010, 12, 31), source="KF 2007"),
                DelegationRule(authority_key="city_director", authority_name="Director",
                               limit_sek=15_000_000, valid_from=date(2011, 1, 1),
                               valid_to=date(2012, 12, 31), source="KS 2010-12-15"),
                DelegationRule(authority_key="finance_committee", authority_name="Committee",
                               limit_sek=None, valid_from=date(2011, 1, 1),
                               valid_to=date(2012, 12, 31), source="KS 2010-12-15"),
            ]
            programme.delegation_regimes = [
                DelegationRegime(valid_from=date(2007, 10, 1), source="KF 2007",
                                 reason="The council's decision.",
                                 rules=programme.delegation_rules[:3]),
                DelegationRegime(valid_from=date(2011, 1, 1), source="KS 2010-12-15",
                                 reason="The executive board's decision of 15 Dec 2010.",
                                 rules=programme.delegation_rules[3:]),
            ]
            db.session.add(programme)
            db.session.flush()
            db.session.add(EnvelopeEntry(
                programme_id=programme.id, kind=LedgerEntryKind.RESERVATION,
                amount_sek=reserved_sek, booked_on=date(2007, 10, 1), description="Reserved",
            ))
            db.session.commit()
            return programme.id

    return make


@pytest.fixture
def client(app, db_session):
    return app.test_client()


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def login(client, email: str, password: str = DEMO_PASSWORD, next_path: str | None = None):
    """Log in through the real form (with its CSRF token); return the POST response."""
    page = client.get("/login")
    url = "/login" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"email": email, "password": password,
                                  "csrf_token": csrf_token_from(page.get_data(as_text=True))})


@pytest.fixture
def login_as(app, client):
    """Log the test client in as the user with this id."""

    def do(user_id: int, password: str = DEMO_PASSWORD):
        from app.accounts.models import User
        from app.extensions import db

        with app.app_context():
            email = db.session.get(User, user_id).email
        response = login(client, email, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


@pytest.fixture
def api_token(app, db_session):
    """Issue an API token for the user with this id and return the header dict."""

    def issue(user_id: int) -> dict:
        from app.accounts.models import User
        from app.accounts.services import issue_api_token
        from app.extensions import db

        with _context(app):
            token = issue_api_token(db.session.get(User, user_id))
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return issue


def count_rows(model) -> int:
    from app.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@contextmanager
def business_date(app, on):
    """Run a block with the business clock (DEMO_DATE) at `on`, a date or an ISO string.

    A decision is dated the business date, so a test deciding "on" a day sets the clock there.
    """
    from datetime import date

    previous = app.config.get("DEMO_DATE")
    app.config["DEMO_DATE"] = on if isinstance(on, date) else date.fromisoformat(on)
    try:
        yield
    finally:
        app.config["DEMO_DATE"] = previous


def decide_on_the_day(application, data: dict, actor):
    """Decide with the business clock at the decision's own date (a decision made that day)."""
    from flask import current_app

    from app.applications import decisions

    with business_date(current_app, data["decided_on"]):
        return decisions.decide(application, data, actor)


def correct_on_the_day(decision, data: dict, actor):
    """Correct a decision with the business clock at the correction's own date."""
    from flask import current_app

    from app.applications import decisions

    with business_date(current_app, data["decided_on"]):
        return decisions.correct_decision(decision, data, actor)


@pytest.fixture
def demo_date(app):
    """Set the business clock (DEMO_DATE) for one test; returns a setter."""
    original = app.config.get("DEMO_DATE")

    def set_date(value):
        from datetime import date

        app.config["DEMO_DATE"] = value if isinstance(value, date) or value is None else (
            date.fromisoformat(value))

    yield set_date
    app.config["DEMO_DATE"] = original


@pytest.fixture
def people(make_organisation, make_user):
    """One user per role of the journeys, Karin's organisation Trafikkontoret."""
    from types import SimpleNamespace

    traffic = make_organisation("Trafikkontoret")
    other = make_organisation("Stadsbyggnadskontoret")
    return SimpleNamespace(
        traffic=traffic, other=other,
        karin=make_user(["applicant"], organisation_id=traffic, name="Karin"),
        sven=make_user(["applicant"], organisation_id=other, name="Sven"),
        jonas=make_user(["programme_office"], name="Jonas"),
        leila=make_user(["working_group"], name="Leila"),
        per=make_user(["development_council"], name="Per"),
        maria=make_user(["budget_management"], name="Maria"),
        anders=make_user(["decision_maker:deputy_city_director"], name="Anders"),
        eva=make_user(["decision_maker:city_director"], name="Eva"),
        committee=make_user(["finance_committee", "decision_maker:finance_committee"],
                            name="Ekonomiutskottet"),
        auditor=make_user(["auditor"], name="Revisor"),
    )


def complete_application_data(requested_sek: int = 1_200_000, kind: str = "implementation",
                              title: str = "Cykelreseplanerare", year: int = 2008) -> dict:
    """Everything a submission needs, with the cost breakdown adding up to the request.

    An implementation by default: only an approved implementation becomes a funded project
    (`applications.rules.funds_project`); pass kind="feasibility" for a study.
    """
    from datetime import date

    first = requested_sek // 2
    return {
        "kind": kind, "title": title,
        "description": "En reseplanerare för cykel i webbkartan.",
        "process_description": "Cyklister planerar resor själva i stället för att ringa.",
        "target_groups": "Cyklister i Stockholm", "estimated_users": 60_000,
        "estimated_users_within_years": 3, "requested_sek": requested_sek,
        "starts_on": date(year, 3, 1), "ends_on": date(year + 1, 6, 30),
        "benefit_owner_name": "Karin Trafik", "benefit_owner_email": "karin@test.example",
        "communication_plan": "Lansering via stockholm.se.",
        "operation_plan": "Driftas på e-tjänsteplattformen.", "operation_payer": "Trafikkontoret",
        "reuse_analysis": "Ingen befintlig tjänst täcker cykel.",
        "requirements": {k: f"Så uppfylls {k}." for k in (
            "usable", "user_friendly", "time_saving", "secure", "user_driven", "transparent")},
        "goal_scores": [{"goal": n, "score": 2, "motivation": f"Motivering {n}"}
                        for n in range(1, 5)],
        "cost_lines": [
            {"year": year, "cost_type": "external_purchase", "amount_sek": first},
            {"year": year + 1, "cost_type": "internal_staff", "amount_sek": requested_sek - first},
        ],
        "milestones": [{"name": "Pilot", "due_on": date(year, 9, 1)}],
    }


SMALL_CALCULATION = {
    "start_year": 2008, "adoption": {"target": 0.6, "ramp_years": 2, "go_live_index": 1},
    "benefits": [{"kind": "per_case", "name": "Porto", "recipient": "organisation",
                  "volume_per_year": 10000, "amount_sek": 12, "cash_releasing": True}],
    "costs": [{"name": "Utveckling", "kind": "investment",
               "by_year_sek": [1200000, 0, 0, 0, 0]}],
}

STAGE_PATH = ("draft", "submitted", "in_preparation", "advisory_opinion", "quality_check",
              "awaiting_decision")
ALL_SCORES = {**{f"goal_{n}": 2 for n in range(1, 5)},
              **{c: 2 for c in ("usable", "user_friendly", "time_saving", "secure", "user_driven",
                                "transparent")}}


def advance(application, users: dict, until: str) -> None:
    """Drive an application from draft to `until` with the journey's people (User objects)."""
    from app.applications import services

    steps = {
        "submitted": lambda: services.submit(application, users["karin"]),
        "in_preparation": lambda: services.start_preparation(application, users["jonas"]),
        "advisory_opinion": lambda: services.complete_assessment(
            application, {"recommendation": "approve", "scores": ALL_SCORES}, users["leila"]),
        "quality_check": lambda: services.record_opinion(application, "supports", "Tillstyrks",
                                                         users["per"]),
        "awaiting_decision": lambda: services.quality_check(application, "approved", "",
                                                            users["maria"]),
    }
    for step in STAGE_PATH[1:STAGE_PATH.index(until) + 1]:
        steps[step]()


@pytest.fixture
def make_application(app, people, make_programme):
    """Create a complete application as Karin and drive it to `stage` (dated `on`).

    A benefit calculation is saved before submission (`calculation`, or a small one).
    """

    def make(stage: str = "draft", requested_sek: int = 1_200_000, on: str = "2008-02-01",
             programme_id: int | None = None, calculation: dict | None = None,
             **overrides) -> int:
        from datetime import date

        from app.accounts.models import User
        from app.applications import services
        from app.benefits import services as benefit_services
        from app.extensions import db
        from app.programmes.models import Programme

        data = complete_application_data(requested_sek, year=date.fromisoformat(on).year)
        data.update(overrides)
        previous = app.config.get("DEMO_DATE")
        app.config["DEMO_DATE"] = date.fromisoformat(on)
        try:
            with _context(app):
                users = {name: db.session.get(User, getattr(people, name))
                         for name in ("karin", "jonas", "leila", "per", "maria")}
                programme = db.session.get(Programme, programme_id or make_programme())
                application = services.create_draft(programme, data, users["karin"])
                if stage != "draft" or calculation is not None:
                    benefit_services.save_working_calculation(
                        application, calculation or SMALL_CALCULATION, users["karin"])
                advance(application, users, stage)
                db.session.commit()
                return application.id
        finally:
            app.config["DEMO_DATE"] = previous

    return make


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite, saying why."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (SQLite serialises "
                                   "all writers, so there is no race to test)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def committed_database(app):
    """Real commits for concurrency tests; every table is emptied afterwards."""
    from app.extensions import db

    yield db
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                # The record refuses TRUNCATE (triggers); the test database's owner, a
                # superuser, switches them off for this one emptying.
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            else:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
