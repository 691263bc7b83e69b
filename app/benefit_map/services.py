"""Edit a benefits dependency network: enablers, changes and links; keep it with each version.

The live network (`version_id` None) belongs to the application's benefit calculation and is
edited with the application and, once funded, during the project. Whenever a calculation
version is frozen (as submitted, baseline, re-estimate) the live network is copied into it,
so a frozen version keeps the network as it was, changes' states included.
Benefits are the calculation's benefit lines, referred to by position (the register's lines
once there is a baseline); goals are the programme's.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Organisation
from app.applications.models import Application
from app.benefits.models import BenefitCalculation, BenefitLine, CalculationVersion
from app.core import audit, clock
from app.core.enums import CalculationVersionKind, ChangeState, NodeKind
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.core.inputs import parse_date
from app.extensions import db
from app.programmes.models import Goal
from app.projects.models import Project

from . import rules
from .models import NetworkLink, NetworkNode
from .permissions import can_edit_network, project_of

NODE_KINDS = (NodeKind.ENABLER, NodeKind.ENABLING_CHANGE, NodeKind.BUSINESS_CHANGE)
MAX_LABEL = 300
MAX_TEXT = 5000
KIND_LABELS = {
    NodeKind.ENABLER: _l("Enabler"),
    NodeKind.ENABLING_CHANGE: _l("Enabling change"),
    NodeKind.BUSINESS_CHANGE: _l("Business change"),
    NodeKind.BENEFIT: _l("Benefit"),
    NodeKind.GOAL: _l("Goal"),
}
STATE_LABELS = {
    ChangeState.PLANNED: _l("Planned"),
    ChangeState.UNDER_WAY: _l("Under way"),
    ChangeState.DONE: _l("Done"),
}


def _problem_text(problem: rules.Problem, period: tuple[date, date] | None) -> str:
    if problem == rules.Problem.NO_DUE_DATE:
        return _("Give the date the change is due.")
    if problem == rules.Problem.DUE_OUTSIDE_PERIOD:
        return _("The due date must be within the project's period, %(start)s to %(end)s.",
                 start=period[0].isoformat(), end=period[1].isoformat())
    if problem == rules.Problem.DONE_WITHOUT_EVIDENCE:
        return _("A change marked done needs its evidence: what shows it happened (a decision, "
                 "a routine, a training list).")
    if problem == rules.Problem.DONE_WITHOUT_DATE:
        return _("Give the date the change was done.")
    if problem == rules.Problem.DONE_IN_FUTURE:
        return _("The done date cannot be in the future.")
    return _("Only a change marked done has a done date.")


# ---- where a network lives ----------------------------------------------------------------

def find_calculation(application: Application) -> BenefitCalculation | None:
    """Return the application's benefit calculation, if it has one (reading creates nothing)."""
    return db.session.scalar(sa.select(BenefitCalculation)
                             .where(BenefitCalculation.application_id == application.id))


def calculation_for(application: Application) -> BenefitCalculation:
    """Return the application's benefit calculation, creating it so a network can start."""
    calc = find_calculation(application)
    if calc is None:
        calc = BenefitCalculation(application_id=application.id)
        db.session.add(calc)
        db.session.flush()
    return calc


def lines_version(application: Application) -> CalculationVersion | None:
    """The version whose benefit lines the live network links: the baseline, else the latest."""
    calc = find_calculation(application)
    if calc is None or not calc.versions:
        return None
    baselines = [v for v in calc.versions if v.kind == CalculationVersionKind.BASELINE]
    return baselines[-1] if baselines else calc.versions[-1]


def current_lines(application: Application) -> list[BenefitLine]:
    version = lines_version(application)
    return list(version.benefit_lines) if version else []


def nodes_of(calculation_id: int, version_id: int | None = None) -> list[NetworkNode]:
    return list(db.session.scalars(
        sa.select(NetworkNode).where(NetworkNode.calculation_id == calculation_id,
                                     NetworkNode.version_id.is_(None) if version_id is None
                                     else NetworkNode.version_id == version_id)
        .order_by(NetworkNode.kind, NetworkNode.due_on, NetworkNode.id)))


