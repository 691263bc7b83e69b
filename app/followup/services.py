"""Follow-up across the portfolio: adherence figures at any date and tertial reports.

Facts for the pure adherence rules are loaded in a fixed number of queries whatever the size
of the portfolio: the projects, their grants (one grouped query over the decisions) and every
submitted report version. Services flush, never commit.

A tertial report is generated as a draft from the data as it stood at the period end:
reports submitted, decisions dated, ledger entries booked, realisations and budget cuts
recorded on or before that day. The programme office writes a summary and presents it;
presenting computes the figures one last time and freezes them. The finance committee then
records its minute once: the minute is the committee's record, so a second one is refused
(409) and a correction belongs in the committee's next minute on the next report.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Area, Organisation
from app.accounts.queries import users_with_role
from app.applications import rules as application_rules
from app.applications.models import Decision
from app.benefit_map import queries as network_queries
from app.benefits import queries as benefit_queries
from app.budget_cuts import queries as budget_cut_queries
from app.budget_cuts import rules as budget_cut_rules
from app.core import audit, clock, periods
from app.core.asof import counts_on, local_day_of
from app.core.collector import without_collector
from app.core.enums import (
    BudgetCutEntryKind,
    ProjectState,
    RagStatus,
    Role,
    TertialReportState,
)
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.models import utcnow
from app.core.notifications import notify
from app.core.sql import among
from app.extensions import db
from app.programmes import queries as programme_queries
from app.programmes.models import Programme
from app.projects import queries as project_queries
from app.projects.models import Project, StatusReport
from app.projects.services import FROZEN_STATES

from . import queries, rules
from .models import TertialReport
from .permissions import can_prepare_tertial_reports, can_record_committee_minute

SNAPSHOT_SCHEMA = 1
MAX_TEXT = 10_000

GROUP_BY_KEYS = {"area": "area", "organisation": "organisation_id",
                 "organisation_id": "organisation_id"}


def decisions_by_application(application_ids, as_of: date | None = None
                             ) -> dict[int, list[sa.Row]]:
    """Each application's decisions dated on or before `as_of`, oldest first, as rows of the
    columns sums and references read (thousands of full objects cost more than the query)."""
    ids = [i for i in application_ids if i is not None]
    if not ids:
        return {}
    query = (sa.select(Decision.application_id, Decision.kind, Decision.outcome,
                       Decision.amount_sek, Decision.diary_number)
             .where(among(Decision.application_id, ids))
             .order_by(Decision.decided_on, Decision.id))
    if as_of is not None:
        query = query.where(Decision.decided_on <= as_of)
    decisions: dict[int, list[sa.Row]] = {}
    for decision in db.session.execute(query):
        decisions.setdefault(decision.application_id, []).append(decision)
    return decisions


def granted_by_application(application_ids, as_of: date | None = None) -> dict[int, int]:
    """Net granted SEK per application, by the applications' own rule; one query."""
    return {application_id: application_rules.net_granted_sek(decisions)
            for application_id, decisions in decisions_by_application(
                application_ids, as_of).items()}


def _programme_projects(programme_id: int, area_id: int | None,
                        organisation_id: int | None) -> list[tuple[Project, str | None]]:
    query = (sa.select(Project, Area.name).outerjoin(Area, Area.id == Project.area_id)
             .where(Project.programme_id == programme_id).order_by(Project.title, Project.id))
    if area_id is not None:
        query = query.where(Project.area_id == area_id)
    if organisation_id is not None:
        query = query.where(Project.organisation_id == organisation_id)
    return [(project, area) for project, area in db.session.execute(query)]


def submitted_versions(project_ids, as_of: date | None = None) -> dict[int, list[StatusReport]]:
    """Every submitted report version of the projects, per project; one query."""
    if not project_ids:
        return {}
    query = (sa.select(StatusReport)
             .where(StatusReport.project_id.in_(list(project_ids)),
                    StatusReport.state.in_(FROZEN_STATES),
                    StatusReport.submitted_at.is_not(None))
             .order_by(StatusReport.project_id, StatusReport.period_number,
                       StatusReport.version))
    if as_of is not None:
        query = query.where(counts_on(StatusReport.submitted_at, as_of))
    by_project: dict[int, list[StatusReport]] = {}
    for report in db.session.scalars(query):
        by_project.setdefault(report.project_id, []).append(report)
    return by_project


