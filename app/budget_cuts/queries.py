"""Budget cuts read from the database: programmes and years, policies, and ledger entries."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.accounts.models import Organisation
from app.core.asof import counts_on
from app.core.enums import BudgetCutEntryKind
from app.core.errors import InvalidInput, NotFound
from app.extensions import db
from app.programmes.models import Programme

from . import rules
from .models import BudgetCutEntry, BudgetCutPolicy

DECIDED_KINDS = (BudgetCutEntryKind.ADOPTED, BudgetCutEntryKind.CORRECTION)


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
    return rules.budget_years(programme.starts_on, programme.ends_on)


def check_budget_year(programme: Programme, year, field_name: str = "budget_year") -> int:
    """Refuse a budget year outside the programme's years, naming the field."""
    years = budget_years(programme)
    if isinstance(year, bool) or not isinstance(year, int) or year not in years:
        raise InvalidInput(
            _("The budget year must be within the programme's years, %(first)s–%(last)s.",
              first=years[0], last=years[-1]), field=field_name)
    return year


def today_budget_year(programme: Programme, today: date) -> int:
    """Return the budget year to show first: next year (being prepared), within the programme."""
    return rules.first_budget_year(budget_years(programme), today)


def get_organisation(organisation_id: int) -> Organisation:
    """Return the organisation, or refuse with NotFound."""
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


def policy_in_force(programme: Programme, budget_year: int) -> BudgetCutPolicy | None:
    """Return the policy in force for a budget year (latest valid_from_year not after it)."""
    return rules.in_force(policies(programme), budget_year)


def policies_by_year(programme: Programme) -> dict[int, BudgetCutPolicy | None]:
    """Return the policy in force for each of the programme's budget years."""
    rows = policies(programme)
    return {year: rules.in_force(rows, year) for year in budget_years(programme)}


def policy_rule(policy: BudgetCutPolicy) -> rules.Policy:
    """Turn a stored policy into the pure rule's policy."""
    return rules.Policy(share=Decimal(policy.share), lag_years=policy.lag_years,
                        net_running_costs=policy.net_running_costs,
                        allow_before_go_live=policy.allow_before_go_live,
                        valid_from_year=policy.valid_from_year, policy_id=policy.id)


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


def current_proposal(rows: Iterable[BudgetCutEntry]) -> BudgetCutEntry | None:
    """Return the latest proposal among `rows`."""
    return rules.latest_of_kinds(rows, (BudgetCutEntryKind.PROPOSED,))


def decided_entry(rows: Iterable[BudgetCutEntry]) -> BudgetCutEntry | None:
    """Return the adopted cut in force: the adoption or its latest correction."""
    return rules.latest_of_kinds(rows, DECIDED_KINDS)


def cut_entries(programme_id: int, on: date, organisation_id: int | None = None) -> list[sa.Row]:
    """Every budget-cut ledger entry made by `on`, oldest first, with organisation names."""
    query = (sa.select(BudgetCutEntry.id, BudgetCutEntry.organisation_id,
                       Organisation.name.label("organisation"), BudgetCutEntry.budget_year,
                       BudgetCutEntry.kind, BudgetCutEntry.amount_sek)
             .join(Organisation, Organisation.id == BudgetCutEntry.organisation_id)
             .where(BudgetCutEntry.programme_id == programme_id,
                    counts_on(BudgetCutEntry.created_at, on))
             .order_by(BudgetCutEntry.id))
    if organisation_id is not None:
        query = query.where(BudgetCutEntry.organisation_id == organisation_id)
    return list(db.session.execute(query))
