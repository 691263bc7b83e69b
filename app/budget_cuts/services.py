"""Budget cuts (nyttohemtagning): policies, proposals, adopted cuts and their explanation.

The ledger is append-only. A policy is effective-dated: for a budget year the policy in
force is the one with the latest `valid_from_year` not after it (a later row for the same
year supersedes an earlier one). Proposing again for a year keeps history: a new proposal
entry is written only where the figure or its lines changed, and never once the council
has adopted the organisation's cut. An adopted cut is immutable; a change is a correction
entry pointing back to the entry it replaces, and the latest of the chain is in force.

Figures come from the benefit register: the planned cash-releasing savings of each benefit
(the frozen baseline) and, for realised, the latest realisation entry per benefit and year.
`rules.py` does the arithmetic. Services flush, never commit.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from app.accounts.models import Organisation
from app.benefit_map import queries as network_queries
from app.benefits import queries as benefit_queries
from app.benefits.models import Benefit, BenefitLine, CalculationVersion, RealisationEntry
from app.core import audit, clock, labels
from app.core.asof import counts_on
from app.core.enums import BudgetCutEntryKind, CostKind
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.money import format_sek, format_share
from app.extensions import db
from app.programmes.models import Programme
from app.projects import queries as project_queries
from app.projects.models import Project

from . import rules
from .models import BudgetCutEntry, BudgetCutLine, BudgetCutPolicy
from .permissions import can_manage_budget_cuts

MAX_AMOUNT_SEK = 10**12
MAX_REF_LENGTH = 200
MAX_REASON_LENGTH = 5_000
MAX_SCENARIOS = 4
DECIDED_KINDS = (BudgetCutEntryKind.ADOPTED, BudgetCutEntryKind.CORRECTION)

FLAG_LABELS = {
    rules.Flag.CUT_BEFORE_LAUNCH: _l("Cut before launch"),
    rules.Flag.CUT_BEFORE_CHANGE: _l("Cut before the change happened"),
    rules.Flag.CUT_EXCEEDS_REALISED: _l("Cut exceeds realised"),
    rules.Flag.REALISED_NOT_TAKEN: _l("Realised not taken"),
}
EXCLUSION_LABELS = {
    rules.Exclusion.BEFORE_GO_LIVE: _l("Not counted: the saving year is before the service's "
                                       "go-live"),
    rules.Exclusion.NOT_LAUNCHED: _l("Not counted: the service has not gone live"),
}
ENTRY_KIND_LABELS = {
    BudgetCutEntryKind.PROPOSED: _l("Proposed"),
    BudgetCutEntryKind.ADOPTED: _l("Adopted"),
    BudgetCutEntryKind.CORRECTION: _l("Correction"),
}


# ---- refusals -------------------------------------------------------------------------------

def _require_manager(actor, programme_id: int) -> None:
    if not can_manage_budget_cuts(actor, programme_id):
        raise Forbidden(_("Only the programme office manages budget cuts."))


# ---- programmes and years -------------------------------------------------------------------

def current_programme() -> Programme | None:
    """Return the programme that started last (the demo has one)."""
    return db.session.scalar(sa.select(Programme).order_by(Programme.starts_on.desc(),
                                                           Programme.id.desc()).limit(1))


def get_programme(programme_id: int | None) -> Programme:
    """Return the programme, or the current one when no id is given."""
    programme = (current_programme() if programme_id is None
                 else db.session.get(Programme, programme_id))
    if programme is None:
        raise NotFound(_("There is no such programme."))
    return programme


def budget_years(programme: Programme) -> range:
    """Return the budget years a programme's cuts may concern: its own calendar years."""
    return range(programme.starts_on.year, programme.ends_on.year + 1)


def check_budget_year(programme: Programme, year, field_name: str = "budget_year") -> int:
    """Refuse a budget year outside the programme's years, naming the field."""
    years = budget_years(programme)
    if isinstance(year, bool) or not isinstance(year, int) or year not in years:
        raise InvalidInput(
            _("The budget year must be within the programme's years, %(first)s–%(last)s.",
              first=years[0], last=years[-1]), field=field_name)
    return year


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("There is no such organisation."))
    return organisation


# ---- policies -------------------------------------------------------------------------------

def policies(programme: Programme) -> list[BudgetCutPolicy]:
    """Every policy of the programme, in the order they take effect."""
    return list(db.session.scalars(
        sa.select(BudgetCutPolicy).where(BudgetCutPolicy.programme_id == programme.id)
        .order_by(BudgetCutPolicy.valid_from_year, BudgetCutPolicy.id)))


