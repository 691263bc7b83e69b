"""A funded project is created here, from the application its approving decision funds.

Kept apart from `projects/services.py` (which reads applications) so that the decision
service can create the project without an import cycle.
"""

from app.core import audit
from app.core.enums import ProjectState
from app.extensions import db

from .models import Project


def create_project(application, actor) -> Project:
    """Create the funded project with its baseline dates and area from the application."""
    project = Project(
        programme_id=application.programme_id, application_id=application.id,
        organisation_id=application.organisation_id,
        area_id=application.area_id or application.organisation.area_id,
        title=application.title, state=ProjectState.ACTIVE,
        baseline_start_on=application.starts_on, baseline_end_on=application.ends_on,
    )
    db.session.add(project)
    db.session.flush()
    audit.record("project.created", project, actor=actor,
                 after={"title": project.title, "application_id": application.id})
    return project
