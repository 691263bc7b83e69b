"""The start page's "my tasks": what waits for each of the user's roles, with counts."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.applications.models import Application
from app.core.enums import ApplicationState, IdeaState, Role
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.ideas.services import idle_approved_ideas
from app.programmes.services import list_programmes
from app.projects.services import report_queue


@dataclass(frozen=True)
class Task:
    label: str
    count: int
    endpoint: str
    params: tuple = ()


STAGE_TASKS = {
    Role.PROGRAMME_OFFICE: (ApplicationState.SUBMITTED, _l("Submitted applications to register")),
    Role.WORKING_GROUP: (ApplicationState.IN_PREPARATION, _l("Applications to assess")),
    Role.DEVELOPMENT_COUNCIL: (ApplicationState.ADVISORY_OPINION,
                               _l("Applications awaiting the council's opinion")),
    Role.BUDGET_MANAGEMENT: (ApplicationState.QUALITY_CHECK, _l("Applications to quality-check")),
    Role.DECISION_MAKER: (ApplicationState.AWAITING_DECISION, _l("Applications awaiting decision")),
    Role.FINANCE_COMMITTEE: (ApplicationState.AWAITING_DECISION,
                             _l("Applications awaiting decision")),
}


def _count_by_state() -> dict[ApplicationState, int]:
    rows = db.session.execute(
        sa.select(Application.state, sa.func.count()).group_by(Application.state)
    )
    return {state: count for state, count in rows}


def tasks_for(user) -> list[Task]:
    """List the user's tasks for every role they hold, in one or two queries."""
    roles = user.roles
    tasks: list[Task] = []
    if Role.APPLICANT in roles and user.organisation_id:
        own = dict(db.session.execute(
            sa.select(Application.state, sa.func.count())
            .where(Application.organisation_id == user.organisation_id)
            .group_by(Application.state)
        ).all())
        tasks.append(Task(str(_l("Our draft applications")), own.get(ApplicationState.DRAFT, 0),
                          "applications.index", (("state", "draft"),)))
        tasks.append(Task(str(_l("Applications returned to us for completion")),
                          own.get(ApplicationState.RETURNED_FOR_COMPLETION, 0),
                          "applications.index", (("state", "returned_for_completion"),)))
    by_state = _count_by_state() if roles & set(STAGE_TASKS) else {}
    if Role.PROGRAMME_OFFICE in roles:
        waiting_ideas = db.session.scalar(
            sa.select(sa.func.count()).select_from(ProjectIdea)
            .where(ProjectIdea.state == IdeaState.SUBMITTED)
        )
        tasks.append(Task(str(_l("Ideas to screen")), waiting_ideas, "ideas.index",
                          (("state", "submitted"),)))
        idle = sum(len(idle_approved_ideas(p)) for p in list_programmes())
        tasks.append(Task(str(_l("Approved ideas with no application")), idle, "ideas.idle"))
    if roles & {Role.APPLICANT, Role.PROGRAMME_OFFICE}:
        reports = report_queue(user)
        if Role.APPLICANT in roles:
            tasks.append(Task(str(_l("Project reports to write")), len(reports.due),
                              "projects.queue"))
            tasks.append(Task(str(_l("Project reports to complete")),
                              len(reports.completion_requested), "projects.queue"))
        if Role.PROGRAMME_OFFICE in roles:
            tasks.append(Task(str(_l("Project reports submitted in the last six weeks")),
                              len(reports.submitted), "projects.queue"))
            tasks.append(Task(str(_l("Projects with overdue reports")), len(reports.due),
                              "projects.queue"))
    seen = set()
    for role, (state, label) in STAGE_TASKS.items():
        if role in roles and state not in seen:
            seen.add(state)
            tasks.append(Task(str(label), by_state.get(state, 0), "applications.queue"))
    return tasks
