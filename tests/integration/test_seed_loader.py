"""The demo seed: DOMAIN.md's March 2010 envelope, delegation, diary numbers, idempotency."""

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
import yaml

from app.accounts.models import RoleAssignment
from app.accounts.services import authenticate, find_user_by_email
from app.applications.models import Decision
from app.core.enums import (
    DecisionKind,
    LedgerEntryKind,
    ProjectState,
    RagStatus,
    ReportState,
    Role,
)
from app.core.errors import Conflict
from app.core.models import DiaryCounter
from app.extensions import db
from app.followup import rules
from app.programmes import rules as delegation
from app.programmes.models import DelegationRule, EnvelopeEntry, Programme
from app.programmes.services import envelope_position
from app.projects import overview as project_read
from app.projects import reports as project_reports
from app.projects import services as project_services
from app.projects.models import Project, StatusReport
from app.projects.reports import submission_problems
from app.seed import DEFAULT_DATA_DIR, seed_demo

DIARY_NUMBER = re.compile(r"^SLK (\d{4})/(\d{4})$")


@pytest.fixture
def seeded(app_ctx):
    """Load the demo once, in an app context (the audit key), and return the first report."""
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


def test_nothing_is_committed_after_the_demos_business_date(programme):
    """The demo ends on 1 March 2010: the whole ledger is the ledger as of that day."""
    march = envelope_position(programme, date(2010, 3, 1))
    whole = envelope_position(programme)

    assert (whole.committed_sek, whole.spent_sek) == (march.committed_sek, march.spent_sek)
    assert whole.remaining_sek == whole.reserved_sek - whole.committed_sek


def test_every_funded_project_was_decided_by_the_authority_routing_picks(programme):
    table = [
        delegation.DelegationRule(rule.id, rule.authority_key, rule.limit_sek, rule.valid_from,
                             rule.valid_to, rule.source)
        for rule in db.session.scalars(
            sa.select(DelegationRule).where(DelegationRule.programme_id == programme.id))
    ]
    projects = db.session.scalars(sa.select(Project)).all()
    assert len(projects) >= 18

    for project in projects:
        decision = original_decision(project)
        routed = delegation.route_decision(table, decision.amount_sek, decision.decided_on)
        assert (decision.authority_key, decision.delegation_rule_id) == (
            routed.authority_key, routed.rule_id), project.title
        assert decision.decided_by_id is not None, project.title


def test_the_first_regime_decided_everything_and_the_2011_regime_routes_by_its_limits(programme):
    """Every decision so far fell under the 3/10 MSEK regime, at all three levels; the
    15 MSEK regime of 2011 is set up and routes what comes after it."""
    used = {(decision.decided_on.year, decision.authority_key)
            for decision in db.session.scalars(sa.select(Decision))}
    assert {authority for _, authority in used} == {
        "deputy_city_director", "city_director", "finance_committee"}
    assert max(year for year, _ in used) <= 2010

    table = [
        delegation.DelegationRule(rule.id, rule.authority_key, rule.limit_sek, rule.valid_from,
                                  rule.valid_to, rule.source)
        for rule in db.session.scalars(
            sa.select(DelegationRule).where(DelegationRule.programme_id == programme.id))
    ]
    twelve_million = 12_000_000
    assert delegation.route_decision(table, twelve_million, date(2010, 12, 31)).authority_key \
        == "finance_committee"
    assert delegation.route_decision(table, twelve_million, date(2011, 1, 1)).authority_key \
        == "city_director"


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


def test_a_missing_file_is_named(app_ctx, data_copy):
    (data_copy / "ledger.csv").unlink()

    with pytest.raises(ValueError, match=r"ledger\.csv.*missing"):
        seed_demo(data_copy)


def test_a_missing_field_names_the_file_and_the_item(app_ctx, data_copy):
    path = data_copy / "projects.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    granted_sek: 6500000\n", "", 1), encoding="utf-8")

    with pytest.raises(ValueError, match=r"projects\.yaml, project \d+ \(Bygglov\).*granted_sek"):
        seed_demo(data_copy)


