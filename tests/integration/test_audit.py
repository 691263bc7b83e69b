"""The audit log is a keyed hash chain with a keyed head, and it seals every decision.

Each tamper case is done as an attacker with write access to the database but not the
HMAC key would do it; on PostgreSQL the attacker must also be the tables' owner or a
superuser (`tampering` switches the protecting triggers off, as only they can).
"""

import hashlib
import hmac
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.accounts.services import create_organisation, create_user
from app.applications.models import Application, Decision
from app.core import audit
from app.core.models import AuditEntry, AuditHead
from app.extensions import db
from tests.conftest import decide_on_the_day


def _some_history(n: int = 4):
    for i in range(n):
        create_organisation({"name": f"Förvaltning {i}", "kind": "administration"})


def _ids() -> list[int]:
    return list(db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)))


@contextmanager
def tampering():
    """Write to the protected tables as their owner would, with the triggers switched off."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    yield
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL session_replication_role = origin"))
    db.session.expire_all()


def _decision(make_application, people) -> Decision:
    application = db.session.get(Application, make_application("awaiting_decision"),
                                 populate_existing=True)
    return decide_on_the_day(application, {"outcome": "approved",
                                         "decided_on": date(2008, 4, 1)},
                           db.session.get(User, people.anders))


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


def test_the_hashes_are_keyed_so_another_key_finds_the_chain_broken(app_ctx):
    _some_history()
    assert audit.verify_chain().is_intact
    report = audit.verify_chain(key="a guess at the key")
    assert report.broken_at_id == 1


def test_an_altered_row_is_detected_at_that_row(app_ctx):
    _some_history()
    target = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()[2]
    with tampering():
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == target.id)
                           .values(action="organisation.deleted"))
    report = audit.verify_chain()
    assert report.broken_at_id == target.id
    assert "hash" in report.reason


def test_a_removed_row_is_detected(app_ctx):
    _some_history()
    ids = _ids()
    with tampering():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == ids[1]))
    report = audit.verify_chain()
    assert report.broken_at_id == ids[1]
    assert "missing" in report.reason


def test_a_rewritten_tail_with_fresh_hashes_still_breaks_the_link(app_ctx):
    _some_history()
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    with tampering():
        forged = entries[1]
        forged.after = {"name": "Forged"}
        forged.entry_hash = audit.compute_hash(forged)
    report = audit.verify_chain()
    assert report.broken_at_id == entries[2].id
    assert "link" in report.reason


def _recompute(entries, key: bytes):
    """Rewrite every hash and link from the start, as one without the real key can."""
    previous = audit.GENESIS_HASH
    for entry in entries:
        entry.entry_hash = f"{entry.id:064d}"
    db.session.flush()
    for entry in entries:
        entry.prev_hash = previous
        entry.entry_hash = hmac.new(key, audit._canonical(entry), hashlib.sha256).hexdigest()
        previous = entry.entry_hash
        db.session.flush()
    return previous


def _delete_last(count: int = 1) -> list[int]:
    ids = _ids()
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id.in_(ids[-count:])))
    return ids


TAMPER_CASES = {
    "edited first entry": lambda ids: (
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == ids[0])
                           .values(actor_label="someone else")), ids[0]),
    "edited timestamp": lambda ids: (
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == ids[2])
                           .values(at=datetime(2001, 1, 1, tzinfo=UTC))), ids[2]),
    "deleted last entry": lambda ids: (_delete_last(1), ids[-1]),
    "deleted last two entries": lambda ids: (_delete_last(2), ids[-2]),
    "emptied log": lambda ids: (db.session.execute(sa.delete(AuditEntry)), 1),
    "reordered entries": lambda ids: (_swap(ids[1], ids[2]), ids[1]),
    "recomputed chain without the key": lambda ids: (_recompute(
        db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all(),
        b"attacker"), ids[0]),
    "recomputed plain SHA-256 chain": lambda ids: (_recompute_sha(), ids[0]),
    "deleted head": lambda ids: (db.session.execute(sa.delete(AuditHead)), ids[-1] + 1),
    "head moved back after deleting the last entry": lambda ids: (_move_head_back(ids), ids[-1]),
}


def _move_head_back(ids: list[int]) -> None:
    """Delete the last entry and point the head at the one before, without the key."""
    _delete_last(1)
    previous = db.session.get(AuditEntry, ids[-2])
    db.session.execute(sa.update(AuditHead).values(
        last_id=previous.id, last_hash=previous.entry_hash,
        head_mac=hmac.new(b"attacker", b"guess", hashlib.sha256).hexdigest()))


def _swap(first_id: int, second_id: int) -> None:
    first, second = (db.session.get(AuditEntry, i) for i in (first_id, second_id))
    first_values = {c: getattr(first, c) for c in ("action", "object_type", "object_id",
                                                   "after", "entry_hash", "at")}
    second_values = {c: getattr(second, c) for c in first_values}
    first.entry_hash, second.entry_hash = "swap-1", "swap-2"
    db.session.flush()
    for entry, values in ((first, second_values), (second, first_values)):
        for name, value in values.items():
            setattr(entry, name, value)
    db.session.flush()


def _recompute_sha() -> None:
    previous = audit.GENESIS_HASH
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    for entry in entries:
        entry.entry_hash = f"{entry.id:064d}"
    db.session.flush()
    for entry in entries:
        entry.prev_hash = previous
        entry.entry_hash = hashlib.sha256(audit._canonical(entry)).hexdigest()
        previous = entry.entry_hash
        db.session.flush()


@pytest.mark.parametrize("case", sorted(TAMPER_CASES))
def test_every_tampering_is_detected_and_the_first_broken_entry_named(app_ctx, case):
    _some_history(5)
    ids = _ids()
    assert audit.verify_chain().is_intact
    with tampering():
        _, first_broken = TAMPER_CASES[case](ids)
    report = audit.verify_chain()
    assert not report.is_intact, case
    assert report.broken_at_id == first_broken, (case, report)


def test_entries_appended_after_the_last_was_deleted_still_show_the_gap(app_ctx):
    _some_history()
    ids = _ids()
    with tampering():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == ids[-1]))
    create_organisation({"name": "Ny förvaltning", "kind": "administration"})
    report = audit.verify_chain()
    assert report.broken_at_id == ids[-1] and "missing" in report.reason


def test_a_decision_is_sealed_in_the_chain(app_ctx, make_application, people):
    decision = _decision(make_application, people)
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.object_type == "Decision", AuditEntry.object_id == str(decision.id))).one()
    assert entry.after["row"]["amount_sek"] == decision.amount_sek
    assert entry.after["row"]["diary_number"] == decision.diary_number
    report = audit.verify_chain()
    assert report.is_intact and report.sealed_checked >= 1


DECISION_TAMPERING = {
    "edited amount": lambda d: db.session.execute(
        sa.update(Decision).where(Decision.id == d.id).values(amount_sek=12_000_000)),
    "edited date": lambda d: db.session.execute(
        sa.update(Decision).where(Decision.id == d.id).values(decided_on=date(2011, 2, 1))),
    "edited authority": lambda d: db.session.execute(
        sa.update(Decision).where(Decision.id == d.id).values(authority_key="city_director")),
    "deleted decision": lambda d: _delete_decision(d.id),
    "deleted seal entry": lambda d: db.session.execute(
        sa.delete(AuditEntry).where(AuditEntry.object_type == "Decision",
                                    AuditEntry.object_id == str(d.id))),
}


def _delete_decision(decision_id: int) -> None:
    db.session.execute(sa.text("DELETE FROM envelope_entry WHERE decision_id = :i"),
                       {"i": decision_id})
    db.session.execute(sa.text("DELETE FROM decision WHERE id = :i"), {"i": decision_id})


@pytest.mark.parametrize("case", sorted(DECISION_TAMPERING))
def test_a_tampered_decision_breaks_the_chain(app_ctx, make_application, people, case):
    decision = _decision(make_application, people)
    seal = db.session.scalars(sa.select(AuditEntry.id).where(
        AuditEntry.object_type == "Decision", AuditEntry.object_id == str(decision.id))).one()
    with tampering():
        DECISION_TAMPERING[case](decision)
    report = audit.verify_chain()
    assert not report.is_intact, case
    assert report.broken_at_id == seal, (case, report)


def test_a_decision_without_its_audit_entry_breaks_the_chain(app_ctx, make_application, people):
    decision = _decision(make_application, people)
    with tampering():
        db.session.add(Decision(
            programme_id=decision.programme_id, application_id=decision.application_id,
            kind=decision.kind, outcome=decision.outcome, amount_sek=1,
            diary_number="SLK 2008/9999", decided_on=decision.decided_on,
            authority_key=decision.authority_key))
    report = audit.verify_chain()
    assert report.broken_row and "no audit entry" in report.reason


def test_cli_verify_reports_intact_and_broken(app, app_ctx):
    _some_history()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
    first = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).first()
    with tampering():
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == first.id)
                           .values(actor_label="someone else"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {first.id}" in result.output


def test_cli_verify_names_a_deleted_last_entry(app, app_ctx):
    _some_history()
    ids = _ids()
    with tampering():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == ids[-1]))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {ids[-1]}" in result.output
