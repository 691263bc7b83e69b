"""Decisions on an application and their money: decide, correct, release unused commitments."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.queries import users_of_organisation
from app.benefits import services as benefit_services
from app.core import audit, clock
from app.core.enums import DecisionKind, DecisionOutcome, LedgerEntryKind, ProjectState
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.labels import DECISION_KIND, DECISION_OUTCOME
from app.core.money import format_sek
from app.core.notifications import notify
from app.core.sequences import next_number
from app.extensions import db
from app.programmes import ledger
from app.programmes import rules as delegation
from app.programmes.models import DelegationRule, EnvelopeEntry, Programme
from app.programmes.services import envelope_position
from app.projects.creation import create_project
from app.projects.models import Project

from . import routing, rules, services
from .checks import check_amount, check_in_period
from .models import Application, ApplicationEvent, Assessment, Decision, QualityCheck


def _lock_programme(programme_id: int) -> Programme:
    return db.session.get(Programme, programme_id, with_for_update=True, populate_existing=True)


def _diary_number(programme: Programme, on: date) -> str:
    return programme.diary_number_format.format(year=on.year,
                                                seq=next_number("dnr", on.year))


def _commit_money(programme: Programme, amount_sek: int, on: date, description: str,
                  actor, decision: Decision, project: Project | None) -> None:
    """Commit money against the envelope; the programme row is locked, so no race overspends."""
    position = envelope_position(programme)
    if amount_sek > position.remaining_sek:
        raise Conflict(
            _("The envelope has %(remaining)s left; %(amount)s cannot be committed. Reduce the "
              "amount or release unused commitments first.",
              remaining=format_sek(position.remaining_sek), amount=format_sek(amount_sek)),
            remaining_sek=position.remaining_sek)
    ledger.book(programme.id, LedgerEntryKind.COMMITMENT, amount_sek, on, description,
                project_id=project.id if project else None, decision_id=decision.id,
                actor=actor)


def _decider_label(actor) -> str:
    return f"{actor.name} <{actor.email}>"


def _check_decider(application: Application, actor, rule: DelegationRule) -> None:
    held = actor.authority_keys_for(application.programme_id)
    if rule.authority_key not in held:
        raise Forbidden(_(
            "This decision belongs to %(authority)s (%(key)s) under %(source)s; you hold "
            "%(held)s in this programme.", authority=rule.authority_name, key=rule.authority_key,
            source=rule.source, held=", ".join(sorted(held)) or _("no authority")))
    submitters = db.session.scalars(sa.select(ApplicationEvent.actor_id).where(
        ApplicationEvent.application_id == application.id,
        ApplicationEvent.action.in_([rules.Action.SUBMIT.value, rules.Action.RESUBMIT.value]))
    ).all()
    assessors = db.session.scalars(sa.select(Assessment.assessor_id).where(
        Assessment.application_id == application.id)).all()
    checkers = db.session.scalars(sa.select(QualityCheck.checked_by_id).where(
        QualityCheck.application_id == application.id)).all()
    conflict = rules.decider_conflict(actor.id, [s for s in submitters if s] +
                                      ([application.submitted_by_id]
                                       if application.submitted_by_id else []),
                                      assessors, checkers)
    if conflict:
        raise Forbidden(_(
            "You took part in preparing this application (you submitted, assessed or "
            "quality-checked it), so you cannot also decide it (segregation of duties): the "
            "decision must be taken by another person holding the authority."))


def _date_refusal(problem: delegation.DateProblem, window: delegation.DecisionWindow | None,
                  on: date, backdating_days: int) -> InvalidInput:
    """Say in the user's language why the date is refused and which dates are allowed."""
    today = clock.today().isoformat()
    if window is None:
        return InvalidInput(_(
            "No decision can be registered on %(today)s: the programme period, the submission "
            "date and the %(days)s days a decision may be backdated leave no allowed date.",
            today=today, days=backdating_days), field="decided_on")
    earliest, latest = window.earliest.isoformat(), window.latest.isoformat()
    if problem == delegation.DateProblem.AFTER_BUSINESS_DATE:
        return InvalidInput(_(
            "A decision cannot be dated after today's date %(today)s. Allowed dates: "
            "%(earliest)s – %(latest)s.", today=today, earliest=earliest, latest=latest),
            field="decided_on", earliest_on=earliest, latest_on=latest)
    if problem == delegation.DateProblem.REASON_MISSING:
        return InvalidInput(_(
            "The decision date %(date)s is before today's date %(today)s: give the reason for "
            "registering a decision already taken (allowed dates %(earliest)s – %(latest)s).",
            date=on.isoformat(), today=today, earliest=earliest, latest=latest),
            field="backdating_reason", earliest_on=earliest, latest_on=latest)
    return InvalidInput(_(
        "The decision date %(date)s is outside the allowed dates %(earliest)s – %(latest)s: a "
        "decision is dated today, and one already taken may be registered at most %(days)s "
        "days back, within the programme period and not before the application was submitted.",
        date=on.isoformat(), earliest=earliest, latest=latest, days=backdating_days),
        field="decided_on", earliest_on=earliest, latest_on=latest)