def test_a_decider_that_routing_would_not_pick_is_refused(app_ctx, data_copy):
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
    calculations = seed_file("calculations.yaml")["calculations"]
    assert len(baselines) == len(calculations) == seeded.benefit_calculations == 20
    assert all(v.is_frozen for v in baselines)
    school = db.session.scalar(sa.select(Organisation.id).where(
        Organisation.name == "Utbildningsförvaltningen"))
    rows = benefit_services.register(2010, organisation_id=school)
    handling = next(r for r in rows if r.benefit.name.startswith("Kortare handläggning"))
    # Only the 2009 measurement: nothing is realised after the business date 1 March 2010.
    assert handling.actual_to_date_sek == 2_500_000
    assert handling.actual_cash_releasing_to_date_sek == 1_100_000
    assert handling.planned_to_date_sek > 0 and handling.realisation_rate is not None
    planned_cash = sum(p.planned_cash_releasing_sek for r in rows for p in r.benefit.plan_years)
    assert planned_cash > 0
    titles = dict(db.session.execute(sa.select(Project.id, Project.title)).all())
    assert {titles[r.project_id] for r in rows} >= {
        "Förskoleansökan", "Vuxenutbildning", "Skolskjuts på webben", "Hitta skola",
        "Frånvaroanmälan i skolan"}


def test_the_councils_adopted_cuts_reproduce_the_2009_and_2010_budgets(programme):
    from app.budget_cuts import explanations as cuts

    on = date(2010, 3, 1)
    totals = {t.budget_year: t for t in cuts.city_totals(programme, [2009, 2010], on=on)}
    assert {year: t.adopted_sek for year, t in totals.items()} == {
        2009: 25_500_000, 2010: 30_700_000}
    for year in seed_file("budget_cuts.yaml")["adopted"]:
        items = {e.organisation.name: e for e in cuts.explanations(
            programme, year["budget_year"], on=on) if e.decided is not None}
        assert {name: e.adopted_sek for name, e in items.items()} == {
            cut["organisation"]: cut["amount_sek"] for cut in year["cuts"]}
        # Each adopted cut rests on the proposal the lines gave; the small differences are
        # the council's rounding or decisions, with their reasons.
        assert {name: e.proposed_sek for name, e in items.items()} == {
            cut["organisation"]: cut["lines_sek"] for cut in year["cuts"]}
        assert all(e.decided.reason for e in items.values() if e.adopted_sek != e.proposed_sek)
        assert totals[year["budget_year"]].proposed_sek == sum(
            cut["lines_sek"] for cut in year["cuts"])


# ---- six-weekly status reports (seed_data/status_reports.yaml) ------------------------------

DEMO_DAY = date(2010, 3, 1)
CITY_NOT_KEPT_BUDGET, CITY_NOT_KEPT_SCHEDULE = Decimal("0.31"), Decimal("0.47")


def status_report_file() -> dict:
    return yaml.safe_load((DEFAULT_DATA_DIR / "status_reports.yaml").read_text(encoding="utf-8"))


def project_named(title: str) -> Project:
    return db.session.scalar(sa.select(Project).where(Project.title == title))


def reports_of(title: str) -> list[StatusReport]:
    return project_services.report_versions(project_named(title))


def test_every_ended_period_of_a_funded_project_has_its_report(seeded):
    listed = {entry["project"]: entry for entry in status_report_file()["projects"]}
    versions = sum(len(entry["reports"]) + sum("correction" in r for r in entry["reports"])
                   for entry in listed.values())
    assert seeded.status_reports == versions == db.session.scalar(
        sa.select(sa.func.count()).select_from(StatusReport))

    without_ended_period = set()
    for project in db.session.scalars(sa.select(Project)):
        calendar = project_services.reporting_periods(project, DEMO_DAY)
        ended = {period.number for period in calendar if period.ends_on <= DEMO_DAY}
        reported = {report.period_number for report in project_services.report_versions(project)}
        if not ended:
            assert reported == set() and project.title not in listed, project.title
            without_ended_period.add(project.title)
            continue
        unreported = set(listed[project.title].get("unreported", []))
        assert reported == ended - unreported, project.title
        assert ended - unreported, project.title
        if project.closed_on is not None:
            assert max(p.ends_on for p in calendar) == project.closed_on, project.title

    # 39 funded projects: 36 report, the three latest have no period ended by 1 March 2010.
    assert len(listed) == 36
    assert without_ended_period == {"Bostadsanpassningsbidrag", "Elevdokumentation",
                                    "Lägenhetsbyte"}


