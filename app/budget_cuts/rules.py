"""Budget cuts from benefits (nyttohemtagning): the proposal and the reconciliation, pure.

The city's rule (DOMAIN.md, issue 6): the cash-releasing savings an e-service is planned to
give reduce the owning organisation's budget frame; a policy says how much (`share`) and
when (`lag_years` after the saving year). For a budget year the *level* of the cut is
`share × the cash-releasing savings of the year budget_year − lag`, relative to the frame
without cuts; the *increment* is the change from the previous budget year's level.

Decisions taken here, so that every krona can be explained line by line:

- Only cash-releasing savings count (citizen time and non-cash staff time never do).
- The cut goes to the organisation that owns the benefit, not to the applicant.
- Netting: a project's running cost of the saving year is spread over its cash-releasing
  lines pro rata (`allocate_sek`), and each line is netted and **never goes below 0**: a
  service's running cost is not a reason to raise a budget, and one project's running
  costs never eat another project's savings.
- Go-live guard: unless the policy allows it, a line whose saving year is before its
  service's go-live year is excluded, and so is a line of a service that has not gone
  live at all; excluded lines are kept, with the reason, for the explanation.
- Reconciliation flags: *cut before launch* when a cut (adopted, else proposed) rests on a
  service not live in the saving year; *cut before the change happened* when it rests on a
  benefit whose enabling or business changes were not done (issue 16); *cut exceeds
  realised* when the adopted cut is more than the realised cash-releasing savings of the
  saving year (amount: the shortfall); *realised not taken* when more was realised than
  the adopted cut, none adopted counting as 0 (amount: the rest).
- Money in is whole kronor and shares are `Decimal`; the exact cut is rounded once per
  organisation (half up), and the lines get whole kronor by the largest remainder, so
  they always add up to the organisation's figure.

Pure: standard library only.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

ZERO = Decimal(0)
ONE = Decimal(1)
SHARE_QUANTUM = Decimal("0.0001")
MAX_LAG_YEARS = 10


class PolicyError(ValueError):
    """A policy value is out of range; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Exclusion(StrEnum):
    """Why a cash-releasing line does not count towards a cut."""

    BEFORE_GO_LIVE = "before_go_live"
    NOT_LAUNCHED = "not_launched"


class Flag(StrEnum):
    """What the reconciliation of a cut with the realised savings points out."""

    CUT_BEFORE_LAUNCH = "cut_before_launch"
    CUT_BEFORE_CHANGE = "cut_before_change"
    CUT_EXCEEDS_REALISED = "cut_exceeds_realised"
    REALISED_NOT_TAKEN = "realised_not_taken"


def round_sek(amount: Decimal) -> int:
    """Round an exact amount to whole kronor, half up (the edge)."""
    return int(amount.quantize(ONE, ROUND_HALF_UP))


@dataclass(frozen=True)
class Policy:
    """How much of the cash-releasing savings is taken back, and when."""

    share: Decimal
    lag_years: int = 1
    net_running_costs: bool = False
    allow_before_go_live: bool = False
    valid_from_year: int | None = None
    policy_id: int | None = None

    def __post_init__(self) -> None:
        """Refuse a share outside 0–100 % or a lag below 0, naming the field."""
        if not isinstance(self.share, Decimal) or not self.share.is_finite():
            raise PolicyError("share", "must be a decimal number")
        if not ZERO <= self.share <= ONE:
            raise PolicyError("share", "must be between 0 and 100 %")
        if isinstance(self.lag_years, bool) or not isinstance(self.lag_years, int):
            raise PolicyError("lag_years", "must be a whole number of years")
        if not 0 <= self.lag_years <= MAX_LAG_YEARS:
            raise PolicyError("lag_years", f"must be between 0 and {MAX_LAG_YEARS} years")

    def saving_year(self, budget_year: int) -> int:
        """Return the year whose savings cut the budget of `budget_year`."""
        return budget_year - self.lag_years


DEMO_POLICY = Policy(share=ONE, lag_years=1, net_running_costs=False, allow_before_go_live=False)


@dataclass(frozen=True)
class SavingLine:
    """One benefit's planned cash-releasing saving in one year, from a baseline calculation."""

    organisation_id: int
    project_id: int
    benefit_id: int | None
    calculation_version_id: int
    saving_year: int
    cash_releasing_sek: int
    running_cost_sek: int = 0
    go_live_on: date | None = None


