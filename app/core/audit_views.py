"""The audit log for auditors: a filtered, paginated list of entries and its Excel export."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import Forbidden, InvalidInput
from app.core.export_columns import AUDIT_COLUMNS, AUDIT_LOG_NAME
from app.core.exports import export_url, query_xlsx_response, wants_xlsx
from app.core.models import AuditEntry
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


def _page_arg() -> int:
    value = request.args.get("page") or "1"
    if not value.isdigit() or int(value) < 1:
        raise InvalidInput(_("The page must be a whole number from 1."), field="page")
    return int(value)


@bp.before_request
@login_required
def _require_auditor():
    require_audit_reader(current_user)


@bp.get("/")
def index():
    """List the audit log, newest first, filtered in the URL; `format=xlsx` exports every match."""
    filters = filters_from(request.args)
    query = audit_query(filters)
    if wants_xlsx():
        return query_xlsx_response(AUDIT_LOG_NAME, AUDIT_COLUMNS, query)
    page = _page_arg()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    entries = (db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
               if page <= pages else [])
    actions, object_types = filter_choices()

    def page_url(number: int) -> str:
        return url_for("audit.index", page=number, **filters.as_args())

    return render_template(
        "core/audit_log.html", entries=entries, filters=filters, total=total, page=page,
        pages=pages, page_url=page_url, actions=actions, object_types=object_types,
        export_url=export_url())