def _report_facts(project: Project, report: StatusReport,
                  closed_on: date | None) -> rules.ReportFacts:
    """Turn a submitted version into facts, filling gaps as the project page does; `closed_on`
    is the closing day if it had come by the date asked (from SQL)."""
    return rules.ReportFacts(
        submitted_on=local_day_of(report.submitted_at),
        actual_cost_sek=report.actual_cost_to_date_sek,
        forecast_cost_sek=(report.forecast_cost_sek
                           if report.forecast_cost_sek is not None
                           else report.actual_cost_to_date_sek),
        forecast_end_on=report.forecast_end_on or project.baseline_end_on,
        actual_end_on=closed_on,
        period_number=report.period_number,
        version=report.version,
    )


def _facts(project: Project, area: str | None, granted_sek: int,
           versions: list[StatusReport], closed_on: date | None) -> rules.ProjectFacts:
    return rules.ProjectFacts(
        project_id=project.id,
        area=area or "",
        organisation_id=project.organisation_id,
        granted_sek=granted_sek,
        baseline_end_on=project.baseline_end_on,
        reports=tuple(_report_facts(project, report, closed_on) for report in versions
                      if report.actual_cost_to_date_sek is not None),
    )


def project_facts(programme_id: int, *, area_id: int | None = None,
                  organisation_id: int | None = None,
                  as_of: date | None = None) -> list[rules.ProjectFacts]:
    """Build every project's adherence facts in three queries; `as_of` limits decisions too."""
    rows = _programme_projects(programme_id, area_id, organisation_id)
    granted = granted_by_application([project.application_id for project, _area in rows], as_of)
    versions = submitted_versions([project.id for project, _area in rows], as_of)
    closed = _closed_on(programme_id, as_of)
    return [_facts(project, area, granted.get(project.application_id, 0),
                   versions.get(project.id, []), closed.get(project.id))
            for project, area in rows]


def _closed_on(programme_id: int, as_of: date | None) -> dict[int, date]:
    """Each project's closing day if it had come by `as_of` (every closing day without one)."""
    column = (Project.closed_on if as_of is None
              else sa.case((counts_on(Project.closed_on, as_of), Project.closed_on),
                           else_=sa.null()))
    query = sa.select(Project.id, column).where(Project.programme_id == programme_id)
    return {project_id: closed for project_id, closed in db.session.execute(query)
            if closed is not None}


def get_programme(programme_id) -> Programme:
    """Return the programme, or raise NotFound naming the field."""
    programme = db.session.get(Programme, programme_id) if programme_id is not None else None
    if programme is None:
        raise NotFound(_("There is no programme with that number."), field="programme_id")
    return programme


def tolerance_for(programme: Programme, tolerance_days: int | None = None) -> int:
    """The schedule tolerance asked for, else the programme's setting."""
    if tolerance_days is None:
        return programme.schedule_tolerance_days or 0
    return _tolerance(programme.id, tolerance_days)


def adherence_dict(figures: rules.AdherenceFigures) -> dict:
    """Adherence figures as plain JSON: shares as 4-place decimal strings or None."""
    return {"projects": figures.projects, "assessed": figures.assessed,
            "not_kept_budget": figures.not_kept_budget,
            "not_kept_schedule": figures.not_kept_schedule,
            "not_kept_budget_share": _share_text(figures.not_kept_budget_share),
            "not_kept_schedule_share": _share_text(figures.not_kept_schedule_share)}


def _share_text(share: Decimal | None) -> str | None:
    return None if share is None else str(share)


def _tolerance(programme_id: int, tolerance_days: int | None) -> int:
    if tolerance_days is not None:
        if tolerance_days < 0:
            raise InvalidInput(_("The tolerance must be 0 days or more."), field="tolerance_days")
        return tolerance_days
    return db.session.scalar(sa.select(Programme.schedule_tolerance_days)
                             .where(Programme.id == programme_id)) or 0