@dataclass(frozen=True)
class ProposalLine:
    """A line that counts: its base after netting, the share applied and its part of the cut."""

    saving: SavingLine
    base_sek: int
    share: Decimal
    proposed_sek: int

    @property
    def netted_sek(self) -> int:
        """Return how much of the saving was netted away by running costs."""
        return self.saving.cash_releasing_sek - self.base_sek


@dataclass(frozen=True)
class ExcludedLine:
    """A cash-releasing line that does not count, and why."""

    saving: SavingLine
    reason: Exclusion


@dataclass(frozen=True)
class OrganisationProposal:
    """The proposed cut of one organisation's frame for a budget year, line by line."""

    organisation_id: int
    budget_year: int
    saving_year: int
    proposed_sek: int
    previous_sek: int
    lines: tuple[ProposalLine, ...] = ()
    excluded: tuple[ExcludedLine, ...] = ()

    @property
    def increment_sek(self) -> int:
        """Return the change from the previous budget year's level."""
        return self.proposed_sek - self.previous_sek

    @property
    def cash_releasing_sek(self) -> int:
        """Return the counted cash-releasing savings before netting and share."""
        return sum(line.saving.cash_releasing_sek for line in self.lines)


@dataclass(frozen=True)
class Proposal:
    """The proposed cuts of every organisation for a budget year under one policy."""

    budget_year: int
    policy: Policy
    organisations: tuple[OrganisationProposal, ...]

    @property
    def total_sek(self) -> int:
        return sum(o.proposed_sek for o in self.organisations)

    @property
    def total_increment_sek(self) -> int:
        return sum(o.increment_sek for o in self.organisations)

    def for_organisation(self, organisation_id: int) -> OrganisationProposal:
        """Return the organisation's proposal, or an empty one."""
        for proposal in self.organisations:
            if proposal.organisation_id == organisation_id:
                return proposal
        return OrganisationProposal(organisation_id, self.budget_year,
                                    self.policy.saving_year(self.budget_year), 0, 0)


def allocate_sek(total_sek: int, weights: Sequence[int]) -> tuple[int, ...]:
    """Split whole kronor pro rata to `weights` by the largest remainder; 0s if no weight."""
    weight_sum = sum(weights)
    if weight_sum <= 0 or total_sek == 0:
        return tuple(0 for _ in weights)
    exact = [Decimal(total_sek) * w / weight_sum for w in weights]
    return _whole_parts(exact, total_sek)


def _whole_parts(exact: Sequence[Decimal], total: int) -> tuple[int, ...]:
    """Floor each part and give the kronor left to the largest remainders (earlier on ties)."""
    floors = [int(value.to_integral_value(ROUND_FLOOR)) for value in exact]
    left = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:max(left, 0)]:
        floors[i] += 1
    return tuple(floors)


def _exclusion(line: SavingLine, policy: Policy) -> Exclusion | None:
    if policy.allow_before_go_live:
        return None
    if line.go_live_on is None:
        return Exclusion.NOT_LAUNCHED
    if line.saving_year < line.go_live_on.year:
        return Exclusion.BEFORE_GO_LIVE
    return None


def _base_sek(line: SavingLine, policy: Policy) -> int:
    if not policy.net_running_costs:
        return line.cash_releasing_sek
    return max(line.cash_releasing_sek - line.running_cost_sek, 0)


def _organisation_level(organisation_id: int, lines: Sequence[SavingLine], policy: Policy,
                        budget_year: int, previous_sek: int) -> OrganisationProposal:
    """Apply the policy to one organisation's lines of the saving year."""
    counted: list[SavingLine] = []
    excluded: list[ExcludedLine] = []
    for line in lines:
        reason = _exclusion(line, policy)
        if reason is None:
            counted.append(line)
        else:
            excluded.append(ExcludedLine(line, reason))
    bases = [_base_sek(line, policy) for line in counted]
    exact = [policy.share * base for base in bases]
    proposed = round_sek(sum(exact, ZERO))
    parts = _whole_parts(exact, proposed)
    return OrganisationProposal(
        organisation_id=organisation_id, budget_year=budget_year,
        saving_year=policy.saving_year(budget_year), proposed_sek=proposed,
        previous_sek=previous_sek,
        lines=tuple(ProposalLine(line, base, policy.share, part)
                    for line, base, part in zip(counted, bases, parts, strict=True)),
        excluded=tuple(excluded))


def _by_organisation(lines: Iterable[SavingLine], saving_year: int) -> dict[int, list[SavingLine]]:
    grouped: dict[int, list[SavingLine]] = {}
    for line in lines:
        if line.saving_year == saving_year and line.cash_releasing_sek > 0:
            grouped.setdefault(line.organisation_id, []).append(line)
    return grouped


