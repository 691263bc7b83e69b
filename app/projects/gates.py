"""The project model: a programme's phases and the gate decisions that move a project on.

The programme office records that a project has passed a gate (`pass_gate`); the pure rules
(`rules.gate_problems`) say whether it may, given the decisions so far and the facts in place
on the decision's day, which are established here from the records (a frozen baseline
calculation, the report of the last ended six-weekly period, go-live, the final report).

Closing: the existing close action (`project_closing.close_project`) files the final report and
closes the project, as before. The closure gate is the office's decision recorded afterwards;
where a programme's closure gate requires `final_report_submitted` it cannot be passed before
the project has closed. Closing never records a gate by itself, so no gate is skipped.
Services flush, never commit.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.benefits.models import BenefitCalculation, CalculationVersion
from app.core import audit, clock
from app.core.asof import counts_on
from app.core.enums import CalculationVersionKind
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.exports import ExportColumn
from app.core.permissions import can_view_programme
from app.extensions import db

from . import queries, rules, services
from .exports import PROJECT_COLUMNS, STATE_COLUMN
from .models import FinalReport, GateDecision, ProgrammePhase, Project, StatusReport
from .permissions import can_pass_gate

REQUIREMENT_LABELS = {
    rules.BASELINE_CALCULATION: _l("a frozen baseline benefit calculation"),
    rules.LATEST_REPORT_SUBMITTED: _l("the six-weekly report for the last ended period"),
    rules.GO_LIVE_RECORDED: _l("a recorded go-live date"),
    rules.FINAL_REPORT_SUBMITTED: _l("a submitted final report"),
}
PHASE_COLUMN_LABEL = _l("Phase")


def requirement_label(key: str) -> str:
    return str(REQUIREMENT_LABELS.get(key, key))


# ---- reading --------------------------------------------------------------------------------

def programme_phases(programme_id: int) -> list[ProgrammePhase]:
    """The programme's phases in order."""
    return list(db.session.scalars(
        sa.select(ProgrammePhase).where(ProgrammePhase.programme_id == programme_id)
        .order_by(ProgrammePhase.position)))


def gate_decisions(project: Project, on: date | None = None) -> list[GateDecision]:
    """The project's gate decisions dated by `on` (all without), oldest first."""
    query = sa.select(GateDecision).where(GateDecision.project_id == project.id)
    if on is not None:
        query = query.where(counts_on(GateDecision.decided_on, on))
    return list(db.session.scalars(query.order_by(GateDecision.decided_on, GateDecision.id)))


def _specs(phases: list[ProgrammePhase]) -> list[rules.Phase]:
    return [rules.Phase(p.key, frozenset(p.requirements or ())) for p in phases]


def _passed(decisions: list[GateDecision]) -> list[rules.PassedGate]:
    return [rules.PassedGate(d.phase.key, d.decided_on) for d in decisions]


def _has_baseline(project: Project, on: date) -> bool:
    """A frozen baseline calculation whose business date, the funding decision's day (the
    baseline is frozen at the decision), is on or before `on`."""
    if project.application_id is None:
        return False
    decided_by_then = db.session.scalar(
        sa.select(Project.id).where(Project.id == project.id, queries.exists_on(on)))
    return decided_by_then is not None and db.session.scalar(
        sa.select(CalculationVersion.id)
        .join(BenefitCalculation, BenefitCalculation.id == CalculationVersion.calculation_id)
        .where(BenefitCalculation.application_id == project.application_id,
               CalculationVersion.kind == CalculationVersionKind.BASELINE,
               CalculationVersion.is_frozen.is_(True)).limit(1)) is not None


def _has_latest_report(project: Project, on: date) -> bool:
    """The last period ended by `on` has a report submitted by then (true before any ended)."""
    ended = [p for p in services.reporting_periods(project, on) if p.ends_on <= on]
    if not ended:
        return True
    return db.session.scalar(
        sa.select(StatusReport.id).where(
            StatusReport.project_id == project.id,
            StatusReport.period_number == ended[-1].number,
            StatusReport.state.in_(queries.SUBMITTED_STATES),
            StatusReport.submitted_at.is_not(None),
            counts_on(StatusReport.submitted_at, on)).limit(1)) is not None


def _has_final_report(project: Project, on: date) -> bool:
    return db.session.scalar(
        sa.select(FinalReport.id).where(FinalReport.project_id == project.id,
                                        counts_on(FinalReport.submitted_at, on))) is not None


def satisfied_requirements(project: Project, on: date) -> frozenset[str]:
    """The requirement keys in place for the project on `on`."""
    checks = {
        rules.BASELINE_CALCULATION: lambda: _has_baseline(project, on),
        rules.LATEST_REPORT_SUBMITTED: lambda: _has_latest_report(project, on),
        rules.GO_LIVE_RECORDED: lambda: project.go_live_on is not None
        and project.go_live_on <= on,
        rules.FINAL_REPORT_SUBMITTED: lambda: _has_final_report(project, on),
    }
    return frozenset(key for key, check in checks.items() if check())


@dataclass(frozen=True)
class PhaseRow:
    """A phase as the project page shows it: passed, current, and what its gate requires."""

    phase: ProgrammePhase
    is_passed: bool
    is_current: bool
    passed_on: date | None


@dataclass(frozen=True)
class ProjectPhases:
    """The project's place in its programme's model on a day, and what the next gate lacks."""

    rows: list[PhaseRow]
    decisions: list[GateDecision]
    current: ProgrammePhase | None
    next: ProgrammePhase | None
    missing: tuple[str, ...]
    on: date