def test_reports_were_submitted_in_their_window_by_demo_day(seeded):
    for report in db.session.scalars(sa.select(StatusReport)):
        submitted_on = report.submitted_at.date()
        assert report.state in project_services.FROZEN_STATES
        assert report.period_ends_on < submitted_on <= DEMO_DAY, report
        if report.version == 1:
            assert submitted_on <= report.due_on, report
        assert submission_problems(report) == [], report


def test_corrections_are_new_versions_and_the_first_is_kept(seeded):
    school = {(r.period_number, r.version): r for r in reports_of("Skolval")}
    first, correction = school[(4, 1)], school[(4, 2)]

    assert correction.supersedes_id == first.id
    assert (first.actual_cost_to_date_sek, correction.actual_cost_to_date_sek) == (
        2_450_000, 2_150_000)
    assert first.state == correction.state == ReportState.SUBMITTED
    assert first.submitted_at < correction.submitted_at < school[(5, 1)].submitted_at
    history = project_services.status_history(project_named("Skolval"))
    assert [r.period_number for r in history] == [1, 2, 3, 4, 5, 6]
    assert history[3] is correction


def test_a_completion_request_is_answered_by_a_correction_or_still_open(seeded):
    maps = {(r.period_number, r.version): r for r in reports_of("Baggis")}
    asked, answered = maps[(10, 1)], maps[(10, 2)]
    assert asked.state == ReportState.COMPLETION_REQUESTED
    assert "Cykelreseplaneraren" in asked.completion_comment
    assert (answered.state, answered.supersedes_id) == (ReportState.SUBMITTED, asked.id)
    assert answered.scope_explanation.startswith(asked.scope_explanation.rstrip("."))

    archive = reports_of("E-arkiv")
    assert [(r.period_number, r.version, r.state) for r in archive][-1] == (
        3, 1, ReportState.COMPLETION_REQUESTED)
    jonas = find_user_by_email("jonas@demo.stockholm.example")
    queue = project_read.report_queue(jonas, DEMO_DAY)
    assert [r.project.title for r in queue.completion_requested] == ["E-arkiv"]


def test_seeded_reports_are_frozen(seeded):
    karin = find_user_by_email("karin@demo.stockholm.example")
    latest = reports_of("Cykelreseplanerare")[-1]

    with pytest.raises(Conflict):
        project_reports.save_report(latest, {"cost_status": "red"}, karin)
    assert latest.cost_status == RagStatus.GREEN


def test_non_green_statuses_carry_their_explanations(seeded):
    reports = db.session.scalars(sa.select(StatusReport)).all()
    statuses = {getattr(r, f"{aspect}_status") for r in reports
                for aspect in project_reports.ASPECTS}

    assert statuses == set(RagStatus)
    for report in reports:
        for aspect in project_reports.ASPECTS:
            explanation = getattr(report, f"{aspect}_explanation")
            assert bool(explanation) == (getattr(report, f"{aspect}_status") != RagStatus.GREEN)


def test_two_projects_are_overdue_on_demo_day(seeded):
    active = db.session.scalars(sa.select(Project).where(
        Project.state == ProjectState.ACTIVE)).all()
    overdue = project_read.reports_due(active, DEMO_DAY, overdue_only=True)
    due = project_read.reports_due(active, DEMO_DAY)

    # Of the 26 active projects only Bygglov and ParaInn-Bridge have missed a report; Skolval's
    # period 7 is still within its window (due 2010-03-03), and the two periods of the added
    # projects that ended on Sunday 28 February were reported on demo day itself.
    assert len(active) == 26
    assert {(due.project.title, tuple(p.number for p in due.periods)) for due in overdue} == {
        ("Bygglov", (8,)), ("ParaInn-Bridge", (4,))}
    assert {(item.project.title, tuple(p.number for p in item.periods)) for item in due} == {
        ("Bygglov", (8,)), ("ParaInn-Bridge", (4,)), ("Skolval", (7,))}
    for title in ("Grävtillstånd för ledningsägare", "Synpunkter och klagomål"):
        last = reports_of(title)[-1]
        assert (last.period_ends_on, last.submitted_at.date()) == (
            date(2010, 2, 28), DEMO_DAY), title


