"""Delegation regimes: add a regime, edit or delete a future one; flush, never commit.

A regime is a programme's delegation from one date; it replaces the regime before it from
that date and ends the day before the next one starts. The service keeps every rule's
`valid_to` so (`_chain_ends`), which is what routing (`route_decision`) reads: a regime
added here routes decisions dated on or after its start at once. A regime whose start has
passed is history and is never edited or deleted; a correction is a new regime from a later
date, with a reason. Every change writes an audit entry.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.applications.models import Decision
from app.core import audit, clock
from app.core.errors import Conflict, InvalidInput
from app.extensions import db

from . import rules
from .models import DelegationRegime, DelegationRule, Programme


class RegimeRefused(InvalidInput):
    """A regime or a change to one broke a rule; `issues` carry the codes and values."""

    def __init__(self, issues: list[rules.RegimeIssue], status: int = 422):
        from .labels import regime_issue_message

        self.issues = issues
        self.status = status
        if status == 409:
            self.title = Conflict.title
        errors = [{"field": issue.field, "code": issue.code.value,
                   "message": regime_issue_message(issue)} for issue in issues]
        super().__init__("; ".join(e["message"] for e in errors), field=errors[0]["field"],
                         errors=errors)


@dataclass(frozen=True)
class RegimeData:
    """A proposed regime as plain values: its first day, why, which decision, and its rules."""

    valid_from: date
    reason: str
    source: str
    rules: tuple[rules.RuleDraft, ...]

    @classmethod
    def from_dict(cls, data: dict) -> "RegimeData":
        """Build from a form's or the API's dict: rules as dicts with key, name, limit, source."""
        return cls(
            valid_from=data["valid_from"], reason=(data.get("reason") or "").strip(),
            source=(data.get("source") or "").strip(),
            rules=tuple(rules.RuleDraft(
                authority_key=(rule.get("authority_key") or "").strip(),
                authority_name=(rule.get("authority_name") or "").strip(),
                limit_sek=rule.get("limit_sek"),
                source=(rule.get("source") or "").strip(),
            ) for rule in data.get("rules") or ()),
        )

    @property
    def regime_source(self) -> str:
        """The regime's decision reference: its own, else the first rule's."""
        return self.source or next((r.source for r in self.rules if r.source), "")


def regimes_of(programme: Programme) -> list[DelegationRegime]:
    """The programme's regimes, earliest first."""
    return list(db.session.scalars(
        sa.select(DelegationRegime).where(DelegationRegime.programme_id == programme.id)
        .order_by(DelegationRegime.valid_from)))


def regime_state(regime: DelegationRegime, on: date | None = None) -> rules.RegimeState:
    return rules.regime_state(regime.valid_from, regime.valid_to, on or clock.today())


def add_regime(programme: Programme, data: dict | RegimeData, actor,
               *, history: bool = False) -> DelegationRegime:
    """Add a regime from its start date; the regime before it ends the day before.

    `history=True` is the seed's path for a record of past regimes (the demo is set in
    2007–2012): the dates need not lie after the business date, every other rule holds.
    """
    data = data if isinstance(data, RegimeData) else RegimeData.from_dict(data)
    _lock(programme)
    others = regimes_of(programme)
    _check(programme, data, [r.valid_from for r in others], history=history)
    regime = DelegationRegime(programme_id=programme.id, valid_from=data.valid_from,
                              reason=data.reason, source=data.regime_source,
                              created_by_id=getattr(actor, "id", None))
    db.session.add(regime)
    db.session.flush()
    _add_rules(programme, regime, data)
    _chain_ends(programme, every_regime=history)
    if not history:
        audit.record("delegation_regime.added", regime, actor=actor,
                     after=_snapshot(regime))
    return regime


