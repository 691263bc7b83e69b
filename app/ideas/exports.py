"""The idea list's Excel columns, the same as the list's columns on screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.export_columns import label_of
from app.core.exports import ExportColumn
from app.ideas.services import IDEA_STATE_LABELS
from reports.xlsx import DATETIME

IDEA_COLUMNS = (
    ExportColumn(_l("Title"), lambda idea: idea.title),
    ExportColumn(_l("Organisation"), lambda idea: idea.organisation.name),
    ExportColumn(_l("State"), lambda idea: label_of(IDEA_STATE_LABELS, idea.state)),
    ExportColumn(_l("Submitted"), lambda idea: idea.submitted_at, DATETIME),
    ExportColumn(_l("Screened"), lambda idea: idea.screened_at, DATETIME),
)


IDEAS_NAME = _l("Project ideas")
