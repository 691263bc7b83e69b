"""The audit log for auditors: a filtered, paginated list of entries and its Excel export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.core.audit import verify_chain
from app.core.audit_labels import CHAIN_BREAKS, action_label, object_type_label
from app.core.errors import Forbidden, InvalidInput
from app.core.export_columns import AUDIT_COLUMNS, AUDIT_LOG_NAME
from app.core.exports import export_url, query_xlsx_response, wants_xlsx
from app.core.formatting import readable_json
from app.core.models import AuditEntry, json_safe
from app.core.money import format_sek
from app.core.paging import Paging, page_number
from app.core.permissions import can_view_audit_log
from app.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_FILTER_LENGTH = 200
TEXT_FILTERS = ("action", "object_type", "object_id", "actor")


@dataclass(frozen=True)
class AuditFilters:
    """What the auditor narrowed the log to; empty means everything."""

    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    from_on: date | None = None
    to_on: date | None = None

    def as_args(self) -> dict[str, str]:
        """Return the filters as query-string arguments, for links that keep them."""
        args = {name: getattr(self, name) for name in TEXT_FILTERS if getattr(self, name)}
        if self.from_on:
            args["from"] = self.from_on.isoformat()
        if self.to_on:
            args["to"] = self.to_on.isoformat()
        return args


def require_audit_reader(user) -> None:
    """Let only auditors (and administrators) read the log."""
    if not can_view_audit_log(user):
        raise Forbidden(_("Only auditors can read the audit log."))


def _date_arg(args, name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Write the date as YYYY-MM-DD."), field=name) from None


def filters_from(args) -> AuditFilters:
    """Read and check the filters of the page's (or the API's) query string."""
    values: dict[str, Any] = {}
    for name in TEXT_FILTERS:
        value = (args.get(name) or "").strip()
        if len(value) > MAX_FILTER_LENGTH:
            raise InvalidInput(_("The filter is too long."), field=name)
        values[name] = value or None
    filters = AuditFilters(**values, from_on=_date_arg(args, "from"), to_on=_date_arg(args, "to"))
    if filters.from_on and filters.to_on and filters.to_on < filters.from_on:
        raise InvalidInput(_("The end date must not be before the start date."), field="to")
    return filters


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_query(filters: AuditFilters) -> sa.Select:
    """Build the log's query, newest entry first, narrowed by `filters`."""
    query = sa.select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.actor:
        escaped = filters.actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditEntry.actor_label.ilike(f"%{escaped}%", escape="\\"))
    if filters.from_on:
        query = query.where(AuditEntry.at >= _start_of(filters.from_on))
    if filters.to_on and filters.to_on < date.max:
        query = query.where(AuditEntry.at < _start_of(filters.to_on + timedelta(days=1)))
    return query.order_by(AuditEntry.id.desc())


