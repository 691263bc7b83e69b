"""API: the programme dashboard's charts as data tables, with the same filters as the page.

Each chart comes as its columns (header and kind: text, int, sek, percent, date) and rows;
money is whole kronor, shares are decimal strings ("0.3077"), dates ISO 8601.
"""

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.core.enums import ProjectState
from app.core.errors import Forbidden
from app.core.urls import ID_MAX
from app.dashboards import permissions, services

from . import api_blueprint, documented
from .asof import AsOfArgs
from .auth import api_user
from .schemas import IdRange, ProblemSchema

blp = api_blueprint("api_dashboards", "Dashboards: the figures behind every chart of the "
                                      "programme dashboard, as tables.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
KINDS = ["text", "int", "sek", "msek", "percent", "date", "datetime"]


class DashboardQuerySchema(AsOfArgs):
    programme_id = fields.Integer(validate=IdRange(min=1, max=ID_MAX), metadata={
        "description": "The programme; the one that started last when left out."})
    area = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "Only projects (and applications) of this area."})
    organisation_id = fields.Integer(validate=IdRange(min=1, max=ID_MAX), metadata={
        "description": "Only this organisation's ideas, applications, projects and cuts."})
    status = fields.String(validate=validate.OneOf([s.value for s in ProjectState]), metadata={
        "description": "Only active or only closed projects."})
    year = fields.Integer(validate=validate.Range(min=1900, max=2200), metadata={
        "description": "Figures as of the end of this year (today for the current year); "
                       "benefits and budget cuts of this year only."})


class ColumnSchema(Schema):
    header = fields.String()
    kind = fields.String(metadata={"enum": KINDS})


class ChartTableSchema(Schema):
    name = fields.String(metadata={"description": "The chart's name, as in the page's "
                                                  "download URL /dashboards/programme/chart/"
                                                  "<name>.xlsx."})
    title = fields.String()
    columns = fields.List(fields.Nested(ColumnSchema))
    # Raw: the rows are JSON-ready as built (Chart.json_rows); a national heatmap has 36 000
    # cells, and checking each again through nested List fields cost a tenth of the request.
    rows = fields.Raw(metadata={
        "type": "array", "items": {"type": "array", "items": {}},
        "description": "One list per row, values in column order: sek and int columns whole "
                       "numbers, percent columns decimal strings, dates ISO, missing null."})


class DashboardProgrammeSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ProgrammeDashboardSchema(Schema):
    programme = fields.Nested(DashboardProgrammeSchema)
    as_of = fields.Date(metadata={"description": "The day the figures stand at."})
    charts = fields.List(fields.Nested(ChartTableSchema))


def _table(view: services.ChartView) -> dict:
    return {"name": view.name, "title": view.title,
            "columns": [{"header": c.header, "kind": c.kind} for c in view.chart.columns],
            "rows": view.chart.json_rows()}


@blp.get("/dashboards/programme")
@documented(blp)
@blp.arguments(DashboardQuerySchema, location="query")
@blp.response(200, ProgrammeDashboardSchema)
@blp.alt_response(403, description="Not one of the programme's roles", **PROBLEM)
@blp.alt_response(404, description="No such programme", **PROBLEM)
def programme_dashboard(query: dict):
    """Every chart of the programme dashboard as a data table, filtered as the page is."""
    if not permissions.can_view_programme_dashboard(api_user()):
        raise Forbidden(_("The programme dashboard is for the programme's roles."))
    filters = services.Filters(
        programme_id=query.get("programme_id"), area_id=query.get("area"),
        organisation_id=query.get("organisation_id"),
        state=ProjectState(query["status"]) if query.get("status") else None,
        year=query.get("year"), on=query.get("on"))
    programme = services.programme_for(filters)
    if not permissions.can_view_programme_dashboard(api_user(), programme.id):
        raise Forbidden(_("The programme dashboard is for the programme's roles."))
    dashboard = services.programme_dashboard(programme, filters)
    return {"programme": {"id": programme.id, "name": programme.name},
            "as_of": dashboard.as_of,
            "charts": [_table(view) for view in dashboard.charts.values()]}
