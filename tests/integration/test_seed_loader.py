"""The demo seed: DOMAIN.md's March 2010 envelope, delegation, diary numbers, idempotency."""

import re
import shutil
from collections import defaultdict
from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import RoleAssignment
from app.accounts.services import authenticate, find_user_by_email
from app.applications.models import Decision, DiaryCounter
from app.core.enums import DecisionKind, LedgerEntryKind, Role
from app.extensions import db
from app.programmes import rules
from app.programmes.models import DelegationRule, EnvelopeEntry, Programme
from app.programmes.services import envelope_position
from app.projects.models import Project
from app.seed import DEFAULT_DATA_DIR, seed_demo

DIARY_NUMBER = re.compile(r"^SLK (\d{4})/(\d{4})$")


@pytest.fixture
def seeded(db_session):
    """Load the demo once and return the first run's report."""
    return seed_demo()


@pytest.fixture
def programme(seeded):
    return db.session.scalar(sa.select(Programme).where(Programme.name == "E-tjänstprogrammet"))


def original_decision(project: Project) -> Decision:
    return db.session.scalar(
        sa.select(Decision).where(Decision.application_id == project.application_id,
                                  Decision.kind == DecisionKind.ORIGINAL)
    )


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def table_contents() -> dict[str, list[tuple]]:
    """Every row of every table in key order, to prove a rerun changes no value."""
    return {
        table.name: [tuple(row) for row in db.session.execute(
            sa.select(table).order_by(*table.primary_key.columns))]
        for table in db.metadata.sorted_tables
    }


def test_envelope_reproduces_the_position_of_1_march_2010(programme):
    position = envelope_position(programme, date(2010, 3, 1))

    assert position.reserved_sek == 650_000_000
    assert position.committed_sek == 397_900_000
    assert position.remaining_sek == 252_100_000
    assert position.spent_sek > 0


def test_later_decisions_are_committed_after_march_2010(programme):
    march = envelope_position(programme, date(2010, 3, 1))
    today = envelope_position(programme)

    assert today.reserved_sek == 650_000_000
    assert today.committed_sek > march.committed_sek
    assert today.remaining_sek == today.reserved_sek - today.committed_sek


def test_every_funded_project_was_decided_by_the_authority_routing_picks(programme):
    table = [
        rules.DelegationRule(rule.id, rule.authority_key, rule.limit_sek, rule.valid_from,
                             rule.valid_to, rule.source)
        for rule in db.session.scalars(
            sa.select(DelegationRule).where(DelegationRule.programme_id == programme.id))
    ]
    projects = db.session.scalars(sa.select(Project)).all()
    assert len(projects) >= 18

    for project in projects:
        decision = original_decision(project)
        routed = rules.route_decision(table, decision.amount_sek, decision.decided_on)
        assert (decision.authority_key, decision.delegation_rule_id) == (
            routed.authority_key, routed.rule_id), project.title
        assert decision.decided_by_id is not None, project.title


def test_both_delegation_regimes_are_exercised(programme):
    used = {
        (decision.decided_on.year >= 2011, decision.authority_key)
        for decision in db.session.scalars(sa.select(Decision))
    }

    assert {(False, "deputy_city_director"), (False, "city_director"),
            (False, "finance_committee"), (True, "city_director")} <= used


def test_each_funded_projects_commitment_equals_its_decision(programme):
    for project in db.session.scalars(sa.select(Project)):
        decision = original_decision(project)
        commitments = db.session.scalars(
            sa.select(EnvelopeEntry).where(EnvelopeEntry.project_id == project.id,
                                           EnvelopeEntry.kind == LedgerEntryKind.COMMITMENT)
        ).all()
        assert [(c.amount_sek, c.booked_on, c.decision_id) for c in commitments] == [
            (decision.amount_sek, decision.decided_on, decision.id)], project.title


