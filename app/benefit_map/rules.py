"""The benefits dependency network's graph rules, pure.

A project's network links enablers → enabling changes → business changes → benefits → the
programme's goals (Ward & Daniel's benefits dependency network; MSP's benefits map; the DTA's
benefits policy, statement 3). Decisions taken here:

- Links point towards the goals: a node may link to its own layer (a training that rests on
  the board's decision, an intermediate benefit that feeds an end benefit) or to a later one,
  never back. Goals link nowhere.
- The links must form a directed acyclic graph; a refusal names the cycle, node by node.
- At submission every benefit must reach at least one goal.
- A change (or a prerequisite project, as an enabler) is *done on D* when it is done with a
  done date on or before D; it is *late on D* when it is not done on D and its due date is on
  or before D ("at risk from the change's due date"). Everything downstream of a late node is
  *at risk*, from the earliest due date among the late nodes it rests on.

Pure: standard library and `app.core.enums` only.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.core.enums import ChangeState, NodeKind

LAYER = {NodeKind.ENABLER: 0, NodeKind.ENABLING_CHANGE: 1, NodeKind.BUSINESS_CHANGE: 2,
         NodeKind.BENEFIT: 3, NodeKind.GOAL: 4}
CHANGE_KINDS = frozenset({NodeKind.ENABLING_CHANGE, NodeKind.BUSINESS_CHANGE})


@dataclass(frozen=True)
class Node:
    """One node: its key (unique in the network), its layer, and for changes their progress."""

    key: str
    kind: NodeKind
    label: str = ""
    organisation_id: int | None = None
    state: ChangeState | None = None
    due_on: date | None = None
    done_on: date | None = None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str


class CycleError(ValueError):
    """The links would form a cycle; `cycle` lists its keys, the first repeated at the end."""

    def __init__(self, cycle: Sequence[str]):
        super().__init__(" → ".join(cycle))
        self.cycle = tuple(cycle)


def may_link(source: NodeKind, target: NodeKind) -> bool:
    """Say whether a link from `source` to `target` points towards the goals."""
    if source == NodeKind.GOAL:
        return False
    if target == NodeKind.GOAL:
        return source == NodeKind.BENEFIT
    return LAYER[target] >= LAYER[source]


def _successors(edges: Iterable[Edge]) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, []).append(edge.target)
        graph.setdefault(edge.target, [])
    return graph


def find_cycle(edges: Iterable[Edge]) -> tuple[str, ...] | None:
    """Return one cycle as keys (first repeated at the end), or None for a DAG.

    Depth-first search in a stable order (keys sorted), so the same links name the same cycle.
    """
    graph = _successors(edges)
    for targets in graph.values():
        targets.sort()
    colour: dict[str, int] = {}
    for start in sorted(graph):
        if colour.get(start):
            continue
        path: list[str] = [start]
        stack = [iter(graph[start])]
        colour[start] = 1
        while stack:
            target = next(stack[-1], None)
            if target is None:
                colour[path.pop()] = 2
                stack.pop()
                continue
            if colour.get(target) == 1:
                return (*path[path.index(target):], target)
            if not colour.get(target):
                colour[target] = 1
                path.append(target)
                stack.append(iter(graph[target]))
    return None


def check_acyclic(edges: Iterable[Edge]) -> None:
    """Raise CycleError naming the cycle if the links are not a DAG."""
    cycle = find_cycle(edges)
    if cycle is not None:
        raise CycleError(cycle)


def reachable_from(start: str, edges: Iterable[Edge]) -> frozenset[str]:
    """Every key reachable from `start` along the links (not `start` itself unless in a cycle)."""
    graph = _successors(edges)
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo.extend(graph.get(key, ()))
    return frozenset(seen)


def benefits_without_goal(nodes: Iterable[Node], edges: Iterable[Edge]) -> tuple[str, ...]:
    """Return the keys of the benefits with no path to any goal, in the nodes' order."""
    nodes = tuple(nodes)
    edges = tuple(edges)
    goals = {node.key for node in nodes if node.kind == NodeKind.GOAL}
    return tuple(node.key for node in nodes if node.kind == NodeKind.BENEFIT
                 and not reachable_from(node.key, edges) & goals)


def is_done(node: Node, on: date) -> bool:
    """Done on `on`: marked done with a done date on or before it."""
    return (node.state == ChangeState.DONE and node.done_on is not None
            and node.done_on <= on)


def is_late(node: Node, on: date) -> bool:
    """Late on `on`: has a due date on or before it and is not done on it."""
    return node.due_on is not None and node.due_on <= on and not is_done(node, on)


