"""Dashboard pages and their chart downloads: load, check who may see it, render."""

from dataclasses import replace

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.benefit_map import queries as network_queries
from app.core import labels
from app.core.asof import page_status, parse_on
from app.core.entry import page_blueprint
from app.core.enums import ProjectState
from app.core.errors import Forbidden, InvalidInput
from app.core.exports import workbook_response
from app.core.permissions import accessible_programme_ids
from app.core.unit_of_work import attempt
from app.extensions import db
from app.programmes.choice import chosen_programme_id
from app.programmes.models import Programme
from app.projects import permissions as project_permissions

from . import permissions, services

bp = page_blueprint("dashboards", __name__, url_prefix="/dashboards")


@bp.context_processor
def _dashboard_helpers():
    return {"project_state_labels": labels.PROJECT_STATE, "rag_labels": labels.RAG,
            "status_options": [(state.value, labels.PROJECT_STATE[state])
                               for state in ProjectState]}


def _xlsx(dashboard: services.Dashboard, name: str, owner: str) -> Response:
    """Send one chart's table as a workbook named after its owner and the chart."""
    view = dashboard.chart(name)
    return workbook_response(services.chart_workbook(view), f"{owner} {view.title}.xlsx")


@bp.get("/")
def index():
    """Send programme roles to the programme dashboard and others to their organisation's."""
    if permissions.can_view_programme_dashboard(current_user):
        return redirect(url_for(".programme"))
    if current_user.organisation_id is None:
        raise Forbidden(_("Dashboards are for the programme's roles and the organisations."))
    return redirect(url_for(".organisation", organisation_id=current_user.organisation_id))


def _with_chosen_programme(filters: services.Filters) -> services.Filters:
    """Without `programme_id` in the URL, the programme chosen in the navigation."""
    if filters.programme_id is not None:
        return filters
    return replace(filters, programme_id=chosen_programme_id())


def _programme_view() -> tuple[services.Filters, object, services.Dashboard]:
    if not permissions.can_view_programme_dashboard(current_user):
        raise Forbidden(_("The programme dashboard is for the programme's roles."))
    filters = _with_chosen_programme(services.parse_filters(request.args))
    programme = services.programme_for(filters)
    if not permissions.can_view_programme_dashboard(current_user, programme.id):
        raise Forbidden(_("The programme dashboard is for the programme's roles."))
    filters, on_error = _checked_on(filters, programme)
    return filters, programme, services.programme_dashboard(programme, filters), on_error


def _checked_on(filters: services.Filters, programme) -> tuple[services.Filters, str | None]:
    """Keep a valid `on`; a refused one is dropped (the page says why beside the field)."""
    with attempt(InvalidInput) as outcome:
        services.dashboard_on(programme, filters)
    if outcome.refused:
        if request.path.endswith(".xlsx"):
            raise outcome.refused
        return replace(filters, on=None), outcome.refused.detail
    return filters, None


@bp.get("/programme")
def programme():
    """The programme at a glance, filtered by the URL's programme, area, organisation, status and
    year."""
    filters, programme, dashboard, on_error = _programme_view()
    benefit_map = network_queries.programme_map(programme, dashboard.as_of)
    return render_template("dashboards/programme.html", programme=programme, filters=filters,
                           dashboard=dashboard, choices=services.filter_choices(
                               programme, accessible_programme_ids(current_user)),
                           on_error=on_error,
                           download_args={**filters.as_args(), "on": dashboard.as_of.isoformat()},
                           risk=network_queries.risk_by_organisation(benefit_map)
                           ), page_status(on_error)


@bp.get("/programme/chart/<name>.xlsx")
def programme_chart(name: str):
    """Download one chart's figures of the programme dashboard, with the same filters."""
    _filters, programme, dashboard, _on_error = _programme_view()
    return _xlsx(dashboard, name, programme.name)


def _organisation_view(organisation_id: int):
    organisation = services.get_organisation(organisation_id)
    if not permissions.can_view_organisation_dashboard(current_user, organisation.id):
        raise Forbidden(_("You can see your own organisation's dashboard only."))
    filters = _with_chosen_programme(services.parse_filters(request.args))
    programme = services.get_programme(filters.programme_id)
    if not permissions.can_view_organisation_dashboard(current_user, organisation.id, programme.id):
        raise Forbidden(_("You can see your own organisation's dashboard only."))
    filters, on_error = _checked_on(filters, programme)
    dashboard = services.organisation_dashboard(organisation, programme, filters)
    return organisation, filters, programme, dashboard, on_error


@bp.get("/organisation/<int:organisation_id>")
def organisation(organisation_id: int):
    """An organisation's projects, reports due, benefits and budget cuts."""
    organisation, filters, programme, dashboard, on_error = _organisation_view(organisation_id)
    return render_template("dashboards/organisation.html", organisation=organisation,
                           programme=programme, filters=filters, dashboard=dashboard,
                           on_error=on_error,
                           download_args={**filters.as_args(), "on": dashboard.as_of.isoformat()},
                           today=dashboard.as_of), page_status(on_error)


@bp.get("/organisation/<int:organisation_id>/chart/<name>.xlsx")
def organisation_chart(organisation_id: int, name: str):
    """Download one chart's figures of an organisation's dashboard, with the same filters."""
    organisation, _filters, _programme, dashboard, _error = _organisation_view(organisation_id)
    return _xlsx(dashboard, name, organisation.name)


def _project_view(project_id: int):
    project = project_permissions.get_visible_project(current_user, project_id)
    on = parse_on(request.args.get("on"), project_programme(project))
    return project, services.project_dashboard(project, on)


def project_programme(project) -> Programme:
    return db.session.get(Programme, project.programme_id)


@bp.get("/project/<int:project_id>")
def project(project_id: int):
    """A project's cost burn-up, status timeline and benefit realisation."""
    project, dashboard = _project_view(project_id)
    return render_template("dashboards/project.html", project=project, dashboard=dashboard,
                           download_args={"on": dashboard.as_of.isoformat()})


@bp.get("/project/<int:project_id>/chart/<name>.xlsx")
def project_chart(project_id: int, name: str):
    """Download one chart's figures of a project's dashboard."""
    project, dashboard = _project_view(project_id)
    return _xlsx(dashboard, name, project.title)


@bp.app_context_processor
def _tertial_charts():
    """Let the tertial report page draw its snapshot's charts (dashboards/_tertial_charts.html)."""
    return {"tertial_dashboard": services.tertial_dashboard}
