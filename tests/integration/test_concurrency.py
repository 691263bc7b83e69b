"""Many deciders at once: the envelope is never over-committed, diary numbers never repeat.

Runs on both engines: PostgreSQL locks the rows (SELECT … FOR UPDATE); SQLite serialises
writers through BEGIN IMMEDIATE.
"""

import threading
from datetime import date

import sqlalchemy as sa

from app.core.errors import Conflict
from tests.conftest import business_date

THREADS = 12


def _setup(app, envelope_sek: int, applications: int, amount_sek: int):
    """Commit a programme, the people and `applications` applications awaiting decision."""
    from app.accounts.models import User
    from app.accounts.services import create_organisation, create_user
    from app.applications import services
    from app.benefits.services import save_working_calculation
    from app.core.enums import LedgerEntryKind
    from app.extensions import db
    from app.programmes.models import DelegationRule, EnvelopeEntry, Goal, Programme
    from tests.conftest import SMALL_CALCULATION, advance, complete_application_data

    app.config["DEMO_DATE"] = date(2008, 2, 1)
    try:
        with app.app_context():
            programme = Programme(name="Race", starts_on=date(2007, 10, 1),
                                  ends_on=date(2012, 12, 31))
            programme.goals = [Goal(number=n, title=f"Goal {n}") for n in range(1, 5)]
            programme.delegation_rules = [DelegationRule(
                authority_key="city_director", authority_name="Stadsdirektör",
                limit_sek=10_000_000, valid_from=date(2007, 10, 1), valid_to=None, source="KF")]
            db.session.add(programme)
            db.session.flush()
            db.session.add(EnvelopeEntry(programme_id=programme.id,
                                         kind=LedgerEntryKind.RESERVATION,
                                         amount_sek=envelope_sek, booked_on=date(2007, 10, 1),
                                         description="Ram"))
            org = create_organisation({"name": "Trafikkontoret", "kind": "administration"})
            people = {name: create_user({"email": f"{name}@race.example", "name": name,
                                         "password": "x" * 12, "organisation_id": org.id,
                                         "roles": roles})
                      for name, roles in (("karin", ["applicant"]), ("jonas", ["programme_office"]),
                                          ("leila", ["working_group"]),
                                          ("per", ["development_council"]),
                                          ("maria", ["budget_management"]),
                                          ("eva", ["decision_maker:city_director"]))}
            ids = []
            for i in range(applications):
                application = services.create_draft(
                    programme, complete_application_data(amount_sek, title=f"Tjänst {i}"),
                    people["karin"])
                save_working_calculation(application, SMALL_CALCULATION, people["karin"])
                advance(application, people, "awaiting_decision")
                ids.append(application.id)
            db.session.commit()
            eva = db.session.scalar(sa.select(User.id).where(User.email == "eva@race.example"))
            return programme.id, ids, eva
    finally:
        app.config["DEMO_DATE"] = None


def _race(app, eva_id: int, application_ids: list[int]) -> tuple[list, list]:
    """Decide the applications from THREADS threads released at the same moment."""
    from app.accounts.models import User
    from app.applications import decisions
    from app.applications.models import Application
    from app.extensions import db

    barrier = threading.Barrier(THREADS)
    outcomes, failures = [], []
    lock = threading.Lock()

    def decide(application_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                decisions.decide(db.session.get(Application, application_id),
                                 {"outcome": "approved", "decided_on": date(2008, 4, 1)},
                                 db.session.get(User, eva_id))
                db.session.commit()
                with lock:
                    outcomes.append(application_id)
            except Conflict as refused:
                db.session.rollback()
                with lock:
                    failures.append(refused)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(application_ids[i % len(application_ids)],))
               for i in range(THREADS)]
    with business_date(app, date(2008, 4, 1)):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return outcomes, failures


def test_parallel_approvals_never_overspend_and_never_reuse_a_diary_number(
        app, committed_database):
    from app.applications.models import Decision
    from app.extensions import db
    from app.programmes.models import Programme
    from app.programmes.services import envelope_position

    programme_id, ids, eva = _setup(app, envelope_sek=5_000_000, applications=THREADS,
                                    amount_sek=1_000_000)
    approved, refused = _race(app, eva, ids)
    assert len(approved) == 5 and len(refused) == THREADS - 5
    assert all(r.extra.get("remaining_sek") is not None for r in refused)
    with app.app_context():
        position = envelope_position(db.session.get(Programme, programme_id))
        assert position.committed_sek == 5_000_000 and position.remaining_sek == 0
        numbers = db.session.scalars(sa.select(Decision.diary_number)).all()
        assert sorted(numbers) == [f"SLK 2008/{n:04d}" for n in range(1, 6)]


def test_the_same_approval_sent_many_times_at_once_creates_one_decision(app, committed_database):
    from app.applications.models import Decision
    from app.extensions import db

    _, ids, eva = _setup(app, envelope_sek=50_000_000, applications=1, amount_sek=1_000_000)
    approved, refused = _race(app, eva, ids)
    assert len(approved) == 1 and len(refused) == THREADS - 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 1
