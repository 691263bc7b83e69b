"""Budget cuts (nyttohemtagning) that change state: policies, proposals, adoptions, corrections.

The ledger is append-only. A policy is effective-dated: for a budget year the policy in
force is the one with the latest `valid_from_year` not after it (a later row for the same
year supersedes an earlier one). Proposing again for a year keeps history: a new proposal
entry is written only where the figure or its lines changed, and never once the council
has adopted the organisation's cut. An adopted cut is immutable; a change is a correction
entry pointing back to the entry it replaces, and the latest of the chain is in force.

Figures come from the benefit register (`portfolio.py`); `rules.py` does the arithmetic,
`queries.py` and `explanations.py` read. Services flush, never commit.
"""

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.models import Organisation
from app.core import audit
from app.core.enums import BudgetCutEntryKind
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.programmes.models import Programme

from . import rules
from .inputs import decision_fields, parse_share, whole, yes_no
from .models import BudgetCutEntry, BudgetCutLine, BudgetCutPolicy
from .permissions import can_manage_budget_cuts
from .portfolio import Portfolio
from .queries import (
    DECIDED_KINDS,
    budget_years,
    check_budget_year,
    current_proposal,
    decided_entry,
    entries,
    policies,
    policy_in_force,
    policy_rule,
)

# ---- refusals -------------------------------------------------------------------------------

def _require_manager(actor, programme_id: int) -> None:
    if not can_manage_budget_cuts(actor, programme_id):
        raise Forbidden(_("Only the programme office manages budget cuts."))


# ---- policies -------------------------------------------------------------------------------

def _policy_values(programme: Programme, data: Mapping) -> dict:
    years = budget_years(programme)
    values = {
        "valid_from_year": whole(
            data, "valid_from_year", years[0], years[-1],
            lambda: _("The year must be within the programme's years, %(first)s–%(last)s.",
                      first=years[0], last=years[-1])),
        "share": parse_share(data.get("share")),
        "lag_years": whole(data, "lag_years", 0, rules.MAX_LAG_YEARS,
                            lambda: _("The lag must be 0 to %(max)s years.",
                                      max=rules.MAX_LAG_YEARS)),
        "net_running_costs": yes_no(data, "net_running_costs"),
        "allow_before_go_live": yes_no(data, "allow_before_go_live"),
    }
    try:
        rules.Policy(**{k: v for k, v in values.items() if k != "valid_from_year"})
    except rules.PolicyError as invalid:
        raise InvalidInput(invalid.message, field=invalid.field) from None
    return values


def _policy_snapshot(policy: BudgetCutPolicy) -> dict:
    return {"programme_id": policy.programme_id, "valid_from_year": policy.valid_from_year,
            "share": str(policy.share), "lag_years": policy.lag_years,
            "net_running_costs": policy.net_running_costs,
            "allow_before_go_live": policy.allow_before_go_live}


def create_policy(programme: Programme, data: Mapping, actor) -> BudgetCutPolicy:
    """Add a policy that takes effect from a budget year (the programme office only)."""
    _require_manager(actor, programme.id)
    policy = BudgetCutPolicy(programme_id=programme.id, created_by_id=actor.id,
                             **_policy_values(programme, data))
    db.session.add(policy)
    db.session.flush()
    audit.record("budget_cut_policy.created", policy, actor=actor, after=_policy_snapshot(policy))
    return policy


def _is_used(policy: BudgetCutPolicy) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BudgetCutEntry)
                             .where(BudgetCutEntry.policy_id == policy.id)) > 0


def update_policy(policy: BudgetCutPolicy, data: Mapping, actor) -> BudgetCutPolicy:
    """Change a policy no proposal has used yet; a used one stays, to keep cuts explainable."""
    _require_manager(actor, policy.programme_id)
    if _is_used(policy):
        raise Conflict(_("Proposals already rest on this policy, so it cannot change. Add a new "
                         "policy from the budget year it should apply to."))
    before = _policy_snapshot(policy)
    programme = db.session.get(Programme, policy.programme_id)
    for name, value in _policy_values(programme, data).items():
        setattr(policy, name, value)
    db.session.flush()
    audit.record("budget_cut_policy.updated", policy, actor=actor, before=before,
                 after=_policy_snapshot(policy))
    return policy


def delete_policy(policy: BudgetCutPolicy, actor) -> None:
    """Remove a policy no proposal has used yet."""
    _require_manager(actor, policy.programme_id)
    if _is_used(policy):
        raise Conflict(_("Proposals already rest on this policy, so it cannot be removed. Add a "
                         "new policy from the budget year it should apply to."))
    audit.record("budget_cut_policy.deleted", policy, actor=actor, before=_policy_snapshot(policy))
    db.session.delete(policy)
    db.session.flush()


# ---- the ledger -----------------------------------------------------------------------------

def _lock(programme: Programme) -> None:
    """Serialise ledger writes for a programme (a no-op lock on SQLite's single writer)."""
    db.session.execute(sa.select(Programme.id).where(Programme.id == programme.id)
                       .with_for_update())


