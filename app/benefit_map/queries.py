"""The benefit map as of a date: a project's or the whole programme's network, read in bulk.

A node counts on date D when it was added on or before D (`created_on`), a project when its
first approving decision is on or before D. Whether a change is done or late on D is the
rules' business (`rules.is_done`, `rules.at_risk_since`).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.accounts.models import Organisation
from app.applications.models import Application
from app.benefits.models import (
    Benefit,
    BenefitCalculation,
    BenefitLine,
    BenefitPlanYear,
    CalculationVersion,
    CostLine,
)
from app.core.enums import (
    CalculationVersionKind,
    ChangeState,
    CostKind,
    LedgerEntryKind,
    NodeKind,
)
from app.core.sql import among
from app.extensions import db
from app.programmes.models import EnvelopeEntry, Goal, Programme
from app.projects.models import Project

from . import rules
from .models import NetworkLink, NetworkNode


@dataclass(frozen=True)
class MapNode:
    """A node of the map with what the picture, the table and the API show."""

    id: str
    kind: NodeKind
    label: str
    organisation_id: int | None = None
    state: ChangeState | None = None
    due_on: date | None = None
    at_risk: bool = False
    at_risk_since: date | None = None
    done_on: date | None = None
    evidence: str = ""
    responsible_name: str = ""
    project_id: int | None = None
    node_id: int | None = None
    benefit_id: int | None = None
    column: int = 0
    is_late: bool = False

    @property
    def is_change(self) -> bool:
        return self.kind in rules.CHANGE_KINDS

    def as_dict(self) -> dict:
        """The public JSON of a node (issue 16): these names are fixed."""
        return {"id": self.id, "kind": self.kind.value, "label": self.label,
                "organisation_id": self.organisation_id,
                "state": self.state.value if self.state else None,
                "due_on": self.due_on.isoformat() if self.due_on else None,
                "at_risk": self.at_risk}


@dataclass(frozen=True)
class BenefitMap:
    """Nodes and edges as of a date, with the at-risk marks already worked out; `projects`
    by id, each a project or a row with at least its id and title."""

    on: date
    nodes: tuple[MapNode, ...]
    edges: tuple[tuple[str, str], ...]
    projects: dict[int, Project | sa.Row] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"nodes": [node.as_dict() for node in self.nodes],
                "edges": [{"from": source, "to": target} for source, target in self.edges]}

    def node(self, key: str) -> MapNode | None:
        return next((n for n in self.nodes if n.id == key), None)

    @property
    def changes(self) -> list[MapNode]:
        return sorted((n for n in self.nodes if n.is_change),
                      key=lambda n: (n.due_on or date.max, n.label))

    @property
    def late_changes(self) -> list[MapNode]:
        return [n for n in self.changes if n.is_late]

    @property
    def benefits_at_risk(self) -> list[MapNode]:
        return [n for n in self.nodes if n.kind == NodeKind.BENEFIT and n.at_risk]

    def labels(self) -> dict[str, str]:
        return {n.id: n.label for n in self.nodes}

    def predecessors(self, key: str) -> list[str]:
        return [source for source, target in self.edges if target == key]

    def successors(self, key: str) -> list[str]:
        return [target for source, target in self.edges if source == key]

    def rule_graph(self) -> tuple[list[rules.Node], list[rules.Edge]]:
        """The map as the rules see it."""
        return ([rules.Node(n.id, n.kind, n.label, n.organisation_id, n.state, n.due_on,
                            n.done_on) for n in self.nodes],
                [rules.Edge(*edge) for edge in self.edges])

    def downstream_benefits(self, key: str) -> list[MapNode]:
        """The benefits a node leads to (directly or through others)."""
        reach = rules.reachable_from(key, [rules.Edge(*e) for e in self.edges])
        return [n for n in self.nodes if n.kind == NodeKind.BENEFIT and n.id in reach]

    def undone_changes_behind(self, key: str) -> list[MapNode]:
        """The changes a benefit rests on that are not done on the map's date."""
        nodes, edges = self.rule_graph()
        undone = {n.key for n in rules.undone_changes_behind(key, nodes, edges, self.on)}
        return [n for n in self.changes if n.id in undone]


