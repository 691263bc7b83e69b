"""Why an organisation's budget is lower: explanations line by line, their export, city totals."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.models import Organisation
from app.benefit_map import queries as network_queries
from app.benefits.models import Benefit, CalculationVersion
from app.core import clock
from app.extensions import db
from app.programmes.models import Programme
from app.projects.models import Project

from . import rules
from .labels import EXCLUSION_LABELS, describe_policy, flag_text, version_label
from .models import BudgetCutEntry, BudgetCutPolicy
from .portfolio import Portfolio
from .queries import (
    budget_years,
    check_budget_year,
    current_proposal,
    decided_entry,
    entries,
    get_programme,
    policies,
    policy_rule,
)


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
        return rules.cut_in_force(self.proposed_sek, self.adopted_sek)

    @property
    def increment_sek(self) -> int:
        return rules.increment_sek(self.cut_sek, self.previous_sek)

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



class _Ledger:
    """Explanations for one programme, with the portfolio and the entries loaded once."""

    def __init__(self, programme: Programme, on: date | None = None):
        self.programme = programme
        self.portfolio = Portfolio.load(programme, on)
        self.policies = policies(programme)
        self.entries: dict[tuple[int, int], list[BudgetCutEntry]] = {}
        for entry in entries(programme, on=on):
            self.entries.setdefault((entry.organisation_id, entry.budget_year), []).append(entry)

    def policy(self, budget_year: int) -> BudgetCutPolicy | None:
        return rules.in_force(self.policies, budget_year)

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
        policy = self.policy(budget_year)
        saving_year = rules.saving_year(budget_year, policy.lag_years if policy else None)
        ids |= self.portfolio.realising_organisations(saving_year)
        return sorted(ids)

    def _line(self, saving: rules.SavingLine | None, benefit_id: int | None, project_id: int,
              version_id: int, year: int, cash: int, share: Decimal, proposed: int,
              policy: BudgetCutPolicy | None) -> ExplanationLine:
        netted = 0
        if saving is not None and policy is not None and policy.net_running_costs:
            netted = rules.netted_sek(saving.running_cost_sek, cash)
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


def city_totals(programme: Programme, years: Iterable[int] | None = None,
                on: date | None = None) -> list[rules.YearTotal]:
    """Sum the explanations of every organisation, year by year, as they stood on `on`."""
    ledger = _Ledger(programme, on)
    organisations = {o.id: o for o in db.session.scalars(sa.select(Organisation))}
    return [rules.year_total(year, [ledger.explain(organisations[i], year)
                                    for i in ledger.organisation_ids(year)])
            for year in (budget_years(programme) if years is None else years)]