def _granted_amount_refusal(outcome: DecisionOutcome, requested_sek: int) -> str:
    """Say in the reader's language which granted amount the outcome allows."""
    requested = format_sek(requested_sek)
    if outcome == DecisionOutcome.APPROVED:
        return _("An approval grants the requested %(requested)s; choose approval with a "
                 "reduced amount to grant less.", requested=requested)
    if outcome == DecisionOutcome.APPROVED_REDUCED:
        return _("An approval with a reduced amount grants more than 0 kr and less than the "
                 "requested %(requested)s.", requested=requested)
    return _("A rejection grants 0 kr.")


def _validated_decision_date(application: Application, data: dict,
                             not_before: tuple[date, ...] = ()) -> tuple[date, str]:
    """Return the decision date (the business date unless given) and the backdating reason.

    Delegation in force on that date decides who may take it (`routing.route`), so a date is
    never a way around a limit: a later date is refused, an earlier one needs a written reason.
    """
    value = data.get("decided_on") or clock.today()
    if not isinstance(value, date):
        raise InvalidInput(_("Give the decision date as a date (YYYY-MM-DD)."),
                           field="decided_on")
    reason = (data.get("backdating_reason") or "").strip()
    window = routing.decision_window(application, not_before=not_before)
    problem = delegation.decision_date_problem(window, value, reason)
    if problem is not None:
        raise _date_refusal(problem, window, value,
                            application.programme.decision_backdating_days)
    return value, reason if window.is_backdated(value) else ""