def _approved(programme_id: int, on: date, project_ids: Iterable[int] | None = None,
              *, decided: bool = True) -> sa.Select:
    """The query for the programme's projects approved on or before `on` (or, with `decided`
    False, all), by title."""
    query = (sa.select(Project).where(Project.programme_id == programme_id,
                                      Project.application_id.is_not(None))
             .order_by(Project.title, Project.id))
    if decided:
        query = query.where(Project.decided_on <= on)
    if project_ids is not None:
        query = query.where(Project.id.in_(list(project_ids)))
    return query


def _approved_projects(programme_id: int, on: date, project_ids: Iterable[int] | None = None,
                       *, decided: bool = True) -> list[Project]:
    """The programme's projects approved on or before `on` (or, with `decided` False, all)."""
    return list(db.session.scalars(_approved(programme_id, on, project_ids, decided=decided)))


def _lines_versions(calc_ids: list[int]) -> dict[int, int]:
    """Each calculation's version whose lines the live network links (baseline, else latest)."""
    rows = db.session.execute(
        sa.select(CalculationVersion.calculation_id, CalculationVersion.id,
                  CalculationVersion.kind, CalculationVersion.number)
        .where(among(CalculationVersion.calculation_id, calc_ids))
        .order_by(CalculationVersion.number)).all()
    chosen: dict[int, tuple[bool, int]] = {}
    for row in rows:
        rank = (row.kind == CalculationVersionKind.BASELINE, row.number)
        if row.calculation_id not in chosen or rank >= chosen[row.calculation_id][0]:
            chosen[row.calculation_id] = (rank, row.id)
    return {calc_id: version_id for calc_id, (_rank, version_id) in chosen.items()}


class _Assembly:
    """Collect nodes and edges from several networks, then mark the risk once."""

    def __init__(self, on: date, goals: list[Goal]):
        self.on = on
        self.rule_nodes: dict[str, rules.Node] = {}
        self.extra: dict[str, dict] = {}
        self.edges: list[tuple[str, str]] = []
        for goal in goals:
            self.add(rules.Node(f"goal-{goal.id}", NodeKind.GOAL,
                                f"{goal.number}. {goal.title}"))

    def add(self, node: rules.Node, **extra) -> None:
        if node.key not in self.rule_nodes:
            self.rule_nodes[node.key] = node
            self.extra[node.key] = extra

    def link(self, source: str, target: str) -> None:
        if source in self.rule_nodes and target in self.rule_nodes \
                and (source, target) not in self.edges:
            self.edges.append((source, target))

    def result(self, projects: dict[int, Project]) -> BenefitMap:
        nodes = list(self.rule_nodes.values())
        edges = [rules.Edge(*e) for e in self.edges]
        since = rules.at_risk_since(nodes, edges, self.on)
        columns = rules.layers(nodes, edges)
        order = {kind: i for i, kind in enumerate(rules.LAYER)}
        built = [MapNode(
            id=n.key, kind=n.kind, label=n.label, organisation_id=n.organisation_id,
            state=n.state, due_on=n.due_on, at_risk=n.key in since,
            at_risk_since=since.get(n.key), done_on=n.done_on, column=columns[n.key],
            is_late=rules.is_late(n, self.on), **self.extra[n.key]) for n in nodes]
        built.sort(key=lambda m: (order[m.kind], m.column, m.due_on or date.max, m.label, m.id))
        return BenefitMap(self.on, tuple(built), tuple(self.edges), projects)


def _prerequisite_node(key: str, project: Project, on: date, extra_label: str = "") -> rules.Node:
    """A prerequisite project as an enabler: due at its planned end, done when it went live."""
    if project.go_live_on is not None and project.go_live_on <= on:
        state = ChangeState.DONE
    elif project.baseline_start_on <= on:
        state = ChangeState.UNDER_WAY
    else:
        state = ChangeState.PLANNED
    return rules.Node(key, NodeKind.ENABLER, extra_label or project.title, project.organisation_id,
                      state, project.baseline_end_on, project.go_live_on)