def _levels(lines: Sequence[SavingLine], policy: Policy, budget_year: int) -> dict[int, int]:
    """Return each organisation's cut level for a budget year, without the lines."""
    grouped = _by_organisation(lines, policy.saving_year(budget_year))
    return {org: _organisation_level(org, group, policy, budget_year, 0).proposed_sek
            for org, group in grouped.items()}


def propose(lines: Iterable[SavingLine], policy: Policy, budget_year: int,
            previous_policy: Policy | None = None) -> Proposal:
    """Propose each organisation's cut with its lines; `previous_policy` gives the increment."""
    lines = tuple(lines)
    previous = _levels(lines, previous_policy or policy, budget_year - 1)
    grouped = _by_organisation(lines, policy.saving_year(budget_year))
    organisations = sorted(set(grouped) | {org for org, level in previous.items() if level})
    return Proposal(budget_year, policy, tuple(
        _organisation_level(org, grouped.get(org, []), policy, budget_year, previous.get(org, 0))
        for org in organisations))


@dataclass(frozen=True)
class FlagNote:
    """One flag of a reconciliation, with the amount or the project it concerns."""

    code: Flag
    amount_sek: int | None = None
    project_id: int | None = None
    benefit_id: int | None = None
    benefit_name: str = ""
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reconciliation:
    """Proposed vs adopted vs realised for one organisation and budget year, with flags."""

    budget_year: int
    proposed_sek: int
    adopted_sek: int | None
    realised_sek: int
    flags: tuple[FlagNote, ...]

    @property
    def difference_sek(self) -> int | None:
        """Return adopted minus proposed, or None before the council has decided."""
        return None if self.adopted_sek is None else self.adopted_sek - self.proposed_sek

    def has(self, code: Flag) -> bool:
        return any(flag.code == code for flag in self.flags)


@dataclass(frozen=True)
class UndoneChanges:
    """A benefit a cut rests on, and the changes behind it that were not done."""

    project_id: int
    benefit_id: int
    benefit_name: str
    changes: tuple[str, ...]


def reconcile(proposed_sek: int, adopted_sek: int | None, realised_sek: int,
              go_live: Mapping[int, date | None], budget_year: int,
              saving_year: int | None = None,
              undone_changes: Sequence[UndoneChanges] = ()) -> Reconciliation:
    """Flag a cut (`go_live`: project -> go-live date or None) against its realised savings.

    `undone_changes`: the benefits the cut rests on whose changes were not done.
    """
    saving_year = budget_year - 1 if saving_year is None else saving_year
    flags: list[FlagNote] = []
    cut = proposed_sek if adopted_sek is None else adopted_sek
    if cut > 0:
        flags.extend(
            FlagNote(Flag.CUT_BEFORE_LAUNCH, project_id=project_id)
            for project_id, live_on in sorted(go_live.items())
            if live_on is None or live_on.year > saving_year)
        flags.extend(
            FlagNote(Flag.CUT_BEFORE_CHANGE, project_id=item.project_id,
                     benefit_id=item.benefit_id, benefit_name=item.benefit_name,
                     changes=tuple(item.changes))
            for item in sorted(undone_changes, key=lambda i: (i.project_id, i.benefit_id))
            if item.changes)
    taken = adopted_sek or 0
    if adopted_sek is not None and adopted_sek > realised_sek:
        flags.append(FlagNote(Flag.CUT_EXCEEDS_REALISED, amount_sek=adopted_sek - realised_sek))
    if realised_sek > taken:
        flags.append(FlagNote(Flag.REALISED_NOT_TAKEN, amount_sek=realised_sek - taken))
    return Reconciliation(budget_year, proposed_sek, adopted_sek, realised_sek, tuple(flags))


# ---- the arithmetic around the proposal: years, shares, lags, running costs, totals --------

def budget_years(starts_on: date, ends_on: date) -> range:
    """Return the budget years a programme running `starts_on`–`ends_on` covers."""
    return range(starts_on.year, ends_on.year + 1)


def first_budget_year(years: range, today: date) -> int:
    """Return the budget year to show first: next year (being prepared), within `years`."""
    return min(max(today.year + 1, years[0]), years[-1])


def in_force(policies: Iterable, budget_year: int):
    """Return the policy in force for a budget year: latest `valid_from_year` not after it,
    the later row (higher `id`) on a tie; None when none has taken effect yet."""
    candidates = [p for p in policies if p.valid_from_year <= budget_year]
    return max(candidates, key=lambda p: (p.valid_from_year, p.id)) if candidates else None


