"""Delegation routing of an application: who decides it, on which dates, and splitting warnings."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.models import User
from app.accounts.queries import users_with_role
from app.core import clock
from app.core.enums import Role
from app.core.errors import Conflict, InvalidInput
from app.core.money import format_sek
from app.core.notifications import notify
from app.extensions import db
from app.programmes import rules as delegation
from app.programmes.models import DelegationRule, Programme

from . import rules
from .checks import check_amount
from .models import Application, Decision


def rule_values(programme: Programme) -> list[delegation.DelegationRule]:
    """Turn the programme's delegation rows into the pure rule values."""
    return [delegation.DelegationRule(rule_id=r.id, authority_key=r.authority_key,
                                      limit_sek=r.limit_sek, valid_from=r.valid_from,
                                      valid_to=r.valid_to, source=r.source)
            for r in programme.delegation_rules]


def route(programme: Programme, amount_sek: int, on: date) -> DelegationRule:
    """Return the delegation row that decides `amount_sek` on `on` (lowest covering limit)."""
    try:
        chosen = delegation.route_decision(rule_values(programme), amount_sek, on)
    except delegation.NoDelegationRule:
        raise InvalidInput(_(
            "No delegation rule decides %(amount)s on %(date)s. Ask the administrator to "
            "complete the programme's delegation.", amount=format_sek(amount_sek),
            date=on.isoformat()), field="date") from None
    except ValueError:
        check_amount(amount_sek, "amount_sek")
        raise
    return db.session.get(DelegationRule, chosen.rule_id)


def planned_decision_date(application: Application, today: date | None = None) -> date:
    """The date a pending application is routed on: today (the business date), kept inside the
    programme period and never before the application was submitted."""
    programme = application.programme
    day = today or clock.today()
    if application.submitted_at is not None:
        day = max(day, application.submitted_at.date())
    return min(max(day, programme.starts_on), programme.ends_on)


def routed_authority(application: Application, today: date | None = None
                     ) -> DelegationRule | None:
    """Who decides this application if it is decided today (or on `today`)."""
    if not application.requested_sek:
        return None
    return route(application.programme, application.requested_sek,
                 planned_decision_date(application, today))


def safe_routed_authority(application: Application,
                          today: date | None = None) -> DelegationRule | None:
    try:
        return routed_authority(application, today)
    except InvalidInput:
        return None


def decision_window(application: Application, *, not_before: tuple[date, ...] = ()
                    ) -> delegation.DecisionWindow | None:
    """The dates a decision on `application` may carry today: the business date, or up to the
    programme's backdating days earlier, never before submission (nor `not_before`)."""
    programme = application.programme
    floors = [application.submitted_at.date()] if application.submitted_at else []
    return delegation.decision_window(
        clock.today(), programme.decision_backdating_days, period_starts_on=programme.starts_on,
        period_ends_on=programme.ends_on, not_before=(*floors, *not_before))


def decision_authorities(application: Application, amount_sek: int | None = None
                         ) -> frozenset[str]:
    """The authorities that could decide the amount on some date a decision may carry today."""
    amount_sek = amount_sek or application.requested_sek
    if not amount_sek:
        return frozenset()
    return delegation.authorities_in_window(rule_values(application.programme), amount_sek,
                                            decision_window(application))


def _family_ids(application: Application) -> list[int]:
    """Applications that count together for anti-splitting: same idea or feasibility chain."""
    conditions = [Application.id == application.id]
    if application.idea_id:
        conditions.append(Application.idea_id == application.idea_id)
    if application.feasibility_id:
        conditions.append(Application.id == application.feasibility_id)
        conditions.append(Application.feasibility_id == application.feasibility_id)
    conditions.append(Application.feasibility_id == application.id)
    return list(db.session.scalars(sa.select(Application.id).where(sa.or_(*conditions))))


def splitting_check(application: Application, amount_sek: int, on: date,
                    rule: DelegationRule) -> delegation.SplittingWarning | None:
    """Warn when this decision and the family's earlier ones within 12 months exceed the limit."""
    earlier = db.session.scalars(
        sa.select(Decision).where(Decision.application_id.in_(_family_ids(application)),
                                  Decision.decided_on <= on)
    ).all()
    recent = [d for d in earlier if delegation.within_twelve_months(d.decided_on, on)]
    return delegation.splitting_warning(rule.limit_sek, amount_sek, [rules.net_granted_sek(recent)])


def splitting_reason(warning: delegation.SplittingWarning | None, rule: DelegationRule,
                     data: dict) -> str:
    """The reason given for deciding despite the warning; without one the decision waits (409)."""
    if warning is None:
        return ""
    reason = (data.get("splitting_reason") or "").strip()
    if not (data.get("splitting_acknowledged") and reason):
        raise Conflict(
            _("Together with decisions on the same project or idea in the last 12 months this "
              "makes %(total)s, over the %(limit)s limit of %(authority)s. Acknowledge the "
              "warning and give a reason to decide anyway.", total=format_sek(warning.total_sek),
              limit=format_sek(warning.limit_sek), authority=rule.authority_name),
            field="splitting_acknowledged", splitting_total_sek=warning.total_sek,
            limit_sek=warning.limit_sek)
    return reason


def splitting_message(warning: delegation.SplittingWarning, rule: DelegationRule) -> str:
    """The anti-splitting warning as a sentence, shown before anyone decides."""
    return _("Together with decisions on the same project or idea in the last 12 months "
             "(%(earlier)s) this makes %(total)s, %(excess)s over the limit of %(limit)s for "
             "%(authority)s. Whoever decides must acknowledge this and give a reason.",
             earlier=format_sek(warning.earlier_sek), total=format_sek(warning.total_sek),
             excess=format_sek(warning.excess_sek), limit=format_sek(warning.limit_sek),
             authority=rule.authority_name)


def splitting_preview(application: Application, amount_sek: int | None = None,
                      on: date | None = None) -> tuple[DelegationRule, delegation.SplittingWarning
                                                       | None] | None:
    """The routed authority and any anti-splitting warning for a decision not yet taken, on the
    planned date by default; None when the application cannot be routed yet."""
    amount_sek = amount_sek or application.requested_sek
    if not amount_sek:
        return None
    on = on or planned_decision_date(application)
    try:
        rule = route(application.programme, amount_sek, on)
    except InvalidInput:
        return None
    return rule, splitting_check(application, amount_sek, on, rule)


def deciders_for(application: Application) -> list[User]:
    authority = safe_routed_authority(application)
    if authority is None:
        return []
    ids = users_with_role(Role.DECISION_MAKER, authority.authority_key,
                          programme_id=application.programme_id)
    return [db.session.get(User, i) for i in ids]


def notify_deciders(application: Application) -> None:
    authority = safe_routed_authority(application)
    if authority is not None:
        notify(users_with_role(Role.DECISION_MAKER, authority.authority_key,
                               programme_id=application.programme_id),
               "application.awaiting_decision",
               _("%(reference)s %(title)s (%(amount)s) awaits your decision.",
                 reference=application.reference, title=application.title,
                 amount=format_sek(application.requested_sek)),
               link=f"/applications/{application.id}")
