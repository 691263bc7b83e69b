"""Budget-cut services against the database: policies, proposals, adoption, explanation, what-if."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.accounts.models import Organisation, User
from app.applications.models import Application
from app.benefits.models import (
    Benefit,
    BenefitCalculation,
    BenefitLine,
    BenefitPlanYear,
    CalculationVersion,
    CostLine,
    RealisationEntry,
)
from app.budget_cuts import explanations, permissions, queries, rules, scenarios, services
from app.budget_cuts.models import BudgetCutEntry, BudgetCutLine, BudgetCutPolicy
from app.core.enums import (
    ApplicationKind,
    BenefitKind,
    BudgetCutEntryKind,
    CalculationVersionKind,
    CostKind,
    Recipient,
)
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.models import AuditEntry
from app.extensions import db
from app.programmes.models import Programme
from app.projects.models import Project
from tests.conftest import count_rows

DEMO_POLICY = {"valid_from_year": 2008, "share": Decimal(1), "lag_years": 1,
               "net_running_costs": False, "allow_before_go_live": False}


def add_project(programme_id: int, organisation_id: int, title: str, *, go_live_on=None,
                benefits=(), running=None, start_year: int = 2010, years: int = 8) -> Project:
    """A decided project with a frozen baseline: `benefits` are (owner, name, {year: cash})."""
    application = Application(programme_id=programme_id, organisation_id=organisation_id,
                              kind=ApplicationKind.IMPLEMENTATION, title=title, requirements={})
    db.session.add(application)
    db.session.flush()
    calculation = BenefitCalculation(application_id=application.id)
    db.session.add(calculation)
    db.session.flush()
    version = CalculationVersion(
        calculation_id=calculation.id, number=2, kind=CalculationVersionKind.BASELINE,
        start_year=start_year, years=years, discount_rate=Decimal("0.035"), settings={},
        is_frozen=True)
    version.benefit_lines = [
        BenefitLine(position=i, kind=BenefitKind.FIXED, name=name,
                    recipient=Recipient.ORGANISATION, owner_organisation_id=owner,
                    params={"cash_releasing": True})
        for i, (owner, name, _plan) in enumerate(benefits)]
    running = running or {}
    version.cost_lines = [CostLine(position=0, kind=CostKind.RUNNING, name="Drift", by_year_sek=[
        running.get(start_year + t, 0) for t in range(years)])]
    db.session.add(version)
    project = Project(programme_id=programme_id, application_id=application.id,
                      organisation_id=organisation_id, title=title,
                      baseline_start_on=date(start_year, 1, 1),
                      baseline_end_on=date(start_year, 12, 31), go_live_on=go_live_on)
    db.session.add(project)
    db.session.flush()
    for line, (owner, name, plan) in zip(version.benefit_lines, benefits, strict=True):
        db.session.add(Benefit(
            project_id=project.id, baseline_line_id=line.id, owner_organisation_id=owner,
            name=name, plan_years=[
                BenefitPlanYear(year=year, planned_sek=cash, planned_cash_releasing_sek=cash)
                for year, cash in sorted(plan.items())]))
    db.session.flush()
    return project


def realise(project: Project, name: str, year: int, cash: int) -> RealisationEntry:
    benefit = db.session.scalar(sa.select(Benefit).where(Benefit.project_id == project.id,
                                                         Benefit.name == name))
    entry = RealisationEntry(benefit_id=benefit.id, year=year, actual_sek=cash,
                             actual_cash_releasing_sek=cash)
    db.session.add(entry)
    db.session.flush()
    return entry


def steady(amount: int, first: int = 2011, last: int = 2016) -> dict[int, int]:
    return {year: amount for year in range(first, last + 1)}


@pytest.fixture
def world(app_ctx, people, make_organisation, make_user, make_programme):
    """The programme, Utbildningsförvaltningen with its head, Trafikkontoret, Jonas."""
    edu = make_organisation("Utbildningsförvaltningen")
    ids = SimpleNamespace(edu=edu, programme=make_programme(),
                          head=make_user(["applicant"], organisation_id=edu, name="Annika"))
    return SimpleNamespace(
        ids=ids, people=people,
        programme=db.session.get(Programme, ids.programme),
        edu=db.session.get(Organisation, edu),
        traffic=db.session.get(Organisation, people.traffic),
        other=db.session.get(Organisation, people.other),
        jonas=db.session.get(User, people.jonas),
        karin=db.session.get(User, people.karin),
        head=db.session.get(User, ids.head),
        auditor=db.session.get(User, people.auditor))


@pytest.fixture
def demo_policy(world):
    return services.create_policy(world.programme, DEMO_POLICY, world.jonas)


@pytest.fixture
def school_choice(world, demo_policy):
    """Skolval: 700 000 SEK a year cash-releasing from 2011, live since 2010."""
    return add_project(world.programme.id, world.edu.id, "Skolval", go_live_on=date(2010, 1, 15),
                       benefits=[(world.edu.id, "Färre pappersansökningar", steady(700_000))])


def audit_actions(prefix: str) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action)
                                   .where(AuditEntry.action.startswith(prefix))
                                   .order_by(AuditEntry.id)))


# ---- policies -------------------------------------------------------------------------------

def test_policies_are_effective_dated_and_every_change_is_audited(world):
    first = services.create_policy(world.programme, DEMO_POLICY, world.jonas)
    half = services.create_policy(world.programme, {**DEMO_POLICY, "valid_from_year": 2011,
                                                    "share": Decimal("0.5")}, world.jonas)
    assert queries.policy_in_force(world.programme, 2007) is None
    assert queries.policy_in_force(world.programme, 2010) == first
    assert queries.policy_in_force(world.programme, 2012) == half
    services.update_policy(half, {**DEMO_POLICY, "valid_from_year": 2011, "share": "0.75",
                                  "net_running_costs": True}, world.jonas)
    assert half.share == Decimal("0.7500") and half.net_running_costs
    services.delete_policy(half, world.jonas)
    assert queries.policies(world.programme) == [first]
    assert audit_actions("budget_cut_policy.") == [
        "budget_cut_policy.created", "budget_cut_policy.created", "budget_cut_policy.updated",
        "budget_cut_policy.deleted"]


@pytest.mark.parametrize("change, field", [
    ({"share": Decimal("1.5")}, "share"),
    ({"share": -0.1}, "share"),
    ({"share": "hundra"}, "share"),
    ({"share": None}, "share"),
    ({"lag_years": -1}, "lag_years"),
    ({"lag_years": "1"}, "lag_years"),
    ({"valid_from_year": 2006}, "valid_from_year"),
    ({"valid_from_year": 2013}, "valid_from_year"),
    ({"net_running_costs": "ja"}, "net_running_costs"),
])
def test_a_bad_policy_is_refused_naming_the_field(world, change, field):
    with pytest.raises(InvalidInput) as raised:
        services.create_policy(world.programme, {**DEMO_POLICY, **change}, world.jonas)
    assert raised.value.field == field
    assert count_rows(BudgetCutPolicy) == 0


@pytest.mark.parametrize("who", ["karin", "head", "auditor"])
def test_only_the_programme_office_sets_policy(world, who):
    with pytest.raises(Forbidden):
        services.create_policy(world.programme, DEMO_POLICY, getattr(world, who))


def test_a_policy_a_proposal_rests_on_cannot_change(world, school_choice, demo_policy):
    services.propose_budget_cuts(world.programme, 2012, world.jonas)
    with pytest.raises(Conflict):
        services.update_policy(demo_policy, {**DEMO_POLICY, "share": "0.5"}, world.jonas)
    with pytest.raises(Conflict):
        services.delete_policy(demo_policy, world.jonas)


# ---- proposals ------------------------------------------------------------------------------

def test_the_700_000_example_is_proposed_with_its_line(world, school_choice, demo_policy):
    [entry] = services.propose_budget_cuts(world.programme, 2012, world.jonas)
    assert (entry.organisation_id, entry.kind, entry.amount_sek, entry.policy_id) == (
        world.edu.id, BudgetCutEntryKind.PROPOSED, 700_000, demo_policy.id)
    [line] = entry.lines
    assert (line.project_id, line.saving_year, line.cash_releasing_sek, line.share,
            line.proposed_sek) == (school_choice.id, 2011, 700_000, Decimal(1), 700_000)
    version = db.session.get(CalculationVersion, line.calculation_version_id)
    assert version.kind == CalculationVersionKind.BASELINE
    assert audit_actions("budget_cut.") == ["budget_cut.proposed"]


def test_proposing_again_is_idempotent_and_keeps_history(world, school_choice):
    first = services.propose_budget_cuts(world.programme, 2012, world.jonas)
    again = services.propose_budget_cuts(world.programme, 2012, world.jonas)
    assert again == first and count_rows(BudgetCutEntry) == 1
    add_project(world.programme.id, world.edu.id, "Hitta skola", go_live_on=date(2009, 8, 17),
                benefits=[(world.edu.id, "Färre samtal", steady(500_000))])
    [changed] = services.propose_budget_cuts(world.programme, 2012, world.jonas)
    assert changed.id != first[0].id and changed.amount_sek == 1_200_000
    assert len(changed.lines) == 2
    assert [e.amount_sek for e in queries.entries(world.programme, world.edu.id, 2012)] == [
        700_000, 1_200_000]
    assert explanations.explanation(world.edu, 2012, world.programme).proposed_sek == 1_200_000


def test_proposing_needs_a_policy_a_year_in_range_and_the_programme_office(world):
    with pytest.raises(Conflict):
        services.propose_budget_cuts(world.programme, 2012, world.jonas)
    services.create_policy(world.programme, DEMO_POLICY, world.jonas)
    with pytest.raises(InvalidInput) as raised:
        services.propose_budget_cuts(world.programme, 2013, world.jonas)
    assert raised.value.field == "budget_year"
    with pytest.raises(Forbidden):
        services.propose_budget_cuts(world.programme, 2012, world.karin)


def test_the_go_live_guard_keeps_an_unlaunched_service_out(world, school_choice):
    add_project(world.programme.id, world.edu.id, "Skolwebb", go_live_on=None,
                benefits=[(world.edu.id, "Färre utskick", steady(300_000))])
    [entry] = services.propose_budget_cuts(world.programme, 2012, world.jonas)
    assert entry.amount_sek == 700_000
    item = explanations.explanation(world.edu, 2012, world.programme)
    assert [(row.project.title, row.reason) for row in item.excluded] == [
        ("Skolwebb", rules.Exclusion.NOT_LAUNCHED)]


def test_a_benefit_owned_by_another_organisation_cuts_the_owner(world, demo_policy):
    add_project(world.programme.id, world.traffic.id, "Cykelreseplanerare",
                go_live_on=date(2010, 5, 17),
                benefits=[(world.traffic.id, "Färre samtal", steady(100_000)),
                          (world.other.id, "Kartunderhåll", steady(250_000))])
    proposals = services.propose_budget_cuts(world.programme, 2012, world.jonas)
    assert {e.organisation_id: e.amount_sek for e in proposals} == {
        world.traffic.id: 100_000, world.other.id: 250_000}


def test_running_costs_are_netted_pro_rata_over_the_projects_lines(world):
    services.create_policy(world.programme, {**DEMO_POLICY, "net_running_costs": True},
                           world.jonas)
    add_project(world.programme.id, world.traffic.id, "Cykelreseplanerare",
                go_live_on=date(2010, 5, 17), running={2011: 150_000},
                benefits=[(world.traffic.id, "Färre samtal", steady(100_000)),
                          (world.other.id, "Kartunderhåll", steady(200_000))])
    proposals = services.propose_budget_cuts(world.programme, 2012, world.jonas)
    assert {e.organisation_id: e.amount_sek for e in proposals} == {
        world.traffic.id: 50_000, world.other.id: 100_000}
    item = explanations.explanation(world.traffic, 2012, world.programme)
    assert [(line.cash_releasing_sek, line.netted_sek, line.proposed_sek)
            for line in item.lines] == [(100_000, 50_000, 50_000)]


# ---- adoption and corrections ---------------------------------------------------------------

def test_the_adopted_cut_may_follow_the_proposal_without_a_reason(world, school_choice):
    services.propose_budget_cuts(world.programme, 2012, world.jonas)
    entry = services.adopt_budget_cut(world.programme, world.edu, 2012, 700_000,
                                      "KF 2011-11-28, Budget 2012", "", world.jonas)
    assert (entry.kind, entry.amount_sek, entry.council_decision_ref) == (
        BudgetCutEntryKind.ADOPTED, 700_000, "KF 2011-11-28, Budget 2012")
    assert explanations.explanation(world.edu, 2012, world.programme).adopted_sek == 700_000


@pytest.mark.parametrize("propose_first, amount", [(True, 500_000), (False, 700_000)])
def test_a_cut_other_than_the_proposal_or_without_one_needs_its_reason(
        world, school_choice, propose_first, amount):
    if propose_first:
        services.propose_budget_cuts(world.programme, 2012, world.jonas)
    with pytest.raises(InvalidInput) as raised:
        services.adopt_budget_cut(world.programme, world.edu, 2012, amount, "KF 2011-11-28", "",
                                  world.jonas)
    assert raised.value.field == "reason"
    entry = services.adopt_budget_cut(world.programme, world.edu, 2012, amount, "KF 2011-11-28",
                                      "Fullmäktige halverade neddragningen.", world.jonas)
    assert entry.reason == "Fullmäktige halverade neddragningen."


@pytest.mark.parametrize("amount, ref, field", [
    (-1, "KF 2011", "amount_sek"),
    (1.5, "KF 2011", "amount_sek"),
    (700_000, "  ", "council_decision_ref"),
])
def test_an_adoption_with_bad_input_names_the_field(world, school_choice, amount, ref, field):
    services.propose_budget_cuts(world.programme, 2012, world.jonas)
    with pytest.raises(InvalidInput) as raised:
        services.adopt_budget_cut(world.programme, world.edu, 2012, amount, ref, "Skäl",
                                  world.jonas)
    assert raised.value.field == field


def test_an_adopted_cut_is_immutable_and_corrected_by_a_new_entry(world, school_choice):
    services.propose_budget_cuts(world.programme, 2012, world.jonas)
    adopted = services.adopt_budget_cut(world.programme, world.edu, 2012, 700_000, "KF 2011-11-28",
                                        "", world.jonas)
    with pytest.raises(Conflict):
        services.adopt_budget_cut(world.programme, world.edu, 2012, 600_000, "KF 2011-11-28",
                                  "Ny siffra", world.jonas)
    with pytest.raises(Conflict):
        services.refuse_edit(adopted)
    with pytest.raises(InvalidInput) as raised:
        services.correct_budget_cut(adopted, {"amount_sek": 600_000,
                                              "council_decision_ref": "KF 2012-06-11"},
                                    world.jonas)
    assert raised.value.field == "reason"
    correction = services.correct_budget_cut(adopted, {
        "amount_sek": 600_000, "council_decision_ref": "KF 2012-06-11",
        "reason": "Tilläggsbudget"}, world.jonas)
    assert (correction.kind, correction.corrects_id) == (BudgetCutEntryKind.CORRECTION,
                                                         adopted.id)
    assert adopted.amount_sek == 700_000
    with pytest.raises(Conflict):
        services.correct_budget_cut(adopted, {"amount_sek": 1, "council_decision_ref": "KF",
                                              "reason": "x"}, world.jonas)
    item = explanations.explanation(world.edu, 2012, world.programme)
    assert (item.proposed_sek, item.adopted_sek) == (700_000, 600_000)
    assert [e.kind for e in item.history] == [BudgetCutEntryKind.PROPOSED,
                                              BudgetCutEntryKind.ADOPTED,
                                              BudgetCutEntryKind.CORRECTION]
    assert audit_actions("budget_cut.") == ["budget_cut.proposed", "budget_cut.adopted",
                                            "budget_cut.corrected"]


def test_proposing_again_leaves_an_adopted_cut_alone(world, school_choice):
    services.propose_budget_cuts(world.programme, 2012, world.jonas)
    services.adopt_budget_cut(world.programme, world.edu, 2012, 700_000, "KF", "", world.jonas)
    add_project(world.programme.id, world.edu.id, "Hitta skola", go_live_on=date(2009, 8, 17),
                benefits=[(world.edu.id, "Färre samtal", steady(500_000))])
    services.propose_budget_cuts(world.programme, 2012, world.jonas)
    assert count_rows(BudgetCutEntry) == 2


# ---- the explanation ------------------------------------------------------------------------

def test_the_explanation_shows_lines_realised_increment_and_flags(world, school_choice):
    add_project(world.programme.id, world.edu.id, "Hitta skola", go_live_on=date(2009, 8, 17),
                benefits=[(world.edu.id, "Färre samtal", steady(500_000))])
    services.propose_budget_cuts(world.programme, 2012, world.jonas)
    services.adopt_budget_cut(world.programme, world.edu, 2012, 1_200_000, "KF 2011-11-28", "",
                              world.jonas)
    first = realise(school_choice, "Färre pappersansökningar", 2011, 100_000)
    correction = realise(school_choice, "Färre pappersansökningar", 2011, 650_000)
    correction.corrects_id = first.id
    item = explanations.explanation(world.edu, 2012, world.programme)
    assert (item.proposed_sek, item.adopted_sek, item.realised_sek) == (1_200_000, 1_200_000,
                                                                        650_000)
    assert (item.previous_sek, item.increment_sek) == (0, 1_200_000)
    assert [f.code for f in item.flags] == [rules.Flag.CUT_EXCEEDS_REALISED]
    assert item.flags[0].amount_sek == 550_000
    assert [(line.project.title, line.realised_sek) for line in item.lines] == [
        ("Skolval", 650_000), ("Hitta skola", 0)]
    body = item.as_dict()
    assert set(body) == {"organisation_id", "year", "proposed_sek", "adopted_sek", "realised_sek",
                         "increment_sek", "flags", "lines"}
    assert set(body["lines"][0]) == {"project_id", "benefit", "calculation_version",
                                     "saving_year", "cash_releasing_sek", "share", "proposed_sek"}
    assert body["lines"][0]["calculation_version"]["kind"] == "baseline"


def test_the_explanation_previews_the_policy_before_anything_is_proposed(world, school_choice):
    item = explanations.explanation(world.edu, 2013 - 1, world.programme)
    assert item.is_preview and item.proposed_sek == 700_000 and item.adopted_sek is None
    later = explanations.explanation(world.edu, 2012, world.programme)
    assert later.increment_sek == 700_000
    assert count_rows(BudgetCutEntry) == 0


def test_the_increment_follows_the_adopted_cut_of_the_year_before(world, school_choice):
    services.adopt_budget_cut(world.programme, world.edu, 2011, 300_000, "KF 2010-11-29",
                              "Besparing beslutad i budget 2011", world.jonas)
    item = explanations.explanation(world.edu, 2012, world.programme)
    assert (item.previous_sek, item.increment_sek) == (300_000, 400_000)


def test_the_explanation_year_must_be_in_the_programme(world, school_choice):
    with pytest.raises(InvalidInput) as raised:
        explanations.explanation(world.edu, 2030, world.programme)
    assert raised.value.field == "year"


def test_city_totals_by_year(world, school_choice):
    add_project(world.programme.id, world.traffic.id, "Boendeparkering",
                go_live_on=date(2008, 3, 3),
                benefits=[(world.traffic.id, "Porto", steady(300_000, 2010))])
    services.propose_budget_cuts(world.programme, 2012, world.jonas)
    services.adopt_budget_cut(world.programme, world.traffic, 2012, 250_000, "KF", "Avrundat",
                              world.jonas)
    totals = {t.budget_year: t for t in explanations.city_totals(world.programme, [2011, 2012])}
    assert (totals[2011].proposed_sek, totals[2011].adopted_sek) == (300_000, 0)
    assert (totals[2012].proposed_sek, totals[2012].adopted_sek, totals[2012].cut_sek) == (
        1_000_000, 250_000, 950_000)


def test_the_explanation_table_lists_every_line_and_the_decision(world, school_choice):
    services.propose_budget_cuts(world.programme, 2012, world.jonas)
    services.adopt_budget_cut(world.programme, world.edu, 2012, 700_000, "KF 2011-11-28", "",
                              world.jonas)
    headers, rows = explanations.explanation_table(explanations.explanation(world.edu, 2012,
                                                                    world.programme))
    assert len(headers) == len(rows[0]) == 10
    assert rows[0][1] == "Skolval" and rows[0][7] == 700_000
    assert any("KF 2011-11-28" in str(row[9]) for row in rows)


# ---- what-if --------------------------------------------------------------------------------

def test_what_if_compares_policies_and_writes_nothing(world, school_choice):
    add_project(world.programme.id, world.traffic.id, "Cykelreseplanerare",
                go_live_on=date(2010, 5, 17), running={y: 100_000 for y in range(2010, 2018)},
                benefits=[(world.traffic.id, "Färre samtal", steady(400_000, 2010))])
    counts = [count_rows(m) for m in (BudgetCutEntry, BudgetCutLine, BudgetCutPolicy, AuditEntry)]
    result = scenarios.what_if(world.programme, [
        {"share": 1, "lag_years": 1},
        {"share": "0.5", "lag_years": 1},
        {"share": 1, "lag_years": 1, "net_running_costs": True},
        {"share": 1, "lag_years": 2},
    ], [2011, 2012])
    assert [[s.total(y) for y in (2011, 2012)] for s in result.scenarios] == [
        [400_000, 1_100_000], [200_000, 550_000], [300_000, 1_000_000], [0, 400_000]]
    assert [s.increment(2012) for s in result.scenarios] == [700_000, 350_000, 700_000, 400_000]
    assert [o.name for o in result.organisations] == ["Trafikkontoret", "Utbildningsförvaltningen"]
    assert [count_rows(m) for m in (BudgetCutEntry, BudgetCutLine, BudgetCutPolicy,
                                    AuditEntry)] == counts


@pytest.mark.parametrize("policies, years, field", [
    ([{"share": 1}, {"share": 2}], [2012], "policies[1].share"),
    ([{"share": 1, "lag_years": -1}], [2012], "policies[0].lag_years"),
    ([{"share": 1, "net_running_costs": "no"}], [2012], "policies[0].net_running_costs"),
    ([], [2012], "policies"),
    ([{"share": 1}], [2031], "budget_years"),
    ([{"share": 1}], [], "budget_years"),
])
def test_what_if_names_the_bad_field(world, policies, years, field):
    with pytest.raises(InvalidInput) as raised:
        scenarios.what_if(world.programme, policies, years)
    assert raised.value.field == field


# ---- permissions ----------------------------------------------------------------------------

def test_who_sees_which_cuts(world):
    assert permissions.can_view_budget_cuts_of(world.head, world.edu.id)
    assert not permissions.can_view_budget_cuts_of(world.head, world.traffic.id)
    assert permissions.can_view_budget_cuts_of(world.auditor, world.traffic.id)
    assert permissions.can_manage_budget_cuts(world.jonas)
    assert not permissions.can_manage_budget_cuts(world.auditor)
