"""The project list's and the reports queue's Excel columns, as the pages show them."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import Area, Organisation
from app.core import labels
from app.core.export_columns import label_of
from app.core.exports import ExportColumn
from app.projects.models import Project
from app.projects.reports import ASPECT_LABELS, ASPECTS
from reports.xlsx import DATE, DATETIME, INT

# Where the state column stands: the phase follows it, as on the page.
STATE_COLUMN = 3
# Read from the rows of `export_rows`, not from Project objects.
PROJECT_COLUMNS = (
    ExportColumn(_l("Project"), lambda p: p.title),
    ExportColumn(_l("Organisation"), lambda p: p.organisation_name),
    ExportColumn(_l("Area"), lambda p: p.area_name),
    ExportColumn(_l("State"), lambda p: label_of(labels.PROJECT_STATE, p.state)),
    ExportColumn(_l("Planned start"), lambda p: p.baseline_start_on, DATE),
    ExportColumn(_l("Planned end"), lambda p: p.baseline_end_on, DATE),
)


def export_rows(projects: sa.Select) -> sa.Select:
    """The project list's query (its filters and order) as plain rows of the exported columns:
    an export of 30 000 projects spent most of its time building objects it only read."""
    return (projects.with_only_columns(
        Project.id, Project.title, Organisation.name.label("organisation_name"),
        Area.name.label("area_name"), Project.state, Project.baseline_start_on,
        Project.baseline_end_on)
        .join(Organisation, Organisation.id == Project.organisation_id)
        .outerjoin(Area, Area.id == Project.area_id))


REPORTS_DUE_COLUMNS = (
    ExportColumn(_l("Project"), lambda item: item.project.title),
    ExportColumn(_l("Organisation"), lambda item: item.project.organisation.name),
    ExportColumn(_l("Period"), lambda item: item.periods[0].number, INT),
    ExportColumn(_l("Period starts"), lambda item: item.periods[0].starts_on, DATE),
    ExportColumn(_l("Period ends"), lambda item: item.periods[0].ends_on, DATE),
    ExportColumn(_l("Due"), lambda item: item.periods[0].due_on, DATE),
    ExportColumn(_l("Overdue reports"), lambda item: len(item.overdue), INT),
)


def _status_column(aspect: str) -> ExportColumn:
    return ExportColumn(ASPECT_LABELS[aspect],
                        lambda report: label_of(labels.RAG, getattr(report, f"{aspect}_status")))


SUBMITTED_REPORT_COLUMNS = (
    ExportColumn(_l("Project"), lambda r: r.project.title),
    ExportColumn(_l("Organisation"), lambda r: r.project.organisation.name),
    ExportColumn(_l("Period"), lambda r: r.period_number, INT),
    ExportColumn(_l("Submitted"), lambda r: r.submitted_at, DATETIME),
    *(_status_column(aspect) for aspect in ASPECTS),
    ExportColumn(_l("Version"), lambda r: r.version, INT),
)


COMPLETION_REQUESTED_COLUMNS = (
    ExportColumn(_l("Project"), lambda r: r.project.title),
    ExportColumn(_l("Period"), lambda r: r.period_number, INT),
    ExportColumn(_l("What to complete"), lambda r: r.completion_comment),
    ExportColumn(_l("Version"), lambda r: r.version, INT),
)


def report_queue_sheets(queue) -> list[tuple]:
    """The reports queue page's three tables as sheets, in page order."""
    return [
        (_l("Reports not yet in"), REPORTS_DUE_COLUMNS, queue.due),
        (_l("Submitted reports"), SUBMITTED_REPORT_COLUMNS, queue.submitted),
        (_l("Completion requested"), COMPLETION_REQUESTED_COLUMNS, queue.completion_requested),
    ]


PROJECTS_NAME = _l("Projects")


REPORTS_QUEUE_NAME = _l("Reports queue")
