"""Delegation regimes by the service: added, chained, routed at once, immutable in force."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications import routing as application_routing
from app.applications.models import Decision
from app.core.models import AuditEntry
from app.extensions import db
from app.programmes import regimes
from app.programmes.models import DelegationRegime, DelegationRule, Programme
from app.programmes.rules import RegimeProblem
from tests.conftest import decide_on_the_day

CHIEF_OF_STAFF_REGIME = {
    "valid_from": date(2011, 9, 1),
    "reason": "KS 2011-08-24 gives the chief of staff projects up to 5 MSEK.",
    "source": "KS 2011-08-24",
    "rules": [
        {"authority_key": "chief_of_staff", "authority_name": "Stabschef", "limit_sek": 5_000_000},
        {"authority_key": "city_director", "authority_name": "Stadsdirektör",
         "limit_sek": 15_000_000},
        {"authority_key": "finance_committee", "authority_name": "Ekonomiutskottet",
         "limit_sek": None, "source": "KS 2010-12-15"},
    ],
}
TODAY = date(2011, 6, 1)


@pytest.fixture
def programme(app_ctx, make_programme, demo_date):
    demo_date(TODAY)
    return db.session.get(Programme, make_programme())


@pytest.fixture
def admin(app_ctx, make_user):
    return db.session.get(User, make_user(["administrator"]))


def _ends(programme) -> dict[date, set]:
    db.session.expire_all()
    return {regime.valid_from: {rule.valid_to for rule in regime.rules}
            for regime in regimes.regimes_of(programme)}


def _refusal_codes(refused) -> list[str]:
    return [error["code"] for error in refused.value.problems()]


def test_a_regime_from_a_later_date_replaces_the_one_in_force_from_that_date(programme, admin):
    regime = regimes.add_regime(programme, CHIEF_OF_STAFF_REGIME, admin)

    assert _ends(programme) == {date(2007, 10, 1): {date(2010, 12, 31)},
                                date(2011, 1, 1): {date(2011, 8, 31)},
                                date(2011, 9, 1): {None}}
    assert regime.created_by_id == admin.id
    assert [r.source for r in regime.rules] == ["KS 2011-08-24", "KS 2011-08-24",
                                                "KS 2010-12-15"]
    routed_before = application_routing.route(programme, 4_000_000, date(2011, 8, 31))
    routed_after = application_routing.route(programme, 4_000_000, date(2011, 9, 1))
    assert routed_before.authority_key == "city_director"
    assert routed_after.authority_key == "chief_of_staff"
    assert routed_after.regime_id == regime.id
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.object_id, entry.actor_id) == (
        "delegation_regime.added", str(regime.id), admin.id)
    assert entry.after["rules"][0]["authority_key"] == "chief_of_staff"


@pytest.mark.parametrize(("change", "code"), [
    ({"rules": [{"authority_key": "a", "authority_name": "A", "limit_sek": 10_000_000},
                {"authority_key": "b", "authority_name": "B", "limit_sek": 5_000_000}]},
     RegimeProblem.LIMITS_NOT_RISING),
    ({"rules": [{"authority_key": "a", "authority_name": "A", "limit_sek": None},
                {"authority_key": "b", "authority_name": "B", "limit_sek": None}]},
     RegimeProblem.UNLIMITED_TWICE),
    ({"valid_from": date(2011, 5, 31)}, RegimeProblem.BEFORE_BUSINESS_DATE),
    ({"valid_from": date(2011, 1, 1)}, RegimeProblem.START_TAKEN),
    ({"valid_from": date(2010, 1, 1)}, RegimeProblem.INSIDE_REGIME_IN_FORCE),
    ({"reason": "  "}, RegimeProblem.REASON_MISSING),
    ({"valid_from": date(2013, 1, 1)}, RegimeProblem.OUTSIDE_PROGRAMME_PERIOD),
])
def test_a_bad_regime_is_refused_and_nothing_is_saved(programme, admin, change, code):
    rules_before = db.session.scalar(sa.select(sa.func.count(DelegationRule.id)))
    audit_before = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))

    with pytest.raises(regimes.RegimeRefused) as refused:
        regimes.add_regime(programme, {**CHIEF_OF_STAFF_REGIME, **change}, admin)

    assert code.value in _refusal_codes(refused)
    assert refused.value.status == 422
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(DelegationRule.id))) == rules_before
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == audit_before


def test_a_regime_starting_today_is_in_force_at_once_and_then_immutable(programme, admin):
    regime = regimes.add_regime(programme, {**CHIEF_OF_STAFF_REGIME, "valid_from": TODAY}, admin)

    assert application_routing.route(programme, 1_000_000, TODAY).authority_key == (
        "chief_of_staff")
    with pytest.raises(regimes.RegimeRefused) as refused:
        regimes.delete_regime(regime, admin)
    assert refused.value.status == 409
    assert _refusal_codes(refused) == [RegimeProblem.IN_FORCE_IMMUTABLE.value]


@pytest.mark.parametrize("start", [date(2007, 10, 1), date(2011, 1, 1)])
def test_a_regime_in_force_or_past_cannot_be_edited_or_deleted(programme, admin, start):
    regime = db.session.scalar(sa.select(DelegationRegime).where(
        DelegationRegime.programme_id == programme.id, DelegationRegime.valid_from == start))
    rules_before = [(r.id, r.limit_sek, r.valid_to) for r in regime.rules]

    with pytest.raises(regimes.RegimeRefused) as edited:
        regimes.edit_regime(regime, {**CHIEF_OF_STAFF_REGIME, "valid_from": date(2011, 10, 1)},
                            admin)
    with pytest.raises(regimes.RegimeRefused) as deleted:
        regimes.delete_regime(regime, admin)

    assert edited.value.status == deleted.value.status == 409
    db.session.rollback()
    db.session.expire_all()
    assert [(r.id, r.limit_sek, r.valid_to) for r in db.session.get(
        DelegationRegime, regime.id).rules] == rules_before


def test_a_future_regime_may_be_edited_and_deleted(programme, admin):
    regime = regimes.add_regime(programme, CHIEF_OF_STAFF_REGIME, admin)
    edited = regimes.edit_regime(regime, {**CHIEF_OF_STAFF_REGIME, "valid_from": date(2012, 1, 1),
                                          "reason": "Moved to the new year."}, admin)

    assert edited.valid_from == date(2012, 1, 1)
    assert _ends(programme)[date(2011, 1, 1)] == {date(2011, 12, 31)}
    assert {r.valid_from for r in edited.rules} == {date(2012, 1, 1)}
    assert application_routing.route(programme, 4_000_000, date(2011, 12, 31)).authority_key \
        == "city_director"

    regimes.delete_regime(edited, admin)

    assert _ends(programme) == {date(2007, 10, 1): {date(2010, 12, 31)},
                                date(2011, 1, 1): {None}}
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["delegation_regime.added", "delegation_regime.edited",
                            "delegation_regime.deleted"]


def test_two_future_regimes_chain(programme, admin):
    regimes.add_regime(programme, {**CHIEF_OF_STAFF_REGIME, "valid_from": date(2012, 1, 1)},
                       admin)
    regimes.add_regime(programme, CHIEF_OF_STAFF_REGIME, admin)

    assert _ends(programme)[date(2011, 1, 1)] == {date(2011, 8, 31)}
    assert _ends(programme)[date(2011, 9, 1)] == {date(2011, 12, 31)}
    assert _ends(programme)[date(2012, 1, 1)] == {None}


def test_a_regime_whose_rules_decided_a_case_is_never_deleted(
        app_ctx, people, make_application, demo_date):
    """Attacker style: set the clock back so a regime looks future, then try to delete it."""
    from app.applications.models import Application

    application = db.session.get(Application, make_application(
        "awaiting_decision", requested_sek=1_200_000))
    decision = decide_on_the_day(application, {"outcome": "approved",
                                               "decided_on": date(2011, 3, 1)},
                                 db.session.get(User, people.eva))
    regime = db.session.get(DelegationRule, decision.delegation_rule_id).regime
    demo_date(date(2010, 6, 1))

    with pytest.raises(regimes.RegimeRefused) as refused:
        regimes.delete_regime(regime, db.session.get(User, people.eva))

    assert refused.value.status == 409
    db.session.expire_all()
    rule = db.session.get(DelegationRule, db.session.get(Decision, decision.id).delegation_rule_id)
    assert rule is not None and rule.regime_id == regime.id


def test_routing_follows_a_regime_added_in_the_same_session(programme, admin):
    """Routing reads the programme's rules afresh after a change (no stale collection)."""
    assert application_routing.route(programme, 4_000_000, date(2011, 10, 1)).authority_key \
        == "city_director"
    regimes.add_regime(programme, CHIEF_OF_STAFF_REGIME, admin)

    assert application_routing.route(programme, 4_000_000, date(2011, 10, 1)).authority_key \
        == "chief_of_staff"