def demo_facts(programme: Programme) -> list[rules.ProjectFacts]:
    """Adherence facts of the seeded demo from the follow-up service (one query per kind)."""
    from app.followup.services import project_facts

    return project_facts(programme.id, as_of=DEMO_DAY)


def test_demo_adherence_on_1_march_2010_is_close_to_the_citys_figures(programme):
    figures = rules.adherence(demo_facts(programme), DEMO_DAY,
                              programme.schedule_tolerance_days)

    assert (figures.projects, figures.assessed) == (39, 36)
    assert (figures.not_kept_budget, figures.not_kept_schedule) == (11, 17)
    assert figures.not_kept_budget_share == Decimal("0.3056")
    assert figures.not_kept_schedule_share == Decimal("0.4722")
    # The city's published figures are whole per cent: 31 % and 47 %.
    assert figures.not_kept_budget_share.quantize(Decimal("0.01")) == CITY_NOT_KEPT_BUDGET
    assert figures.not_kept_schedule_share.quantize(Decimal("0.01")) == CITY_NOT_KEPT_SCHEDULE


def test_the_demo_says_which_projects_miss_budget_and_schedule(programme):
    titles = {p.id: p.title for p in db.session.scalars(sa.select(Project))}
    facts = demo_facts(programme)

    over_budget = {titles[f.project_id] for f in facts if rules.kept_budget(f, DEMO_DAY) is False}
    late = {titles[f.project_id] for f in facts if rules.kept_schedule(f, DEMO_DAY) is False}

    assert over_budget == {
        "E-tjänsteplattformen", "Förskoleansökan", "Bygglov", "ParaInn-Bridge",
        "Skolskjuts på webben", "Ledsagarservice och kontaktperson", "Fiskekort och båtplatser",
        "E-faktura", "Ansök om vård- och omsorgsboende", "Lediga jobb i staden", "E-handel"}
    assert late == {
        "Boendeparkering", "E-tjänsteplattformen", "Förskoleansökan", "Vuxenutbildning",
        "Hitta skola", "Bygglov", "Tillstånd för uteservering", "Skolskjuts på webben",
        "Ledsagarservice och kontaktperson", "Fiskekort och båtplatser",
        "Nämndhandlingar på webben", "E-faktura", "Trygghetslarm på webben", "Arkivsök",
        "Trafikanordningsplaner", "Ansök om vård- och omsorgsboende",
        "Grävtillstånd för ledningsägare"}

    # The seed file's header says the same, so a reader of the YAML sees the story.
    header = (DEFAULT_DATA_DIR / "status_reports.yaml").read_text(encoding="utf-8").split(
        "\nas_of:")[0]
    words = " ".join(line.lstrip("# ").strip() for line in header.splitlines())
    budget_line = words.split("Budget överskriden (11):")[1].split("Tidplan överskriden")[0]
    schedule_line = words.split("Tidplan överskriden (17):")[1]
    assert {t.strip(" .") for t in budget_line.split(",")} == over_budget
    assert {t.strip(" .") for t in schedule_line.split(",")} == late


def test_the_project_page_agrees_with_the_adherence_rules(programme):
    facts = {f.project_id: f for f in demo_facts(programme)}
    for project in db.session.scalars(sa.select(Project)):
        overview = project_read.project_overview(project, DEMO_DAY)
        assert (overview.kept_budget, overview.kept_schedule) == (
            rules.kept_budget(facts[project.id], DEMO_DAY),
            rules.kept_schedule(facts[project.id], DEMO_DAY)), project.title