def decide(application: Application, data: dict, actor) -> Decision:
    """Decide an application awaiting decision, within the decider's delegation.

    An approval commits the granted money against the decision; only an approved
    implementation also becomes a funded project with its benefit baseline
    (`rules.funds_project`): a feasibility study is a grant, not a project.

    Locks the application (a double-submitted approval finds it decided and gets 409) and
    the programme row (two approvals cannot both spend the last of the envelope).
    """
    application = db.session.get(Application, application.id, with_for_update=True,
                                 populate_existing=True)
    services.check_step(application, rules.Action.DECIDE, actor)
    programme = application.programme
    try:
        outcome = DecisionOutcome(data.get("outcome"))
    except ValueError:
        raise InvalidInput(_("Choose an outcome: approved, approved with a reduced amount or "
                             "rejected."),
                           field="outcome") from None
    granted = data.get("amount_sek")
    if outcome == DecisionOutcome.APPROVED and granted is None:
        granted = application.requested_sek
    if outcome == DecisionOutcome.REJECTED and granted is None:
        granted = 0
    check_amount(granted, "amount_sek", allow_zero=outcome == DecisionOutcome.REJECTED)
    try:
        rules.decision_amount_ok(application.requested_sek, granted, outcome)
    except ValueError:
        raise InvalidInput(_granted_amount_refusal(outcome, application.requested_sek),
                           field="amount_sek") from None
    decided_on, backdating_reason = _validated_decision_date(application, data)
    rule = routing.route(programme, application.requested_sek, decided_on)
    _check_decider(application, actor, rule)
    warning = None
    if outcome != DecisionOutcome.REJECTED:
        warning = routing.splitting_check(application, granted, decided_on, rule)
    reason = routing.splitting_reason(warning, rule, data)
    programme = _lock_programme(programme.id)
    decision = Decision(
        programme_id=programme.id, application_id=application.id, kind=DecisionKind.ORIGINAL,
        outcome=outcome, amount_sek=granted, diary_number=_diary_number(programme, decided_on),
        decided_on=decided_on, decided_by_id=actor.id, decided_by_label=_decider_label(actor),
        delegation_rule_id=rule.id, authority_key=rule.authority_key,
        decision_text=(data.get("decision_text") or "").strip(),
        conditions=(data.get("conditions") or "").strip(),
        splitting_acknowledged=bool(warning), splitting_reason=reason,
        backdating_reason=backdating_reason,
    )
    db.session.add(decision)
    db.session.flush()
    if outcome != DecisionOutcome.REJECTED:
        project = (create_project(application, actor)
                   if rules.funds_project(application.kind, outcome) else None)
        _commit_money(programme, granted, decided_on,
                      f"{decision.diary_number} {application.title}", actor, decision, project)
        if project is not None:
            benefit_services.create_baseline(application, project, actor)
    services.move(
        application, rules.Action.DECIDE, actor, decision.decision_text,
        notice=_("%(reference)s %(title)s was decided (%(number)s): %(outcome)s, %(amount)s.",
                 reference=application.reference, title=application.title,
                 number=decision.diary_number, outcome=str(DECISION_OUTCOME[outcome]),
                 amount=format_sek(granted)))
    audit.record("decision.taken", decision, actor=actor, after={
        "diary_number": decision.diary_number, "outcome": outcome, "amount_sek": granted,
        "authority_key": rule.authority_key, "splitting_reason": decision.splitting_reason,
        "decided_on": decided_on, "backdating_reason": backdating_reason})
    return decision


def project_for(application: Application) -> Project | None:
    return db.session.scalar(sa.select(Project).where(Project.application_id == application.id))


def granted_sek(application: Application) -> int:
    """The net granted amount: original and supplementary decisions less reductions."""
    return rules.net_granted_sek(application.decisions)


def project_commitment_sek(project: Project) -> int:
    """Net money committed to a project on the envelope (commitments less releases)."""
    signed = sa.case((EnvelopeEntry.kind == LedgerEntryKind.RELEASE, -EnvelopeEntry.amount_sek),
                     else_=EnvelopeEntry.amount_sek)
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(signed), 0)).where(
            EnvelopeEntry.project_id == project.id,
            EnvelopeEntry.kind.in_([LedgerEntryKind.COMMITMENT, LedgerEntryKind.RELEASE]))))


def decision_commitment_sek(application: Application) -> int:
    """Net money committed on the envelope by the application's decisions (commitments less
    releases booked against them): what a feasibility study, which has no project, holds."""
    signed = sa.case((EnvelopeEntry.kind == LedgerEntryKind.RELEASE, -EnvelopeEntry.amount_sek),
                     else_=EnvelopeEntry.amount_sek)
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(signed), 0))
        .join(Decision, Decision.id == EnvelopeEntry.decision_id)
        .where(Decision.application_id == application.id,
               EnvelopeEntry.kind.in_([LedgerEntryKind.COMMITMENT, LedgerEntryKind.RELEASE]))))


