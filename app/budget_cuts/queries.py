"""Budget cuts as of a date: the ledger entries made by then (a cut counts from its entry)."""

from datetime import date

import sqlalchemy as sa

from app.accounts.models import Organisation
from app.core.asof import counts_on
from app.extensions import db

from .models import BudgetCutEntry


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
