"""The project model's gates, as pure functions (the city's model "Lilla Ratten", issue 17).

A programme defines its phases in order (study, planning, execution, handover, closure in the
demo); a project enters a phase when the programme office records a gate decision. Which
phases there are and what each gate requires is programme data; what a requirement means is
the fixed vocabulary below, which the services know how to check. Gates are passed in order:
no skipping and no going back. A correction re-records the current phase with a note saying
why. A decision is dated on a business day that is not in the future and not before the
previous gate. Pure: standard library only.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

# The vocabulary of gate requirements: each key is a fact the services can establish as of a day.
BASELINE_CALCULATION = "baseline_calculation"
LATEST_REPORT_SUBMITTED = "latest_report_submitted"
GO_LIVE_RECORDED = "go_live_recorded"
FINAL_REPORT_SUBMITTED = "final_report_submitted"
REQUIREMENTS = (BASELINE_CALCULATION, LATEST_REPORT_SUBMITTED, GO_LIVE_RECORDED,
                FINAL_REPORT_SUBMITTED)

MAX_KEY_LENGTH = 40
MAX_NAME_LENGTH = 200
MAX_NOTE_LENGTH = 2000

# Why a gate decision is refused; the services put each into words.
UNKNOWN_PHASE = "unknown_phase"
GOES_BACK = "goes_back"
SKIPS = "skips"
CORRECTION_NEEDS_NOTE = "correction_needs_note"
IN_FUTURE = "in_future"
BEFORE_PREVIOUS = "before_previous"
MISSING = "missing"
NOTE_TOO_LONG = "note_too_long"
ORDER_PROBLEMS = frozenset({UNKNOWN_PHASE, GOES_BACK, SKIPS})


@dataclass(frozen=True)
class Phase:
    """One phase of a programme's project model and what its gate requires."""

    key: str
    requirements: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PassedGate:
    """A recorded gate decision: the phase entered and the day it was decided."""

    phase_key: str
    decided_on: date


@dataclass(frozen=True)
class GateProblem:
    """One reason a gate cannot be passed; `phase_key`, `on` and `missing` give the detail."""

    code: str
    phase_key: str | None = None
    on: date | None = None
    missing: tuple[str, ...] = field(default=())


def check_phases(phases: Sequence[Phase]) -> None:
    """Refuse a programme's phase list that the gates could not work with (ValueError)."""
    keys = [phase.key for phase in phases]
    for key in keys:
        if not key or not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise ValueError(f"a phase key must be 1 to {MAX_KEY_LENGTH} characters")
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"phase keys must be unique: {', '.join(duplicates)}")
    for phase in phases:
        unknown = sorted(set(phase.requirements) - set(REQUIREMENTS))
        if unknown:
            raise ValueError(f"phase {phase.key}: unknown requirement(s) {', '.join(unknown)}; "
                             f"known: {', '.join(REQUIREMENTS)}")


def _position(phases: Sequence[Phase], key: str) -> int | None:
    for index, phase in enumerate(phases):
        if phase.key == key:
            return index
    return None


def current_phase(phases: Sequence[Phase], passed: Iterable[PassedGate]) -> Phase | None:
    """The furthest phase the decisions have reached, or None before the first gate."""
    positions = [p for p in (_position(phases, gate.phase_key) for gate in passed)
                 if p is not None]
    return phases[max(positions)] if positions else None


def next_phase(phases: Sequence[Phase], passed: Iterable[PassedGate]) -> Phase | None:
    """The phase whose gate comes next, or None once the last has been passed."""
    current = current_phase(phases, passed)
    position = -1 if current is None else _position(phases, current.key)
    return phases[position + 1] if position + 1 < len(phases) else None


def missing_requirements(phase: Phase, satisfied: Iterable[str]) -> tuple[str, ...]:
    """The gate's requirements not in place, in the vocabulary's order."""
    have = set(satisfied)
    return tuple(key for key in REQUIREMENTS if key in phase.requirements and key not in have)


def previous_gate_on(phases: Sequence[Phase], passed: Iterable[PassedGate],
                     phase_key: str) -> date | None:
    """The latest day a gate before `phase_key` was decided (None: no earlier gate)."""
    target = _position(phases, phase_key)
    days = [gate.decided_on for gate in passed
            if (position := _position(phases, gate.phase_key)) is not None
            and target is not None and position < target]
    return max(days) if days else None


def gate_problems(phases: Sequence[Phase], passed: Sequence[PassedGate], phase_key: str,
                  decided_on: date, today: date, satisfied: Iterable[str],
                  note: str = "") -> tuple[GateProblem, ...]:
    """Every reason the gate into `phase_key` cannot be recorded on `decided_on`; () if none."""
    target = _position(phases, phase_key)
    if target is None:
        return (GateProblem(UNKNOWN_PHASE, phase_key),)
    problems: list[GateProblem] = []
    current = current_phase(phases, passed)
    current_position = -1 if current is None else _position(phases, current.key)
    if target < current_position:
        problems.append(GateProblem(GOES_BACK, current.key))
    elif target == current_position and not note.strip():
        problems.append(GateProblem(CORRECTION_NEEDS_NOTE, phase_key))
    elif target > current_position + 1:
        problems.append(GateProblem(SKIPS, phases[current_position + 1].key))
    if len(note) > MAX_NOTE_LENGTH:
        problems.append(GateProblem(NOTE_TOO_LONG))
    if decided_on > today:
        problems.append(GateProblem(IN_FUTURE, on=today))
    previous = previous_gate_on(phases, passed, phase_key)
    if previous is not None and decided_on < previous:
        problems.append(GateProblem(BEFORE_PREVIOUS, on=previous))
    missing = missing_requirements(phases[target], satisfied)
    if missing:
        problems.append(GateProblem(MISSING, phase_key, missing=missing))
    return tuple(problems)