def adherence_at(programme_id: int, on: date, group_by: str | None = None, *,
                 tolerance_days: int | None = None, area_id: int | None = None,
                 organisation_id: int | None = None,
                 ) -> rules.AdherenceFigures | dict[Hashable, rules.AdherenceFigures]:
    """Compute not-kept budget and schedule shares at `on` (the portfolio, or per group)."""
    if group_by is not None and group_by not in GROUP_BY_KEYS:
        raise InvalidInput(_("Group by area or organisation."), field="group_by")
    tolerance = _tolerance(programme_id, tolerance_days)
    facts = queries.facts_at(programme_id, [on], area_id=area_id,
                             organisation_id=organisation_id)[on]
    if group_by is None:
        return rules.adherence(facts, on, tolerance)
    return rules.adherence(facts, on, tolerance, group_by=GROUP_BY_KEYS[group_by])


def portfolio_and_groups(programme: Programme, on: date, group_by: str | None = None,
                         tolerance_days: int | None = None
                         ) -> tuple[int, rules.AdherenceFigures, dict]:
    """Compute the tolerance used, the portfolio's figures and any groups' from one load."""
    if group_by is not None and group_by not in GROUP_BY_KEYS:
        raise InvalidInput(_("Group by area or organisation."), field="group_by")
    tolerance = tolerance_for(programme, tolerance_days)
    facts = queries.facts_at(programme.id, [on])[on]
    groups = ({} if group_by is None
              else rules.adherence(facts, on, tolerance, group_by=GROUP_BY_KEYS[group_by]))
    return tolerance, rules.adherence(facts, on, tolerance), groups


@dataclass(frozen=True)
class AdherenceOverview:
    """The portfolio's figures at a date, and the same per area and per organisation by name."""

    on: date
    tolerance_days: int
    portfolio: rules.AdherenceFigures
    by_area: list[tuple[str, rules.AdherenceFigures]]
    by_organisation: list[tuple[str, rules.AdherenceFigures]]


def adherence_overview(programme: Programme, on: date,
                       tolerance_days: int | None = None) -> AdherenceOverview:
    """Compute the adherence page: one load of facts, three groupings."""
    tolerance = tolerance_for(programme, tolerance_days)
    facts = queries.facts_at(programme.id, [on])[on]
    names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name).where(
        Organisation.id.in_({f.organisation_id for f in facts}))).all())
    by_area = rules.adherence(facts, on, tolerance, group_by="area")
    by_organisation = rules.adherence(facts, on, tolerance, group_by="organisation_id")
    return AdherenceOverview(
        on=on, tolerance_days=tolerance, portfolio=rules.adherence(facts, on, tolerance),
        by_area=sorted(((str(area), figures) for area, figures in by_area.items()),
                       key=lambda item: item[0]),
        by_organisation=sorted(((names.get(org, ""), figures)
                                for org, figures in by_organisation.items()),
                               key=lambda item: item[0]))


# ---- periods --------------------------------------------------------------------------------

