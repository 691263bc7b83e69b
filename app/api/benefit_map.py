"""API: the benefits dependency network of a project and of the programme (issue 16)."""

from datetime import date

import sqlalchemy as sa
from flask import Response
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.applications.models import Application
from app.benefit_map import permissions, queries, services
from app.core import clock
from app.core.enums import ChangeState, NodeKind
from app.core.errors import Forbidden, NotFound
from app.extensions import db
from app.programmes.models import Programme
from app.projects.models import Project

from . import api_blueprint, documented
from .auth import api_user
from .schemas import ProblemSchema

blp = api_blueprint("api_benefit_map", "The benefits dependency network: enablers → changes → "
                                       "benefits → the programme's goals, with changes tracked "
                                       "to done.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
NODE_KINDS = [kind.value for kind in services.NODE_KINDS]
STATES = [state.value for state in ChangeState]


class OnArgs(Schema):
    on = fields.Date(metadata={"description": "YYYY-MM-DD; the business date when left out."})


class MapNodeSchema(Schema):
    id = fields.String(metadata={"description": "node-N (enabler or change), benefit-N (a "
                                                "benefit line), goal-N, project-N (a prerequisite "
                                                "project, in the programme's map)."})
    kind = fields.String(validate=validate.OneOf([k.value for k in NodeKind]))
    label = fields.String()
    organisation_id = fields.Integer(allow_none=True)
    state = fields.String(allow_none=True, validate=validate.OneOf(STATES))
    due_on = fields.String(allow_none=True, metadata={"format": "date"})
    at_risk = fields.Boolean()


class EdgeSchema(Schema):
    source = fields.String(data_key="from")
    target = fields.String(data_key="to")


class BenefitMapSchema(Schema):
    nodes = fields.List(fields.Nested(MapNodeSchema))
    edges = fields.List(fields.Dict())


class NodeInSchema(Schema):
    """An enabler or a change; changes need an owner, a responsible person and a due date."""

    kind = fields.String(required=True, validate=validate.OneOf(NODE_KINDS))
    label = fields.String(validate=validate.Length(max=services.MAX_LABEL))
    description = fields.String(validate=validate.Length(max=services.MAX_TEXT))
    organisation_id = fields.Integer(allow_none=True)
    responsible_name = fields.String(validate=validate.Length(max=200))
    due_on = fields.Date(allow_none=True)
    state = fields.String(allow_none=True, validate=validate.OneOf(STATES), metadata={
        "description": "planned, under_way or done; done needs evidence and done_on."})
    evidence = fields.String(validate=validate.Length(max=services.MAX_TEXT))
    done_on = fields.Date(allow_none=True)
    prerequisite_project_id = fields.Integer(allow_none=True, metadata={
        "description": "For an enabler: the prerequisite project it stands for."})


class NodeUpdateSchema(NodeInSchema):
    """Any subset of a node's values; the rest stay as they are."""

    kind = fields.String(validate=validate.OneOf(NODE_KINDS))


class NodeOutSchema(Schema):
    id = fields.Function(lambda node: services.node_key(node))
    node_id = fields.Integer(attribute="id")
    kind = fields.String()
    label = fields.String()
    description = fields.String()
    organisation_id = fields.Integer(allow_none=True)
    responsible_name = fields.String()
    prerequisite_project_id = fields.Integer(allow_none=True)
    due_on = fields.Date(allow_none=True)
    state = fields.String(allow_none=True)
    evidence = fields.String()
    done_on = fields.Date(allow_none=True)


class LinkInSchema(Schema):
    source = fields.String(required=True, data_key="from")
    target = fields.String(required=True, data_key="to")


class LinkOutSchema(Schema):
    id = fields.Integer()
    source = fields.String(data_key="from")
    target = fields.String(data_key="to")


class PayerRowSchema(Schema):
    project_id = fields.Integer()
    title = fields.String()
    payer_organisation_id = fields.Integer()
    granted_sek = fields.Integer()
    running_cost_sek = fields.Integer()
    benefits_by_organisation = fields.List(fields.Dict())


class PayerMatrixSchema(Schema):
    on = fields.Date()
    projects = fields.List(fields.Nested(PayerRowSchema))
    matrix = fields.List(fields.Dict(), metadata={
        "description": "One cell per paying and benefiting organisation: planned benefits "
                       "(SEK) up to the date's year."})


def _on(args) -> date:
    return args.get("on") or clock.today()


def _project(project_id: int) -> Project:
    return permissions.get_visible_project(api_user(), project_id)


def _application_of(project: Project) -> Application:
    return db.session.get(Application, project.application_id)


def _programme(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(_("There is no programme with that number."))
    return programme


def _visible_ids(programme: Programme) -> list[int] | None:
    """Every project for the programme's roles; an organisation's own projects otherwise."""
    user = api_user()
    if permissions.can_view_programme_network(user, programme.id):
        return None
    query = permissions.visible_projects(
        user, sa.select(Project.id).where(Project.programme_id == programme.id))
    return list(db.session.scalars(query))


@blp.get("/projects/<int:project_id>/benefit-map")
@documented(blp)
@blp.arguments(OnArgs, location="query")
@blp.response(200, BenefitMapSchema)
@blp.alt_response(404, **PROBLEM)
def project_map(args, project_id):
    """The project's network as of a date, each node marked at risk or not."""
    return queries.project_map(_project(project_id), _on(args)).as_dict()


@blp.get("/applications/<int:application_id>/benefit-map")
@documented(blp)
@blp.arguments(OnArgs, location="query")
@blp.response(200, BenefitMapSchema)
@blp.alt_response(404, **PROBLEM)
def application_map(args, application_id):
    """An application's network (before it becomes a project)."""
    application = permissions.get_visible_application(api_user(), application_id)
    return queries.application_map(application, _on(args)).as_dict()


@blp.get("/programmes/<int:programme_id>/benefit-map")
@documented(blp)
@blp.arguments(OnArgs, location="query")
@blp.response(200, BenefitMapSchema)
@blp.alt_response(404, **PROBLEM)
def programme_map(args, programme_id):
    """Every funded project's network as of a date; prerequisite projects are shared enablers."""
    programme = _programme(programme_id)
    return queries.programme_map(programme, _on(args), _visible_ids(programme)).as_dict()


@blp.get("/programmes/<int:programme_id>/who-pays")
@documented(blp)
@blp.arguments(OnArgs, location="query")
@blp.response(200, PayerMatrixSchema)
@blp.alt_response(404, **PROBLEM)
def who_pays(args, programme_id):
    """Who pays (grant, applicant's running costs) and where the benefits arise, as of a date."""
    programme = _programme(programme_id)
    matrix = queries.payer_matrix(programme, _on(args), _visible_ids(programme))
    return {
        "on": matrix.on,
        "projects": [{"project_id": row.project.id, "title": row.project.title,
                      "payer_organisation_id": row.payer.id, "granted_sek": row.granted_sek,
                      "running_cost_sek": row.running_cost_sek,
                      "benefits_by_organisation": [
                          {"organisation_id": org, "planned_sek": amount}
                          for org, amount in sorted(row.benefits_by_organisation.items())]}
                     for row in matrix.rows],
        "matrix": [{"payer_organisation_id": payer.id, "beneficiary_organisation_id": other.id,
                    "planned_sek": matrix.cell(payer.id, other.id)}
                   for payer in matrix.payers for other in matrix.beneficiaries
                   if matrix.cell(payer.id, other.id)],
    }


def _application_for_write(project_id: int | None, application_id: int | None) -> Application:
    if project_id is not None:
        return _application_of(_project(project_id))
    return permissions.get_visible_application(api_user(), application_id)


@blp.post("/projects/<int:project_id>/benefit-map/nodes")
@documented(blp)
@blp.arguments(NodeInSchema)
@blp.response(201, NodeOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def add_project_node(data, project_id):
    """Add an enabler or a change (owner, responsible person, due date, state) to the network."""
    return services.add_node(_application_for_write(project_id, None), data, api_user())


@blp.post("/applications/<int:application_id>/benefit-map/nodes")
@documented(blp)
@blp.arguments(NodeInSchema)
@blp.response(201, NodeOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def add_application_node(data, application_id):
    """Add an enabler or a change to an application's network while it is written."""
    return services.add_node(_application_for_write(None, application_id), data, api_user())


@blp.get("/benefit-map/nodes/<int:node_id>")
@documented(blp)
@blp.response(200, NodeOutSchema)
@blp.alt_response(404, **PROBLEM)
def get_node(node_id):
    """One enabler or change of a live network."""
    return permissions.get_visible_node(api_user(), node_id)


@blp.patch("/benefit-map/nodes/<int:node_id>")
@documented(blp)
@blp.arguments(NodeUpdateSchema)
@blp.response(200, NodeOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def update_node(data, node_id):
    """Update a change (e.g. mark it done with evidence and date) or an enabler."""
    return services.update_node(permissions.get_visible_node(api_user(), node_id), data,
                                api_user())


@blp.delete("/benefit-map/nodes/<int:node_id>")
@documented(blp)
@blp.response(204)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
def delete_node(node_id):
    """Remove an enabler or change and its links."""
    services.delete_node(permissions.get_visible_node(api_user(), node_id), api_user())
    return Response(status=204)


def _add_link(application: Application, data: dict):
    link = services.add_link(application, {"from": data["source"], "to": data["target"]},
                             api_user())
    lines = {line.position: line for line in services.current_lines(application)}
    source, target = services.link_ends(link, lines)
    return {"id": link.id, "source": source, "target": target}


@blp.post("/projects/<int:project_id>/benefit-map/links")
@documented(blp)
@blp.arguments(LinkInSchema)
@blp.response(201, LinkOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def add_project_link(data, project_id):
    """Link two nodes towards the goals; a cycle or another programme's node is refused (422)."""
    return _add_link(_application_for_write(project_id, None), data)


@blp.post("/applications/<int:application_id>/benefit-map/links")
@documented(blp)
@blp.arguments(LinkInSchema)
@blp.response(201, LinkOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def add_application_link(data, application_id):
    """Link two nodes of an application's network."""
    return _add_link(_application_for_write(None, application_id), data)


@blp.delete("/projects/<int:project_id>/benefit-map/links/<int:link_id>")
@documented(blp)
@blp.response(204)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
def delete_project_link(project_id, link_id):
    """Remove a link."""
    application = _application_for_write(project_id, None)
    if not permissions.can_edit_network(api_user(), application):
        raise Forbidden(_("Only the applying organisation (while it may edit) and the programme "
                          "office can change this network."))
    services.delete_link(application, services.get_live_link(application, link_id), api_user())
    return Response(status=204)
