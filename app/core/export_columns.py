"""The columns of every list's Excel export, the same as the list's columns on screen.

Each list is a tuple of `ExportColumn(header, value, kind)`: headers are the page's own
(translated) column headers and values the typed data behind what the page shows: labels
for states, dates as dates, SEK as integers, shares as fractions. Views and API endpoints
hand these with the list's items to `app.core.exports.xlsx_response`.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from app.benefits.services import totals
from app.budget_cuts.services import FLAG_LABELS
from app.core import labels
from app.core.exports import ExportColumn
from app.core.formatting import readable_json
from app.ideas.services import IDEA_STATE_LABELS
from app.projects.services import ASPECT_LABELS, ASPECTS
from reports.xlsx import DATE, DATETIME, INT, PERCENT, SEK


def _label(mapping: Mapping, value):
    return mapping.get(value) if value is not None else None


IDEA_COLUMNS = (
    ExportColumn(_l("Title"), lambda idea: idea.title),
    ExportColumn(_l("Organisation"), lambda idea: idea.organisation.name),
    ExportColumn(_l("State"), lambda idea: _label(IDEA_STATE_LABELS, idea.state)),
    ExportColumn(_l("Submitted"), lambda idea: idea.submitted_at, DATETIME),
    ExportColumn(_l("Screened"), lambda idea: idea.screened_at, DATETIME),
)

APPLICATION_COLUMNS = (
    ExportColumn(_l("Reference"), lambda a: a.reference),
    ExportColumn(_l("Title"), lambda a: a.title),
    ExportColumn(_l("Organisation"), lambda a: a.organisation.name),
    ExportColumn(_l("Kind"), lambda a: _label(labels.APPLICATION_KIND, a.kind)),
    ExportColumn(_l("Stage"), lambda a: _label(labels.APPLICATION_STATE, a.state)),
    ExportColumn(_l("Since"), lambda a: a.state_changed_at, DATETIME),
    ExportColumn(_l("Requested"), lambda a: a.requested_sek, SEK),
)

PROJECT_COLUMNS = (
    ExportColumn(_l("Project"), lambda p: p.title),
    ExportColumn(_l("Organisation"), lambda p: p.organisation.name),
    ExportColumn(_l("Area"), lambda p: p.area.name if p.area else None),
    ExportColumn(_l("State"), lambda p: _label(labels.PROJECT_STATE, p.state)),
    ExportColumn(_l("Planned start"), lambda p: p.baseline_start_on, DATE),
    ExportColumn(_l("Planned end"), lambda p: p.baseline_end_on, DATE),
)

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
                        lambda report: _label(labels.RAG, getattr(report, f"{aspect}_status")))


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


def benefit_register_columns(projects: Mapping[int, object],
                             organisations: Mapping[int, object]) -> tuple[ExportColumn, ...]:
    """Columns of the benefit register; project and organisation names come from the page's maps."""
    def project_title(row):
        project = projects.get(row.project_id)
        return project.title if project is not None else row.project_id

    def organisation_name(row):
        organisation = organisations.get(row.owner_organisation_id)
        return organisation.name if organisation is not None else None

    return (
        ExportColumn(_l("Benefit"), lambda row: row.benefit.name),
        ExportColumn(_l("Project"), project_title),
        ExportColumn(_l("Owning organisation"), organisation_name),
        ExportColumn(_l("Benefit owner"), lambda row: row.benefit.benefit_owner_name or None),
        ExportColumn(_l("Indicator"), lambda row: row.benefit.indicator or None),
        ExportColumn(_l("Planned to date"), lambda row: row.planned_to_date_sek, SEK),
        ExportColumn(_l("Realised to date"), lambda row: row.actual_to_date_sek, SEK),
        ExportColumn(_l("Variance"), lambda row: row.variance_sek, SEK),
        ExportColumn(_l("Realisation rate"), lambda row: row.realisation_rate, PERCENT),
    )


BUDGET_CUT_TOTAL_COLUMNS = (
    ExportColumn(_l("Budget year"), lambda t: t.budget_year, INT),
    ExportColumn(_l("Proposed"), lambda t: t.proposed_sek, SEK),
    ExportColumn(_l("Adopted"), lambda t: t.adopted_sek, SEK),
    ExportColumn(_l("Cut in force"), lambda t: t.cut_sek, SEK),
    ExportColumn(_l("Realised in the saving year"), lambda t: t.realised_sek, SEK),
    ExportColumn(_l("Organisations with a cut"), lambda t: t.organisations, INT),
)


def _proposal_status(item):
    if item.decided:
        return _l("Adopted")
    if item.is_preview:
        return _l("Not proposed yet (preview)")
    return _l("Proposed")


