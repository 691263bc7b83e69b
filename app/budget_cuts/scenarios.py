"""What if another policy applied: proposals under several policies side by side, unwritten."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Organisation
from app.core.errors import InvalidInput
from app.extensions import db
from app.programmes.models import Programme

from . import rules
from .inputs import parse_share, yes_no
from .portfolio import Portfolio
from .queries import check_budget_year, policy_in_force, policy_rule

MAX_SCENARIOS = 4


@dataclass(frozen=True)
class WhatIf:
    """Side-by-side proposals under several policies; nothing is written."""

    budget_years: tuple[int, ...]
    scenarios: tuple[rules.Scenario, ...]
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
                            net_running_costs=yes_no(data, "net_running_costs"),
                            allow_before_go_live=yes_no(data, "allow_before_go_live"))
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
    portfolio = Portfolio.load(programme)
    scenarios = []
    for index, data in enumerate(policies_to_compare):
        policy = policy_from_data(data, index)
        label = (labels[index] if labels and index < len(labels) and labels[index]
                 else _l("Policy %(letter)s", letter="ABCD"[index]))
        scenarios.append(rules.Scenario(label, policy, tuple(
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
    return rules.default_scenarios(policy_rule(policy) if policy else rules.DEMO_POLICY)
