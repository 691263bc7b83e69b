"""The benefit register's Excel sheets: the benefits and their totals, as the page shows them."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from app.core.exports import ExportColumn
from reports.xlsx import PERCENT, SEK


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


BENEFIT_REGISTER_NAME = _l("Benefit register")


def benefit_register_sheets(rows, organisation_totals: Mapping[int, dict],
                            project_totals: Mapping[int, dict], projects: Mapping[int, object],
                            organisations: Mapping[int, object]) -> list[tuple]:
    """The register page's three tables as sheets: the benefits, totals per organisation and
    per project (summed over every row by the query layer)."""
    organisation_names = {key: o.name for key, o in organisations.items()}
    project_titles = {key: p.title for key, p in projects.items()}
    return [
        (BENEFIT_REGISTER_NAME, benefit_register_columns(projects, organisations), rows),
        (_l("Totals per owning organisation"),
         benefit_totals_columns(_l("Organisation"), organisation_names),
         organisation_totals.items()),
        (_l("Totals per project"), benefit_totals_columns(_l("Project"), project_titles),
         project_totals.items()),
    ]
