"""The application list's Excel columns, the same as the list's columns on screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core import labels
from app.core.export_columns import label_of
from app.core.exports import ExportColumn
from reports.xlsx import DATETIME, SEK

APPLICATION_COLUMNS = (
    ExportColumn(_l("Reference"), lambda a: a.reference),
    ExportColumn(_l("Title"), lambda a: a.title),
    ExportColumn(_l("Organisation"), lambda a: a.organisation.name),
    ExportColumn(_l("Kind"), lambda a: label_of(labels.APPLICATION_KIND, a.kind)),
    ExportColumn(_l("Stage"), lambda a: label_of(labels.APPLICATION_STATE, a.state)),
    ExportColumn(_l("Since"), lambda a: a.state_changed_at, DATETIME),
    ExportColumn(_l("Requested"), lambda a: a.requested_sek, SEK),
)


APPLICATIONS_NAME = _l("Applications")