def _in_force(rows: Sequence[BudgetCutPolicy], budget_year: int) -> BudgetCutPolicy | None:
    candidates = [p for p in rows if p.valid_from_year <= budget_year]
    return max(candidates, key=lambda p: (p.valid_from_year, p.id)) if candidates else None


def policy_in_force(programme: Programme, budget_year: int) -> BudgetCutPolicy | None:
    """Return the policy in force for a budget year (latest valid_from_year not after it)."""
    return _in_force(policies(programme), budget_year)


def policies_by_year(programme: Programme) -> dict[int, BudgetCutPolicy | None]:
    """Return the policy in force for each of the programme's budget years."""
    rows = policies(programme)
    return {year: _in_force(rows, year) for year in budget_years(programme)}


def policy_rule(policy: BudgetCutPolicy) -> rules.Policy:
    """Turn a stored policy into the pure rule's policy."""
    return rules.Policy(share=Decimal(policy.share), lag_years=policy.lag_years,
                        net_running_costs=policy.net_running_costs,
                        allow_before_go_live=policy.allow_before_go_live,
                        valid_from_year=policy.valid_from_year, policy_id=policy.id)


def describe_policy(policy: rules.Policy | BudgetCutPolicy) -> str:
    """Say a policy in one sentence, e.g. for the explanation page."""
    percent = Decimal(policy.share) * 100
    share = format_share(policy.share, 0 if percent == percent.to_integral_value() else 2)
    parts = [
        ngettext("%(share)s of the cash-releasing savings, taken %(num)d year later",
                 "%(share)s of the cash-releasing savings, taken %(num)d years later",
                 policy.lag_years, share=share) if policy.lag_years else
        _("%(share)s of the cash-releasing savings, taken the same year", share=share),
        _("running costs netted") if policy.net_running_costs else _("running costs not netted"),
        _("cuts also before go-live") if policy.allow_before_go_live
        else _("no cuts before go-live"),
    ]
    return "; ".join(str(p) for p in parts)


def _whole(data: Mapping, name: str, minimum: int, maximum: int, message) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(message(), field=name)
    return value


def parse_share(value, field_name: str = "share") -> Decimal:
    """Read a share 0–1 (at most four decimals), naming the field when it is not."""
    try:
        share = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        share = None
    if isinstance(value, bool) or value is None or share is None or not share.is_finite() or not (
            0 <= share <= 1):
        raise InvalidInput(_("The share must be between 0 and 100 %."), field=field_name)
    return share.quantize(rules.SHARE_QUANTUM, ROUND_HALF_UP)