def test_diary_numbers_are_unique_and_gapless_per_year(seeded):
    decisions = db.session.scalars(sa.select(Decision)).all()
    numbers = [decision.diary_number for decision in decisions]
    assert len(numbers) == len(set(numbers))

    seqs = defaultdict(list)
    for decision in decisions:
        match = DIARY_NUMBER.match(decision.diary_number)
        assert match, decision.diary_number
        year, seq = int(match[1]), int(match[2])
        assert year == decision.decided_on.year
        seqs[year].append(seq)
    counters = {c.year: c.last_seq for c in db.session.scalars(sa.select(DiaryCounter))}

    for year, used in seqs.items():
        assert sorted(used) == list(range(1, len(used) + 1)), year
        assert counters[year] == len(used), year


def test_seeding_twice_changes_nothing(seeded):
    assert seeded.total > 0
    counts, contents = row_counts(), table_contents()

    again = seed_demo()

    assert again.total == 0
    assert all(count == 0 for count in again.as_dict().values())
    assert row_counts() == counts
    assert table_contents() == contents


def test_every_role_has_a_demo_user(seeded):
    held = set(db.session.scalars(sa.select(RoleAssignment.role).distinct()))

    assert set(Role) <= held


def test_demo_users_log_in_with_the_shared_demo_password(seeded):
    user = find_user_by_email("karin@demo.stockholm.example")

    assert authenticate("karin@demo.stockholm.example", "nytta-demo-2010") is user
    assert user.organisation.name == "Trafikkontoret"


def test_decision_makers_hold_the_demo_authorities(seeded):
    authorities = set(db.session.scalars(
        sa.select(RoleAssignment.authority_key).where(
            RoleAssignment.role == Role.DECISION_MAKER)))

    assert authorities == {"deputy_city_director", "city_director", "finance_committee"}


@pytest.fixture
def data_copy(tmp_path):
    """Copy seed_data/ so a test can break one file."""
    target = tmp_path / "seed_data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def test_a_missing_file_is_named(db_session, data_copy):
    (data_copy / "ledger.csv").unlink()

    with pytest.raises(ValueError, match=r"ledger\.csv.*missing"):
        seed_demo(data_copy)


def test_a_missing_field_names_the_file_and_the_item(db_session, data_copy):
    path = data_copy / "projects.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    granted_sek: 6500000\n", "", 1), encoding="utf-8")

    with pytest.raises(ValueError, match=r"projects\.yaml, project \d+ \(Bygglov\).*granted_sek"):
        seed_demo(data_copy)


def test_a_decider_that_routing_would_not_pick_is_refused(db_session, data_copy):
    path = data_copy / "projects.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("    granted_sek: 12000000\n    decided_by: finance_committee\n",
                          "    granted_sek: 12000000\n    decided_by: city_director\n", 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")

    with pytest.raises(ValueError, match=r"\(Baggis\).*routes 12000000 SEK to finance_committee"):
        seed_demo(data_copy)


def test_demo_projects_carry_frozen_baselines_and_a_realised_register(seeded):
    from app.accounts.models import Organisation
    from app.benefits import services as benefit_services
    from app.benefits.models import CalculationVersion
    from app.core.enums import CalculationVersionKind

    baselines = db.session.scalars(sa.select(CalculationVersion).where(
        CalculationVersion.kind == CalculationVersionKind.BASELINE)).all()
    assert len(baselines) == 6 and all(v.is_frozen for v in baselines)
    school = db.session.scalar(sa.select(Organisation.id).where(
        Organisation.name == "Utbildningsförvaltningen"))
    rows = benefit_services.register(2010, organisation_id=school)
    handling = next(r for r in rows if r.benefit.name.startswith("Kortare handläggning"))
    assert handling.actual_to_date_sek == 2_500_000 + 2_900_000
    assert handling.actual_cash_releasing_to_date_sek == 1_100_000 + 1_500_000
    assert handling.planned_to_date_sek > 0 and handling.realisation_rate is not None
    planned_cash = sum(p.planned_cash_releasing_sek for r in rows for p in r.benefit.plan_years)
    assert planned_cash > 0


def test_the_councils_adopted_cuts_reproduce_the_2009_and_2010_budgets(programme):
    from app.budget_cuts import services as cuts

    totals = {t.budget_year: t.adopted_sek for t in cuts.city_totals(programme, [2009, 2010])}
    assert totals == {2009: 25_500_000, 2010: 30_700_000}