def links_of(calculation_id: int, version_id: int | None = None) -> list[NetworkLink]:
    return list(db.session.scalars(
        sa.select(NetworkLink).where(NetworkLink.calculation_id == calculation_id,
                                     NetworkLink.version_id.is_(None) if version_id is None
                                     else NetworkLink.version_id == version_id)
        .order_by(NetworkLink.id)))


def period_of(application: Application) -> tuple[date, date] | None:
    """The project's period (its baseline), else the period the application asks for."""
    project = project_of(application)
    if project is not None:
        return project.baseline_start_on, project.baseline_end_on
    if application.starts_on and application.ends_on:
        return application.starts_on, application.ends_on
    return None


# ---- keys: how a link's ends are named (the same ids as the benefit map) ----------------------

def node_key(node: NetworkNode) -> str:
    return f"node-{node.id}"


def benefit_key(line: BenefitLine) -> str:
    return f"benefit-{line.id}"


def goal_key(goal: Goal) -> str:
    return f"goal-{goal.id}"


def link_ends(link: NetworkLink, lines_by_position: dict[int, BenefitLine]) -> tuple[str, str]:
    """Return a link's (from, to) keys; a benefit line that is gone gives a key of its position."""
    def benefit(position: int) -> str:
        line = lines_by_position.get(position)
        return benefit_key(line) if line is not None else f"position-{position}"

    source = (f"node-{link.from_node_id}" if link.from_node_id is not None
              else benefit(link.from_benefit_position))
    if link.to_node_id is not None:
        target = f"node-{link.to_node_id}"
    elif link.to_goal_id is not None:
        target = f"goal-{link.to_goal_id}"
    else:
        target = benefit(link.to_benefit_position)
    return source, target


@dataclass(frozen=True)
class End:
    """One end of a link, resolved inside the network: what it is and how to store it."""

    key: str
    kind: NodeKind
    label: str
    node: NetworkNode | None = None
    position: int | None = None
    goal: Goal | None = None


def _resolve(application: Application, calc: BenefitCalculation, key: str, field: str) -> End:
    """Find a link end by its key, refusing one of another project or programme by name."""
    prefix, _sep, number = (key or "").partition("-")
    if not number.isdigit():
        raise InvalidInput(_("Choose what the link goes from and to (%(key)s is not a node of "
                             "the network).", key=key or "–"), field=field)
    ident = int(number)
    if prefix == "node":
        node = db.session.get(NetworkNode, ident)
        if node is None or node.version_id is not None:
            raise InvalidInput(_("There is no node %(key)s.", key=key), field=field)
        if node.calculation_id != calc.id:
            other = db.session.get(BenefitCalculation, node.calculation_id)
            other_app = db.session.get(Application, other.application_id)
            if other_app.programme_id != application.programme_id:
                raise InvalidInput(_("%(label)s belongs to another programme's network; a link "
                                     "must stay within the programme.", label=node.label),
                                   field=field)
            raise InvalidInput(_("%(label)s belongs to another project's network; add that "
                                 "project as a prerequisite enabler instead.", label=node.label),
                               field=field)
        return End(key, node.kind, node.label, node=node)
    if prefix == "benefit":
        line = db.session.get(BenefitLine, ident)
        mine = {item.id: item for item in current_lines(application)}
        if line is None:
            raise InvalidInput(_("There is no benefit %(key)s.", key=key), field=field)
        if line.id not in mine:
            raise InvalidInput(_("The benefit %(name)s is not one of this network's benefits "
                                 "(another project's or another version's).", name=line.name),
                               field=field)
        return End(key, NodeKind.BENEFIT, line.name, position=line.position)
    if prefix == "goal":
        goal = db.session.get(Goal, ident)
        if goal is None:
            raise InvalidInput(_("There is no goal %(key)s.", key=key), field=field)
        if goal.programme_id != application.programme_id:
            raise InvalidInput(_("Goal %(number)s belongs to another programme; link to this "
                                 "programme's goals.", number=goal.number), field=field)
        return End(key, NodeKind.GOAL, goal.title, goal=goal)
    raise InvalidInput(_("Choose what the link goes from and to (%(key)s is not a node of the "
                         "network).", key=key), field=field)


# ---- the graph as the rules see it ---------------------------------------------------------

