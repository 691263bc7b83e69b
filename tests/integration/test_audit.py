"""The audit log is hash-chained: altering or removing any row is detected."""

import sqlalchemy as sa

from app.accounts.services import create_organisation, create_user
from app.core import audit
from app.core.models import AuditEntry
from app.extensions import db


def _some_history(n: int = 4):
    for i in range(n):
        create_organisation({"name": f"Förvaltning {i}", "kind": "administration"})


def test_services_write_audit_entries_with_actor_and_before_after(app_ctx):
    admin = create_user({"email": "admin@test.example", "name": "Admin", "password": "x" * 12,
                         "roles": ["administrator"]})
    create_organisation({"name": "Trafikkontoret", "kind": "administration"}, actor=admin)
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "organisation.created"
    assert entry.actor_id == admin.id and entry.actor_label == "admin@test.example"
    assert entry.after["name"] == "Trafikkontoret"
    assert entry.object_type == "Organisation"


def test_an_untouched_chain_verifies(app_ctx):
    _some_history()
    report = audit.verify_chain(batch_size=2)
    assert report.is_intact
    assert report.checked == db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))


def test_an_altered_row_is_detected_at_that_row(app_ctx):
    _some_history()
    target = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()[2]
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == target.id)
                       .values(action="organisation.deleted"))
    db.session.expire_all()
    report = audit.verify_chain()
    assert report.broken_at_id == target.id
    assert "hash" in report.reason


def test_a_removed_row_is_detected(app_ctx):
    _some_history()
    ids = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)).all()
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == ids[1]))
    db.session.expire_all()
    report = audit.verify_chain()
    assert report.broken_at_id == ids[1]
    assert "missing" in report.reason


def test_a_rewritten_tail_with_fresh_hashes_still_breaks_the_link(app_ctx):
    _some_history()
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    forged = entries[1]
    forged.after = {"name": "Forged"}
    forged.entry_hash = audit.compute_hash(forged)
    db.session.flush()
    db.session.expire_all()
    report = audit.verify_chain()
    assert report.broken_at_id == entries[2].id
    assert "link" in report.reason


def test_cli_verify_reports_intact_and_broken(app, app_ctx):
    _some_history()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
    first = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).first()
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == first.id)
                       .values(actor_label="someone else"))
    db.session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {first.id}" in result.output