def _networks(applications: list, projects_by_app: dict[int, Project],
              goals: list[Goal], on: date, *, merge_prerequisites: bool,
              version: CalculationVersion | None = None) -> BenefitMap:
    """Assemble the networks of the applications (live, or one frozen version's) as of `on`.

    `applications` need only their id and organisation_id; calculations and lines are read as
    rows, since a programme's network at national scale is tens of thousands of them."""
    assembly = _Assembly(on, goals)
    calcs = {c.application_id: c for c in db.session.execute(
        sa.select(BenefitCalculation.id, BenefitCalculation.application_id).where(
            among(BenefitCalculation.application_id, [a.id for a in applications])))}
    calc_ids = [c.id for c in calcs.values()]
    if version is not None:
        line_versions = {version.calculation_id: version.id}
    else:
        line_versions = _lines_versions(calc_ids)
    lines = list(db.session.execute(
        sa.select(BenefitLine.id, BenefitLine.version_id, BenefitLine.position, BenefitLine.name,
                  BenefitLine.owner_organisation_id)
        .where(among(BenefitLine.version_id, line_versions.values()))
        .order_by(BenefitLine.version_id, BenefitLine.position)))
    registered = {row.baseline_line_id: row.id for row in db.session.execute(
        sa.select(Benefit.baseline_line_id, Benefit.id).where(
            among(Benefit.baseline_line_id, [line.id for line in lines])))}
    node_query = sa.select(NetworkNode).where(among(NetworkNode.calculation_id, calc_ids))
    link_query = sa.select(NetworkLink).where(among(NetworkLink.calculation_id, calc_ids))
    if version is None:
        node_query = node_query.where(NetworkNode.version_id.is_(None),
                                      NetworkNode.created_on <= on)
        link_query = link_query.where(NetworkLink.version_id.is_(None))
    else:
        node_query = node_query.where(NetworkNode.version_id == version.id)
        link_query = link_query.where(NetworkLink.version_id == version.id)
    nodes = list(db.session.scalars(node_query.order_by(NetworkNode.id)))
    links = list(db.session.scalars(link_query.order_by(NetworkLink.id)))
    prerequisite_ids = {n.prerequisite_project_id for n in nodes if n.prerequisite_project_id}
    prerequisites = {p.id: p for p in db.session.scalars(
        sa.select(Project).where(Project.id.in_(prerequisite_ids)))} if prerequisite_ids else {}

    app_of_calc = {c.id: c.application_id for c in calcs.values()}
    apps = {a.id: a for a in applications}
    lines_by_calc: dict[int, dict[int, sa.Row]] = defaultdict(dict)
    version_calc = {v: c for c, v in line_versions.items()}
    for line in lines:
        calc_id = version_calc[line.version_id]
        lines_by_calc[calc_id][line.position] = line
        application = apps[app_of_calc[calc_id]]
        project = projects_by_app.get(application.id)
        assembly.add(rules.Node(f"benefit-{line.id}", NodeKind.BENEFIT, line.name,
                                line.owner_organisation_id or application.organisation_id),
                     project_id=project.id if project else None,
                     benefit_id=registered.get(line.id))
    keys: dict[int, str] = {}
    for node in nodes:
        application = apps[app_of_calc[node.calculation_id]]
        project = projects_by_app.get(application.id)
        prerequisite = prerequisites.get(node.prerequisite_project_id)
        if prerequisite is not None:
            key = f"project-{prerequisite.id}" if merge_prerequisites else f"node-{node.id}"
            label = prerequisite.title if merge_prerequisites else node.label
            assembly.add(_prerequisite_node(key, prerequisite, on, label),
                         project_id=prerequisite.id if merge_prerequisites else
                         (project.id if project else None),
                         node_id=None if merge_prerequisites else node.id,
                         responsible_name=node.responsible_name)
        else:
            key = f"node-{node.id}"
            assembly.add(rules.Node(key, node.kind, node.label, node.organisation_id,
                                    node.state, node.due_on, node.done_on),
                         project_id=project.id if project else None, node_id=node.id,
                         evidence=node.evidence, responsible_name=node.responsible_name)
        keys[node.id] = key
    for link in links:
        positions = lines_by_calc.get(link.calculation_id, {})

        def benefit(position: int, positions=positions) -> str:
            line = positions.get(position)
            return f"benefit-{line.id}" if line is not None else ""

        source = (keys.get(link.from_node_id, "") if link.from_node_id is not None
                  else benefit(link.from_benefit_position))
        if link.to_node_id is not None:
            target = keys.get(link.to_node_id, "")
        elif link.to_goal_id is not None:
            target = f"goal-{link.to_goal_id}"
        else:
            target = benefit(link.to_benefit_position)
        assembly.link(source, target)
    return assembly.result({p.id: p for p in projects_by_app.values()})