def saving_year(budget_year: int, lag_years: int | None) -> int:
    """Return the saving year a budget year's cut rests on; no policy means the demo's lag."""
    return budget_year - (DEMO_POLICY.lag_years if lag_years is None else lag_years)


def is_share(share: Decimal) -> bool:
    """True when `share` is a finite number from 0 to 1."""
    return share.is_finite() and ZERO <= share <= ONE


def quantize_share(share: Decimal) -> Decimal:
    """Round a share to four decimals, half up."""
    return share.quantize(SHARE_QUANTUM, ROUND_HALF_UP)


def share_decimals(share: Decimal | str | int) -> int:
    """Decimals to show a share as a percentage with: 0 for a whole percent, else 2."""
    percent = Decimal(share) * 100
    return 0 if percent == percent.to_integral_value() else 2


def running_cost_sek(by_year_sek: Iterable[Sequence[int]], start_year: int, year: int) -> int:
    """Sum the running cost lines' amounts of `year` (each list starts at `start_year`)."""
    index = year - start_year
    return sum(amounts[index] for amounts in by_year_sek if 0 <= index < len(amounts))


def netted_sek(running_cost_sek: int, cash_releasing_sek: int) -> int:
    """Return the running cost netted from a line: never more than the line's saving."""
    return min(running_cost_sek, cash_releasing_sek)


def cut_in_force(proposed_sek: int, adopted_sek: int | None) -> int:
    """Return the cut in force: the adopted one, else the proposal."""
    return proposed_sek if adopted_sek is None else adopted_sek


def increment_sek(cut_sek: int, previous_sek: int) -> int:
    """Return the change of a cut from the year before."""
    return cut_sek - previous_sek


def latest_of_kinds(entries: Iterable, kinds: Iterable):
    """Return the entry of one of `kinds` written last (highest `id`), or None."""
    kinds = tuple(kinds)
    found = [e for e in entries if e.kind in kinds]
    return max(found, key=lambda e: e.id) if found else None


def lines_key(lines: Iterable) -> list[tuple]:
    """A comparable form of a proposal's lines: equal when the lines say the same."""
    return sorted((line.project_id, line.benefit_id, line.calculation_version_id,
                   line.saving_year, line.cash_releasing_sek, Decimal(line.share),
                   line.proposed_sek) for line in lines)


def default_scenarios(base: Policy) -> list[Policy]:
    """The what-if comparison offered first: `base`, half its share, netting with lag 2."""
    return [
        Policy(share=base.share, lag_years=base.lag_years,
               net_running_costs=base.net_running_costs,
               allow_before_go_live=base.allow_before_go_live),
        Policy(share=quantize_share(base.share / 2),
               lag_years=base.lag_years, net_running_costs=base.net_running_costs,
               allow_before_go_live=base.allow_before_go_live),
        Policy(share=base.share, lag_years=2, net_running_costs=True,
               allow_before_go_live=base.allow_before_go_live),
    ]


@dataclass(frozen=True)
class YearTotal:
    """The city's cuts for one budget year: proposed, adopted and realised."""

    budget_year: int
    proposed_sek: int
    adopted_sek: int
    cut_sek: int
    realised_sek: int
    organisations: int


def year_total(budget_year: int, items: Iterable) -> YearTotal:
    """Sum organisations' cuts (each with proposed, adopted or None, cut and realised SEK);
    `organisations` counts those with a cut."""
    items = tuple(items)
    return YearTotal(
        budget_year=budget_year, proposed_sek=sum(e.proposed_sek for e in items),
        adopted_sek=sum(e.adopted_sek or 0 for e in items),
        cut_sek=sum(e.cut_sek for e in items),
        realised_sek=sum(e.realised_sek for e in items),
        organisations=sum(1 for e in items if e.cut_sek))


@dataclass(frozen=True)
class Scenario:
    """One policy's proposals over the budget years of a what-if comparison."""

    label: str
    policy: Policy
    proposals: tuple[Proposal, ...]

    def total(self, budget_year: int) -> int:
        return next(p.total_sek for p in self.proposals if p.budget_year == budget_year)

    def increment(self, budget_year: int) -> int:
        return next(p.total_increment_sek for p in self.proposals if p.budget_year == budget_year)

    def organisation_total(self, organisation_id: int) -> int:
        return sum(p.for_organisation(organisation_id).proposed_sek for p in self.proposals)
