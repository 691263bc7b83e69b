"""The benefits dependency network's graph rules, one row per case."""

from datetime import date

import pytest

from app.benefit_map.rules import (
    CycleError,
    Edge,
    Node,
    Problem,
    at_risk_since,
    benefits_at_risk,
    benefits_without_goal,
    change_problems,
    check_acyclic,
    cut_rests_on_undone_change,
    find_cycle,
    is_done,
    is_late,
    late_changes_behind,
    layers,
    may_link,
)
from app.core.enums import ChangeState, NodeKind

E, EC, BC, B, G = (NodeKind.ENABLER, NodeKind.ENABLING_CHANGE, NodeKind.BUSINESS_CHANGE,
                   NodeKind.BENEFIT, NodeKind.GOAL)
PLANNED, UNDER_WAY, DONE = ChangeState.PLANNED, ChangeState.UNDER_WAY, ChangeState.DONE
MARCH_2010 = date(2010, 3, 1)


def edges(*pairs: str) -> tuple[Edge, ...]:
    return tuple(Edge(*pair.split(">")) for pair in pairs)


# Residential parking: the e-service and the wardens' handhelds enable the board's decision to
# stop printing permits, which makes fewer manual checks possible, which gives the saving.
PARKING_NODES = (
    Node("eservice", E), Node("handhelds", E),
    Node("board", EC, state=PLANNED, due_on=date(2009, 12, 15)),
    Node("checks", BC, state=UNDER_WAY, due_on=date(2010, 6, 30)),
    Node("saving", B), Node("postage", B),
    Node("goal3", G), Node("goal1", G),
)
PARKING_LINKS = ("eservice>board", "handhelds>board", "board>checks", "checks>saving",
                 "saving>goal3", "eservice>postage", "postage>goal1")
PARKING_EDGES = edges(*PARKING_LINKS)


@pytest.mark.parametrize("source, target, allowed", [
    (E, E, True), (E, EC, True), (E, BC, True), (E, B, True), (E, G, False),
    (EC, E, False), (EC, EC, True), (EC, BC, True), (EC, B, True), (EC, G, False),
    (BC, EC, False), (BC, BC, True), (BC, B, True), (BC, G, False),
    (B, BC, False), (B, B, True), (B, G, True),
    (G, G, False), (G, B, False), (G, E, False),
])
def test_links_point_towards_the_goals(source, target, allowed):
    assert may_link(source, target) is allowed


@pytest.mark.parametrize("links, cycle", [
    ((), None),
    (("a>b", "b>c"), None),
    (("a>b", "a>c", "b>d", "c>d"), None),
    (("a>a",), ("a", "a")),
    (("a>b", "b>a"), ("a", "b", "a")),
    (("a>b", "b>c", "c>a"), ("a", "b", "c", "a")),
    (("x>a", "a>b", "b>c", "c>b"), ("b", "c", "b")),
    (PARKING_LINKS, None),
    ((*PARKING_LINKS, "checks>board"), ("board", "checks", "board")),
])
def test_a_cycle_is_found_and_named_node_by_node(links, cycle):
    assert find_cycle(edges(*links)) == cycle


def test_check_acyclic_names_the_cycle_in_the_error():
    with pytest.raises(CycleError) as refused:
        check_acyclic(edges("board>training", "training>routine", "routine>board"))
    assert refused.value.cycle == ("board", "training", "routine", "board")
    assert str(refused.value) == "board → training → routine → board"


@pytest.mark.parametrize("links, missing", [
    (PARKING_LINKS, ()),
    (("eservice>board", "board>checks", "checks>saving", "saving>goal3"), ("postage",)),
    ((), ("saving", "postage")),
    (("saving>postage", "postage>goal1"), ()),
    (("postage>saving",), ("saving", "postage")),
    (("goal3>saving",), ("saving", "postage")),
])
def test_every_benefit_must_reach_a_goal(links, missing):
    assert benefits_without_goal(PARKING_NODES, edges(*links)) == missing


@pytest.mark.parametrize("node, on, done, late", [
    (Node("c", BC, state=PLANNED, due_on=date(2010, 1, 31)), date(2010, 1, 30), False, False),
    (Node("c", BC, state=PLANNED, due_on=date(2010, 1, 31)), date(2010, 1, 31), False, True),
    (Node("c", BC, state=UNDER_WAY, due_on=date(2010, 1, 31)), MARCH_2010, False, True),
    (Node("c", BC, state=DONE, due_on=date(2010, 1, 31), done_on=date(2010, 2, 10)),
     MARCH_2010, True, False),
    # done after the date asked about: still late on that date
    (Node("c", BC, state=DONE, due_on=date(2010, 1, 31), done_on=date(2010, 2, 10)),
     date(2010, 2, 9), False, True),
    (Node("c", BC, state=DONE, due_on=date(2010, 1, 31), done_on=None), MARCH_2010, False, True),
    (Node("e", E), MARCH_2010, False, False),
])
def test_done_and_late_as_of_a_date(node, on, done, late):
    assert (is_done(node, on), is_late(node, on)) == (done, late)


