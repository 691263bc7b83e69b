"""The start page's "my tasks": what waits for each of the user's roles, with counts."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.applications.models import Application
from app.core.enums import ApplicationState, IdeaState, Role
from app.core.permissions import in_programmes_where
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.ideas.services import idle_approved_ideas
from app.programmes.services import list_programmes
from app.projects.overview import report_queue


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


def _count_by_state(user, role: Role, programme_id: int | None) -> dict[ApplicationState, int]:
    """Applications per state in the programmes where the user holds `role`."""
    query = (sa.select(Application.state, sa.func.count())
             .where(in_programmes_where(user, {role}, Application.programme_id))
             .group_by(Application.state))
    if programme_id is not None:
        query = query.where(Application.programme_id == programme_id)
    return {state: count for state, count in db.session.execute(query)}


def tasks_for(user, programme_id: int | None = None) -> list[Task]:
    """List the user's tasks for every role they hold, in the chosen programme if any.

    Each count covers only the programmes where the user holds the role it is for.
    """
    roles = user.roles if programme_id is None else user.roles_for(programme_id)
    tasks: list[Task] = []
    if Role.APPLICANT in roles and user.organisation_id:
        query = (sa.select(Application.state, sa.func.count())
                 .where(Application.organisation_id == user.organisation_id,
                        in_programmes_where(user, {Role.APPLICANT}, Application.programme_id))
                 .group_by(Application.state))
        if programme_id is not None:
            query = query.where(Application.programme_id == programme_id)
        own = dict(db.session.execute(query).all())
        tasks.append(Task(str(_l("Our draft applications")), own.get(ApplicationState.DRAFT, 0),
                          "applications.index", (("state", "draft"),)))
        tasks.append(Task(str(_l("Applications returned to us for completion")),
                          own.get(ApplicationState.RETURNED_FOR_COMPLETION, 0),
                          "applications.index", (("state", "returned_for_completion"),)))
    if Role.PROGRAMME_OFFICE in roles:
        ideas = (sa.select(sa.func.count()).select_from(ProjectIdea)
                 .where(ProjectIdea.state == IdeaState.SUBMITTED,
                        in_programmes_where(user, {Role.PROGRAMME_OFFICE},
                                            ProjectIdea.programme_id)))
        if programme_id is not None:
            ideas = ideas.where(ProjectIdea.programme_id == programme_id)
        tasks.append(Task(str(_l("Ideas to screen")), db.session.scalar(ideas), "ideas.index",
                          (("state", "submitted"),)))
        idle = sum(len(idle_approved_ideas(p)) for p in list_programmes()
                   if (programme_id is None or p.id == programme_id)
                   and Role.PROGRAMME_OFFICE in user.roles_for(p.id))
        tasks.append(Task(str(_l("Approved ideas with no application")), idle, "ideas.idle"))
    if roles & {Role.APPLICANT, Role.PROGRAMME_OFFICE}:
        reports = report_queue(user, programme_id=programme_id)
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
    counted: dict[ApplicationState, int] = {}
    for role, (state, label) in STAGE_TASKS.items():
        if role in roles and state not in counted:
            counted[state] = _count_by_state(user, role, programme_id).get(state, 0)
            tasks.append(Task(str(label), counted[state], "applications.queue"))
    return tasks