BUDGET_CUT_YEAR_COLUMNS = (
    ExportColumn(_l("Organisation"), lambda item: item.organisation.name),
    ExportColumn(_l("Proposed"), lambda item: item.proposed_sek, SEK),
    ExportColumn(_l("Status"), _proposal_status),
    ExportColumn(_l("Adopted"), lambda item: item.adopted_sek, SEK),
    ExportColumn(_l("Change from the year before"), lambda item: item.increment_sek, SEK),
)


def _council_decision(item):
    if not item.decided:
        return _l("Not adopted yet")
    reason = item.decided.reason
    return f"{item.decided.council_decision_ref}\n{reason}" if reason else \
        item.decided.council_decision_ref


def _flags(item):
    return "\n".join(f"{FLAG_LABELS[flag.code]}: {item.flag_text(flag)}"
                     for flag in item.flags) or None


RECONCILIATION_COLUMNS = (
    ExportColumn(_l("Organisation"), lambda item: item.organisation.name),
    ExportColumn(_l("Proposed"), lambda item: item.proposed_sek, SEK),
    ExportColumn(_l("Adopted"), lambda item: item.adopted_sek, SEK),
    ExportColumn(_l("Difference"), lambda item: item.reconciliation.difference_sek, SEK,
                 total=False),
    ExportColumn(_l("Council decision and reason"), _council_decision),
    ExportColumn(_l("Saving year"), lambda item: item.saving_year, INT, total=False),
    ExportColumn(_l("Realised"), lambda item: item.realised_sek, SEK),
    ExportColumn(_l("Flags"), _flags),
)


def _json_text(value) -> str | None:
    return None if value is None else readable_json(value)


AUDIT_COLUMNS = (
    ExportColumn(_l("Entry"), lambda e: e.id, INT),
    ExportColumn(_l("When"), lambda e: e.at, DATETIME),
    ExportColumn(_l("Who"), lambda e: e.actor_label),
    ExportColumn(_l("Action"), lambda e: e.action),
    ExportColumn(_l("Object type"), lambda e: e.object_type),
    ExportColumn(_l("Object"), lambda e: e.object_id),
    ExportColumn(_l("Before"), lambda e: _json_text(e.before)),
    ExportColumn(_l("After"), lambda e: _json_text(e.after)),
)


def benefit_totals_columns(label, names: Mapping) -> tuple[ExportColumn, ...]:
    """Columns of the register's totals tables; items are (key, totals) pairs."""
    return (
        ExportColumn(label, lambda item: names.get(item[0], item[0])),
        ExportColumn(_l("Planned in total"), lambda item: item[1]["planned_total_sek"], SEK),
        ExportColumn(_l("Planned to date"), lambda item: item[1]["planned_to_date_sek"], SEK),
        ExportColumn(_l("Realised to date"), lambda item: item[1]["actual_to_date_sek"], SEK),
        ExportColumn(_l("Variance"), lambda item: item[1]["variance_sek"], SEK),
        ExportColumn(_l("Realisation rate"), lambda item: item[1]["realisation_rate"], PERCENT),
    )


def report_queue_sheets(queue) -> list[tuple]:
    """The reports queue page's three tables as sheets, in page order."""
    return [
        (_l("Reports not yet in"), REPORTS_DUE_COLUMNS, queue.due),
        (_l("Submitted reports"), SUBMITTED_REPORT_COLUMNS, queue.submitted),
        (_l("Completion requested"), COMPLETION_REQUESTED_COLUMNS, queue.completion_requested),
    ]


IDEAS_NAME = _l("Project ideas")
APPLICATIONS_NAME = _l("Applications")
PROJECTS_NAME = _l("Projects")
REPORTS_QUEUE_NAME = _l("Reports queue")
BENEFIT_REGISTER_NAME = _l("Benefit register")
BUDGET_CUTS_NAME = _l("Budget cuts")
CITY_TOTAL_LABEL = _l("The whole city")
AUDIT_LOG_NAME = _l("Audit log")


def benefit_register_sheets(rows, projects: Mapping[int, object],
                            organisations: Mapping[int, object]) -> list[tuple]:
    """The register page's three tables as sheets: the benefits, totals per organisation and
    per project."""
    organisation_names = {key: o.name for key, o in organisations.items()}
    project_titles = {key: p.title for key, p in projects.items()}
    return [
        (BENEFIT_REGISTER_NAME, benefit_register_columns(projects, organisations), rows),
        (_l("Totals per owning organisation"),
         benefit_totals_columns(_l("Organisation"), organisation_names),
         totals(rows, "owner_organisation_id").items()),
        (_l("Totals per project"), benefit_totals_columns(_l("Project"), project_titles),
         totals(rows, "project_id").items()),
    ]
