"""Who may see and do what with projects, their reports and follow-up: one place for the rules."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.core.enums import ProjectState, ReportState, Role
from app.core.errors import NotFound
from app.core.permissions import (
    _roles,
    belongs_to,
    can_view_portfolio,
    in_portfolio_of,
    in_programmes_where,
)
from app.extensions import db
from app.followup.models import FollowUpTask

from . import queries
from .models import Project, StatusReport


def can_view_project(user, project: Project) -> bool:
    """See a project: its own organisation, or the programme's roles and auditors."""
    return bool(_roles(user, project.programme_id)) and (
        belongs_to(user, project.organisation_id)
        or can_view_portfolio(user, project.programme_id))


def can_write_reports(user, project: Project) -> bool:
    """Open, edit, submit and correct reports: applicants of the project's organisation."""
    return (Role.APPLICANT in _roles(user, project.programme_id)
            and belongs_to(user, project.organisation_id))


def can_request_completion(user) -> bool:
    return Role.PROGRAMME_OFFICE in _roles(user)


def can_close_project(user, project: Project) -> bool:
    """File the final report or record go-live: the project's organisation or the office."""
    return (can_write_reports(user, project)
            or Role.PROGRAMME_OFFICE in _roles(user, project.programme_id))


def can_view_report(user, report: StatusReport) -> bool:
    """Drafts stay with the reporting organisation (and auditors); submitted ones are shared."""
    project = report.project
    if not can_view_project(user, project):
        return False
    if report.state != ReportState.DRAFT or belongs_to(user, project.organisation_id):
        return True
    return Role.AUDITOR in _roles(user, project.programme_id)


def can_complete_followup(user, project: Project) -> bool:
    """Mark the one-year follow-up done: the project's organisation or the programme office."""
    return can_close_project(user, project)


def can_pass_gate(user, project: Project) -> bool:
    """Record a gate decision: the programme office, on a project it can see."""
    return Role.PROGRAMME_OFFICE in _roles(user) and can_view_project(user, project)


# ---- finding projects, reports and follow-up tasks ------------------------------------------

def visible_projects(user, *, organisation_id: int | None = None,
                     state: ProjectState | None = None, area_id: int | None = None,
                     on: date | None = None, programme_id: int | None = None) -> sa.Select:
    """Build the query of projects `user` may see, filtered, ordered by title.

    With `on`, only the projects decided by then, in the state they had then. Organisation and
    area come in the same statement (lists and their exports show both names).
    """
    query = _visible(sa.select(Project).options(joinedload(Project.organisation),
                                                joinedload(Project.area)),
                     user, organisation_id=organisation_id, state=state, area_id=area_id, on=on,
                     programme_id=programme_id)
    return query.order_by(Project.title, Project.id)


def visible_project_ids(user, *, organisation_id: int | None = None,
                        state: ProjectState | None = None, area_id: int | None = None,
                        on: date | None = None, programme_id: int | None = None) -> sa.Select:
    """The ids of the projects `user` may see, filtered as `visible_projects` (a subquery)."""
    return _visible(sa.select(Project.id), user, organisation_id=organisation_id, state=state,
                    area_id=area_id, on=on, programme_id=programme_id)


def _visible(query: sa.Select, user, *, organisation_id, state, area_id, on,
             programme_id=None) -> sa.Select:
    query = query.where(sa.or_(
        in_portfolio_of(user, Project.programme_id),
        sa.and_(Project.organisation_id == user.organisation_id,
                in_programmes_where(user, frozenset(Role), Project.programme_id))))
    if programme_id is not None:
        query = query.where(Project.programme_id == programme_id)
    if organisation_id is not None:
        query = query.where(Project.organisation_id == organisation_id)
    if on is not None:
        query = query.where(queries.exists_on(on), queries.closed_on_filter(on, state))
    elif state is not None:
        query = query.where(Project.state == state)
    if area_id is not None:
        query = query.where(Project.area_id == area_id)
    return query


def get_visible_project(user, project_id: int) -> Project:
    """Return the project, or raise NotFound if it is missing or not the user's to see."""
    project = db.session.get(Project, project_id)
    if project is None or not can_view_project(user, project):
        raise NotFound(_("There is no project with that number that you can see."))
    return project


def get_visible_report(user, report_id: int) -> StatusReport:
    """Return the report, or raise NotFound if it is missing or not the user's to see."""
    report = db.session.get(StatusReport, report_id)
    if report is None or not can_view_report(user, report):
        raise NotFound(_("There is no report with that number that you can see."))
    return report


def get_visible_followup_task(user, task_id: int) -> FollowUpTask:
    """Return the task, or raise NotFound if it is missing or its project not the user's to see."""
    task = db.session.get(FollowUpTask, task_id)
    project = db.session.get(Project, task.project_id) if task is not None else None
    if project is None or not can_view_project(user, project):
        raise NotFound(_("There is no follow-up with that number that you can see."))
    return task
