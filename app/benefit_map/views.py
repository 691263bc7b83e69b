"""Benefit map pages: a project's (or application's) network, and the programme's network
with its late changes, the benefits and budget cuts they put at risk, and who pays."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import Organisation
from app.applications.models import Application
from app.budget_cuts import explanations as cut_explanations
from app.budget_cuts import rules as cut_rules
from app.core import clock
from app.core.entry import page_blueprint
from app.core.errors import DomainError
from app.core.unit_of_work import attempt, change_or_flash_refusal
from app.extensions import db
from app.programmes.models import Programme
from app.projects.models import Project
from reports.benefit_map_figure import network_figure

from . import permissions, queries, services

bp = page_blueprint("benefit_map", __name__)


@bp.context_processor
def _helpers():
    return {"kind_labels": services.KIND_LABELS, "state_labels": services.STATE_LABELS,
            "can_edit_network": permissions.can_edit_network}


def _on() -> tuple[date, str | None]:
    """The date asked for (?on=YYYY-MM-DD), else the business date; a bad date is named."""
    value = request.args.get("on", "").strip()
    if not value:
        return clock.today(), None
    try:
        return date.fromisoformat(value), None
    except ValueError:
        return clock.today(), _("%(value)s is not a date; write it as YYYY-MM-DD. Showing "
                                "today instead.", value=value)


def _words() -> dict:
    words = {kind.value: str(label) for kind, label in services.KIND_LABELS.items()}
    words.update(at_risk=_("At risk"), due=_("due"))
    return words


def _figure(benefit_map: queries.BenefitMap) -> dict:
    nodes = [{"id": n.id, "kind": n.kind.value, "label": n.label, "column": n.column,
              "at_risk": n.at_risk, "due_on": n.due_on.isoformat() if n.due_on else None,
              "state_label": str(services.STATE_LABELS[n.state]) if n.state else ""}
             for n in benefit_map.nodes]
    return network_figure(nodes, list(benefit_map.edges), _words())


def _organisations() -> dict[int, Organisation]:
    return {o.id: o for o in db.session.scalars(
        sa.select(Organisation).order_by(Organisation.name))}


def _render_network(application: Application, project: Project | None):
    on, date_error = _on()
    benefit_map = queries.application_map(application, on)
    calc = services.find_calculation(application)
    versions = [v for v in (calc.versions if calc else []) if v.is_frozen]
    version_id = request.args.get("version", type=int)
    version = next((v for v in versions if v.id == version_id), None)
    if version_id is not None and version is None:
        abort(404)
    shown = queries.application_map(application, on, version) if version else benefit_map
    editable = version is None and permissions.can_edit_network(current_user, application)
    links = []
    if editable:
        lines = {line.position: line for line in services.current_lines(application)}
        labels = shown.labels()
        for link in services.links_of(calc.id) if calc else []:
            source, target = services.link_ends(link, lines)
            links.append((link, labels.get(source, source), labels.get(target, target)))
    prerequisites = []
    if editable:
        prerequisites = list(db.session.scalars(
            sa.select(Project).where(Project.programme_id == application.programme_id,
                                     Project.application_id != application.id)
            .order_by(Project.title)))
    return render_template(
        "benefit_map/network.html", application=application, project=project, on=on,
        date_error=date_error, benefit_map=shown, figure=_figure(shown), versions=versions,
        version=version, editable=editable, links=links, organisations=_organisations(),
        prerequisites=prerequisites, period=services.period_of(application))


@bp.get("/projects/<int:project_id>/benefit-map")
def project_network(project_id: int):
    project = permissions.get_visible_project(current_user, project_id)
    return _render_network(db.session.get(Application, project.application_id), project)


@bp.get("/applications/<int:application_id>/benefit-map")
def application_network(application_id: int):
    application = permissions.get_visible_application(current_user, application_id)
    project = permissions.project_of(application)
    if project is not None:
        return redirect(url_for(".project_network", project_id=project.id, **request.args))
    return _render_network(application, None)


def _back(application: Application, anchor: str = ""):
    project = permissions.project_of(application)
    target = (url_for(".project_network", project_id=project.id) if project
              else url_for(".application_network", application_id=application.id))
    return redirect(target + (f"#{anchor}" if anchor else ""))


def _form() -> dict:
    return {key: value for key, value in request.form.items() if key != "csrf_token"}


@bp.post("/applications/<int:application_id>/benefit-map/nodes")
def add_node(application_id: int):
    application = permissions.get_visible_application(current_user, application_id)
    change_or_flash_refusal(lambda: services.add_node(application, _form(), current_user),
                            _("Added to the network."))
    return _back(application, "changes-heading")


@bp.post("/benefit-map/nodes/<int:node_id>")
def update_node(node_id: int):
    node = permissions.get_visible_node(current_user, node_id)
    application = services.application_of_node(node)
    change_or_flash_refusal(lambda: services.update_node(node, _form(), current_user),
                            _("Saved."))
    return _back(application, f"change-{node_id}")


@bp.post("/benefit-map/nodes/<int:node_id>/delete")
def delete_node(node_id: int):
    node = permissions.get_visible_node(current_user, node_id)
    application = services.application_of_node(node)
    change_or_flash_refusal(lambda: services.delete_node(node, current_user),
                            _("Removed from the network."))
    return _back(application, "changes-heading")


@bp.post("/applications/<int:application_id>/benefit-map/links")
def add_link(application_id: int):
    application = permissions.get_visible_application(current_user, application_id)
    change_or_flash_refusal(lambda: services.add_link(application, _form(), current_user),
                            _("Linked."))
    return _back(application, "links-heading")


@bp.post("/applications/<int:application_id>/benefit-map/links/<int:link_id>/delete")
def delete_link(application_id: int, link_id: int):
    application = permissions.get_visible_application(current_user, application_id)
    link = services.get_live_link(application, link_id)
    change_or_flash_refusal(lambda: services.delete_link(application, link, current_user),
                            _("The link was removed."))
    return _back(application, "links-heading")


@dataclass(frozen=True)
class CutAtRisk:
    """A budget cut (adopted, else proposed) that rests on a benefit whose changes are not done."""

    benefit_id: int
    organisation_id: int
    budget_year: int
    amount_sek: int


def _cuts_before_change(programme: Programme, on: date,
                        benefits: list[queries.MapNode]) -> dict[int, list[CutAtRisk]]:
    """The cuts of this and next budget year flagged "cut before the change happened"."""
    organisation_ids = {b.organisation_id for b in benefits if b.benefit_id}
    found: dict[int, list[CutAtRisk]] = {}
    if not organisation_ids:
        return found
    for year in (on.year, on.year + 1):
        with attempt(DomainError) as outcome:
            items = cut_explanations.explanations(programme, year, organisation_ids)
        if outcome.refused:
            continue
        for item in items:
            for flag in item.flags:
                if flag.code != cut_rules.Flag.CUT_BEFORE_CHANGE:
                    continue
                amount = sum(line.proposed_sek for line in item.lines
                             if line.benefit is not None and line.benefit.id == flag.benefit_id)
                found.setdefault(flag.benefit_id, []).append(
                    CutAtRisk(flag.benefit_id, item.organisation.id, year, amount))
    return found


@bp.get("/programmes/<int:programme_id>/benefit-map")
def programme_network(programme_id: int):
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        abort(404)
    on, date_error = _on()
    visible = None
    if not permissions.can_view_programme_network(current_user, programme.id):
        visible = list(db.session.scalars(permissions.visible_projects(
            current_user, sa.select(Project.id).where(Project.programme_id == programme.id))))
    benefit_map = queries.programme_map(programme, on, visible)
    late = []
    cuts = _cuts_before_change(programme, on, benefit_map.benefits_at_risk)
    for change in benefit_map.late_changes:
        benefits = [b for b in benefit_map.downstream_benefits(change.id) if b.at_risk]
        late.append({"change": change, "benefits": benefits,
                     "cuts": [cut for b in benefits for cut in cuts.get(b.benefit_id, [])]})
    return render_template(
        "benefit_map/programme.html", programme=programme, on=on, date_error=date_error,
        benefit_map=benefit_map, figure=_figure(benefit_map), late=late,
        risk=queries.risk_by_organisation(benefit_map),
        matrix=queries.payer_matrix(programme, on, visible), organisations=_organisations())