def break_reports(data_copy, old: str, new: str) -> None:
    path = data_copy / "status_reports.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("        overall: amber\n", "        overall: blue\n",
     r"status_reports\.yaml, project 1 \(Boendeparkering\), report 4 \(period 4\): 'overall' "
     r"must be one of: green, amber, red; not 'blue'"),
    ("        actual_cost_sek: 310000\n", "        actual_cost_sek: -310000\n",
     r"project 1 \(Boendeparkering\), report 1 \(period 1\): 'actual_cost_sek' must be at "
     r"least 0, not -310000"),
    ("  - project: E-arkiv\n", "  - project: E-arkivet\n",
     r"project 13 \(E-arkivet\): 'project' 'E-arkivet' is not a funded project"),
    ("        overall_explanation: Slutleveransen", "        overall_note: Slutleveransen",
     r"\(Boendeparkering\), report 4 \(period 4\): unknown field\(s\) overall_note"),
    ("        overall: amber\n        overall_explanation: Budgeten räcker inte; se kostnad.\n",
     "        overall: red\n",
     r"\(ParaInn-Bridge\), report 3 \(period 3\): 'overall' is red: the field "
     r"'overall_explanation' is missing"),
    ("        actual_cost_sek: 15300000\n", "        actual_cost_sek: 25300000\n",
     r"\(E-tjänsteplattformen\), report 16 \(period 16\): 'actual_cost_sek' 16400000 is less"),
    ("    unreported: [8]\n", "",
     r"\(Bygglov\): period\(s\) 8 ended by 2010-03-01 without a report"),
    ("        actual_cost_sek: 2380000\n        forecast_cost_sek: 2380000\n",
     "        actual_cost_sek: 2380000\n        forecast_cost_sek: 2380000\n"
     "        forecast_end_on: 2008-08-29\n",
     r"\(Boendeparkering\): the last report forecasts the end on 2008-08-29, but the project "
     r"closed on 2008-09-30"),
    ("        submitted_on: 2008-12-29\n", "        submitted_on: 2009-01-09\n",
     r"\(Hitta skola\), report 2 \(period 2\): submitted on 2009-01-09, outside the period's "
     r"window 2008-12-24–2009-01-02"),
])
def test_a_bad_status_report_is_refused_naming_the_file_and_item(app_ctx, data_copy, old,
                                                                 new, message):
    break_reports(data_copy, old, new)

    with pytest.raises(ValueError, match=message):
        seed_demo(data_copy)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StatusReport)) == 0


def test_the_scheduler_escalates_and_reminds_on_demo_day(seeded):
    from app.core.models import Notification
    from app.jobs.services import escalate_overdue_reports, send_report_reminders

    jonas = find_user_by_email("jonas@demo.stockholm.example")
    head = find_user_by_email("utbildning@demo.stockholm.example")

    assert escalate_overdue_reports(DEMO_DAY) >= 2
    assert send_report_reminders(DEMO_DAY) >= 1

    def messages(user) -> list[str]:
        return list(db.session.scalars(sa.select(Notification.message).where(
            Notification.user_id == user.id)))

    escalated = messages(jonas)
    assert any("Bygglov" in text for text in escalated), escalated
    assert any("ParaInn-Bridge" in text for text in escalated), escalated
    assert any("Skolval" in text and "2010-03-03" in text for text in messages(head))


def test_the_demo_has_presented_tertial_reports_with_figures_as_of_each_end(seeded):
    from app.core.enums import TertialReportState
    from app.followup.models import TertialReport

    reports = list(db.session.scalars(sa.select(TertialReport).order_by(TertialReport.as_of)))

    assert [f"T{r.tertial} {r.year}" for r in reports] == [
        "T3 2007", "T1 2008", "T2 2008", "T3 2008", "T1 2009", "T2 2009", "T3 2009"]
    assert {r.state for r in reports} == {TertialReportState.PRESENTED}
    assert all(r.presented_at.date() > r.as_of and r.summary for r in reports)
    assert [bool(r.committee_minute) for r in reports] == [True] * 6 + [False]
    assert seeded.tertial_reports == 7