def correct_decision(original: Decision, data: dict, actor) -> Decision:
    """Correct a decision by a new one referring to it: supplement, reduction or revocation."""
    application = db.session.get(Application, original.application_id, with_for_update=True,
                                 populate_existing=True)
    if original.kind != DecisionKind.ORIGINAL or original.outcome == DecisionOutcome.REJECTED:
        raise Conflict(_("Only an original approving decision can be corrected."))
    try:
        kind = DecisionKind(data.get("kind"))
    except ValueError:
        kind = None
    if kind not in (DecisionKind.SUPPLEMENTARY, DecisionKind.REDUCTION, DecisionKind.REVOCATION):
        raise InvalidInput(_("Choose the kind of correction: supplementary, reduction or "
                             "revocation."), field="kind")
    programme = application.programme
    decided_on, backdating_reason = _validated_decision_date(
        application, data, not_before=(original.decided_on,))
    project = project_for(application)
    committed = (project_commitment_sek(project) if project
                 else decision_commitment_sek(application))
    if kind == DecisionKind.REVOCATION:
        amount = committed
        if amount <= 0 and project is not None:
            raise Conflict(_("Nothing is committed to this project any more; there is nothing "
                             "to revoke."))
        if amount <= 0:
            raise Conflict(_("Nothing is committed under this decision any more; there is "
                             "nothing to revoke."))
    else:
        amount = check_amount(data.get("amount_sek"), "amount_sek")
        if kind == DecisionKind.REDUCTION and amount > committed:
            raise InvalidInput(_("Only %(committed)s is still committed; reduce by at most that.",
                                 committed=format_sek(committed)),
                               field="amount_sek")
    total_after = granted_sek(application) + (amount if kind == DecisionKind.SUPPLEMENTARY else 0)
    rule = routing.route(programme, max(total_after, 1), decided_on)
    _check_decider(application, actor, rule)
    warning = (routing.splitting_check(application, amount, decided_on, rule)
               if kind == DecisionKind.SUPPLEMENTARY else None)
    splitting_reason = routing.splitting_reason(warning, rule, data)
    programme = _lock_programme(programme.id)
    decision = Decision(
        programme_id=programme.id, application_id=application.id, kind=kind,
        outcome=original.outcome, amount_sek=amount,
        diary_number=_diary_number(programme, decided_on), decided_on=decided_on,
        decided_by_id=actor.id, decided_by_label=_decider_label(actor), delegation_rule_id=rule.id,
        authority_key=rule.authority_key, refers_to_id=original.id,
        decision_text=(data.get("decision_text") or "").strip(),
        conditions=(data.get("conditions") or "").strip(), backdating_reason=backdating_reason,
        splitting_acknowledged=bool(warning), splitting_reason=splitting_reason,
    )
    db.session.add(decision)
    db.session.flush()
    description = f"{decision.diary_number} {kind.value} of {original.diary_number}"
    if kind == DecisionKind.SUPPLEMENTARY:
        _commit_money(programme, amount, decided_on, description, actor, decision, project)
    else:
        ledger.book(programme.id, LedgerEntryKind.RELEASE, amount, decided_on, description,
                    project_id=project.id if project else None, decision_id=decision.id,
                    actor=actor)
        if kind == DecisionKind.REVOCATION and project is not None:
            project.state = ProjectState.CLOSED
            project.closed_on = decided_on
    db.session.flush()
    audit.record(f"decision.{kind.value}", decision, actor=actor, after={
        "diary_number": decision.diary_number, "refers_to": original.diary_number,
        "amount_sek": amount, "decided_on": decided_on, "backdating_reason": backdating_reason})
    notify(users_of_organisation(application.organisation_id), "decision.corrected",
           _("%(reference)s: the decision %(original)s was corrected by %(number)s "
             "(%(kind)s, %(amount)s).", reference=application.reference,
             original=original.diary_number, number=decision.diary_number,
             kind=str(DECISION_KIND[kind]), amount=format_sek(amount)),
           link=f"/decisions/{decision.id}")
    return decision


def release_unused_commitment(project: Project, amount_sek: int, booked_on: date, reason: str,
                              actor) -> EnvelopeEntry:
    """Give unused money back to the envelope, e.g. when a project closes under budget."""
    check_amount(amount_sek, "amount_sek")
    programme = _lock_programme(project.programme_id)
    committed = project_commitment_sek(project)
    if amount_sek > committed:
        raise InvalidInput(_("Only %(committed)s is committed to the project; release at most "
                             "that.", committed=format_sek(committed)), field="amount_sek")
    check_in_period(programme, booked_on, "booked_on")
    entry = ledger.book(programme.id, LedgerEntryKind.RELEASE, amount_sek, booked_on,
                        services.require_comment(reason, "reason"), project_id=project.id,
                        actor=actor)
    audit.record("envelope.released", project, actor=actor,
                 after={"amount_sek": amount_sek, "reason": entry.description})
    return entry