def filter_choices() -> tuple[list[str], list[str]]:
    """The actions and object types that occur in the log, for the filter lists."""
    actions = list(db.session.scalars(
        sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
    object_types = list(db.session.scalars(
        sa.select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)))
    return actions, object_types


NAME_ATTRIBUTES = ("diary_number", "title", "name", "email")
FIELD_LABELS = {
    "amount_sek": _l("Amount"), "requested_sek": _l("Requested amount"),
    "diary_number": _l("Diary number"), "outcome": _l("Outcome"), "kind": _l("Kind"),
    "title": _l("Title"), "name": _l("Name"), "state": _l("State"), "email": _l("E-mail"),
    "authority_key": _l("Authority"), "decided_on": _l("Decided on"),
    "decided_by_label": _l("Decided by"), "refers_to": _l("Refers to"),
    "filename": _l("File name"), "size_bytes": _l("Size (bytes)"), "reason": _l("Reason"),
    "comment": _l("Comment"), "row": _l("Recorded row"),
}


@dataclass(frozen=True)
class Change:
    """One field of an entry: its name, and its value before and after, as text."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    """An entry as the auditor reads it: words instead of codes, the object's name."""

    entry: AuditEntry
    action: str
    object_type: str
    object_name: str | None
    changes: list[Change]


def _model_named(name: str):
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.class_
    return None


def object_names(entries) -> dict[tuple[str, str], str]:
    """Name each entry's object (title, name, diary number or e-mail), a query per type."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_id and entry.object_id.isdigit():
            wanted.setdefault(entry.object_type, set()).add(int(entry.object_id))
    names = {}
    for type_name, ids in wanted.items():
        model = _model_named(type_name)
        attribute = next((a for a in NAME_ATTRIBUTES if model is not None and hasattr(model, a)),
                         None)
        if attribute is None or not hasattr(model, "id"):
            continue
        rows = db.session.execute(sa.select(model.id, getattr(model, attribute))
                                  .where(model.id.in_(ids)))
        for object_id, name in rows:
            if name:
                names[(type_name, str(object_id))] = str(name)
    return names


def _text(key: str, value) -> str:
    """Show one stored value as a person reads it."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int) and key.endswith("_sek"):
        return format_sek(value)
    if isinstance(value, list):
        return ", ".join(_text(key, item) for item in value) or "–"
    if isinstance(value, dict):
        return readable_json(value)
    return str(value)


def _flat(values, prefix: str = "") -> dict[str, Any]:
    if not isinstance(values, dict):
        return {} if values is None else {prefix or "value": values}
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value and not prefix:
            flat.update(_flat(value, name))
        else:
            flat[name] = value
    return flat


def _field_label(name: str) -> str:
    parts = name.split(".")
    words = [str(FIELD_LABELS.get(part, part.replace("_", " "))) for part in parts]
    return ": ".join(words)


def changes_of(entry: AuditEntry) -> list[Change]:
    """The entry's before and after side by side, one row per field."""
    before, after = _flat(json_safe(entry.before)), _flat(json_safe(entry.after))
    return [Change(_field_label(name), _text(name.rsplit(".", 1)[-1], before.get(name))
                   if name in before else "", _text(name.rsplit(".", 1)[-1], after.get(name))
                   if name in after else "")
            for name in sorted(set(before) | set(after))]


def audit_rows(entries) -> list[AuditRow]:
    """Put each entry in words for the page."""
    names = object_names(entries)
    return [AuditRow(entry, action_label(entry.action), object_type_label(entry.object_type),
                     names.get((entry.object_type, entry.object_id or "")), changes_of(entry))
            for entry in entries]


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking the chain, in words, for the page."""

    is_intact: bool
    message: str


def check_chain() -> ChainCheck:
    """Run `verify_chain` and say its result in the user's language."""
    report = verify_chain()
    if report.is_intact:
        return ChainCheck(True, _(
            "The chain is intact: %(entries)d entries and %(sealed)d decisions checked with the "
            "key.", entries=report.checked, sealed=report.sealed_checked))
    words = CHAIN_BREAKS.get(report.kind)
    detail = (str(words) % {"entry": report.broken_at_id, "row": report.broken_row}
              if words else report.reason)
    return ChainCheck(False, _("The chain is BROKEN. %(detail)s", detail=detail))


@bp.before_request
@login_required
def _require_auditor():
    require_audit_reader(current_user)


@bp.get("/")
def index():
    """List the audit log, newest first, filtered in the URL; `format=xlsx` exports every match.

    `verify=1` also checks the whole chain with the key and shows the result above the list.
    """
    filters = filters_from(request.args)
    query = audit_query(filters)
    if wants_xlsx():
        return query_xlsx_response(AUDIT_LOG_NAME, AUDIT_COLUMNS, query)
    number = page_number()
    paging = Paging(number, PAGE_SIZE, db.session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery())))
    entries = ([] if paging.beyond_the_end else
               db.session.scalars(query.limit(paging.size).offset(paging.offset)).all())
    actions, object_types = filter_choices()
    chain = check_chain() if request.args.get("verify") == "1" else None

    def page_url(number: int) -> str:
        return url_for("audit.index", page=number, **filters.as_args())

    return render_template(
        "core/audit_log.html", rows=audit_rows(entries), filters=filters, paging=paging,
        page_url=page_url,
        actions=[(a, action_label(a)) for a in actions],
        object_types=[(t, object_type_label(t)) for t in object_types],
        export_url=export_url(), chain=chain,
        verify_url=url_for("audit.index", verify="1", **filters.as_args()))