def rule_graph(application: Application, calc: BenefitCalculation, version_id: int | None = None,
               lines: list[BenefitLine] | None = None) -> tuple[list[rules.Node], list[rules.Edge],
                                                                dict[str, str]]:
    """Return (nodes, edges, labels by key) of a network, goals and benefit lines included."""
    lines = current_lines(application) if lines is None else lines
    by_position = {line.position: line for line in lines}
    nodes = [rules.Node(node_key(n), n.kind, n.label, n.organisation_id, n.state, n.due_on,
                        n.done_on) for n in nodes_of(calc.id, version_id)]
    nodes += [rules.Node(benefit_key(line), NodeKind.BENEFIT, line.name,
                         line.owner_organisation_id or application.organisation_id)
              for line in lines]
    nodes += [rules.Node(goal_key(goal), NodeKind.GOAL, goal.title)
              for goal in application.programme.goals]
    edges = [rules.Edge(*link_ends(link, by_position)) for link in links_of(calc.id, version_id)]
    return nodes, edges, {node.key: node.label for node in nodes}


def _refuse_cycle(cycle: tuple[str, ...], labels: dict[str, str]) -> None:
    raise InvalidInput(
        _("The link would make a cycle: %(cycle)s. A network runs one way, from enablers to "
          "goals.", cycle=" → ".join(labels.get(key, key) for key in cycle)),
        field="to", cycle=list(cycle))


# ---- editing -------------------------------------------------------------------------------

def _require_editor(actor, application: Application) -> None:
    if not can_edit_network(actor, application):
        raise Forbidden(_("Only the applying organisation (while it may edit) and the programme "
                          "office can change this network."))


def _text(data: dict, field: str, limit: int = MAX_TEXT) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if len(value) > limit:
        raise InvalidInput(_("%(field)s is too long (at most %(limit)s characters).",
                             field=field, limit=limit), field=field)
    return value


def _node_values(application: Application, data: dict, node: NetworkNode | None) -> dict:
    """Validate a node's values (merged over the node's own), listing every problem at once."""
    def current(field, default=None):
        return data[field] if field in data else (getattr(node, field) if node else default)

    kind_value = current("kind")
    try:
        kind = NodeKind(kind_value)
    except ValueError:
        kind = None
    if kind not in NODE_KINDS:
        raise InvalidInput(_("Choose the kind: an enabler, an enabling change or a business "
                             "change."), field="kind")
    problems: list[tuple[str, str]] = []
    label = _text({"label": current("label", "")}, "label", MAX_LABEL)
    if not label:
        problems.append(("label", _("Name the enabler or change.")))
    organisation_id = current("organisation_id")
    if organisation_id in ("", None):
        organisation_id = None
    else:
        try:
            organisation_id = int(organisation_id)
        except (TypeError, ValueError):
            organisation_id = -1
        if db.session.get(Organisation, organisation_id) is None:
            problems.append(("organisation_id", _("Choose an existing organisation.")))
    values = {"kind": kind, "label": label, "organisation_id": organisation_id,
              "description": _text({"description": current("description", "")}, "description"),
              "responsible_name": _text({"responsible_name": current("responsible_name", "")},
                                        "responsible_name", 200)}
    prerequisite = current("prerequisite_project_id")
    values["prerequisite_project_id"] = None
    if kind == NodeKind.ENABLER:
        values.update(due_on=None, state=None, evidence="", done_on=None)
        if prerequisite not in (None, ""):
            project = db.session.get(Project, int(prerequisite)) if str(prerequisite).isdigit() \
                else None
            own = project_of(application)
            if project is None:
                problems.append(("prerequisite_project_id", _("Choose an existing project.")))
            elif project.programme_id != application.programme_id:
                problems.append(("prerequisite_project_id",
                                 _("The prerequisite project belongs to another programme.")))
            elif own is not None and project.id == own.id:
                problems.append(("prerequisite_project_id",
                                 _("A project cannot be its own prerequisite.")))
            else:
                values["prerequisite_project_id"] = project.id
                values["label"] = values["label"] or project.title
                values["organisation_id"] = values["organisation_id"] or project.organisation_id
                problems = [p for p in problems if p[0] != "label"]
    else:
        state_value = current("state", ChangeState.PLANNED) or ChangeState.PLANNED
        try:
            state = ChangeState(state_value)
        except ValueError:
            raise InvalidInput(_("Choose the state: planned, under way or done."),
                               field="state") from None
        if organisation_id is None and "organisation_id" not in dict(problems):
            problems.append(("organisation_id", _("Name the organisation that owns the change.")))
        if not values["responsible_name"]:
            problems.append(("responsible_name", _("Name the person responsible for the change.")))
        evidence = _text({"evidence": current("evidence", "")}, "evidence")
        due_on = parse_date(current("due_on"), "due_on")
        done_on = parse_date(current("done_on"), "done_on")
        period = period_of(application)
        problems += [(field, _problem_text(code, period)) for field, code in rules.change_problems(
            state, evidence, done_on, due_on, period, clock.today())]
        values.update(state=state, evidence=evidence, due_on=due_on, done_on=done_on)
    if problems:
        field, message = problems[0]
        raise InvalidInput(" ".join(m for _f, m in problems), field=field,
                           errors=[{"field": f, "message": m} for f, m in problems])
    return values