def _whole(value, field: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(_("Give a whole number."), field=field)
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(_("Give a whole number."), field=field) from None


def check_period(programme: Programme, year, tertial, today: date) -> periods.Tertial:
    """Validate a (year, tertial) of the programme that has ended; each problem names its field."""
    year, number = _whole(year, "year"), _whole(tertial, "tertial")
    if number not in (1, 2, 3):
        raise InvalidInput(_("The tertial is 1 (January–April), 2 (May–August) or 3 "
                             "(September–December)."), field="tertial")
    if not programme.starts_on.year <= year <= programme.ends_on.year:
        raise InvalidInput(_("The programme runs from %(start)s to %(end)s; choose a year "
                             "in between.", start=programme.starts_on.year,
                             end=programme.ends_on.year), field="year")
    period = periods.tertial_period(year, number, programme.tertial_due_after_days)
    if period.ends_on < programme.starts_on or period.starts_on > programme.ends_on:
        raise InvalidInput(_("%(period)s is outside the programme (%(start)s to %(end)s).",
                             period=period.label, start=programme.starts_on.isoformat(),
                             end=programme.ends_on.isoformat()), field="tertial")
    if period.ends_on > today:
        raise InvalidInput(_("%(period)s ends on %(date)s; its report is generated after that.",
                             period=period.label, date=period.ends_on.isoformat()),
                           field="tertial")
    return period


def tertial_reports_due(programme: Programme, today: date) -> list[tuple[int, int]]:
    """List the programme's ended tertials, oldest first, that have no report yet."""
    if today < programme.starts_on:
        return []
    existing = {(year, number) for year, number in db.session.execute(
        sa.select(TertialReport.year, TertialReport.tertial)
        .where(TertialReport.programme_id == programme.id))}
    return [(t.year, t.number) for t in periods.tertials_between(
        programme.starts_on, programme.ends_on, programme.tertial_due_after_days)
            if t.ends_on <= today and (t.year, t.number) not in existing]


# ---- the snapshot ---------------------------------------------------------------------------

def _deviation(report) -> str:
    """Join the explanations of every non-green aspect, in the report form's order."""
    if report is None:
        return ""
    texts = []
    for aspect in ("overall", "cost", "schedule", "scope", "benefit"):
        status = getattr(report, f"{aspect}_status")
        text = (getattr(report, f"{aspect}_explanation") or "").strip()
        if status is not None and status != RagStatus.GREEN and text and text not in texts:
            texts.append(text)
    return " ".join(texts)


def _status(value) -> str | None:
    return None if value is None else RagStatus(value).value


EXPLANATIONS = tuple(getattr(StatusReport, f"{aspect}_explanation") for aspect in (
    "overall", "cost", "schedule", "scope", "benefit"))


def _project_rows(programme: Programme, period: periods.Tertial, tolerance: int) -> list[dict]:
    """One snapshot row per project decided by the period end, with its figures as of then."""
    as_of = period.ends_on
    query = (sa.select(Project.id, Project.title, Project.organisation_id,
                       Project.application_id, Project.baseline_end_on, Area.name.label("area"),
                       project_queries.state_on(as_of).label("state"),
                       project_queries.go_live_on_column(as_of).label("go_live_on"))
             .outerjoin(Area, Area.id == Project.area_id)
             .where(Project.programme_id == programme.id, project_queries.exists_on(as_of))
             .order_by(Project.title, Project.id))
    rows = db.session.execute(query).all()
    ids = project_queries.existing_ids(programme.id, as_of)
    decisions = decisions_by_application([row.application_id for row in rows], as_of)
    facts_of = {facts.project_id: facts
                for facts in queries.facts_at(programme.id, [as_of])[as_of]}
    latest_of = project_queries.latest_report_rows(ids, as_of, EXPLANATIONS)
    before_of = project_queries.latest_report_rows(ids, period.starts_on - timedelta(days=1))
    organisations = dict(db.session.execute(sa.select(Organisation.id, Organisation.name)).all())
    result = []
    for project in rows:
        funded = decisions.get(project.application_id, [])
        facts = facts_of[project.id]
        latest, before = latest_of.get(project.id), before_of.get(project.id)
        spent = (latest.actual_cost_to_date_sek or 0) if latest else 0
        spent_before = (before.actual_cost_to_date_sek or 0) if before else 0
        result.append({
            "project_id": project.id, "title": project.title,
            "organisation_id": project.organisation_id,
            "organisation": organisations.get(project.organisation_id, ""),
            "area": project.area, "state": ProjectState(project.state).value,
            "decision_references": [decision.diary_number for decision in funded],
            "granted_sek": application_rules.net_granted_sek(funded),
            "spent_in_period_sek": spent - spent_before,
            "spent_to_date_sek": spent,
            "forecast_sek": latest.forecast_cost_sek if latest else None,
            "overall_status": _status(latest.overall_status) if latest else None,
            "cost_status": _status(latest.cost_status) if latest else None,
            "schedule_status": _status(latest.schedule_status) if latest else None,
            "deviation_explanation": _deviation(latest),
            "baseline_end_on": project.baseline_end_on.isoformat(),
            "forecast_end_on": (latest.forecast_end_on.isoformat()
                                if latest and latest.forecast_end_on else None),
            "go_live_on": project.go_live_on.isoformat() if project.go_live_on else None,
            "kept_budget": rules.kept_budget(facts, as_of),
            "kept_schedule": rules.kept_schedule(facts, as_of, tolerance),
            "_facts": facts,
        })
    return result


def _group_totals(projects: list[dict], key: str) -> dict:
    groups: dict = {}
    for row in projects:
        group = groups.setdefault(row[key], {"projects": 0, "granted_sek": 0,
                                             "spent_in_period_sek": 0, "spent_to_date_sek": 0,
                                             "forecast_sek": 0})
        group["projects"] += 1
        for field in ("granted_sek", "spent_in_period_sek", "spent_to_date_sek"):
            group[field] += row[field]
        group["forecast_sek"] += row["forecast_sek"] or 0
    return groups


def _benefit_figures(programme: Programme, year: int, as_of: date,
                     realised: Mapping[int, int]) -> tuple[list, list]:
    """Planned vs realised per year and per benefit up to `year`, of the projects decided by
    `as_of`, realisations as recorded by `as_of` (`realised`: theirs per year)."""
    project_ids = project_queries.existing_ids(programme.id, as_of)
    names = dict(db.session.execute(sa.select(Project.id, Project.title).where(
        Project.programme_id == programme.id)).all())
    organisations = dict(db.session.execute(sa.select(Organisation.id, Organisation.name)).all())
    lines = [{"benefit_id": line.benefit_id, "project": names.get(line.project_id, ""),
              "organisation": organisations.get(line.owner_organisation_id, ""),
              "name": line.name, "planned_sek": int(line.planned_sek),
              "realised_sek": int(line.realised_sek)}
             for line in benefit_queries.benefit_lines(project_ids, as_of, year)]
    return benefit_queries.by_year(project_ids, realised, year), lines


def _budget_cut_rows(programme: Programme, as_of: date,
                     realised_by_owner: Mapping[tuple[int, int], int]) -> list[dict]:
    """Each organisation's cut per budget year as the ledger stood at `as_of`, beside the
    savings realised per owner and year (`realised_by_owner`)."""
    entries = budget_cut_queries.cut_entries(programme.id, as_of)
    if not entries:
        return []
    names: dict[int, str] = {}
    cuts: dict[tuple[int, int], dict] = {}
    for entry in entries:
        names[entry.organisation_id] = entry.organisation
        row = cuts.setdefault((entry.organisation_id, entry.budget_year),
                              {"proposed_sek": 0, "adopted_sek": 0})
        if entry.kind == BudgetCutEntryKind.PROPOSED:
            row["proposed_sek"] = entry.amount_sek
        else:
            row["adopted_sek"] = entry.amount_sek
    in_force = budget_cut_queries.policies_by_year(programme)
    result = []
    for (organisation_id, year), row in sorted(
            cuts.items(), key=lambda item: (names.get(item[0][0], ""), item[0][1])):
        policy = in_force.get(year)
        lag = policy.lag_years if policy else budget_cut_rules.DEMO_POLICY.lag_years
        result.append({"organisation": names.get(organisation_id, ""), "year": year,
                       **row, "realised_sek": realised_by_owner.get(
                           (organisation_id, year - lag), 0)})
    return result


@without_collector
def build_snapshot(programme: Programme, period: periods.Tertial) -> dict:
    """Compute the tertial report's figures as they stood at the end of the period."""
    as_of = period.ends_on
    tolerance = programme.schedule_tolerance_days or 0
    projects = _project_rows(programme, period, tolerance)
    figures = rules.adherence([row.pop("_facts") for row in projects], as_of, tolerance)
    envelope = programme_queries.envelope_position(programme, as_of)
    by_area = _group_totals(projects, "area")
    by_organisation = _group_totals(projects, "organisation_id")
    names = {row["organisation_id"]: row["organisation"] for row in projects}
    # The yearly realised value and the savings per owner come from one pass over the
    # realisations (as on the dashboards).
    realised = benefit_queries.realised_sums(
        sa.select(Project.id).where(Project.programme_id == programme.id),
        project_queries.existing_ids(programme.id, as_of), as_of)
    benefits, benefit_lines = _benefit_figures(programme, period.year, as_of, realised.by_year)
    return {
        "schema": SNAPSHOT_SCHEMA,
        "programme": {"id": programme.id, "name": programme.name},
        "year": period.year, "tertial": period.number,
        "period_starts_on": period.starts_on.isoformat(),
        "period_ends_on": period.ends_on.isoformat(), "as_of": as_of.isoformat(),
        "generated_at": utcnow().replace(microsecond=0).isoformat(),
        "schedule_tolerance_days": tolerance,
        "envelope": {"reserved_sek": envelope.reserved_sek,
                     "committed_sek": envelope.committed_sek,
                     "spent_sek": envelope.spent_sek, "left_sek": envelope.remaining_sek},
        "projects": projects,
        "by_area": [{"area": area or "", **totals}
                    for area, totals in sorted(by_area.items(), key=lambda i: i[0] or "")],
        "by_organisation": [{"organisation_id": organisation_id,
                             "organisation": names[organisation_id], **totals}
                            for organisation_id, totals in sorted(
                                by_organisation.items(), key=lambda i: names[i[0]])],
        "adherence": adherence_dict(figures),
        "benefits": benefits,
        "benefit_lines": benefit_lines,
        "budget_cuts": _budget_cut_rows(programme, as_of, realised.savings_by_owner),
        "benefit_map": _benefit_map(programme, as_of),
    }


def _benefit_map(programme: Programme, as_of: date) -> dict:
    """The programme's benefit network and its changes as they stood at the period's end."""
    benefit_map = network_queries.programme_map(programme, as_of)
    projects = {pid: project.title for pid, project in benefit_map.projects.items()}
    names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name)).all())
    nodes = [{**node.as_dict(), "project": projects.get(node.project_id, "")}
             for node in benefit_map.nodes]
    changes = [{
        "label": change.label, "kind": change.kind.value,
        "project": projects.get(change.project_id, ""),
        "organisation": names.get(change.organisation_id, ""),
        "responsible_name": change.responsible_name,
        "due_on": change.due_on.isoformat() if change.due_on else None,
        "state": change.state.value if change.state else None,
        "done_on": change.done_on.isoformat() if change.done_on else None,
        "evidence": change.evidence, "is_late": change.is_late,
        "benefits_at_risk": [b.label for b in benefit_map.downstream_benefits(change.id)
                             if b.at_risk],
    } for change in benefit_map.changes]
    edges = [{"from": source, "to": target} for source, target in benefit_map.edges]
    return {"nodes": nodes, "edges": edges, "changes": changes}


