"""`format=xlsx` on API list endpoints: the same filters and order as the JSON list, as Excel."""

import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.core.exports import XLSX_MIMETYPE, query_xlsx_response
from app.extensions import db

from .pagination import page_of

XLSX_FORMAT = "xlsx"
FORMAT_HELP = ("json (default) or xlsx: the whole filtered list as an Excel workbook in the same "
               "order, typed cells; page and page_size are ignored for xlsx.")
XLSX_SCHEMA = {"type": "string", "format": "binary"}


class FormatArgs(Schema):
    """The `format` query parameter every exportable list accepts."""

    format = fields.String(load_default="json", validate=validate.OneOf(["json", XLSX_FORMAT]),
                           metadata={"description": FORMAT_HELP})


def wants_xlsx(args) -> bool:
    """Tell whether the validated query arguments ask for Excel."""
    return args.get("format") == XLSX_FORMAT


def exportable(blueprint: Blueprint):
    """Document the list's Excel response (`format=xlsx`) beside its JSON one in OpenAPI."""
    return blueprint.alt_response(
        200, schema=XLSX_SCHEMA, content_type=XLSX_MIMETYPE, success=True,
        description="The list as an Excel workbook when format=xlsx (Content-Disposition: "
                    "attachment).")


def page_or_export(query: sa.Select, pagination_parameters, args, name, columns,
                   export_query: sa.Select | None = None):
    """Return one page of `query` as JSON items, or all of it as a workbook for format=xlsx
    (read from `export_query` when the list gives one: the same rows as plain columns)."""
    if not wants_xlsx(args):
        return page_of(query, pagination_parameters)
    counted = query.order_by(None).subquery()
    pagination_parameters.item_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(counted))
    return query_xlsx_response(name, columns, query if export_query is None else export_query)