def _audit_values(node: NetworkNode) -> dict:
    return {"kind": node.kind, "label": node.label, "organisation_id": node.organisation_id,
            "responsible_name": node.responsible_name, "due_on": node.due_on,
            "state": node.state, "evidence": node.evidence, "done_on": node.done_on,
            "prerequisite_project_id": node.prerequisite_project_id}


def add_node(application: Application, data: dict, actor) -> NetworkNode:
    """Add an enabler or a change to the application's live network."""
    _require_editor(actor, application)
    values = _node_values(application, data, None)
    calc = calculation_for(application)
    node = NetworkNode(calculation_id=calc.id, created_on=clock.today(), **values)
    db.session.add(node)
    db.session.flush()
    audit.record("benefit_map.node_added", node, actor=actor, after=_audit_values(node))
    return node


def application_of_node(node: NetworkNode) -> Application:
    calc = db.session.get(BenefitCalculation, node.calculation_id)
    return db.session.get(Application, calc.application_id)


def update_node(node: NetworkNode, data: dict, actor) -> NetworkNode:
    """Change an enabler or change: its owner, due date, or its state with evidence."""
    application = application_of_node(node)
    _require_editor(actor, application)
    values = _node_values(application, data, node)
    before = _audit_values(node)
    for field, value in values.items():
        setattr(node, field, value)
    _check_links_still_fit(application, node)
    db.session.flush()
    audit.record("benefit_map.node_updated", node, actor=actor, before=before,
                 after=_audit_values(node))
    return node


def _check_links_still_fit(application: Application, node: NetworkNode) -> None:
    """Refuse a change of kind that would turn one of the node's links backwards."""
    calc = db.session.get(BenefitCalculation, node.calculation_id)
    nodes, edges, labels = rule_graph(application, calc)
    kinds = {n.key: n.kind for n in nodes}
    kinds[node_key(node)] = node.kind
    for edge in edges:
        if node_key(node) in (edge.source, edge.target) and not rules.may_link(
                kinds.get(edge.source), kinds.get(edge.target)):
            raise InvalidInput(_("As a %(kind)s, %(label)s would have a link pointing away from "
                                 "the goals; remove the link first.",
                                 kind=KIND_LABELS[node.kind], label=node.label), field="kind")


def delete_node(node: NetworkNode, actor) -> None:
    """Remove an enabler or change, and its links, from the live network."""
    application = application_of_node(node)
    _require_editor(actor, application)
    before = _audit_values(node)
    db.session.execute(sa.delete(NetworkLink).where(
        sa.or_(NetworkLink.from_node_id == node.id, NetworkLink.to_node_id == node.id)))
    audit.record("benefit_map.node_removed", node, actor=actor, before=before)
    db.session.delete(node)
    db.session.flush()


