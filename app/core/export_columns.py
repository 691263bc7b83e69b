"""The audit log's Excel columns, and the helper every domain's export columns use.

Each domain keeps its own list's columns in `<domain>/exports.py`.

Each list is a tuple of `ExportColumn(header, value, kind)`: headers are the page's own
(translated) column headers and values the typed data behind what the page shows: labels
for states, dates as dates, SEK as integers, shares as fractions. Views and API endpoints
hand these with the list's items to `app.core.exports.xlsx_response`.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from app.core.exports import ExportColumn
from app.core.formatting import readable_json
from reports.xlsx import DATETIME, INT


def label_of(mapping: Mapping, value):
    return mapping.get(value) if value is not None else None


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


AUDIT_LOG_NAME = _l("Audit log")
