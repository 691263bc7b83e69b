"""The budget-cut pages' Excel columns: totals, a year's cuts and the reconciliation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.budget_cuts.labels import FLAG_LABELS
from app.core.exports import ExportColumn
from reports.xlsx import INT, SEK

BUDGET_CUT_TOTAL_COLUMNS = (
    ExportColumn(_l("Budget year"), lambda t: t.budget_year, INT),
    ExportColumn(_l("Proposed"), lambda t: t.proposed_sek, SEK),
    ExportColumn(_l("Adopted"), lambda t: t.adopted_sek, SEK),
    ExportColumn(_l("Cut in force"), lambda t: t.cut_sek, SEK),
    ExportColumn(_l("Realised in the saving year"), lambda t: t.realised_sek, SEK),
    ExportColumn(_l("Organisations with a cut"), lambda t: t.organisations, INT),
)


def _proposal_status(item):
    if item.decided:
        return _l("Adopted")
    if item.is_preview:
        return _l("Not proposed yet (preview)")
    return _l("Proposed")


BUDGET_CUT_YEAR_COLUMNS = (
    ExportColumn(_l("Organisation"), lambda item: item.organisation.name),
    ExportColumn(_l("Proposed"), lambda item: item.proposed_sek, SEK),
    ExportColumn(_l("Status"), _proposal_status),
    ExportColumn(_l("Adopted"), lambda item: item.adopted_sek, SEK),
    ExportColumn(_l("Change from the year before"), lambda item: item.increment_sek, SEK),
)


def _council_decision(item):
    if not item.decided:
        return _l("Not adopted yet")
    reason = item.decided.reason
    return f"{item.decided.council_decision_ref}\n{reason}" if reason else \
        item.decided.council_decision_ref


def _flags(item):
    return "\n".join(f"{FLAG_LABELS[flag.code]}: {item.flag_text(flag)}"
                     for flag in item.flags) or None


RECONCILIATION_COLUMNS = (
    ExportColumn(_l("Organisation"), lambda item: item.organisation.name),
    ExportColumn(_l("Proposed"), lambda item: item.proposed_sek, SEK),
    ExportColumn(_l("Adopted"), lambda item: item.adopted_sek, SEK),
    ExportColumn(_l("Difference"), lambda item: item.reconciliation.difference_sek, SEK,
                 total=False),
    ExportColumn(_l("Council decision and reason"), _council_decision),
    ExportColumn(_l("Saving year"), lambda item: item.saving_year, INT, total=False),
    ExportColumn(_l("Realised"), lambda item: item.realised_sek, SEK),
    ExportColumn(_l("Flags"), _flags),
)


BUDGET_CUTS_NAME = _l("Budget cuts")


CITY_TOTAL_LABEL = _l("The whole city")
