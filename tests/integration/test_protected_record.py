"""The record the database protects: PostgreSQL itself refuses to change the audit log and the
decisions, even for a role with every ordinary grant; appends never fork the chain; a decision
and its audit entry commit together or not at all.
"""

import threading
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.accounts.models import User
from app.applications.models import Application, Decision
from app.core import audit
from app.core.models import AuditEntry
from app.extensions import db
from tests.conftest import decide_on_the_day

PROTECTED = ("audit_entry", "decision", "audit_head")
ATTEMPTS = {
    "update audit_entry": "UPDATE audit_entry SET actor_label = 'x'",
    "delete audit_entry": "DELETE FROM audit_entry",
    "truncate audit_entry": "TRUNCATE audit_entry CASCADE",
    "update decision": "UPDATE decision SET amount_sek = 12000000",
    "delete decision": "DELETE FROM decision",
    "truncate decision": "TRUNCATE decision CASCADE",
    "move head back": "UPDATE audit_head SET last_id = last_id - 1",
    "delete head": "DELETE FROM audit_head",
    "truncate head": "TRUNCATE audit_head",
    "drop a trigger": "DROP TRIGGER audit_entry_append_only ON audit_entry",
    "disable the triggers": "ALTER TABLE decision DISABLE TRIGGER ALL",
    "switch triggers off": "SET session_replication_role = replica",
    "drop the trigger function": "DROP FUNCTION refuse_changing_the_record() CASCADE",
}


def _decide(make_application, people) -> Decision:
    application = db.session.get(Application, make_application("awaiting_decision"),
                                 populate_existing=True)
    return decide_on_the_day(application, {"outcome": "approved", "decided_on": date(2008, 4, 1)},
                           db.session.get(User, people.anders))


@pytest.fixture
def application_role(app_ctx):
    """A non-superuser role with ordinary grants on every table, as the application runs."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: the triggers that protect the record are PostgreSQL's")
    name = f"nyttoportfolj_app_{uuid.uuid4().hex[:8]}"
    db.session.execute(sa.text(f"CREATE ROLE {name} NOSUPERUSER NOLOGIN"))
    db.session.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {name}"))
    db.session.execute(sa.text(
        f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON ALL TABLES IN SCHEMA "
        f"public TO {name}"))
    db.session.execute(sa.text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}"))
    return name


@pytest.mark.postgres_only
@pytest.mark.parametrize("attempt", sorted(ATTEMPTS))
def test_the_application_role_cannot_change_the_record(application_role, make_application,
                                                       people, attempt):
    _decide(make_application, people)
    db.session.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    db.session.execute(sa.text(f"SET LOCAL ROLE {application_role}"))
    assert db.session.scalar(sa.text("SELECT count(*) FROM decision")) >= 1
    savepoint = db.session.begin_nested()
    with pytest.raises(DBAPIError) as refused:
        db.session.execute(sa.text(ATTEMPTS[attempt]))
    savepoint.rollback()
    assert refused.value.orig.sqlstate in ("42501", "42883"), refused.value
    db.session.execute(sa.text("RESET ROLE"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before
    assert audit.verify_chain().is_intact


@pytest.mark.postgres_only
def test_the_application_role_can_still_append(application_role, make_application, people):
    db.session.execute(sa.text(f"SET LOCAL ROLE {application_role}"))
    decision = _decide(make_application, people)
    db.session.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
    db.session.execute(sa.text("RESET ROLE"))
    assert decision.id and audit.verify_chain().is_intact


@pytest.mark.postgres_only
def test_a_decision_without_its_audit_entry_cannot_commit(app_ctx, make_application, people):
    decision = _decide(make_application, people)
    savepoint = db.session.begin_nested()
    db.session.add(Decision(
        programme_id=decision.programme_id, application_id=decision.application_id,
        kind=decision.kind, outcome=decision.outcome, amount_sek=1,
        diary_number="SLK 2008/9999", decided_on=decision.decided_on,
        authority_key=decision.authority_key))
    db.session.flush()
    with pytest.raises(DBAPIError, match="has no audit entry"):
        db.session.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
    savepoint.rollback()


def test_a_decision_whose_audit_entry_fails_is_not_stored(app_ctx, make_application, people,
                                                          monkeypatch):
    application_id = make_application("awaiting_decision")
    decisions = db.session.scalar(sa.select(sa.func.count()).select_from(Decision))

    def refuse(action, obj=None, **kwargs):
        if action.startswith("decision."):
            raise RuntimeError("the audit log is unavailable")
        return original(action, obj, **kwargs)

    original = audit.record
    monkeypatch.setattr(audit, "record", refuse)
    savepoint = db.session.begin_nested()
    with pytest.raises(RuntimeError):
        decide_on_the_day(db.session.get(Application, application_id),
                        {"outcome": "approved", "decided_on": date(2008, 4, 1)},
                        db.session.get(User, people.anders))
    savepoint.rollback()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == decisions
    assert db.session.get(Application, application_id).state == "awaiting_decision"


APPENDERS = 16


@pytest.mark.postgres_only
def test_concurrent_appends_never_fork_the_chain(app, committed_database):
    from app.accounts.services import create_organisation

    barrier = threading.Barrier(APPENDERS)
    errors = []

    def append(number: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                for round_ in range(3):
                    create_organisation({"name": f"Förvaltning {number}-{round_}",
                                         "kind": "administration"})
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - the test reports every failure
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(APPENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        report = audit.verify_chain()
        assert report.is_intact, report
        assert report.checked == APPENDERS * 3
        hashes = db.session.scalars(sa.select(AuditEntry.prev_hash)).all()
        assert len(hashes) == len(set(hashes)), "two entries link to the same predecessor"
        db.session.remove()


@pytest.mark.postgres_only
def test_parallel_decisions_are_all_sealed_in_one_chain(app, committed_database):
    from tests.integration.test_concurrency import _race, _setup

    _, ids, eva = _setup(app, envelope_sek=50_000_000, applications=6, amount_sek=1_000_000)
    outcomes, _ = _race(app, eva, ids)
    assert sorted(set(outcomes)) == sorted(ids)
    with app.app_context():
        report = audit.verify_chain()
        assert report.is_intact, report
        assert report.sealed_checked == len(ids)
        db.session.remove()
