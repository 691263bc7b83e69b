"""The project model's gate rules (issue 17, item 5): order, requirements and dates."""

from datetime import date

import pytest

from app.projects import rules
from app.projects.rules import GateProblem, PassedGate, Phase

PHASES = (
    Phase("study"),
    Phase("planning"),
    Phase("execution", frozenset({rules.BASELINE_CALCULATION})),
    Phase("handover", frozenset({rules.GO_LIVE_RECORDED, rules.LATEST_REPORT_SUBMITTED})),
    Phase("closure", frozenset({rules.FINAL_REPORT_SUBMITTED})),
)
TODAY = date(2010, 3, 1)
ALL = frozenset(rules.REQUIREMENTS)


def passed(*gates: tuple[str, str]) -> list[PassedGate]:
    return [PassedGate(key, date.fromisoformat(on)) for key, on in gates]


STUDY = ("study", "2008-01-10")
PLANNING = ("planning", "2008-02-01")
EXECUTION = ("execution", "2008-03-15")


@pytest.mark.parametrize(("history", "phase", "on", "satisfied", "note", "expected"), [
    # in order, with everything in place
    ([], "study", "2008-01-10", ALL, "", ()),
    ([STUDY], "planning", "2008-02-01", frozenset(), "", ()),
    ([STUDY, PLANNING], "execution", "2008-03-15", ALL, "", ()),
    # the same day as the previous gate is allowed
    ([STUDY], "planning", "2008-01-10", ALL, "", ()),
    # the decision may be dated today, not tomorrow
    ([STUDY], "planning", "2010-03-01", ALL, "", ()),
    ([STUDY], "planning", "2010-03-02", ALL, "",
     (GateProblem(rules.IN_FUTURE, on=TODAY),)),
    # no skipping: the next gate is named
    ([], "planning", "2008-01-10", ALL, "", (GateProblem(rules.SKIPS, "study"),)),
    ([STUDY], "closure", "2008-02-01", ALL, "", (GateProblem(rules.SKIPS, "planning"),)),
    # no going back
    ([STUDY, PLANNING, EXECUTION], "planning", "2008-04-01", ALL, "fel",
     (GateProblem(rules.GOES_BACK, "execution"),)),
    # a correction re-records the current phase, and needs a note
    ([STUDY, PLANNING], "planning", "2008-02-03", ALL, "",
     (GateProblem(rules.CORRECTION_NEEDS_NOTE, "planning"),)),
    ([STUDY, PLANNING], "planning", "2008-02-03", ALL, "Rätt datum är 3 februari.", ()),
    # a correction is not dated before the gate before it
    ([STUDY, PLANNING], "planning", "2008-01-05", ALL, "Rättelse",
     (GateProblem(rules.BEFORE_PREVIOUS, on=date(2008, 1, 10)),)),
    # not before the previous gate
    ([STUDY, PLANNING], "execution", "2008-01-31", ALL, "",
     (GateProblem(rules.BEFORE_PREVIOUS, on=date(2008, 2, 1)),)),
    # what is missing is named, in the vocabulary's order
    ([STUDY, PLANNING], "execution", "2008-03-15", frozenset(), "",
     (GateProblem(rules.MISSING, "execution", missing=(rules.BASELINE_CALCULATION,)),)),
    ([STUDY, PLANNING, EXECUTION], "handover", "2008-09-01", frozenset(), "",
     (GateProblem(rules.MISSING, "handover",
                  missing=(rules.LATEST_REPORT_SUBMITTED, rules.GO_LIVE_RECORDED)),)),
    ([STUDY, PLANNING, EXECUTION], "handover", "2008-09-01",
     frozenset({rules.GO_LIVE_RECORDED}), "",
     (GateProblem(rules.MISSING, "handover", missing=(rules.LATEST_REPORT_SUBMITTED,)),)),
    # every problem at once
    ([STUDY], "execution", "2007-12-01", frozenset(), "",
     (GateProblem(rules.SKIPS, "planning"),
      GateProblem(rules.BEFORE_PREVIOUS, on=date(2008, 1, 10)),
      GateProblem(rules.MISSING, "execution", missing=(rules.BASELINE_CALCULATION,)))),
    # an unknown phase
    ([], "launch", "2008-01-10", ALL, "", (GateProblem(rules.UNKNOWN_PHASE, "launch"),)),
    # a note too long
    ([], "study", "2008-01-10", ALL, "x" * (rules.MAX_NOTE_LENGTH + 1),
     (GateProblem(rules.NOTE_TOO_LONG),)),
])
def test_gate_problems(history, phase, on, satisfied, note, expected):
    assert rules.gate_problems(PHASES, passed(*history), phase, date.fromisoformat(on), TODAY,
                               satisfied, note) == expected


@pytest.mark.parametrize(("history", "current", "following"), [
    ([], None, "study"),
    ([STUDY], "study", "planning"),
    ([STUDY, PLANNING, ("planning", "2008-02-03")], "planning", "execution"),
    ([STUDY, PLANNING, EXECUTION, ("handover", "2009-01-01"), ("closure", "2009-03-01")],
     "closure", None),
])
def test_current_and_next_phase(history, current, following):
    gates = passed(*history)
    assert (rules.current_phase(PHASES, gates) or Phase("-")).key == (current or "-")
    assert (rules.next_phase(PHASES, gates) or Phase("-")).key == (following or "-")


@pytest.mark.parametrize(("phase", "satisfied", "missing"), [
    (PHASES[0], frozenset(), ()),
    (PHASES[2], frozenset(), (rules.BASELINE_CALCULATION,)),
    (PHASES[2], ALL, ()),
    (PHASES[4], frozenset({rules.GO_LIVE_RECORDED}), (rules.FINAL_REPORT_SUBMITTED,)),
])
def test_missing_requirements(phase, satisfied, missing):
    assert rules.missing_requirements(phase, satisfied) == missing


@pytest.mark.parametrize(("phases", "message"), [
    ((Phase("study"), Phase("study")), "unique"),
    ((Phase(""),), "1 to"),
    ((Phase("x" * 41),), "1 to"),
    ((Phase("study", frozenset({"a_signed_contract"})),), "unknown requirement"),
])
def test_a_phase_list_the_gates_cannot_use_is_refused(phases, message):
    with pytest.raises(ValueError, match=message):
        rules.check_phases(phases)


def test_the_demo_model_is_accepted():
    rules.check_phases(PHASES)