def application_map(application: Application, on: date,
                    version: CalculationVersion | None = None) -> BenefitMap:
    """One application's (or its project's) network as of `on`; a version's as it was kept."""
    project = db.session.scalar(sa.select(Project).where(Project.application_id == application.id))
    return _networks([application], {application.id: project} if project else {},
                     list(application.programme.goals), on, merge_prerequisites=False,
                     version=version)


def project_map(project: Project, on: date) -> BenefitMap:
    return application_map(db.session.get(Application, project.application_id), on)


def programme_map(programme: Programme, on: date, project_ids: Iterable[int] | None = None,
                  *, decided: bool = True) -> BenefitMap:
    """Every funded project's network as of `on`; prerequisite projects become shared enablers.

    The map's projects are rows of their id, title, application and organisation: a national
    programme's thousands of full project objects cost more than its whole network."""
    projects = db.session.execute(
        _approved(programme.id, on, project_ids, decided=decided).with_only_columns(
            Project.id, Project.title, Project.application_id, Project.organisation_id)).all()
    applications = list(db.session.execute(
        sa.select(Application.id, Application.organisation_id)
        .where(among(Application.id, [p.application_id for p in projects]))))
    return _networks(applications, {p.application_id: p for p in projects},
                     list(programme.goals), on, merge_prerequisites=True)


# ---- money: benefits at risk, who pays and who benefits ------------------------------------

@dataclass(frozen=True)
class OrganisationRisk:
    organisation: Organisation
    benefits: int
    at_risk: int
    planned_at_risk_sek: int


def planned_totals(benefit_ids: Iterable[int], up_to_year: int | None = None) -> dict[int, int]:
    """Each register benefit's planned value, in all or up to a year (SQL sums)."""
    query = (sa.select(BenefitPlanYear.benefit_id, sa.func.sum(BenefitPlanYear.planned_sek))
             .where(BenefitPlanYear.benefit_id.in_(list(benefit_ids)))
             .group_by(BenefitPlanYear.benefit_id))
    if up_to_year is not None:
        query = query.where(BenefitPlanYear.year <= up_to_year)
    return {row[0]: int(row[1] or 0) for row in db.session.execute(query)}


def risk_by_organisation(benefit_map: BenefitMap) -> list[OrganisationRisk]:
    """Benefits at risk by the organisation where they arise, with their planned value."""
    benefits = [n for n in benefit_map.nodes if n.kind == NodeKind.BENEFIT]
    planned = planned_totals(n.benefit_id for n in benefits if n.benefit_id)
    grouped: dict[int, list[MapNode]] = defaultdict(list)
    for node in benefits:
        if node.organisation_id is not None:
            grouped[node.organisation_id].append(node)
    organisations = {o.id: o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(list(grouped))))}
    rows = [OrganisationRisk(
        organisations[org], len(nodes), sum(1 for n in nodes if n.at_risk),
        sum(planned.get(n.benefit_id, 0) for n in nodes if n.at_risk and n.benefit_id))
        for org, nodes in grouped.items() if org in organisations]
    return sorted(rows, key=lambda r: (-r.at_risk, r.organisation.name))


def undone_changes_for_benefits(programme: Programme, benefit_ids: Iterable[int],
                                on: date) -> dict[int, tuple[MapNode, ...]]:
    """For each register benefit, the changes it rests on that are not done on `on`."""
    wanted = set(benefit_ids)
    if not wanted:
        return {}
    project_ids = set(db.session.scalars(sa.select(Benefit.project_id)
                                         .where(Benefit.id.in_(wanted))))
    benefit_map = programme_map(programme, on, project_ids, decided=False)
    found = {}
    for node in benefit_map.nodes:
        if node.benefit_id in wanted:
            undone = tuple(benefit_map.undone_changes_behind(node.id))
            if undone:
                found[node.benefit_id] = undone
    return found


@dataclass(frozen=True)
class PayerRow:
    """One project: who pays (the grant, the applicant's running costs) and where benefits arise."""

    project: Project
    payer: Organisation
    granted_sek: int
    running_cost_sek: int
    benefits_by_organisation: dict[int, int]

    @property
    def benefits_sek(self) -> int:
        return sum(self.benefits_by_organisation.values())

    @property
    def elsewhere_sek(self) -> int:
        """Benefits that arise outside the paying organisation."""
        return sum(v for org, v in self.benefits_by_organisation.items() if org != self.payer.id)