def project_phases(project: Project, on: date | None = None) -> ProjectPhases:
    """The phases with passed/current, the decisions by `on`, and what the next gate lacks."""
    on = on or clock.today()
    phases = programme_phases(project.programme_id)
    decisions = gate_decisions(project, on)
    specs, passed = _specs(phases), _passed(decisions)
    current = rules.current_phase(specs, passed)
    following = rules.next_phase(specs, passed)
    by_key = {p.key: p for p in phases}
    current_position = by_key[current.key].position if current else None
    passed_on = {}
    for decision in decisions:
        passed_on[decision.phase.key] = decision.decided_on
    rows = [PhaseRow(p, current_position is not None and p.position <= current_position,
                     current is not None and p.key == current.key, passed_on.get(p.key))
            for p in phases]
    missing = (rules.missing_requirements(following, satisfied_requirements(project, on))
               if following else ())
    return ProjectPhases(rows, decisions, by_key[current.key] if current else None,
                         by_key[following.key] if following else None, missing, on)


def phase_on(project: Project, on: date) -> str | None:
    """The name of the project's phase on `on` (None before its first gate)."""
    row = queries.phases_by_project([project.id], on).get(project.id)
    return row.name if row else None


def phase_names(project_ids, on: date) -> dict[int, str]:
    """Each project's phase name on `on`, by project id; one query."""
    return {key: row.name for key, row in queries.phases_by_project(project_ids, on).items()}


def project_columns(project_ids, on: date) -> tuple[ExportColumn, ...]:
    """The project list's export columns with each project's phase on `on` after its state,
    in the page's own order."""
    names = phase_names(project_ids, on)
    phase = ExportColumn(PHASE_COLUMN_LABEL, lambda p: names.get(p.id))
    return (*PROJECT_COLUMNS[:STATE_COLUMN + 1], phase, *PROJECT_COLUMNS[STATE_COLUMN + 1:])


# ---- recording ------------------------------------------------------------------------------

def _problem_message(problem: rules.GateProblem, names: dict[str, str]) -> tuple[str, str]:
    """The field and the words of a refusal."""
    name = names.get(problem.phase_key or "", problem.phase_key or "")
    if problem.code == rules.UNKNOWN_PHASE:
        return "phase", _("The programme has no phase %(phase)s.", phase=name)
    if problem.code == rules.GOES_BACK:
        return "phase", _("The project has already reached %(phase)s; gates are not passed "
                          "backwards.", phase=name)
    if problem.code == rules.SKIPS:
        return "phase", _("Gates are passed in order: the next gate is %(phase)s.", phase=name)
    if problem.code == rules.CORRECTION_NEEDS_NOTE:
        return "note", _("The project is already in %(phase)s. To correct that decision, record "
                         "it again with a note saying what is corrected.", phase=name)
    if problem.code == rules.NOTE_TOO_LONG:
        return "note", _("Keep the note within %(count)s characters.",
                         count=rules.MAX_NOTE_LENGTH)
    if problem.code == rules.IN_FUTURE:
        return "decided_on", _("A gate decision cannot be dated after today (%(date)s).",
                               date=problem.on.isoformat())
    if problem.code == rules.BEFORE_PREVIOUS:
        return "decided_on", _("A gate decision cannot be dated before the previous gate "
                               "(%(date)s).", date=problem.on.isoformat())
    return "phase", _("The gate to %(phase)s needs %(missing)s first.", phase=name,
                      missing=", ".join(requirement_label(key) for key in problem.missing))


def pass_gate(project: Project, phase_key: str, decided_on: date, note: str, actor
              ) -> GateDecision:
    """Record that the project passed the gate into `phase_key` on `decided_on`."""
    if not can_pass_gate(actor, project):
        raise Forbidden(_("Only the programme office records gate decisions."))
    project = services.lock_project(project)
    if not isinstance(decided_on, date):
        raise InvalidInput(_("Give the decision date as YYYY-MM-DD."), field="decided_on")
    note = (note or "").strip()
    phases = programme_phases(project.programme_id)
    if not phases:
        raise NotFound(_("The project's programme has no project model phases."))
    today = clock.today()
    decisions = gate_decisions(project, today)
    problems = rules.gate_problems(
        _specs(phases), _passed(decisions), phase_key, decided_on, today,
        satisfied_requirements(project, decided_on), note)
    if problems:
        names = {p.key: p.name for p in phases}
        errors = [dict(zip(("field", "message"), _problem_message(p, names), strict=True))
                  for p in problems]
        first = problems[0]
        extra = {"errors": errors}
        missing = [p for p in problems if p.code == rules.MISSING]
        if missing:
            extra["missing"] = list(missing[0].missing)
        error = Conflict if first.code in rules.ORDER_PROBLEMS | {rules.MISSING} else InvalidInput
        raise error(errors[0]["message"], field=errors[0]["field"], **extra)
    phase = next(p for p in phases if p.key == phase_key)
    decision = GateDecision(project_id=project.id, phase_id=phase.id, decided_on=decided_on,
                            decided_by_id=actor.id, note=note)
    db.session.add(decision)
    db.session.flush()
    audit.record("project.gate_passed", project, actor=actor, after={
        "gate_decision_id": decision.id, "phase": phase.key, "decided_on": decided_on,
        "note": note})
    return decision


def get_programme_phases(user, programme_id: int) -> list[ProgrammePhase]:
    """The phases of a programme the user can see (any signed-in role), or NotFound."""
    from app.programmes.models import Programme

    if not can_view_programme(user) or db.session.get(Programme, programme_id) is None:
        raise NotFound(_("There is no programme with that number."))
    return programme_phases(programme_id)