def test_the_last_demo_tertial_report_shows_the_citys_adherence_figures(seeded):
    from app.followup.models import TertialReport

    report = db.session.scalar(sa.select(TertialReport).where(
        TertialReport.year == 2009, TertialReport.tertial == 3))
    envelope = envelope_position(db.session.get(Programme, report.programme_id), report.as_of)

    assert report.snapshot["adherence"]["not_kept_budget_share"] == "0.3056"
    assert report.snapshot["adherence"]["not_kept_schedule_share"] == "0.4722"
    assert report.snapshot["envelope"]["left_sek"] == envelope.remaining_sek
    assert report.snapshot["generated_at"].startswith("2010-01-18")


def break_tertial_reports(data_copy, old: str, new: str) -> None:
    path = data_copy / "tertial_reports.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  - period: T1 2008\n", "  - period: T4 2008\n",
     r"tertial_reports\.yaml, report 2 \(T4 2008\): 'period' must look like 'T1 2009'"),
    ("    presented_on: 2008-05-19\n", "    presented_on: 2008-04-30\n",
     r"report 2 \(T1 2008\): 'presented_on' 2008-04-30 must be after the tertial ends"),
    ("    minute_on: 2008-06-04\n", "",
     r"report 2 \(T1 2008\): give both 'minute' and 'minute_on', or neither"),
    ("presented_by: jonas@demo.stockholm.example\n",
     "presented_by: karin@demo.stockholm.example\n",
     r"'presented_by' 'karin@demo\.stockholm\.example' is not a programme office user"),
    ("  - period: T1 2008\n", "  - period: T3 2007\n", r"T3 2007"),
])
def test_a_bad_tertial_report_file_is_refused_naming_the_item(app_ctx, data_copy, old, new,
                                                              message):
    from app.followup.models import TertialReport

    break_tertial_reports(data_copy, old, new)

    with pytest.raises(ValueError, match=message):
        seed_demo(data_copy)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TertialReport)) == 0


# ---- business dates of budget cuts and realisations (what the tertial reports saw) ----------


def tertial_report(year: int, tertial: int):
    from app.followup.models import TertialReport

    return db.session.scalar(sa.select(TertialReport).where(
        TertialReport.year == year, TertialReport.tertial == tertial))


def seed_file(name: str) -> dict:
    return yaml.safe_load((DEFAULT_DATA_DIR / name).read_text(encoding="utf-8"))


def adopted_by_organisation(report, budget_year: int) -> dict[str, int]:
    return {row["organisation"]: row["adopted_sek"] for row in report.snapshot["budget_cuts"]
            if row["year"] == budget_year}


def realisations_recorded_by(day: date) -> list:
    from app.benefits.models import RealisationEntry

    return [entry for entry in db.session.scalars(sa.select(RealisationEntry))
            if entry.recorded_at.date() <= day]


def test_seeded_cuts_and_realisations_carry_the_day_they_were_decided_and_recorded(seeded):
    from app.benefits.models import Benefit, RealisationEntry
    from app.budget_cuts.models import BudgetCutEntry, BudgetCutPolicy
    from app.core.enums import BudgetCutEntryKind

    years = seed_file("budget_cuts.yaml")["adopted"]
    days = {BudgetCutEntryKind.PROPOSED: {y["budget_year"]: y["proposed_on"] for y in years},
            BudgetCutEntryKind.ADOPTED: {y["budget_year"]: y["decided_on"] for y in years}}
    entries = db.session.scalars(sa.select(BudgetCutEntry)).all()
    assert {e.kind for e in entries} == set(days)
    for kind, by_year in days.items():
        assert {(e.budget_year, e.created_at.date()) for e in entries if e.kind is kind} \
            == set(by_year.items()), kind
    policies = db.session.scalars(sa.select(BudgetCutPolicy).order_by(
        BudgetCutPolicy.valid_from_year)).all()
    assert [p.created_at.date() for p in policies] == [
        p["decided_on"] for p in seed_file("budget_cuts.yaml")["policies"]]
    recorded = {(r["benefit"], r["year"]): r["recorded_on"]
                for calculation in seed_file("calculations.yaml")["calculations"]
                for r in calculation.get("realisations", [])}
    stored = {(name, entry.year): entry.recorded_at.date() for entry, name in db.session.execute(
        sa.select(RealisationEntry, Benefit.name).join(Benefit))}
    assert stored == recorded