def add_link(application: Application, data: dict, actor) -> NetworkLink:
    """Link two parts of the network towards the goals; refuse a cycle, naming it."""
    _require_editor(actor, application)
    calc = calculation_for(application)
    source = _resolve(application, calc, str(data.get("from") or ""), "from")
    target = _resolve(application, calc, str(data.get("to") or ""), "to")
    if not rules.may_link(source.kind, target.kind):
        raise InvalidInput(_("A link runs from enablers through changes and benefits to goals: "
                             "%(source)s (%(source_kind)s) cannot lead to %(target)s "
                             "(%(target_kind)s).", source=source.label,
                             source_kind=KIND_LABELS[source.kind], target=target.label,
                             target_kind=KIND_LABELS[target.kind]), field="to")
    nodes, edges, labels = rule_graph(application, calc)
    if rules.Edge(source.key, target.key) in edges:
        raise InvalidInput(_("%(source)s already leads to %(target)s.", source=source.label,
                             target=target.label), field="to")
    cycle = rules.find_cycle([*edges, rules.Edge(source.key, target.key)])
    if cycle is not None:
        _refuse_cycle(cycle, labels)
    link = NetworkLink(
        calculation_id=calc.id,
        from_node_id=source.node.id if source.node else None,
        from_benefit_position=source.position if source.node is None else None,
        to_node_id=target.node.id if target.node else None,
        to_benefit_position=target.position if target.kind == NodeKind.BENEFIT else None,
        to_goal_id=target.goal.id if target.goal else None)
    db.session.add(link)
    db.session.flush()
    audit.record("benefit_map.link_added", link, actor=actor,
                 after={"from": source.key, "to": target.key, "application_id": application.id})
    return link


def get_live_link(application: Application, link_id: int) -> NetworkLink:
    calc = find_calculation(application)
    link = db.session.get(NetworkLink, link_id)
    if link is None or calc is None or link.calculation_id != calc.id \
            or link.version_id is not None:
        raise NotFound(_("There is no such link in this network."))
    return link


def delete_link(application: Application, link: NetworkLink, actor) -> None:
    """Remove a link from the live network."""
    _require_editor(actor, application)
    lines = {line.position: line for line in current_lines(application)}
    source, target = link_ends(link, lines)
    audit.record("benefit_map.link_removed", link, actor=actor,
                 before={"from": source, "to": target, "application_id": application.id})
    db.session.delete(link)
    db.session.flush()


# ---- versions and submission ----------------------------------------------------------------

def snapshot_network(version: CalculationVersion) -> None:
    """Copy the live network into a frozen version, so the version keeps it as it was."""
    calc_id = version.calculation_id
    if db.session.scalar(sa.select(sa.func.count()).select_from(NetworkNode)
                         .where(NetworkNode.version_id == version.id)):
        return
    copies: dict[int, NetworkNode] = {}
    for node in nodes_of(calc_id):
        copy = NetworkNode(
            calculation_id=calc_id, version_id=version.id, live_node_id=node.id, kind=node.kind,
            label=node.label, description=node.description,
            organisation_id=node.organisation_id, responsible_name=node.responsible_name,
            prerequisite_project_id=node.prerequisite_project_id, due_on=node.due_on,
            state=node.state, evidence=node.evidence, done_on=node.done_on,
            created_on=node.created_on)
        db.session.add(copy)
        copies[node.id] = copy
    db.session.flush()
    for link in links_of(calc_id):
        db.session.add(NetworkLink(
            calculation_id=calc_id, version_id=version.id,
            from_node_id=copies[link.from_node_id].id if link.from_node_id else None,
            from_benefit_position=link.from_benefit_position,
            to_node_id=copies[link.to_node_id].id if link.to_node_id else None,
            to_benefit_position=link.to_benefit_position, to_goal_id=link.to_goal_id))
    db.session.flush()


def has_network(application: Application) -> bool:
    calc = find_calculation(application)
    if calc is None:
        return False
    return bool(nodes_of(calc.id) or links_of(calc.id))


def submission_problems(application: Application) -> list[tuple[str, str]]:
    """Each benefit without a path to a goal, once the application has started its network.

    An application with no network at all (as before issue 16) is not held up by it.
    """
    if not has_network(application):
        return []
    calc = find_calculation(application)
    nodes, edges, labels = rule_graph(application, calc)
    return [("benefit_map", _("The benefit %(name)s has no path to any of the programme's goals; "
                              "link it to the goal it serves.", name=labels[key]))
            for key in rules.benefits_without_goal(nodes, edges)]