def edit_regime(regime: DelegationRegime, data: dict | RegimeData, actor) -> DelegationRegime:
    """Replace a future regime's start, reason, source and rules; one in force is refused."""
    data = data if isinstance(data, RegimeData) else RegimeData.from_dict(data)
    programme = regime.programme
    _lock(programme)
    _refuse_if_started(regime)
    before = _snapshot(regime)
    others = [r.valid_from for r in regimes_of(programme) if r.id != regime.id]
    _check(programme, data, others, history=False)
    for rule in list(regime.rules):
        db.session.delete(rule)
    db.session.flush()
    regime.valid_from, regime.reason = data.valid_from, data.reason
    regime.source = data.regime_source
    db.session.flush()
    db.session.expire(regime, ["rules"])
    _add_rules(programme, regime, data)
    _chain_ends(programme)
    audit.record("delegation_regime.edited", regime, actor=actor, before=before,
                 after=_snapshot(regime))
    return regime


def delete_regime(regime: DelegationRegime, actor) -> None:
    """Delete a future regime; the regime before it again runs until the next one starts."""
    programme = regime.programme
    _lock(programme)
    _refuse_if_started(regime)
    before = _snapshot(regime)
    regime_id = regime.id
    for rule in list(regime.rules):
        db.session.delete(rule)
    db.session.delete(regime)
    db.session.flush()
    _chain_ends(programme)
    audit.record("delegation_regime.deleted", None, actor=actor, before=before,
                 object_type="DelegationRegime", object_id=regime_id)


def _lock(programme: Programme) -> None:
    """Serialise regime changes of one programme (the programme row is locked)."""
    db.session.execute(sa.select(Programme.id).where(Programme.id == programme.id)
                       .with_for_update())


def _check(programme: Programme, data: RegimeData, other_starts: list[date],
           *, history: bool) -> None:
    issues = rules.regime_problems(
        data.valid_from, data.reason, data.rules, business_on=clock.today(),
        other_starts=other_starts, period_starts_on=programme.starts_on,
        period_ends_on=programme.ends_on, regime_source=data.source, history=history)
    if issues:
        raise RegimeRefused(issues)


def _refuse_if_started(regime: DelegationRegime) -> None:
    """A regime in force or past is history: refuse, and refuse rules a decision points at."""
    problem = rules.change_problem(regime.valid_from, clock.today())
    if problem is None and db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
            Decision.delegation_rule_id.in_([r.id for r in regime.rules]))):
        problem = rules.RegimeIssue(rules.RegimeProblem.IN_FORCE_IMMUTABLE, params={
            "field": "valid_from", "regime_starts_on": regime.valid_from,
            "business_on": clock.today()})
    if problem is not None:
        raise RegimeRefused([problem], status=409)


def _add_rules(programme: Programme, regime: DelegationRegime, data: RegimeData) -> None:
    for draft in data.rules:
        db.session.add(DelegationRule(
            programme_id=programme.id, regime_id=regime.id, authority_key=draft.authority_key,
            authority_name=draft.authority_name, limit_sek=draft.limit_sek,
            valid_from=data.valid_from, valid_to=None,
            source=draft.source or data.regime_source))
    db.session.flush()
    db.session.expire(regime, ["rules"])


def _chain_ends(programme: Programme, *, every_regime: bool = False) -> None:
    """End each regime the day before the next starts, from the latest one in force on.

    Regimes that ended before the latest started one keep their ends: they are history
    (only the seed, loading that history, chains `every_regime`).
    """
    regimes = regimes_of(programme)
    ends = rules.regime_ends(r.valid_from for r in regimes)
    today = clock.today()
    started = [r.valid_from for r in regimes if r.valid_from <= today]
    keep_before = started[-1] if started and not every_regime else None
    for regime in regimes:
        if keep_before is not None and regime.valid_from < keep_before:
            continue
        for rule in regime.rules:
            rule.valid_to = ends[regime.valid_from]
    db.session.flush()
    db.session.expire(programme, ["delegation_rules", "delegation_regimes"])


def _snapshot(regime: DelegationRegime) -> dict:
    return {
        "programme_id": regime.programme_id, "valid_from": regime.valid_from,
        "reason": regime.reason, "source": regime.source,
        "rules": [{"id": r.id, "authority_key": r.authority_key,
                   "authority_name": r.authority_name, "limit_sek": r.limit_sek,
                   "source": r.source} for r in regime.rules],
    }