@dataclass(frozen=True)
class PayerMatrix:
    on: date
    rows: tuple[PayerRow, ...]
    organisations: dict[int, Organisation]

    @property
    def payers(self) -> list[Organisation]:
        ids = sorted({r.payer.id for r in self.rows}, key=lambda i: self.organisations[i].name)
        return [self.organisations[i] for i in ids]

    @property
    def beneficiaries(self) -> list[Organisation]:
        ids = {org for r in self.rows for org in r.benefits_by_organisation}
        return sorted((self.organisations[i] for i in ids), key=lambda o: o.name)

    def cell(self, payer_id: int, beneficiary_id: int) -> int:
        return sum(r.benefits_by_organisation.get(beneficiary_id, 0) for r in self.rows
                   if r.payer.id == payer_id)

    def paid(self, payer_id: int) -> tuple[int, int]:
        rows = [r for r in self.rows if r.payer.id == payer_id]
        return sum(r.granted_sek for r in rows), sum(r.running_cost_sek for r in rows)


def payer_matrix(programme: Programme, on: date,
                 project_ids: Iterable[int] | None = None) -> PayerMatrix:
    """Who pays and who benefits, per project and for the portfolio, as of `on`.

    Paid: the programme's grant committed to the project (envelope entries booked on or before
    `on`) and the applicant's running costs of the baseline up to `on`'s year. Benefits: the
    register's planned values up to `on`'s year, by the organisation that owns each benefit.
    """
    projects = _approved_projects(programme.id, on, project_ids)
    ids = [p.id for p in projects]
    signed = sa.case((EnvelopeEntry.kind == LedgerEntryKind.RELEASE, -EnvelopeEntry.amount_sek),
                     else_=EnvelopeEntry.amount_sek)
    granted = dict(db.session.execute(
        sa.select(EnvelopeEntry.project_id, sa.func.sum(signed))
        .where(EnvelopeEntry.project_id.in_(ids), EnvelopeEntry.booked_on <= on,
               EnvelopeEntry.kind.in_([LedgerEntryKind.COMMITMENT, LedgerEntryKind.RELEASE]))
        .group_by(EnvelopeEntry.project_id)).all())
    benefits: dict[int, dict[int, int]] = defaultdict(dict)
    for row in db.session.execute(
            sa.select(Benefit.project_id, Benefit.owner_organisation_id,
                      sa.func.sum(BenefitPlanYear.planned_sek))
            .join(BenefitPlanYear, BenefitPlanYear.benefit_id == Benefit.id)
            .where(Benefit.project_id.in_(ids), BenefitPlanYear.year <= on.year)
            .group_by(Benefit.project_id, Benefit.owner_organisation_id)):
        benefits[row[0]][row[1]] = int(row[2] or 0)
    baseline = (sa.select(CalculationVersion.id, BenefitCalculation.application_id,
                          CalculationVersion.start_year)
                .join(BenefitCalculation,
                      BenefitCalculation.id == CalculationVersion.calculation_id)
                .where(CalculationVersion.kind == CalculationVersionKind.BASELINE,
                       BenefitCalculation.application_id.in_([p.application_id
                                                              for p in projects])))
    start_year = {row.id: (row.application_id, row.start_year)
                  for row in db.session.execute(baseline)}
    running: dict[int, int] = defaultdict(int)
    for line in db.session.scalars(sa.select(CostLine).where(
            CostLine.version_id.in_(list(start_year)), CostLine.kind == CostKind.RUNNING)):
        application_id, first_year = start_year[line.version_id]
        years = max(on.year - first_year + 1, 0)
        running[application_id] += sum(line.by_year_sek[:years])
    org_ids = {p.organisation_id for p in projects} | {
        org for by_org in benefits.values() for org in by_org}
    organisations = {o.id: o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(org_ids)))}
    rows = tuple(PayerRow(p, organisations[p.organisation_id], int(granted.get(p.id) or 0),
                          running.get(p.application_id, 0), dict(benefits.get(p.id, {})))
                 for p in projects)
    return PayerMatrix(on, rows, organisations)