@pytest.mark.parametrize("on, at_risk", [
    (date(2009, 12, 14), {}),
    (date(2009, 12, 15), {"board": date(2009, 12, 15), "checks": date(2009, 12, 15),
                          "saving": date(2009, 12, 15), "goal3": date(2009, 12, 15)}),
    (date(2010, 7, 1), {"board": date(2009, 12, 15), "checks": date(2009, 12, 15),
                        "saving": date(2009, 12, 15), "goal3": date(2009, 12, 15)}),
])
def test_risk_runs_downstream_from_the_late_change_due_date(on, at_risk):
    assert at_risk_since(PARKING_NODES, PARKING_EDGES, on) == at_risk


def test_the_board_done_leaves_only_the_checks_late_after_their_due_date():
    nodes = tuple(n if n.key != "board" else Node("board", EC, state=DONE,
                                                  due_on=date(2009, 12, 15),
                                                  done_on=date(2009, 12, 1))
                  for n in PARKING_NODES)
    assert benefits_at_risk(nodes, PARKING_EDGES, MARCH_2010) == ()
    assert at_risk_since(nodes, PARKING_EDGES, date(2010, 7, 1)) == {
        "checks": date(2010, 6, 30), "saving": date(2010, 6, 30), "goal3": date(2010, 6, 30)}


def test_a_benefit_names_the_late_changes_behind_it():
    assert [n.key for n in late_changes_behind("saving", PARKING_NODES, PARKING_EDGES,
                                               MARCH_2010)] == ["board"]
    assert late_changes_behind("postage", PARKING_NODES, PARKING_EDGES, MARCH_2010) == ()


@pytest.mark.parametrize("benefits, on, flagged", [
    (("saving",), MARCH_2010, {"saving": ("board", "checks")}),
    (("postage",), MARCH_2010, {}),
    # not yet late, but not done either: the cut still comes before the change
    (("saving",), date(2009, 6, 1), {"saving": ("board", "checks")}),
])
def test_a_cut_resting_on_a_benefit_whose_changes_are_not_done_is_flagged(benefits, on, flagged):
    found = cut_rests_on_undone_change(benefits, PARKING_NODES, PARKING_EDGES, on)
    assert {key: tuple(n.key for n in nodes) for key, nodes in found.items()} == flagged


@pytest.mark.parametrize("state, evidence, done_on, due_on, problems", [
    (PLANNED, "", None, date(2009, 6, 1), []),
    (PLANNED, "", None, None, [("due_on", Problem.NO_DUE_DATE)]),
    (PLANNED, "", None, date(2012, 1, 1), [("due_on", Problem.DUE_OUTSIDE_PERIOD)]),
    (PLANNED, "", None, date(2008, 12, 31), [("due_on", Problem.DUE_OUTSIDE_PERIOD)]),
    (PLANNED, "", None, date(2009, 1, 1), []),
    (PLANNED, "", None, date(2010, 12, 31), []),
    (DONE, "Protokoll 2009-11-20 §4", date(2009, 11, 20), date(2009, 12, 1), []),
    (DONE, "  ", date(2009, 11, 20), date(2009, 12, 1),
     [("evidence", Problem.DONE_WITHOUT_EVIDENCE)]),
    (DONE, "Protokoll", None, date(2009, 12, 1), [("done_on", Problem.DONE_WITHOUT_DATE)]),
    (DONE, "Protokoll", date(2010, 3, 2), date(2009, 12, 1), [("done_on", Problem.DONE_IN_FUTURE)]),
    (UNDER_WAY, "", date(2010, 1, 1), date(2009, 12, 1),
     [("done_on", Problem.DONE_DATE_NOT_DONE)]),
])
def test_change_values_are_checked_all_at_once(state, evidence, done_on, due_on, problems):
    period = (date(2009, 1, 1), date(2010, 12, 31))
    assert change_problems(state, evidence, done_on, due_on, period, MARCH_2010) == problems


def test_layers_run_left_to_right_and_push_same_kind_successors_right():
    nodes = (Node("e", E), Node("board", EC), Node("training", EC), Node("routine", BC),
             Node("b", B), Node("g", G))
    columns = layers(nodes, edges("e>board", "board>training", "training>routine",
                                  "routine>b", "b>g"))
    assert columns == {"e": 0, "board": 1, "training": 2, "routine": 3, "b": 4, "g": 5}