def propose_budget_cuts(programme: Programme, budget_year: int, actor,
                        on: date | None = None) -> list[BudgetCutEntry]:
    """Propose the year's cuts; unchanged proposals stay, changed ones get a new entry.

    `on`: propose from the projects decided by that day only (a proposal recorded as of a
    past day, e.g. by the demo seed, cannot rest on calculations decided after it)."""
    _require_manager(actor, programme.id)
    check_budget_year(programme, budget_year)
    rows = policies(programme)
    policy = rules.in_force(rows, budget_year)
    if policy is None:
        raise Conflict(_("No budget-cut policy is in force for %(year)s. Add one on the policy "
                         "page first.", year=budget_year))
    _lock(programme)
    previous = rules.in_force(rows, budget_year - 1)
    proposal = Portfolio.load(programme, on).proposal(
        policy_rule(policy), budget_year, policy_rule(previous) if previous else None)
    existing: dict[int, list[BudgetCutEntry]] = {}
    for entry in entries(programme, budget_year=budget_year):
        existing.setdefault(entry.organisation_id, []).append(entry)
    current = []
    for organisation_id in sorted(set(existing) | {o.organisation_id
                                                    for o in proposal.organisations}):
        history = existing.get(organisation_id, [])
        latest = current_proposal(history)
        if decided_entry(history) is not None:
            if latest is not None:
                current.append(latest)
            continue
        wanted = proposal.for_organisation(organisation_id)
        new_lines = [BudgetCutLine(
            project_id=line.saving.project_id, benefit_id=line.saving.benefit_id,
            calculation_version_id=line.saving.calculation_version_id,
            saving_year=line.saving.saving_year, cash_releasing_sek=line.saving.cash_releasing_sek,
            share=line.share, proposed_sek=line.proposed_sek) for line in wanted.lines]
        if latest is None and not new_lines and wanted.proposed_sek == 0:
            continue
        if latest is not None and latest.amount_sek == wanted.proposed_sek and (
                latest.policy_id == policy.id
                and rules.lines_key(latest.lines) == rules.lines_key(new_lines)):
            current.append(latest)
            continue
        entry = BudgetCutEntry(
            programme_id=programme.id, organisation_id=organisation_id, budget_year=budget_year,
            kind=BudgetCutEntryKind.PROPOSED, amount_sek=wanted.proposed_sek, policy_id=policy.id,
            created_by_id=actor.id, lines=new_lines)
        db.session.add(entry)
        db.session.flush()
        audit.record("budget_cut.proposed", entry, actor=actor, after={
            "organisation_id": organisation_id, "budget_year": budget_year,
            "amount_sek": entry.amount_sek, "policy_id": policy.id, "lines": len(new_lines),
            "replaces": latest.id if latest else None})
        current.append(entry)
    return current


def adopt_budget_cut(programme: Programme, organisation: Organisation, budget_year: int,
                     amount_sek: int, council_decision_ref: str, reason: str,
                     actor) -> BudgetCutEntry:
    """Record the cut the council adopted; a cut other than the proposal needs its reason."""
    _require_manager(actor, programme.id)
    check_budget_year(programme, budget_year)
    amount, reference, reason = decision_fields(amount_sek, council_decision_ref, reason)
    _lock(programme)
    history = entries(programme, organisation.id, budget_year)
    if decided_entry(history) is not None:
        raise Conflict(_("The cut for %(year)s is already adopted and cannot change. Record a "
                         "correction instead.", year=budget_year))
    proposal = current_proposal(history)
    if proposal is None and not reason:
        raise InvalidInput(_("There is no proposal for this organisation and year: give the "
                             "reason for the cut."), field="reason")
    if proposal is not None and amount != proposal.amount_sek and not reason:
        raise InvalidInput(_("The adopted cut differs from the proposal: give the reason."),
                           field="reason")
    policy = policy_in_force(programme, budget_year)
    entry = BudgetCutEntry(
        programme_id=programme.id, organisation_id=organisation.id, budget_year=budget_year,
        kind=BudgetCutEntryKind.ADOPTED, amount_sek=amount,
        policy_id=proposal.policy_id if proposal else (policy.id if policy else None),
        council_decision_ref=reference, reason=reason, created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record("budget_cut.adopted", entry, actor=actor, after={
        "organisation_id": organisation.id, "budget_year": budget_year, "amount_sek": amount,
        "proposed_sek": proposal.amount_sek if proposal else None,
        "council_decision_ref": reference, "reason": reason})
    return entry


def correct_budget_cut(entry: BudgetCutEntry, data: Mapping, actor) -> BudgetCutEntry:
    """Correct an adopted cut with a new entry pointing back; the reason is required."""
    _require_manager(actor, entry.programme_id)
    if entry.kind not in DECIDED_KINDS:
        raise Conflict(_("Only an adopted cut can be corrected; a proposal is replaced by "
                         "proposing again."))
    programme = db.session.get(Programme, entry.programme_id)
    amount, reference, reason = decision_fields(
        data.get("amount_sek"), data.get("council_decision_ref"), data.get("reason"))
    if not reason:
        raise InvalidInput(_("Give the reason for the correction."), field="reason")
    _lock(programme)
    latest = decided_entry(entries(programme, entry.organisation_id, entry.budget_year))
    if latest is not None and latest.id != entry.id:
        raise Conflict(_("This cut has already been corrected. Correct the latest entry."))
    correction = BudgetCutEntry(
        programme_id=entry.programme_id, organisation_id=entry.organisation_id,
        budget_year=entry.budget_year, kind=BudgetCutEntryKind.CORRECTION, amount_sek=amount,
        policy_id=entry.policy_id, council_decision_ref=reference, reason=reason,
        corrects_id=entry.id, created_by_id=actor.id)
    db.session.add(correction)
    db.session.flush()
    audit.record("budget_cut.corrected", correction, actor=actor,
                 before={"entry_id": entry.id, "amount_sek": entry.amount_sek},
                 after={"amount_sek": amount, "council_decision_ref": reference,
                        "reason": reason, "corrects": entry.id})
    return correction


def refuse_edit(entry: BudgetCutEntry) -> None:
    """Ledger entries never change: say what to do instead."""
    if entry.kind in DECIDED_KINDS:
        raise Conflict(_("An adopted cut cannot be edited. Record a correction instead."))
    raise Conflict(_("A proposal cannot be edited. Propose again to replace it."))


