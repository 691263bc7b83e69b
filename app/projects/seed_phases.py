"""Seeding the project model: programme.yaml's `phases:` and the demo projects' gate decisions.

The demo's gate decisions follow each project's own dates: study from its funding decision,
planning from its planned start, execution after its first six-weekly period (its baseline
calculation was frozen at the decision), handover at go-live and closure on its closing day.
A gate dated after the business date is not recorded (a later demo day shows it), so no
decision lies in the future. The seeded gates are history, like the seeded decisions: order and
dates follow the rules, but their requirements are not checked (only six demo projects carry a
benefit calculation, and the demo's closed projects carry no final report rows); every gate
recorded in the product is checked by `gates.pass_gate`.
"""

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
import yaml

from app.accounts.models import RoleAssignment, User
from app.core import periods
from app.core.enums import Role
from app.extensions import db

from . import queries, rules
from .models import GateDecision, ProgrammePhase, Project

DEMO_NOTE = "Beslutspunkt registrerad i demodata."


def read_phases(data_dir: Path) -> list[dict]:
    """Read and check programme.yaml's `phases:` (empty when the file has none)."""
    content = yaml.safe_load((data_dir / "programme.yaml").read_text(encoding="utf-8")) or {}
    items = content.get("phases") or []
    phases = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("key") or not item.get("name"):
            raise ValueError(f"programme.yaml, phase {index + 1}: give 'key' and 'name'")
        phases.append({"key": str(item["key"]), "name": str(item["name"]),
                       "requirements": [str(key) for key in item.get("requirements") or []]})
    try:
        rules.check_phases([rules.Phase(p["key"], frozenset(p["requirements"])) for p in phases])
    except ValueError as error:
        raise ValueError(f"programme.yaml, phases: {error}") from None
    return phases


def insert_phases(data_dir: Path, programme_id: int, added) -> None:
    """Insert the programme's phases that are not there yet; `added(kind)` counts each."""
    for position, spec in enumerate(read_phases(data_dir), start=1):
        exists = db.session.scalar(sa.select(ProgrammePhase.id).where(
            ProgrammePhase.programme_id == programme_id, ProgrammePhase.key == spec["key"]))
        if exists is None:
            db.session.add(ProgrammePhase(programme_id=programme_id, position=position, **spec))
            db.session.flush()
            added("programme_phases")


def _office_user_id() -> int | None:
    return db.session.scalar(
        sa.select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.PROGRAMME_OFFICE).order_by(User.id).limit(1))


def demo_gate_days(decided_on: date | None, project: Project) -> list[tuple[str, date]]:
    """The demo's gate days for a project, from its dates, in order and never going back."""
    start = project.baseline_start_on
    first_period_end = start + timedelta(days=periods.SIX_WEEKS_DAYS - 1)
    ends = [d for d in (project.go_live_on, project.closed_on, project.baseline_end_on) if d]
    plan = [("study", decided_on or start), ("planning", start),
            ("execution", min([first_period_end, *ends]))]
    if project.go_live_on:
        plan.append(("handover", project.go_live_on))
    if project.closed_on:
        plan.append(("closure", project.closed_on))
    days, latest = [], date.min
    for key, day in plan:
        latest = max(latest, day)
        days.append((key, latest))
    return days


def insert_demo_gate_decisions(programme_id: int, added, until: date) -> None:
    """Record the demo projects' gates up to the demo's business date `until`, once."""
    phases = {p.key: p for p in db.session.scalars(
        sa.select(ProgrammePhase).where(ProgrammePhase.programme_id == programme_id))}
    if not phases:
        return
    office_id = _office_user_id()
    projects = db.session.execute(
        sa.select(Project, queries.decided_on_column())
        .where(Project.programme_id == programme_id).order_by(Project.id)).all()
    for project, decided_on in projects:
        recorded = set(db.session.scalars(sa.select(GateDecision.phase_id).where(
            GateDecision.project_id == project.id)))
        for key, day in demo_gate_days(decided_on, project):
            phase = phases.get(key)
            if phase is None or day > until:
                break
            if phase.id in recorded:
                continue
            db.session.add(GateDecision(project_id=project.id, phase_id=phase.id,
                                        decided_on=day, decided_by_id=office_id,
                                        note=DEMO_NOTE))
            added("gate_decisions")
    db.session.flush()