def _same_figures(first: dict, second: dict) -> bool:
    """Compare two snapshots leaving out when they were generated."""
    return ({k: v for k, v in first.items() if k != "generated_at"}
            == {k: v for k, v in second.items() if k != "generated_at"})


# ---- the tertial report's life --------------------------------------------------------------

def _require_preparer(actor, programme_id: int) -> None:
    if actor is not None and not can_prepare_tertial_reports(actor, programme_id):
        raise Forbidden(_("Only the programme office prepares tertial reports."))


def find_tertial_report(programme_id: int, year: int, tertial: int) -> TertialReport | None:
    return db.session.scalar(sa.select(TertialReport).where(
        TertialReport.programme_id == programme_id, TertialReport.year == year,
        TertialReport.tertial == tertial))


def _lock(report: TertialReport) -> TertialReport:
    return db.session.get(TertialReport, report.id, with_for_update=True, populate_existing=True)


def generate_tertial_report(programme: Programme, year, tertial, actor=None) -> TertialReport:
    """Create the draft, or refresh a draft's figures, as of the period end; presented: as is."""
    _require_preparer(actor, programme.id)
    period = check_period(programme, year, tertial, clock.today())
    report = find_tertial_report(programme.id, period.year, period.number)
    if report is not None and report.state == TertialReportState.PRESENTED:
        return report
    snapshot = build_snapshot(programme, period)
    if report is None:
        try:
            with db.session.begin_nested():
                report = TertialReport(programme_id=programme.id, year=period.year,
                                       tertial=period.number, as_of=period.ends_on,
                                       state=TertialReportState.DRAFT, snapshot=snapshot,
                                       summary="")
                db.session.add(report)
        except IntegrityError:
            return find_tertial_report(programme.id, period.year, period.number)
        audit.record("tertial_report.generated", report, actor=actor, after={
            "programme_id": programme.id, "year": period.year, "tertial": period.number,
            "as_of": period.ends_on})
        return report
    report = _lock(report)
    if report.state == TertialReportState.DRAFT and not _same_figures(report.snapshot, snapshot):
        report.snapshot = snapshot
        db.session.flush()
        audit.record("tertial_report.refreshed", report, actor=actor,
                     after={"generated_at": snapshot["generated_at"]})
    return report


