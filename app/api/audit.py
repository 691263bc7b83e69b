"""API: the audit log for auditors, filtered and paginated, or exported with format=xlsx."""

from marshmallow import Schema, fields, validate

from app.core.audit_views import (
    MAX_FILTER_LENGTH,
    audit_query,
    filters_from,
    require_audit_reader,
)
from app.core.export_columns import AUDIT_COLUMNS, AUDIT_LOG_NAME

from . import api_blueprint, documented
from .auth import api_user
from .exports import FormatArgs, exportable, page_or_export
from .schemas import ID_RANGE, ProblemSchema

blp = api_blueprint("api_audit", "The append-only audit log, for auditors.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
FILTER = validate.Length(max=MAX_FILTER_LENGTH)


class AuditQuerySchema(FormatArgs):
    action = fields.String(validate=FILTER, metadata={"description": "Exact action name."})
    object_type = fields.String(validate=FILTER, metadata={"example": "Application"})
    object_id = fields.String(validate=FILTER)
    actor = fields.String(validate=FILTER, metadata={
        "description": "Part of the actor's e-mail (case-insensitive)."})
    from_on = fields.Date(data_key="from", metadata={
        "description": "Entries on or after this day (UTC)."})
    to_on = fields.Date(data_key="to", metadata={
        "description": "Entries on or before this day (UTC)."})


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    actor_label = fields.String()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    prev_hash = fields.String()
    entry_hash = fields.String()


@blp.get("/audit-log")
@documented(blp)
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEntrySchema(many=True))
@exportable(blp)
@blp.alt_response(403, **PROBLEM)
@blp.paginate()
def audit_log(args, pagination_parameters):
    """The audit log, newest first (auditors and administrators only)."""
    require_audit_reader(api_user())
    text = {name: args.get(name) for name in ("action", "object_type", "object_id", "actor")}
    dates = {"from": args.get("from_on"), "to": args.get("to_on")}
    filters = filters_from({**text, **{key: value.isoformat() for key, value in dates.items()
                                       if value}})
    return page_or_export(audit_query(filters), pagination_parameters, args, AUDIT_LOG_NAME,
                          AUDIT_COLUMNS)
