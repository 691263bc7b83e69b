"""Model invariants the database itself enforces."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from app.accounts.models import Organisation, RoleAssignment, User
from app.core.enums import LedgerEntryKind, OrganisationKind, Role
from app.core.models import Notification
from app.extensions import db
from app.programmes.models import DelegationRule, EnvelopeEntry, Programme


def _programme() -> Programme:
    programme = Programme(name="P", starts_on=date(2007, 10, 1), ends_on=date(2012, 12, 31))
    db.session.add(programme)
    db.session.flush()
    return programme


def _fails(action):
    savepoint = db.session.begin_nested()
    with pytest.raises((IntegrityError, StatementError)):
        action()
        db.session.flush()
    savepoint.rollback()


def test_money_columns_are_integers_never_floats(app_ctx):
    money = [
        (table.name, column.name, column.type)
        for table in db.metadata.tables.values() for column in table.columns
        if column.name.endswith("_sek") and not isinstance(column.type, sa.JSON)
    ]
    assert len(money) >= 17
    for table, column, kind in money:
        assert isinstance(kind, sa.BigInteger), f"{table}.{column} is {kind}"


@pytest.mark.parametrize("amounts", [[1.5, 0], [100, -1], [True], "1200000", [None]])
def test_per_year_cost_lists_hold_whole_kronor_only(amounts):
    from app.benefits.models import CostLine

    with pytest.raises(ValueError, match="whole, non-negative kronor"):
        CostLine(position=1, kind="investment", name="x", by_year_sek=amounts)
    valid = CostLine(position=1, kind="investment", name="x", by_year_sek=[1, 0])
    assert valid.by_year_sek == [1, 0]


def test_every_model_has_a_repr(app_ctx):
    for mapper in db.Model.registry.mappers:
        assert "__repr__" in vars(mapper.class_), mapper.class_.__name__


def test_ledger_amounts_cannot_be_zero_or_negative_without_a_correction(app_ctx):
    programme = _programme()

    def entry(amount, corrects_id=None):
        db.session.add(EnvelopeEntry(programme_id=programme.id, kind=LedgerEntryKind.COMMITMENT,
                                     amount_sek=amount, booked_on=date(2008, 1, 1),
                                     description="x", corrects_id=corrects_id))

    _fails(lambda: entry(0))
    _fails(lambda: entry(-5))
    entry(100)
    db.session.flush()


def test_programme_period_and_delegation_validity_must_be_in_order(app_ctx):
    _fails(lambda: db.session.add(Programme(name="Backwards", starts_on=date(2012, 1, 1),
                                            ends_on=date(2007, 1, 1))))
    programme = _programme()
    _fails(lambda: db.session.add(DelegationRule(
        programme_id=programme.id, authority_key="x", authority_name="X", limit_sek=0,
        valid_from=date(2008, 1, 1), valid_to=None, source="s")))
    _fails(lambda: db.session.add(DelegationRule(
        programme_id=programme.id, authority_key="x", authority_name="X", limit_sek=1,
        valid_from=date(2008, 1, 1), valid_to=date(2007, 1, 1), source="s")))


def test_only_decision_makers_carry_an_authority_key(app_ctx):
    user = User(email="a@test.example", name="A")
    db.session.add(user)
    db.session.flush()
    _fails(lambda: db.session.add(RoleAssignment(user_id=user.id, role=Role.APPLICANT,
                                                 authority_key="city_director")))
    _fails(lambda: db.session.add(RoleAssignment(user_id=user.id, role=Role.DECISION_MAKER)))
    db.session.add(RoleAssignment(user_id=user.id, role=Role.DECISION_MAKER,
                                  authority_key="city_director"))
    db.session.flush()
    assert user.authority_keys == {"city_director"}


def test_emails_and_organisation_names_are_unique(app_ctx):
    db.session.add(User(email="same@test.example", name="One"))
    db.session.flush()
    _fails(lambda: db.session.add(User(email="same@test.example", name="Two")))
    db.session.add(Organisation(name="Trafikkontoret", kind=OrganisationKind.ADMINISTRATION))
    db.session.flush()
    _fails(lambda: db.session.add(Organisation(name="Trafikkontoret",
                                               kind=OrganisationKind.ADMINISTRATION)))


def test_enum_columns_reject_unknown_values(app_ctx):
    _fails(lambda: db.session.add(Organisation(name="X", kind="ministry")))
    db.session.execute(sa.text("SAVEPOINT raw"))
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text(
            "INSERT INTO organisation (name, kind, is_active, created_at) "
            "VALUES ('Y', 'ministry', true, CURRENT_TIMESTAMP)"))
    db.session.execute(sa.text("ROLLBACK TO SAVEPOINT raw"))


def test_timestamps_are_timezone_aware_and_naive_ones_are_refused(app_ctx):
    user = User(email="tz@test.example", name="Tz")
    db.session.add(user)
    db.session.flush()
    db.session.expire(user)
    assert user.created_at.tzinfo is not None
    _fails(lambda: db.session.add(Notification(user_id=user.id, kind="k", message="m",
                                               created_at=datetime(2010, 1, 1))))
    db.session.add(Notification(user_id=user.id, kind="k", message="m",
                                created_at=datetime(2010, 1, 1, tzinfo=UTC)))
    db.session.flush()