def test_the_t3_2009_report_shows_the_cuts_the_council_had_adopted(seeded):
    report = tertial_report(2009, 3)
    cuts = {year["budget_year"]: {cut["organisation"]: cut["amount_sek"] for cut in year["cuts"]}
            for year in seed_file("budget_cuts.yaml")["adopted"]}

    assert adopted_by_organisation(report, 2010) == cuts[2010]
    assert sum(adopted_by_organisation(report, 2010).values()) == 30_700_000
    assert sum(adopted_by_organisation(report, 2009).values()) == 25_500_000
    assert {row["year"] for row in report.snapshot["budget_cuts"]} == {2009, 2010}
    lines = {(year["budget_year"], cut["organisation"]): cut["lines_sek"]
             for year in seed_file("budget_cuts.yaml")["adopted"] for cut in year["cuts"]}
    assert {(row["year"], row["organisation"]): row["proposed_sek"]
            for row in report.snapshot["budget_cuts"]} == lines


def test_the_t3_2009_report_counts_the_realisations_recorded_by_the_tertials_end(seeded):
    from app.benefits.models import Benefit

    report = tertial_report(2009, 3)
    known = realisations_recorded_by(report.as_of)
    realised = {row["year"]: row["realised_sek"] for row in report.snapshot["benefits"]}

    for year in (2008, 2009):
        expected = sum(e.actual_sek for e in known if e.year == year)
        assert realised[year] == expected > 0, year
    assert realised[2009] == 2_500_000, "the 2009 accounts were entered in February 2010"
    owners = dict(db.session.execute(
        sa.select(Benefit.id, Benefit.owner_organisation_id)).all())
    school = next(e for e in known if e.year == 2009)
    school_row = next(row for row in report.snapshot["budget_cuts"]
                      if row["organisation"] == "Utbildningsförvaltningen" and row["year"] == 2010)
    assert school_row["realised_sek"] == sum(
        e.actual_cash_releasing_sek for e in known
        if e.year == 2009 and owners[e.benefit_id] == owners[school.benefit_id]) == 1_100_000


def test_earlier_tertial_reports_leave_out_what_was_decided_or_recorded_later(seeded):
    first_2008, last_2008 = tertial_report(2008, 1), tertial_report(2008, 3)

    assert first_2008.snapshot["budget_cuts"] == []
    assert all(row["realised_sek"] == 0 for row in first_2008.snapshot["benefits"])
    assert {row["year"] for row in last_2008.snapshot["budget_cuts"]} == {2009}
    assert sum(adopted_by_organisation(last_2008, 2009).values()) == 25_500_000
    assert all(row["realised_sek"] == 0 for row in last_2008.snapshot["benefits"])


@pytest.mark.parametrize(("name", "old", "new", "message"), [
    ("budget_cuts.yaml", "    decided_on: 2009-11-23\n", "",
     r"budget_cuts\.yaml, budget year 2010: the field 'decided_on' is missing"),
    ("budget_cuts.yaml", "    decided_on: 2009-11-23\n", "    decided_on: 2010-01-15\n",
     r"budget year 2010: 'decided_on' 2010-01-15 is not before budget year 2010 begins"),
    ("budget_cuts.yaml", "    decided_on: 2008-02-18\n", "    decided_on: 2007-02-18\n",
     r"budget_cuts\.yaml, policy 1: 'decided_on' 2007-02-18 is outside the programme period"),
    ("calculations.yaml", ",\n         recorded_on: 2010-02-15}", "}",
     r"calculations\.yaml, calculation 1 \(Boendeparkering\), realisation 2: "
     r"the field 'recorded_on' is missing"),
    ("calculations.yaml", "recorded_on: 2009-06-15", "recorded_on: 2008-12-15",
     r"calculation 2 \(Förskoleansökan\), realisation 1: 'recorded_on' 2008-12-15 is before "
     r"2009-01-01"),
])
def test_a_bad_decision_or_recording_day_is_refused_naming_the_item(app_ctx, data_copy, name,
                                                                    old, new, message):
    path = data_copy / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

    with pytest.raises(ValueError, match=message):
        seed_demo(data_copy)