def _summary_text(value) -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        raise InvalidInput(_("Write the summary as text."), field="summary")
    if len(text) > MAX_TEXT:
        raise InvalidInput(_("Keep the text under %(count)d characters.", count=MAX_TEXT),
                           field="summary")
    return text


def update_summary(report: TertialReport, summary, actor) -> TertialReport:
    """Save the programme office's summary on a draft; a presented report is frozen (409)."""
    if not can_prepare_tertial_reports(actor, report.programme_id):
        raise Forbidden(_("Only the programme office writes the summary of a tertial report."))
    text = _summary_text(summary)
    report = _lock(report)
    if report.state != TertialReportState.DRAFT:
        raise Conflict(_("A presented tertial report is frozen; its summary cannot change."),
                       state=report.state.value)
    if text != report.summary:
        before = report.summary
        report.summary = text
        db.session.flush()
        audit.record("tertial_report.summary_saved", report, actor=actor,
                     before={"summary": before}, after={"summary": text})
    return report


def present_tertial_report(report: TertialReport, summary, actor) -> TertialReport:
    """Freeze the report: its figures are computed one last time and never again."""
    if not can_prepare_tertial_reports(actor, report.programme_id):
        raise Forbidden(_("Only the programme office presents tertial reports."))
    text = _summary_text(report.summary if summary is None else summary)
    report = _lock(report)
    if report.state != TertialReportState.DRAFT:
        raise Conflict(_("The tertial report has already been presented."),
                       state=report.state.value)
    if not text:
        raise InvalidInput(_("Write a summary before presenting the report."), field="summary")
    programme = db.session.get(Programme, report.programme_id)
    report.snapshot = build_snapshot(programme, periods.tertial_period(
        report.year, report.tertial, programme.tertial_due_after_days))
    report.summary = text
    report.state = TertialReportState.PRESENTED
    report.presented_by_id = actor.id
    report.presented_at = utcnow()
    db.session.flush()
    audit.record("tertial_report.presented", report, actor=actor,
                 before={"state": TertialReportState.DRAFT},
                 after={"state": report.state, "summary": text,
                        "generated_at": report.snapshot["generated_at"]})
    notify(users_with_role(Role.FINANCE_COMMITTEE, programme_id=report.programme_id),
           "tertial_report.presented",
           _("The programme office has presented tertial report %(period)s of %(programme)s.",
             period=periods.tertial_period(report.year, report.tertial).label,
             programme=programme.name),
           link=f"/tertial-reports/{report.id}", dedupe_key=f"tertial_report.presented:{report.id}")
    return report


