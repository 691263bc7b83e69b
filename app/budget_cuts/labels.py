"""Words for budget cuts: flag, exclusion and entry-kind labels, and policies and flags said."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.benefits.models import CalculationVersion
from app.core import labels
from app.core.enums import BudgetCutEntryKind
from app.core.money import format_sek, format_share

from . import rules
from .models import BudgetCutPolicy

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


def describe_policy(policy: rules.Policy | BudgetCutPolicy) -> str:
    """Say a policy in one sentence, e.g. for the explanation page."""
    share = format_share(policy.share, rules.share_decimals(policy.share))
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


def version_label(version: CalculationVersion | None) -> str:
    """Name a calculation version, e.g. "Version 2: decided"; "–" for none."""
    if version is None:
        return "–"
    return _("Version %(number)s: %(kind)s", number=version.number,
             kind=labels.CALCULATION_VERSION.get(version.kind, version.kind.value))