def _flag(data: Mapping, name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise InvalidInput(_("Answer yes or no."), field=name)
    return value


def _policy_values(programme: Programme, data: Mapping) -> dict:
    years = budget_years(programme)
    values = {
        "valid_from_year": _whole(
            data, "valid_from_year", years[0], years[-1],
            lambda: _("The year must be within the programme's years, %(first)s–%(last)s.",
                      first=years[0], last=years[-1])),
        "share": parse_share(data.get("share")),
        "lag_years": _whole(data, "lag_years", 0, rules.MAX_LAG_YEARS,
                            lambda: _("The lag must be 0 to %(max)s years.",
                                      max=rules.MAX_LAG_YEARS)),
        "net_running_costs": _flag(data, "net_running_costs"),
        "allow_before_go_live": _flag(data, "allow_before_go_live"),
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


# ---- the portfolio's savings ----------------------------------------------------------------

@dataclass
class _Portfolio:
    """Every benefit of a programme's projects, loaded once: plans, running costs, realised."""

    programme: Programme
    projects: dict[int, Project] = field(default_factory=dict)
    benefits: dict[int, Benefit] = field(default_factory=dict)
    versions: dict[int, CalculationVersion] = field(default_factory=dict)
    lines: tuple[rules.SavingLine, ...] = ()
    realised: dict[tuple[int, int], int] = field(default_factory=dict)
    _lines_by_benefit: dict = field(default_factory=dict)
    _realised_by_owner: dict = field(default_factory=dict)
    _proposals: dict = field(default_factory=dict)

    @classmethod
    def load(cls, programme: Programme, on: date | None = None) -> "_Portfolio":
        """Load the projects decided by `on` and the realisations recorded by it (None: all)."""
        portfolio = cls(programme)
        projects = sa.select(Project).where(Project.programme_id == programme.id)
        if on is not None:
            projects = projects.where(project_queries.exists_on(on))
        portfolio.projects = {p.id: p for p in db.session.scalars(projects)}
        benefits = db.session.scalars(
            sa.select(Benefit).where(Benefit.project_id.in_(list(portfolio.projects)))
            .options(selectinload(Benefit.plan_years)).order_by(Benefit.project_id, Benefit.id))
        portfolio.benefits = {b.id: b for b in benefits}
        version_of = {line_id: version_id for line_id, version_id in db.session.execute(
            sa.select(BenefitLine.id, BenefitLine.version_id).where(
                BenefitLine.id.in_([b.baseline_line_id for b in portfolio.benefits.values()])))}
        portfolio.versions = {v.id: v for v in db.session.scalars(
            sa.select(CalculationVersion).where(CalculationVersion.id.in_(set(version_of.values())))
            .options(selectinload(CalculationVersion.cost_lines)))}
        portfolio.lines = portfolio._saving_lines(version_of)
        portfolio._lines_by_benefit = {(line.benefit_id, line.saving_year): line
                                       for line in portfolio.lines}
        effective = benefit_queries.effective_entry_ids(on)
        for benefit_id, year, amount in db.session.execute(
                sa.select(RealisationEntry.benefit_id, RealisationEntry.year,
                          RealisationEntry.actual_cash_releasing_sek)
                .where(RealisationEntry.benefit_id.in_(list(portfolio.benefits)),
                       RealisationEntry.id.in_(effective))):
            portfolio.realised[(benefit_id, year)] = amount
            key = (portfolio.benefits[benefit_id].owner_organisation_id, year)
            portfolio._realised_by_owner[key] = portfolio._realised_by_owner.get(key, 0) + amount
        return portfolio

    def _running_cost(self, version: CalculationVersion, year: int) -> int:
        index = year - version.start_year
        return sum(c.by_year_sek[index] for c in version.cost_lines
                   if c.kind == CostKind.RUNNING and 0 <= index < len(c.by_year_sek))

    def _saving_lines(self, version_of: Mapping[int, int]) -> tuple[rules.SavingLine, ...]:
        """One line per benefit and planned year; each project-year's running cost pro rata."""
        raw: dict[tuple[int, int], list[tuple[Benefit, int, int]]] = {}
        for benefit in self.benefits.values():
            version_id = version_of[benefit.baseline_line_id]
            for plan in benefit.plan_years:
                raw.setdefault((benefit.project_id, plan.year), []).append(
                    (benefit, version_id, plan.planned_cash_releasing_sek))
        lines = []
        for (project_id, year), group in sorted(raw.items()):
            version = self.versions[group[0][1]]
            running = rules.allocate_sek(self._running_cost(version, year),
                                         [cash for _b, _v, cash in group])
            for (benefit, version_id, cash), cost in zip(group, running, strict=True):
                lines.append(rules.SavingLine(
                    organisation_id=benefit.owner_organisation_id, project_id=project_id,
                    benefit_id=benefit.id, calculation_version_id=version_id, saving_year=year,
                    cash_releasing_sek=cash, running_cost_sek=cost,
                    go_live_on=self.projects[project_id].go_live_on))
        return tuple(lines)

    def saving_line(self, benefit_id: int | None, year: int) -> rules.SavingLine | None:
        return self._lines_by_benefit.get((benefit_id, year))

    def realised_sek(self, organisation_id: int, year: int) -> int:
        """Return the realised cash-releasing savings of an organisation's benefits in a year."""
        return self._realised_by_owner.get((organisation_id, year), 0)

    def realising_organisations(self, year: int) -> set[int]:
        return {org for (org, y), amount in self._realised_by_owner.items() if y == year and amount}

    def proposal(self, policy: rules.Policy, budget_year: int,
                 previous: rules.Policy | None = None) -> rules.Proposal:
        key = (policy, budget_year, previous)
        if key not in self._proposals:
            self._proposals[key] = rules.propose(self.lines, policy, budget_year, previous)
        return self._proposals[key]


# ---- the ledger -----------------------------------------------------------------------------

def entries(programme: Programme, organisation_id: int | None = None,
            budget_year: int | None = None, on: date | None = None) -> list[BudgetCutEntry]:
    """Ledger entries in the order they were written (by `on`), for one organisation or year."""
    query = (sa.select(BudgetCutEntry).where(BudgetCutEntry.programme_id == programme.id)
             .options(selectinload(BudgetCutEntry.lines)).order_by(BudgetCutEntry.id))
    if on is not None:
        query = query.where(counts_on(BudgetCutEntry.created_at, on))
    if organisation_id is not None:
        query = query.where(BudgetCutEntry.organisation_id == organisation_id)
    if budget_year is not None:
        query = query.where(BudgetCutEntry.budget_year == budget_year)
    return list(db.session.scalars(query))


def _latest(rows: Iterable[BudgetCutEntry], *kinds) -> BudgetCutEntry | None:
    found = [e for e in rows if e.kind in kinds]
    return max(found, key=lambda e: e.id) if found else None


def current_proposal(rows: Iterable[BudgetCutEntry]) -> BudgetCutEntry | None:
    return _latest(rows, BudgetCutEntryKind.PROPOSED)


def decided_entry(rows: Iterable[BudgetCutEntry]) -> BudgetCutEntry | None:
    """Return the adopted cut in force: the adoption or its latest correction."""
    return _latest(rows, *DECIDED_KINDS)


def _lock(programme: Programme) -> None:
    """Serialise ledger writes for a programme (a no-op lock on SQLite's single writer)."""
    db.session.execute(sa.select(Programme.id).where(Programme.id == programme.id)
                       .with_for_update())


def _line_key(lines) -> list[tuple]:
    return sorted((line.project_id, line.benefit_id, line.calculation_version_id,
                   line.saving_year, line.cash_releasing_sek, Decimal(line.share),
                   line.proposed_sek) for line in lines)


def propose_budget_cuts(programme: Programme, budget_year: int, actor,
                        on: date | None = None) -> list[BudgetCutEntry]:
    """Propose the year's cuts; unchanged proposals stay, changed ones get a new entry.

    `on`: propose from the projects decided by that day only (a proposal recorded as of a
    past day, e.g. by the demo seed, cannot rest on calculations decided after it)."""
    _require_manager(actor, programme.id)
    check_budget_year(programme, budget_year)
    rows = policies(programme)
    policy = _in_force(rows, budget_year)
    if policy is None:
        raise Conflict(_("No budget-cut policy is in force for %(year)s. Add one on the policy "
                         "page first.", year=budget_year))
    _lock(programme)
    previous = _in_force(rows, budget_year - 1)
    proposal = _Portfolio.load(programme, on).proposal(
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
                latest.policy_id == policy.id and _line_key(latest.lines) == _line_key(new_lines)):
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


def _amount(value, field_name: str = "amount_sek") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT_SEK:
        raise InvalidInput(_("The amount must be whole kronor, 0 or more."), field=field_name)
    return value


def _text(value, field_name: str, maximum: int) -> str:
    text = (value or "").strip() if isinstance(value, str | None) else None
    if text is None or len(text) > maximum:
        raise InvalidInput(_("Write at most %(count)d characters.", count=maximum),
                           field=field_name)
    return text


def _decision_fields(amount_sek, council_decision_ref, reason) -> tuple[int, str, str]:
    amount = _amount(amount_sek)
    reference = _text(council_decision_ref, "council_decision_ref", MAX_REF_LENGTH)
    if not reference:
        raise InvalidInput(_("Give the reference of the council's budget decision."),
                           field="council_decision_ref")
    return amount, reference, _text(reason, "reason", MAX_REASON_LENGTH)


def adopt_budget_cut(programme: Programme, organisation: Organisation, budget_year: int,
                     amount_sek: int, council_decision_ref: str, reason: str,
                     actor) -> BudgetCutEntry:
    """Record the cut the council adopted; a cut other than the proposal needs its reason."""
    _require_manager(actor, programme.id)
    check_budget_year(programme, budget_year)
    amount, reference, reason = _decision_fields(amount_sek, council_decision_ref, reason)
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
    amount, reference, reason = _decision_fields(
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


# ---- the explanation ------------------------------------------------------------------------

@dataclass(frozen=True)
class ExplanationLine:
    """One benefit line behind a cut, with where it came from and what it has realised."""

    project: Project
    benefit: Benefit | None
    version: CalculationVersion | None
    saving_year: int
    cash_releasing_sek: int
    netted_sek: int
    share: Decimal
    proposed_sek: int
    realised_sek: int

    def as_dict(self) -> dict:
        version = self.version
        return {
            "project_id": self.project.id,
            "benefit": None if self.benefit is None else {"id": self.benefit.id,
                                                           "name": self.benefit.name},
            "calculation_version": None if version is None else {
                "id": version.id, "number": version.number, "kind": version.kind.value},
            "saving_year": self.saving_year,
            "cash_releasing_sek": self.cash_releasing_sek,
            "share": float(self.share),
            "proposed_sek": self.proposed_sek,
        }


@dataclass(frozen=True)
class ExcludedRow:
    project: Project
    benefit: Benefit | None
    saving_year: int
    cash_releasing_sek: int
    reason: rules.Exclusion

    @property
    def reason_label(self) -> str:
        return str(EXCLUSION_LABELS[self.reason])


@dataclass(frozen=True)
class Explanation:
    """Why an organisation's budget for a year is lower: every krona, line by line."""

    programme: Programme
    organisation: Organisation
    budget_year: int
    saving_year: int
    policy: BudgetCutPolicy | None
    proposal_entry: BudgetCutEntry | None
    decided: BudgetCutEntry | None
    history: tuple[BudgetCutEntry, ...]
    proposed_sek: int
    realised_sek: int
    previous_sek: int
    lines: tuple[ExplanationLine, ...]
    excluded: tuple[ExcludedRow, ...]
    reconciliation: rules.Reconciliation

    @property
    def is_preview(self) -> bool:
        """True when nothing is proposed yet and the figures are computed from the policy."""
        return self.proposal_entry is None

    @property
    def adopted_sek(self) -> int | None:
        return None if self.decided is None else self.decided.amount_sek

    @property
    def cut_sek(self) -> int:
        """Return the cut in force: the adopted one, else the proposal."""
        return self.proposed_sek if self.adopted_sek is None else self.adopted_sek

    @property
    def increment_sek(self) -> int:
        return self.cut_sek - self.previous_sek

    @property
    def flags(self) -> tuple[rules.FlagNote, ...]:
        return self.reconciliation.flags

    @property
    def policy_text(self) -> str:
        return describe_policy(self.policy) if self.policy else _("No policy in force")

    def flag_text(self, flag: rules.FlagNote) -> str:
        return flag_text(flag, self.saving_year)

    def as_dict(self) -> dict:
        """The public JSON of `GET /api/v1/budget-cuts` (issue 6): these names are fixed."""
        return {
            "organisation_id": self.organisation.id,
            "year": self.budget_year,
            "proposed_sek": self.proposed_sek,
            "adopted_sek": self.adopted_sek,
            "realised_sek": self.realised_sek,
            "increment_sek": self.increment_sek,
            "flags": [flag_dict(f) for f in self.flags],
            "lines": [line.as_dict() for line in self.lines],
        }


def flag_dict(flag: rules.FlagNote) -> dict:
    """A flag in the API; a cut before the change also names the benefit and the changes."""
    found = {"code": flag.code.value, "amount_sek": flag.amount_sek, "project_id": flag.project_id}
    if flag.code == rules.Flag.CUT_BEFORE_CHANGE:
        found.update(benefit_id=flag.benefit_id, changes=list(flag.changes))
    return found


def flag_text(flag: rules.FlagNote, saving_year: int) -> str:
    """Say in a sentence what a flag means for the reader."""
    if flag.code == rules.Flag.CUT_BEFORE_LAUNCH:
        return _("The cut rests on a service that had not gone live in %(year)s.",
                 year=saving_year)
    if flag.code == rules.Flag.CUT_BEFORE_CHANGE:
        return _("The cut rests on the benefit %(benefit)s, whose changes were not done: "
                 "%(changes)s.", benefit=flag.benefit_name, changes="; ".join(flag.changes))
    if flag.code == rules.Flag.CUT_EXCEEDS_REALISED:
        return _("The adopted cut is %(amount)s more than the cash-releasing savings realised "
                 "in %(year)s.", amount=format_sek(flag.amount_sek), year=saving_year)
    return _("%(amount)s of the cash-releasing savings realised in %(year)s was not taken back.",
             amount=format_sek(flag.amount_sek), year=saving_year)


class _Ledger:
    """Explanations for one programme, with the portfolio and the entries loaded once."""

    def __init__(self, programme: Programme, on: date | None = None):
        self.programme = programme
        self.portfolio = _Portfolio.load(programme, on)
        self.policies = policies(programme)
        self.entries: dict[tuple[int, int], list[BudgetCutEntry]] = {}
        for entry in entries(programme, on=on):
            self.entries.setdefault((entry.organisation_id, entry.budget_year), []).append(entry)

    def policy(self, budget_year: int) -> BudgetCutPolicy | None:
        return _in_force(self.policies, budget_year)

    def live(self, organisation_id: int, budget_year: int) -> rules.OrganisationProposal | None:
        policy = self.policy(budget_year)
        if policy is None:
            return None
        return self.portfolio.proposal(policy_rule(policy), budget_year).for_organisation(
            organisation_id)

    def level(self, organisation_id: int, budget_year: int) -> int:
        """Return the cut in force: adopted, else proposed, else what the policy proposes."""
        history = self.entries.get((organisation_id, budget_year), [])
        stored = decided_entry(history) or current_proposal(history)
        if stored is not None:
            return stored.amount_sek
        live = self.live(organisation_id, budget_year)
        return live.proposed_sek if live else 0

    def organisation_ids(self, budget_year: int) -> list[int]:
        """Return every organisation with anything to show for a budget year."""
        ids = {org for org, year in self.entries if year in (budget_year, budget_year - 1)}
        for year in (budget_year, budget_year - 1):
            policy = self.policy(year)
            if policy is not None:
                proposal = self.portfolio.proposal(policy_rule(policy), year)
                ids |= {o.organisation_id for o in proposal.organisations
                        if o.lines or o.excluded or o.proposed_sek}
        saving_year = budget_year - self._lag(budget_year)
        ids |= self.portfolio.realising_organisations(saving_year)
        return sorted(ids)

    def _lag(self, budget_year: int) -> int:
        policy = self.policy(budget_year)
        return policy.lag_years if policy else rules.DEMO_POLICY.lag_years

    def _line(self, saving: rules.SavingLine | None, benefit_id: int | None, project_id: int,
              version_id: int, year: int, cash: int, share: Decimal, proposed: int,
              policy: BudgetCutPolicy | None) -> ExplanationLine:
        netted = 0
        if saving is not None and policy is not None and policy.net_running_costs:
            netted = min(saving.running_cost_sek, cash)
        return ExplanationLine(
            project=self.portfolio.projects.get(project_id) or db.session.get(Project, project_id),
            benefit=self.portfolio.benefits.get(benefit_id),
            version=self.portfolio.versions.get(version_id)
            or db.session.get(CalculationVersion, version_id),
            saving_year=year, cash_releasing_sek=cash, netted_sek=netted, share=share,
            proposed_sek=proposed, realised_sek=self.portfolio.realised.get((benefit_id, year), 0))

    def explain(self, organisation: Organisation, budget_year: int) -> Explanation:
        history = tuple(self.entries.get((organisation.id, budget_year), []))
        stored = current_proposal(history)
        policy = (next((p for p in self.policies if p.id == stored.policy_id), None)
                  if stored is not None and stored.policy_id else self.policy(budget_year))
        rule = policy_rule(policy) if policy else rules.DEMO_POLICY
        saving_year = rule.saving_year(budget_year)
        live = self.portfolio.proposal(rule, budget_year).for_organisation(organisation.id)
        if stored is not None:
            lines = tuple(self._line(
                self.portfolio.saving_line(x.benefit_id, x.saving_year), x.benefit_id,
                x.project_id, x.calculation_version_id, x.saving_year, x.cash_releasing_sek,
                Decimal(x.share), x.proposed_sek, policy) for x in stored.lines)
            proposed = stored.amount_sek
        elif policy is not None:
            lines = tuple(self._line(
                x.saving, x.saving.benefit_id, x.saving.project_id,
                x.saving.calculation_version_id, x.saving.saving_year,
                x.saving.cash_releasing_sek, x.share, x.proposed_sek, policy)
                for x in live.lines)
            proposed = live.proposed_sek
        else:
            lines, proposed = (), 0
        excluded = tuple(ExcludedRow(
            project=self.portfolio.projects[x.saving.project_id],
            benefit=self.portfolio.benefits.get(x.saving.benefit_id),
            saving_year=x.saving.saving_year, cash_releasing_sek=x.saving.cash_releasing_sek,
            reason=x.reason) for x in live.excluded) if policy is not None else ()
        decided = decided_entry(history)
        realised = self.portfolio.realised_sek(organisation.id, saving_year)
        go_live = {line.project.id: line.project.go_live_on for line in lines
                   if line.proposed_sek > 0}
        undone = self.undone_changes(lines, saving_year)
        return Explanation(
            programme=self.programme, organisation=organisation, budget_year=budget_year,
            saving_year=saving_year, policy=policy, proposal_entry=stored, decided=decided,
            history=history, proposed_sek=proposed, realised_sek=realised,
            previous_sek=self.level(organisation.id, budget_year - 1), lines=lines,
            excluded=excluded, reconciliation=rules.reconcile(
                proposed, decided.amount_sek if decided else None, realised, go_live,
                budget_year, saving_year, undone))

    def undone_changes(self, lines: Sequence[ExplanationLine],
                       saving_year: int) -> tuple[rules.UndoneChanges, ...]:
        """The benefits behind the cut whose changes were not done by the saving year's end
        (or today, if that is earlier): "cut before the change happened" (issue 16)."""
        benefits = {line.benefit.id: line for line in lines
                    if line.proposed_sek > 0 and line.benefit is not None}
        on = min(clock.today(), date(saving_year, 12, 31))
        found = network_queries.undone_changes_for_benefits(self.programme, benefits, on)
        return tuple(rules.UndoneChanges(benefits[benefit_id].project.id, benefit_id,
                                         benefits[benefit_id].benefit.name,
                                         tuple(change.label for change in changes))
                     for benefit_id, changes in sorted(found.items()))


def explanation(organisation: Organisation, budget_year: int,
                programme: Programme | None = None, on: date | None = None) -> Explanation:
    """Explain an organisation's cut for a budget year as it stood on `on`."""
    programme = programme or get_programme(None)
    check_budget_year(programme, budget_year, "year")
    return _Ledger(programme, on).explain(organisation, budget_year)


def explanations(programme: Programme, budget_year: int,
                 organisation_ids: Iterable[int] | None = None,
                 on: date | None = None) -> list[Explanation]:
    """Explain every organisation with a cut, savings or realisations for the budget year."""
    check_budget_year(programme, budget_year, "year")
    ledger = _Ledger(programme, on)
    ids = ledger.organisation_ids(budget_year) if organisation_ids is None else list(
        organisation_ids)
    organisations = {o.id: o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(ids)))}
    found = [ledger.explain(organisations[i], budget_year) for i in ids if i in organisations]
    return sorted(found, key=lambda e: e.organisation.name)


def version_label(version: CalculationVersion | None) -> str:
    if version is None:
        return "–"
    return _("Version %(number)s: %(kind)s", number=version.number,
             kind=labels.CALCULATION_VERSION.get(version.kind, version.kind.value))


def explanation_table(item: Explanation) -> tuple[list[tuple[str, str]], list[list]]:
    """Return the explanation as (headers with kinds, rows) for the one-sheet Excel export."""
    headers = [
        (_("Item"), "text"), (_("Project"), "text"), (_("Benefit"), "text"),
        (_("Calculation version"), "text"), (_("Saving year"), "int"),
        (_("Cash-releasing saving (SEK)"), "sek"), (_("Share taken back"), "percent"),
        (_("Cut (SEK)"), "sek"), (_("Realised (SEK)"), "sek"), (_("Note"), "text"),
    ]
    rows: list[list] = [[
        _("Contributing benefit line"), line.project.title,
        line.benefit.name if line.benefit else "–", version_label(line.version),
        line.saving_year, line.cash_releasing_sek, line.share, line.proposed_sek,
        line.realised_sek,
        _("Running costs netted: %(amount)s SEK", amount=line.netted_sek) if line.netted_sek
        else ""] for line in item.lines]
    rows += [[_("Not counted"), row.project.title, row.benefit.name if row.benefit else "–", "",
              row.saving_year, row.cash_releasing_sek, None, 0, None, row.reason_label]
             for row in item.excluded]
    decided = item.decided
    rows += [
        [_("Proposed cut"), "", "", "", item.saving_year, None, None, item.proposed_sek, None,
         _("Preview from the policy: nothing proposed yet") if item.is_preview else ""],
        [_("Adopted cut"), "", "", "", None, None, None, item.adopted_sek, None,
         " – ".join(filter(None, [decided.council_decision_ref, decided.reason]))
         if decided else _("Not adopted yet")],
        [_("Realised so far"), "", "", "", item.saving_year, None, None, None,
         item.realised_sek, ""],
        [_("Change from the year before"), "", "", "", None, None, None, item.increment_sek,
         None, _("Cut the year before: %(amount)s SEK", amount=item.previous_sek)],
        [_("Policy applied"), "", "", "", None, None, None, None, None, item.policy_text],
    ]
    rows += [[_("Flag"), "", "", "", None, None, None, None, None, item.flag_text(flag)]
             for flag in item.flags]
    return headers, rows


# ---- reconciliation across the city, and what-if ------------------------------------------

@dataclass(frozen=True)
class YearTotal:
    """The city's cuts for one budget year: proposed, adopted and realised."""

    budget_year: int
    proposed_sek: int
    adopted_sek: int
    cut_sek: int
    realised_sek: int
    organisations: int


def city_totals(programme: Programme, years: Iterable[int] | None = None,
                on: date | None = None) -> list[YearTotal]:
    """Sum the explanations of every organisation, year by year, as they stood on `on`."""
    ledger = _Ledger(programme, on)
    organisations = {o.id: o for o in db.session.scalars(sa.select(Organisation))}
    totals = []
    for year in (budget_years(programme) if years is None else years):
        items = [ledger.explain(organisations[i], year) for i in ledger.organisation_ids(year)]
        totals.append(YearTotal(
            budget_year=year, proposed_sek=sum(e.proposed_sek for e in items),
            adopted_sek=sum(e.adopted_sek or 0 for e in items),
            cut_sek=sum(e.cut_sek for e in items),
            realised_sek=sum(e.realised_sek for e in items),
            organisations=sum(1 for e in items if e.cut_sek)))
    return totals


@dataclass(frozen=True)
class Scenario:
    """One policy's proposals over the budget years of a what-if comparison."""

    label: str
    policy: rules.Policy
    proposals: tuple[rules.Proposal, ...]

    def total(self, budget_year: int) -> int:
        return next(p.total_sek for p in self.proposals if p.budget_year == budget_year)

    def increment(self, budget_year: int) -> int:
        return next(p.total_increment_sek for p in self.proposals if p.budget_year == budget_year)

    def organisation_total(self, organisation_id: int) -> int:
        return sum(p.for_organisation(organisation_id).proposed_sek for p in self.proposals)


@dataclass(frozen=True)
class WhatIf:
    """Side-by-side proposals under several policies; nothing is written."""

    budget_years: tuple[int, ...]
    scenarios: tuple[Scenario, ...]
    organisations: tuple[Organisation, ...]


def policy_from_data(data, index: int) -> rules.Policy:
    """Read one what-if policy (share 0–1, lag, netting, before go-live), naming bad fields."""
    if isinstance(data, rules.Policy):
        return data
    if not isinstance(data, Mapping):
        raise InvalidInput(_("Describe each policy with share and lag."),
                           field=f"policies[{index}]")
    prefix = f"policies[{index}]."
    try:
        share = parse_share(data.get("share"), prefix + "share")
        lag = data.get("lag_years", 1)
        if isinstance(lag, bool) or not isinstance(lag, int) or not (
                0 <= lag <= rules.MAX_LAG_YEARS):
            raise InvalidInput(_("The lag must be 0 to %(max)s years.", max=rules.MAX_LAG_YEARS),
                               field=prefix + "lag_years")
        return rules.Policy(share=share, lag_years=lag,
                            net_running_costs=_flag(data, "net_running_costs"),
                            allow_before_go_live=_flag(data, "allow_before_go_live"))
    except InvalidInput as invalid:
        if invalid.field and not invalid.field.startswith(prefix):
            invalid.field = prefix + invalid.field
        raise


def what_if(programme: Programme, policies_to_compare: Sequence, budget_years_: Iterable[int],
            labels: Sequence[str] | None = None) -> WhatIf:
    """Compute the proposals under each policy for each budget year, writing nothing."""
    if not policies_to_compare or len(policies_to_compare) > MAX_SCENARIOS:
        raise InvalidInput(_("Compare 1 to %(max)s policies.", max=MAX_SCENARIOS),
                           field="policies")
    years = tuple(sorted(set(budget_years_)))
    if not years:
        raise InvalidInput(_("Choose at least one budget year."), field="budget_years")
    for year in years:
        check_budget_year(programme, year, "budget_years")
    portfolio = _Portfolio.load(programme)
    scenarios = []
    for index, data in enumerate(policies_to_compare):
        policy = policy_from_data(data, index)
        label = (labels[index] if labels and index < len(labels) and labels[index]
                 else _l("Policy %(letter)s", letter="ABCD"[index]))
        scenarios.append(Scenario(label, policy, tuple(
            portfolio.proposal(policy, year) for year in years)))
    organisation_ids = {o.organisation_id for s in scenarios for p in s.proposals
                        for o in p.organisations}
    organisations = tuple(db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(organisation_ids))
        .order_by(Organisation.name)))
    return WhatIf(years, tuple(scenarios), organisations)


def default_scenarios(programme: Programme, budget_year: int) -> list[rules.Policy]:
    """The comparison offered first: the policy in force, half the share, netting with lag 2."""
    policy = policy_in_force(programme, budget_year)
    base = policy_rule(policy) if policy else rules.DEMO_POLICY
    return [
        rules.Policy(share=base.share, lag_years=base.lag_years,
                     net_running_costs=base.net_running_costs,
                     allow_before_go_live=base.allow_before_go_live),
        rules.Policy(share=(base.share / 2).quantize(rules.SHARE_QUANTUM, ROUND_HALF_UP),
                     lag_years=base.lag_years, net_running_costs=base.net_running_costs,
                     allow_before_go_live=base.allow_before_go_live),
        rules.Policy(share=base.share, lag_years=2, net_running_costs=True,
                     allow_before_go_live=base.allow_before_go_live),
    ]


def today_budget_year(programme: Programme, today: date) -> int:
    """Return the budget year to show first: next year (being prepared), within the programme."""
    years = budget_years(programme)
    return min(max(today.year + 1, years[0]), years[-1])