def record_committee_minute(report: TertialReport, minute, actor) -> TertialReport:
    """Record the finance committee's minute on a presented report, once (a second is 409)."""
    if not can_record_committee_minute(actor, report.programme_id):
        raise Forbidden(_("Only the finance committee records its minute on a tertial report."))
    text = _summary_text(minute)
    if not text:
        raise InvalidInput(_("Write the committee's minute."), field="minute")
    report = _lock(report)
    if report.state != TertialReportState.PRESENTED:
        raise Conflict(_("The committee records its minute on a presented report."),
                       state=report.state.value)
    if report.committee_recorded_at is not None:
        raise Conflict(_("The committee's minute has already been recorded and is part of the "
                         "record; it cannot be changed."))
    report.committee_minute = text
    report.committee_recorded_at = utcnow()
    db.session.flush()
    audit.record("tertial_report.minute_recorded", report, actor=actor,
                 after={"committee_minute": text})
    return report


# ---- finding and comparing ------------------------------------------------------------------

def previous_presented(report: TertialReport) -> TertialReport | None:
    """The programme's latest presented report for an earlier period."""
    earlier = sa.or_(TertialReport.year < report.year,
                     sa.and_(TertialReport.year == report.year,
                             TertialReport.tertial < report.tertial))
    return db.session.scalar(
        sa.select(TertialReport).where(TertialReport.programme_id == report.programme_id,
                                       TertialReport.state == TertialReportState.PRESENTED,
                                       earlier)
        .order_by(TertialReport.year.desc(), TertialReport.tertial.desc()).limit(1))


def compare_with_previous(report: TertialReport) -> dict:
    """Compare the report's figures with the previous presented report's."""
    previous = previous_presented(report)
    return rules.compare_snapshots(report.snapshot, previous.snapshot if previous else None)
