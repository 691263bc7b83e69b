"""The one-year benefit follow-up: its task, what it still lacks, and marking it done."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.accounts.queries import users_with_role
from app.applications.models import Application
from app.benefits.models import Benefit, RealisationEntry
from app.core import audit, clock
from app.core.enums import Role
from app.core.errors import Conflict, Forbidden
from app.core.models import utcnow
from app.core.notifications import notify
from app.extensions import db
from app.followup.models import FollowUpTask

from .models import Project
from .permissions import can_complete_followup
from .services import add_years

FOLLOW_UP_KIND = "benefit_followup_1y"


def ensure_followup_task(project: Project, actor=None) -> FollowUpTask | None:
    """Make sure the one-year benefit follow-up exists, due a year after go-live; never twice."""
    if project.go_live_on is None:
        return None
    due_on = add_years(project.go_live_on, 1)
    task = _followup_task(project)
    if task is None:
        try:
            with db.session.begin_nested():
                task = FollowUpTask(project_id=project.id, kind=FOLLOW_UP_KIND, due_on=due_on)
                db.session.add(task)
        except IntegrityError:
            return _followup_task(project)
        audit.record("followup.created", task, actor=actor,
                     after={"project_id": project.id, "kind": FOLLOW_UP_KIND, "due_on": due_on})
    elif task.done_at is None and task.due_on != due_on:
        before = task.due_on
        task.due_on = due_on
        db.session.flush()
        audit.record("followup.rescheduled", task, actor=actor, before={"due_on": before},
                     after={"due_on": due_on})
    return task


def _followup_task(project: Project) -> FollowUpTask | None:
    return db.session.scalar(sa.select(FollowUpTask).where(
        FollowUpTask.project_id == project.id, FollowUpTask.kind == FOLLOW_UP_KIND))


def follow_up_tasks(project: Project) -> list[FollowUpTask]:
    return list(db.session.scalars(sa.select(FollowUpTask).where(
        FollowUpTask.project_id == project.id).order_by(FollowUpTask.due_on, FollowUpTask.id)))


@dataclass(frozen=True)
class MissingBenefit:
    """A benefit of the project still without a realised value for the one-year follow-up."""

    benefit_id: int
    name: str

    @property
    def link(self) -> str:
        return f"/benefits/{self.benefit_id}"


def followup_years(task: FollowUpTask, today: date | None = None) -> tuple[int, int]:
    """The calendar years whose realised value counts: from go-live's year up to this year.

    Realised values are stored per calendar year. The follow-up is due a year after go-live,
    so the first year of use spans the go-live year and the due date's year; a value for
    either counts (or for a later year when the follow-up is done late). A value for a year
    before go-live, or for a year still to come, is no measurement and does not count.
    """
    return task.due_on.year - 1, (today or clock.today()).year


def followup_problems(task: FollowUpTask, today: date | None = None) -> list[MissingBenefit]:
    """Each benefit of the project with no realised value recorded for the follow-up's years."""
    if task.kind != FOLLOW_UP_KIND:
        return []
    first_year, last_year = followup_years(task, today)
    realised = (sa.select(RealisationEntry.id)
                .where(RealisationEntry.benefit_id == Benefit.id,
                       RealisationEntry.year.between(first_year, last_year))
                .exists())
    rows = db.session.execute(
        sa.select(Benefit.id, Benefit.name)
        .where(Benefit.project_id == task.project_id, ~realised)
        .order_by(Benefit.name, Benefit.id)).all()
    return [MissingBenefit(benefit_id=row.id, name=row.name) for row in rows]


@dataclass(frozen=True)
class ChangeToReport:
    """A change of the project's network whose state the one-year follow-up asks evidence for."""

    node_id: int
    label: str
    state: str
    due_on: date


def followup_changes(task: FollowUpTask) -> list[ChangeToReport]:
    """Each change of the project's network still without evidence for its state (issue 16)."""
    from app.benefit_map import services as network_services

    if task.kind != FOLLOW_UP_KIND:
        return []
    project = db.session.get(Project, task.project_id)
    if project is None or project.application_id is None:
        return []
    application = db.session.get(Application, project.application_id)
    calc = network_services.find_calculation(application)
    if calc is None:
        return []
    changes = [ChangeToReport(node.id, node.label, node.state.value, node.due_on)
               for node in network_services.nodes_of(calc.id)
               if node.is_change and not node.evidence.strip()]
    return sorted(changes, key=lambda change: (change.due_on, change.label))


def followup_changes_by_task(tasks: list[FollowUpTask]) -> dict[int, list[ChangeToReport]]:
    """The changes without evidence of each task that is not done yet."""
    return {task.id: followup_changes(task) for task in tasks if task.done_at is None}


def followup_problems_by_task(tasks: list[FollowUpTask]) -> dict[int, list[MissingBenefit]]:
    """The missing benefits of each task that is not done yet (done tasks have none)."""
    return {task.id: followup_problems(task) for task in tasks if task.done_at is None}


def complete_followup_task(task: FollowUpTask, actor) -> FollowUpTask:
    """Mark the follow-up done once every benefit has a realised value; early is fine then."""
    project = db.session.get(Project, task.project_id)
    if not can_complete_followup(actor, project):
        raise Forbidden(_("Only the project's organisation or the programme office marks the "
                          "follow-up as done."))
    task = db.session.get(FollowUpTask, task.id, with_for_update=True, populate_existing=True)
    if task.done_at is not None:
        raise Conflict(_("The follow-up was already marked as done."),
                       done_at=task.done_at.isoformat())
    missing = followup_problems(task)
    changes = followup_changes(task)
    if changes:
        raise Conflict(
            _("Give each change of the benefit map its state with evidence before the "
              "follow-up is done. Still without evidence: %(names)s.",
              names=", ".join(change.label for change in changes)),
            field="changes",
            changes_without_evidence=[{"node_id": c.node_id, "label": c.label,
                                       "state": c.state} for c in changes])
    if missing:
        first_year, last_year = followup_years(task)
        years = str(first_year) if first_year == last_year else f"{first_year}–{last_year}"
        raise Conflict(
            _("Enter a realised value for %(years)s for each benefit before the follow-up is "
              "done. Still missing: %(names)s.", years=years,
              names=", ".join(benefit.name for benefit in missing)),
            missing_benefits=[{"benefit_id": benefit.benefit_id, "name": benefit.name,
                               "link": benefit.link} for benefit in missing])
    task.done_at = utcnow()
    db.session.flush()
    audit.record("followup.completed", task, actor=actor, before={"done_at": None},
                 after={"done_at": task.done_at, "project_id": project.id})
    notify(users_with_role(Role.PROGRAMME_OFFICE, programme_id=project.programme_id),
           "followup.completed",
           _("The one-year benefit follow-up of %(project)s is done: every benefit has a "
             "realised value.", project=project.title),
           link=f"/projects/{project.id}", dedupe_key=f"followup.completed:{task.id}")
    return task