def at_risk_since(nodes: Iterable[Node], edges: Iterable[Edge], on: date) -> dict[str, date]:
    """Map each node at risk on `on` to the earliest due date of a late node it rests on.

    A late node is itself at risk; everything downstream of it is too.
    """
    nodes = tuple(nodes)
    edges = tuple(edges)
    since: dict[str, date] = {}
    for node in sorted(nodes, key=lambda n: (n.due_on or date.max, n.key)):
        if not is_late(node, on):
            continue
        for key in (node.key, *reachable_from(node.key, edges)):
            if key not in since or node.due_on < since[key]:
                since[key] = node.due_on
    return since


def benefits_at_risk(nodes: Iterable[Node], edges: Iterable[Edge], on: date) -> tuple[str, ...]:
    """Return the keys of the benefits at risk on `on`, in the nodes' order."""
    nodes = tuple(nodes)
    since = at_risk_since(nodes, edges, on)
    return tuple(n.key for n in nodes if n.kind == NodeKind.BENEFIT and n.key in since)


def late_changes_behind(benefit_key: str, nodes: Iterable[Node], edges: Iterable[Edge],
                        on: date) -> tuple[Node, ...]:
    """Return the late nodes a benefit rests on (directly or through other nodes)."""
    edges = tuple(edges)
    return tuple(node for node in nodes if is_late(node, on)
                 and benefit_key in reachable_from(node.key, edges))


def undone_changes_behind(benefit_key: str, nodes: Iterable[Node], edges: Iterable[Edge],
                          on: date) -> tuple[Node, ...]:
    """Return the changes a benefit rests on that are not done on `on`, late or not."""
    edges = tuple(edges)
    return tuple(node for node in nodes if node.kind in CHANGE_KINDS and not is_done(node, on)
                 and benefit_key in reachable_from(node.key, edges))


def layers(nodes: Iterable[Node], edges: Iterable[Edge]) -> dict[str, int]:
    """Place each node in a column for drawing: its layer, pushed right past same-layer parents.

    Columns keep the kinds apart left to right (enablers, changes, benefits, goals); within a
    kind, a node that rests on another of its kind is drawn one step further right.
    """
    nodes = tuple(nodes)
    kind = {node.key: node.kind for node in nodes}
    depth = {key: 0 for key in kind}
    edges = [e for e in edges if e.source in kind and e.target in kind
             and kind[e.source] == kind[e.target]]
    for _ in range(len(nodes)):
        moved = False
        for edge in edges:
            if depth[edge.target] < depth[edge.source] + 1:
                depth[edge.target] = depth[edge.source] + 1
                moved = True
        if not moved:
            break
    widest: dict[NodeKind, int] = {}
    for key, value in depth.items():
        widest[kind[key]] = max(widest.get(kind[key], 0), value)
    offset, start = 0, {}
    for layer_kind in sorted(LAYER, key=LAYER.get):
        start[layer_kind] = offset
        offset += widest.get(layer_kind, 0) + 1
    return {key: start[kind[key]] + depth[key] for key in kind}


class Problem(StrEnum):
    """What is wrong with a change's values; the service words it for people."""

    NO_DUE_DATE = "no_due_date"
    DUE_OUTSIDE_PERIOD = "due_outside_period"
    DONE_WITHOUT_EVIDENCE = "done_without_evidence"
    DONE_WITHOUT_DATE = "done_without_date"
    DONE_IN_FUTURE = "done_in_future"
    DONE_DATE_NOT_DONE = "done_date_not_done"


def change_problems(state: ChangeState, evidence: str, done_on: date | None, due_on: date | None,
                    period: tuple[date, date] | None, today: date) -> list[tuple[str, Problem]]:
    """List what is wrong with a change's values as (field, problem) pairs, all at once."""
    problems: list[tuple[str, Problem]] = []
    if due_on is None:
        problems.append(("due_on", Problem.NO_DUE_DATE))
    elif period is not None and not period[0] <= due_on <= period[1]:
        problems.append(("due_on", Problem.DUE_OUTSIDE_PERIOD))
    if state == ChangeState.DONE:
        if not (evidence or "").strip():
            problems.append(("evidence", Problem.DONE_WITHOUT_EVIDENCE))
        if done_on is None:
            problems.append(("done_on", Problem.DONE_WITHOUT_DATE))
        elif done_on > today:
            problems.append(("done_on", Problem.DONE_IN_FUTURE))
    elif done_on is not None:
        problems.append(("done_on", Problem.DONE_DATE_NOT_DONE))
    return problems


def cut_rests_on_undone_change(benefit_keys: Iterable[str], nodes: Iterable[Node],
                               edges: Iterable[Edge], on: date) -> dict[str, tuple[Node, ...]]:
    """Map each benefit a cut rests on to the changes behind it not done on `on` (if any).

    "Cut before the change happened": the saving is taken before the organisation changed.
    """
    nodes = tuple(nodes)
    edges = tuple(edges)
    found = {}
    for key in benefit_keys:
        undone = undone_changes_behind(key, nodes, edges, on)
        if undone:
            found[key] = undone
    return found
