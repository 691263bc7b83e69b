"""Applications: drafts, submission, the preparation chain, decisions and their money.

Every state change goes through `_move`, which asks the pure state machine
(`applications.rules.transition`), records the step in the history, writes the audit entry
and notifies the applicant. Services flush and never commit; the caller commits once.
"""

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.accounts.models import User
from app.accounts.queries import users_of_organisation, users_with_role
from app.benefit_map import services as network_services
from app.benefits import services as benefit_services
from app.core import audit, clock, uploads
from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    DecisionKind,
    DecisionOutcome,
    IdeaState,
    LedgerEntryKind,
    OpinionOutcome,
    ProjectState,
    QualityCheckOutcome,
    Recommendation,
    Role,
)
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.labels import APPLICATION_STATE, DECISION_KIND, DECISION_OUTCOME
from app.core.models import utcnow
from app.core.money import format_sek
from app.core.notifications import notify
from app.core.permissions import in_programmes_where
from app.core.sequences import next_number
from app.core.upload_messages import refusal_error
from app.extensions import db
from app.programmes import ledger
from app.programmes import rules as delegation
from app.programmes.models import DelegationRule, EnvelopeEntry, Programme
from app.programmes.services import envelope_position
from app.projects.creation import create_project
from app.projects.models import Project

from . import rules
from .labels import field_label, gap_message
from .models import (
    AdvisoryOpinion,
    Application,
    ApplicationEvent,
    ApplicationGoalScore,
    Assessment,
    AssessmentScore,
    Attachment,
    CostBreakdownLine,
    Decision,
    Milestone,
    QualityCheck,
)

REQUIREMENTS = ("usable", "user_friendly", "time_saving", "secure", "user_driven", "transparent")
COST_TYPES = ("external_purchase", "internal_staff", "licences", "operation_maintenance")
ASSESSMENT_CRITERIA = REQUIREMENTS
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
ATTACHMENT_MAGIC = {".pdf": b"%PDF-", ".xlsx": b"PK\x03\x04", ".docx": b"PK\x03\x04"}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENT_SHEET_ROWS = 100_000


def attachment_limits() -> uploads.UploadLimits:
    """The bounds an attached Office file must keep (size from MAX_ATTACHMENT_BYTES)."""
    return uploads.UploadLimits(max_bytes=MAX_ATTACHMENT_BYTES,
                                max_sheet_rows=MAX_ATTACHMENT_SHEET_ROWS)


def _check_attachment_count(application: Application) -> None:
    """Refuse one attachment more than MAX_ATTACHMENTS_PER_APPLICATION (config)."""
    limit = current_app.config["MAX_ATTACHMENTS_PER_APPLICATION"]
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Attachment).where(
        Attachment.application_id == application.id))
    if count >= limit:
        raise refusal_error(uploads.UploadRefused("too_many_files", limit=limit), "attachment")
SCALAR_FIELDS = (
    "title", "description", "process_description", "target_groups", "estimated_users",
    "estimated_users_within_years", "requested_sek", "starts_on", "ends_on",
    "benefit_owner_name", "benefit_owner_email", "communication_plan", "operation_plan",
    "operation_payer", "reuse_analysis", "area_id", "idea_id", "feasibility_id",
)
REFERENCE_PATTERN = re.compile(r"^ANS-(\d{4})-(\d{4,})$")


# ---- drafts -------------------------------------------------------------------------------

def _check_amount(value, field: str, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("Write %(field)s in whole kronor, without decimals.",
                           field=field_label(field)), field=field)
    if value < (0 if allow_zero else 1) or value > delegation.MAX_AMOUNT_SEK:
        raise InvalidInput(_("%(field)s must be from %(lowest)s to %(highest)s.",
                             field=field_label(field), lowest=format_sek(0 if allow_zero else 1),
                             highest=format_sek(delegation.MAX_AMOUNT_SEK)), field=field)
    return value


def _check_within_envelope(programme: Programme, requested_sek: int) -> None:
    """No application can ask for more than the programme's whole envelope (when it has one)."""
    reserved = envelope_position(programme).reserved_sek
    if reserved > 0 and requested_sek > reserved:
        raise InvalidInput(_("The requested amount cannot be more than the programme's whole "
                             "envelope, %(reserved)s.", reserved=format_sek(reserved)),
                           field="requested_sek")


def _check_in_period(programme: Programme, value: date | None, field: str) -> None:
    if value is not None and not programme.starts_on <= value <= programme.ends_on:
        raise InvalidInput(_(
            "%(field)s %(date)s is outside the programme period %(starts)s – %(ends)s.",
            field=field_label(field), date=value.isoformat(),
            starts=programme.starts_on.isoformat(), ends=programme.ends_on.isoformat()),
            field=field)


def _check_idea(application: Application, idea_id) -> None:
    """An application comes from its own organisation's idea, approved to apply."""
    from app.ideas.models import ProjectIdea

    idea = (db.session.get(ProjectIdea, idea_id) if isinstance(idea_id, int)
            and not isinstance(idea_id, bool) and 0 < idea_id < 2**63 else None)
    if idea is None or idea.organisation_id != application.organisation_id:
        raise InvalidInput(_("Choose one of your organisation's ideas."), field="idea_id")
    if idea.state != IdeaState.APPROVED_TO_APPLY and idea.id != application.idea_id:
        raise InvalidInput(_("The idea has not been approved to apply."), field="idea_id")


def _check_feasibility(application: Application, feasibility_id) -> None:
    """An implementation builds on its own organisation's feasibility study, never another's."""
    study = (db.session.get(Application, feasibility_id)
             if isinstance(feasibility_id, int) and not isinstance(feasibility_id, bool)
             and 0 < feasibility_id < 2**63 else None)
    if (study is None or study.organisation_id != application.organisation_id
            or study.programme_id != application.programme_id
            or study.kind != ApplicationKind.FEASIBILITY
            or study.state == ApplicationState.WITHDRAWN or study.id == application.id):
        raise InvalidInput(_("Choose one of your organisation's feasibility studies in this "
                             "programme."), field="feasibility_id")


def _check_area(area_id) -> None:
    from app.accounts.models import Area

    if not (isinstance(area_id, int) and not isinstance(area_id, bool) and 0 < area_id < 2**63
            and db.session.get(Area, area_id) is not None):
        raise InvalidInput(_("Choose one of the listed areas."), field="area_id")


def _check_links(application: Application, data: dict) -> None:
    """Check every id the data links to before any of it is set (a bad id is 422, not 500)."""
    with db.session.no_autoflush:
        if data.get("idea_id") is not None:
            _check_idea(application, data["idea_id"])
        if data.get("feasibility_id") not in (None, application.feasibility_id):
            _check_feasibility(application, data["feasibility_id"])
        if data.get("area_id") is not None:
            _check_area(data["area_id"])


def _apply_sections(application: Application, data: dict) -> None:
    programme = application.programme or db.session.get(Programme, application.programme_id)
    _check_links(application, data)
    for field in SCALAR_FIELDS:
        if field in data:
            setattr(application, field, data[field])
    if data.get("requested_sek") is not None:
        _check_amount(data["requested_sek"], "requested_sek")
        _check_within_envelope(programme, data["requested_sek"])
    for field in ("starts_on", "ends_on"):
        _check_in_period(programme, data.get(field), field)
    if "requirements" in data:
        unknown = set(data["requirements"]) - set(REQUIREMENTS)
        if unknown:
            raise InvalidInput(_("Unknown requirement %(key)s; use one of %(keys)s.",
                                 key=sorted(unknown)[0], keys=", ".join(REQUIREMENTS)),
                               field="requirements")
        application.requirements = {k: (v or "").strip() for k, v in data["requirements"].items()}
    if "goal_scores" in data:
        goals = {goal.number: goal.id for goal in programme.goals}
        application.goal_scores = []
        db.session.flush()
        for index, item in enumerate(data["goal_scores"]):
            if item.get("goal") not in goals:
                raise InvalidInput(_("Goal %(goal)s is not one of the programme's goals.",
                                     goal=item.get("goal")), field=f"goal_scores[{index}].goal")
            if item.get("score") not in (0, 1, 2, 3):
                raise InvalidInput(_("A goal score is 0, 1, 2 or 3."),
                                   field=f"goal_scores[{index}].score")
            application.goal_scores.append(ApplicationGoalScore(
                goal_id=goals[item["goal"]], score=item["score"],
                motivation=(item.get("motivation") or "").strip()))
    if "cost_lines" in data:
        application.cost_lines = []
        for index, item in enumerate(data["cost_lines"]):
            if item.get("cost_type") not in COST_TYPES:
                raise InvalidInput(_("Cost type must be one of %(types)s.",
                                     types=", ".join(COST_TYPES)),
                                   field=f"cost_lines[{index}].cost_type")
            year = item.get("year")
            if not isinstance(year, int) or not (
                    programme.starts_on.year <= year <= programme.ends_on.year):
                raise InvalidInput(_("The year must lie within the programme period."),
                                   field=f"cost_lines[{index}].year")
            application.cost_lines.append(CostBreakdownLine(
                year=year, cost_type=item["cost_type"],
                amount_sek=_check_amount(item.get("amount_sek"),
                                         f"cost_lines[{index}].amount_sek", allow_zero=True)))
    if "milestones" in data:
        application.milestones = []
        for index, item in enumerate(data["milestones"]):
            if not (item.get("name") or "").strip() or not isinstance(item.get("due_on"), date):
                raise InvalidInput(_("A milestone needs a name and a date."),
                                   field=f"milestones[{index}]")
            _check_in_period(programme, item["due_on"], f"milestones[{index}].due_on")
            application.milestones.append(Milestone(name=item["name"].strip(),
                                                    due_on=item["due_on"]))


def create_draft(programme: Programme, data: dict, actor) -> Application:
    """Start a draft for the actor's organisation; it may be saved incomplete at any time."""
    if Role.APPLICANT not in actor.roles_for(programme.id) or not actor.organisation_id:
        raise Forbidden(_("Only an applicant belonging to an organisation can start an "
                          "application."))
    kind = data.get("kind")
    if kind not in {k.value for k in ApplicationKind}:
        raise InvalidInput(_("Choose the kind of application: feasibility study or "
                             "implementation."), field="kind")
    if not (data.get("title") or "").strip():
        raise InvalidInput(_("Give the application a title."), field="title")
    application = Application(
        programme=programme, programme_id=programme.id, organisation_id=actor.organisation_id,
        kind=ApplicationKind(kind), title=data["title"].strip(), state=ApplicationState.DRAFT,
        created_by_id=actor.id, requirements={},
    )
    db.session.add(application)
    _apply_sections(application, {k: v for k, v in data.items() if k not in ("kind", "title")})
    db.session.flush()
    audit.record("application.created", application, actor=actor,
                 after={"title": application.title, "kind": application.kind})
    return application


def update_draft(application: Application, data: dict, actor) -> Application:
    """Save changes to a draft (or an application returned for completion)."""
    if (Role.APPLICANT not in actor.roles_for(application.programme_id)
            or actor.organisation_id != application.organisation_id):
        raise Forbidden(_("Only the applying organisation can edit its application."))
    if application.state not in (ApplicationState.DRAFT, ApplicationState.RETURNED_FOR_COMPLETION):
        raise Conflict(_("Only a draft or an application returned for completion can be edited."))
    before = {"title": application.title, "requested_sek": application.requested_sek}
    _apply_sections(application, data)
    db.session.flush()
    audit.record("application.updated", application, actor=actor, before=before,
                 after={"title": application.title, "requested_sek": application.requested_sek})
    return application


def add_attachment(application: Application, filename: str, content: bytes, actor,
                   size_bytes: int | None = None) -> Attachment:
    """Store a PDF, XLSX or DOCX file after checking its type, size and (Office files) its zip.

    `size_bytes` is the upload's real size when `content` holds only its first bytes.
    """
    if (Role.APPLICANT not in actor.roles_for(application.programme_id)
            or actor.organisation_id != application.organisation_id):
        raise Forbidden(_("Only the applying organisation can attach files."))
    if application.state not in (ApplicationState.DRAFT, ApplicationState.RETURNED_FOR_COMPLETION):
        raise Conflict(_("Files can be attached only while the application is a draft."))
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    extension = name[name.rfind("."):].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise InvalidInput(_("Attach a PDF, XLSX or DOCX file."), field="attachment")
    _check_attachment_count(application)
    limits = attachment_limits()
    try:
        uploads.check_size(len(content) if size_bytes is None else size_bytes, limits)
        if extension == ".pdf":
            if not content.startswith(ATTACHMENT_MAGIC[extension]):
                raise uploads.UploadRefused("not_office", type="PDF")
        else:
            uploads.check_office_file(content, extension[1:], limits)
    except uploads.UploadRefused as refused:
        raise refusal_error(refused, "attachment") from None
    attachment = Attachment(application_id=application.id, filename=name[:255],
                            content_type=ATTACHMENT_TYPES[extension], size_bytes=len(content),
                            data=content, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record("application.attachment_added", application, actor=actor,
                 after={"filename": attachment.filename, "size_bytes": attachment.size_bytes})
    return attachment


# ---- submission and receipts --------------------------------------------------------------

def submission_facts(programme: Programme, kind: str | None, data: dict,
                     has_benefit_calculation: bool) -> rules.SubmissionFacts:
    """The completeness check's view of an application's sections (saved or only typed in)."""
    return rules.SubmissionFacts(
        kind=kind, texts={field: data.get(field) for field in rules.REQUIRED_TEXTS},
        estimated_users=data.get("estimated_users"),
        estimated_users_within_years=data.get("estimated_users_within_years"),
        requirements=data.get("requirements") or {}, requirement_keys=REQUIREMENTS,
        goal_numbers=tuple(goal.number for goal in programme.goals),
        motivated_goal_numbers=frozenset(
            item["goal"] for item in data.get("goal_scores") or ()
            if item.get("score") is not None and (item.get("motivation") or "").strip()),
        requested_sek=data.get("requested_sek"),
        cost_amounts_sek=tuple(line["amount_sek"] for line in data.get("cost_lines") or ()),
        starts_on=data.get("starts_on"), ends_on=data.get("ends_on"),
        milestone_count=len(data.get("milestones") or ()),
        has_benefit_calculation=has_benefit_calculation)


def _saved_sections(application: Application) -> dict:
    numbers = {goal.id: goal.number for goal in application.programme.goals}
    return {
        **{field: getattr(application, field) for field in (
            *rules.REQUIRED_TEXTS, "estimated_users", "estimated_users_within_years",
            "requested_sek", "starts_on", "ends_on", "requirements")},
        "goal_scores": [{"goal": numbers.get(score.goal_id), "score": score.score,
                         "motivation": score.motivation} for score in application.goal_scores],
        "cost_lines": [{"amount_sek": line.amount_sek} for line in application.cost_lines],
        "milestones": list(application.milestones),
    }


def submission_problems(application: Application) -> list[tuple[str, str]]:
    """List every problem that stops submission, all at once, as (field, message) pairs."""
    facts = submission_facts(application.programme, application.kind, _saved_sections(application),
                             benefit_services.latest_version(application) is not None)
    problems = [(gap.field, gap_message(gap)) for gap in rules.submission_gaps(facts)]
    return problems + network_services.submission_problems(application)


def unsaved_submission_problems(programme: Programme, kind: str | None, data: dict,
                                has_benefit_calculation: bool) -> list[tuple[str, str]]:
    """Every gap of sections not yet saved, so that one try at submitting names them all."""
    facts = submission_facts(programme, kind, data, has_benefit_calculation)
    return [(gap.field, gap_message(gap)) for gap in rules.submission_gaps(facts)]


def _next_reference(year: int) -> str:
    def highest_existing() -> int:
        references = db.session.scalars(
            sa.select(Application.reference).where(Application.reference.like(f"ANS-{year}-%")))
        numbers = [int(m.group(2)) for r in references if (m := REFERENCE_PATTERN.match(r))]
        return max(numbers, default=0)

    return f"ANS-{year}-{next_number('application', year, highest_existing):04d}"


def _service_days(programme: Programme) -> dict:
    configured = programme.stage_service_days or {}
    return {stage: int(configured.get(stage.value, 7)) for stage in rules.PIPELINE_STAGES}


@dataclass(frozen=True)
class Receipt:
    """What an applicant gets on submission: the reference and when to expect a decision."""

    reference: str
    submitted_at: object
    expected_decision_on: date
    stage_due_dates: dict


def receipt_for(application: Application) -> Receipt:
    submitted_on = application.submitted_at.date()
    return Receipt(
        reference=application.reference, submitted_at=application.submitted_at,
        expected_decision_on=application.expected_decision_on,
        stage_due_dates=rules.stage_due_dates(submitted_on, _service_days(application.programme)),
    )


def submit(application: Application, actor) -> Application:
    """Submit (or resubmit) after checking everything; give a reference and an expected date."""
    action = (rules.Action.RESUBMIT if application.state == ApplicationState.RETURNED_FOR_COMPLETION
              else rules.Action.SUBMIT)
    check_step(application, action, actor)
    if actor.organisation_id != application.organisation_id:
        raise NotFound(_("There is no application with that number that you can see."))
    problems = submission_problems(application)
    if problems:
        raise InvalidInput(
            _("The application cannot be submitted yet: %(problems)s",
              problems=" ".join(m for _field, m in problems)),
            field=problems[0][0], errors=[{"field": f, "message": m} for f, m in problems])
    now = utcnow()
    submitted_on = clock.local_date(now)
    if application.reference is None:
        application.reference = _next_reference(submitted_on.year)
    application.submitted_at = now
    application.submitted_by_id = actor.id
    application.expected_decision_on = rules.expected_decision_date(
        submitted_on, _service_days(application.programme))
    benefit_services.freeze_submitted(application, actor)
    _move(application, action, actor, comment="")
    notify(users_with_role(Role.PROGRAMME_OFFICE,
                           programme_id=application.programme_id), "application.submitted",
           _("%(reference)s %(title)s was submitted by %(organisation)s.",
             reference=application.reference, title=application.title,
             organisation=application.organisation.name),
           link=f"/applications/{application.id}")
    return application


# ---- the preparation chain ----------------------------------------------------------------

def check_step(application: Application, action: rules.Action, actor) -> ApplicationState:
    """The state the step leads to, or refuse it: wrong role 403, wrong state 409.

    Pages call it before reading a step's form, so a refused step never shows form errors.
    """
    try:
        return rules.transition(application.state, action,
                                actor.roles_for(application.programme_id))
    except rules.NotPermitted as refused:
        raise Forbidden(str(refused)) from None
    except rules.IllegalTransition as refused:
        raise Conflict(str(refused), state=application.state.value) from None


def _move(application: Application, action: rules.Action, actor, comment: str = "",
          notice: str | None = None) -> None:
    """Take one workflow step: state, history, audit and a notice to the applicant."""
    target = check_step(application, action, actor)
    before = application.state
    application.state = target
    application.state_changed_at = utcnow()
    db.session.add(ApplicationEvent(application_id=application.id, action=action.value,
                                    from_state=before, to_state=target, actor_id=actor.id,
                                    comment=comment or ""))
    db.session.flush()
    audit.record(f"application.{action.value}", application, actor=actor,
                 before={"state": before}, after={"state": target, "comment": comment})
    notify(users_of_organisation(application.organisation_id), "application.stage_changed",
           notice or _("%(reference)s %(title)s is now at the stage: %(stage)s.",
                       reference=application.reference or "", title=application.title,
                       stage=str(APPLICATION_STATE[target])),
           link=f"/applications/{application.id}")


def _require_comment(comment: str | None, field: str = "comment") -> str:
    if not (comment or "").strip():
        raise InvalidInput(_("Write a comment that explains the step."), field=field)
    return comment.strip()


def start_preparation(application: Application, actor, comment: str = "") -> Application:
    """Register the application and hand it to the working group."""
    _move(application, rules.Action.START_PREPARATION, actor, comment)
    return application


def complete_assessment(application: Application, data: dict, actor) -> Assessment:
    """Record the working group's scores per goal and criterion and its recommendation."""
    check_step(application, rules.Action.COMPLETE_ASSESSMENT, actor)
    try:
        recommendation = Recommendation(data.get("recommendation"))
    except ValueError:
        raise InvalidInput(_("Choose a recommendation: approve, approve with a reduced amount "
                             "or reject."),
                           field="recommendation") from None
    goal_numbers = {f"goal_{goal.number}" for goal in application.programme.goals}
    criteria = goal_numbers | set(ASSESSMENT_CRITERIA)
    scores = data.get("scores") or {}
    missing = sorted(criteria - set(scores))
    if missing:
        raise InvalidInput(_("Score every goal and criterion; missing: %(missing)s.",
                             missing=", ".join(missing)),
                           field="scores")
    unknown = sorted(set(scores) - criteria)
    if unknown:
        raise InvalidInput(_("Unknown criterion %(criterion)s.", criterion=unknown[0]),
                           field="scores")
    for criterion, score in scores.items():
        if score not in (0, 1, 2, 3):
            raise InvalidInput(_("Each score is 0, 1, 2 or 3."), field=f"scores.{criterion}")
    assessment = Assessment(
        application_id=application.id, assessor_id=actor.id, recommendation=recommendation,
        comment=(data.get("comment") or "").strip(),
        scores=[AssessmentScore(criterion=c, score=s) for c, s in sorted(scores.items())],
    )
    db.session.add(assessment)
    _move(application, rules.Action.COMPLETE_ASSESSMENT, actor, assessment.comment)
    return assessment


def record_opinion(application: Application, outcome: str, comment: str, actor) -> AdvisoryOpinion:
    """Record the development council's advice (supports / does not support)."""
    check_step(application, rules.Action.RECORD_OPINION, actor)
    try:
        opinion_outcome = OpinionOutcome(outcome)
    except ValueError:
        raise InvalidInput(_("Choose an outcome: supports or does not support."),
                           field="outcome") from None
    opinion = AdvisoryOpinion(application_id=application.id, outcome=opinion_outcome,
                              comment=(comment or "").strip(), recorded_by_id=actor.id)
    db.session.add(opinion)
    _move(application, rules.Action.RECORD_OPINION, actor, opinion.comment)
    return opinion


def quality_check(application: Application, outcome: str, comment: str, actor) -> QualityCheck:
    """Record budget management's check: approved goes on to decision, returned goes back."""
    try:
        check_outcome = QualityCheckOutcome(outcome)
    except ValueError:
        raise InvalidInput(_("Choose an outcome: approved or returned."),
                           field="outcome") from None
    action = rules.quality_check_action(check_outcome)
    check_step(application, action, actor)
    if check_outcome == QualityCheckOutcome.RETURNED:
        comment = _require_comment(comment)
    check = QualityCheck(application_id=application.id, outcome=check_outcome,
                         comment=(comment or "").strip(), checked_by_id=actor.id)
    db.session.add(check)
    _move(application, action, actor, check.comment)
    if check_outcome == QualityCheckOutcome.APPROVED:
        _notify_deciders(application)
    return check


def return_for_completion(application: Application, comment: str, actor) -> Application:
    """Send the application back to the applicant for completion (komplettering)."""
    _move(application, rules.Action.RETURN_FOR_COMPLETION, actor, _require_comment(comment))
    return application


def withdraw(application: Application, comment: str, actor) -> Application:
    """Let the applying organisation withdraw before a decision."""
    if actor.organisation_id != application.organisation_id:
        raise NotFound(_("There is no application with that number that you can see."))
    _move(application, rules.Action.WITHDRAW, actor, comment or "")
    return application


# ---- routing and decisions ----------------------------------------------------------------

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
        _check_amount(amount_sek, "amount_sek")
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


def net_granted_sek(decisions) -> int:
    """Sum what decisions grant, less reductions and revocations; never below 0."""
    total = 0
    for decision in decisions:
        if decision.kind in (DecisionKind.REDUCTION, DecisionKind.REVOCATION):
            total -= decision.amount_sek
        elif decision.outcome != DecisionOutcome.REJECTED:
            total += decision.amount_sek
    return max(total, 0)


def splitting_check(application: Application, amount_sek: int, on: date,
                    rule: DelegationRule) -> delegation.SplittingWarning | None:
    """Warn when this decision and the family's earlier ones within 12 months exceed the limit."""
    earlier = db.session.scalars(
        sa.select(Decision).where(Decision.application_id.in_(_family_ids(application)),
                                  Decision.decided_on <= on)
    ).all()
    recent = [d for d in earlier if delegation.within_twelve_months(d.decided_on, on)]
    return delegation.splitting_warning(rule.limit_sek, amount_sek, [net_granted_sek(recent)])


def _splitting_reason(warning: delegation.SplittingWarning | None, rule: DelegationRule,
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

    Delegation in force on that date decides who may take it (`route`), so a date is never a
    way around a limit: a later date is refused, an earlier one needs a written reason.
    """
    value = data.get("decided_on") or clock.today()
    if not isinstance(value, date):
        raise InvalidInput(_("Give the decision date as a date (YYYY-MM-DD)."),
                           field="decided_on")
    reason = (data.get("backdating_reason") or "").strip()
    window = decision_window(application, not_before=not_before)
    problem = delegation.decision_date_problem(window, value, reason)
    if problem is not None:
        raise _date_refusal(problem, window, value,
                            application.programme.decision_backdating_days)
    return value, reason if window.is_backdated(value) else ""


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


def decide(application: Application, data: dict, actor) -> Decision:
    """Decide an application awaiting decision, within the decider's delegation.

    Locks the application (a double-submitted approval finds it decided and gets 409) and
    the programme row (two approvals cannot both spend the last of the envelope).
    """
    application = db.session.get(Application, application.id, with_for_update=True,
                                 populate_existing=True)
    check_step(application, rules.Action.DECIDE, actor)
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
    _check_amount(granted, "amount_sek", allow_zero=outcome == DecisionOutcome.REJECTED)
    try:
        rules.decision_amount_ok(application.requested_sek, granted, outcome)
    except ValueError:
        raise InvalidInput(_granted_amount_refusal(outcome, application.requested_sek),
                           field="amount_sek") from None
    decided_on, backdating_reason = _validated_decision_date(application, data)
    rule = route(programme, application.requested_sek, decided_on)
    _check_decider(application, actor, rule)
    warning = None
    if outcome != DecisionOutcome.REJECTED:
        warning = splitting_check(application, granted, decided_on, rule)
    reason = _splitting_reason(warning, rule, data)
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
    project = None
    if outcome != DecisionOutcome.REJECTED:
        project = create_project(application, actor)
        _commit_money(programme, granted, decided_on,
                      f"{decision.diary_number} {application.title}", actor, decision, project)
        benefit_services.create_baseline(application, project, actor)
    _move(application, rules.Action.DECIDE, actor, decision.decision_text,
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
    return net_granted_sek(application.decisions)


def project_commitment_sek(project: Project) -> int:
    """Net money committed to a project on the envelope (commitments less releases)."""
    signed = sa.case((EnvelopeEntry.kind == LedgerEntryKind.RELEASE, -EnvelopeEntry.amount_sek),
                     else_=EnvelopeEntry.amount_sek)
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(signed), 0)).where(
            EnvelopeEntry.project_id == project.id,
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
    committed = project_commitment_sek(project) if project else 0
    if kind == DecisionKind.REVOCATION:
        amount = committed
        if amount <= 0:
            raise Conflict(_("Nothing is committed to this project any more; there is nothing "
                             "to revoke."))
    else:
        amount = _check_amount(data.get("amount_sek"), "amount_sek")
        if kind == DecisionKind.REDUCTION and amount > committed:
            raise InvalidInput(_("Only %(committed)s is still committed; reduce by at most that.",
                                 committed=format_sek(committed)),
                               field="amount_sek")
    total_after = granted_sek(application) + (amount if kind == DecisionKind.SUPPLEMENTARY else 0)
    rule = route(programme, max(total_after, 1), decided_on)
    _check_decider(application, actor, rule)
    warning = (splitting_check(application, amount, decided_on, rule)
               if kind == DecisionKind.SUPPLEMENTARY else None)
    splitting_reason = _splitting_reason(warning, rule, data)
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
                    project_id=project.id, decision_id=decision.id, actor=actor)
        if kind == DecisionKind.REVOCATION:
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
    _check_amount(amount_sek, "amount_sek")
    programme = _lock_programme(project.programme_id)
    committed = project_commitment_sek(project)
    if amount_sek > committed:
        raise InvalidInput(_("Only %(committed)s is committed to the project; release at most "
                             "that.", committed=format_sek(committed)), field="amount_sek")
    _check_in_period(programme, booked_on, "booked_on")
    entry = ledger.book(programme.id, LedgerEntryKind.RELEASE, amount_sek, booked_on,
                        _require_comment(reason, "reason"), project_id=project.id, actor=actor)
    audit.record("envelope.released", project, actor=actor,
                 after={"amount_sek": amount_sek, "reason": entry.description})
    return entry


# ---- queues -------------------------------------------------------------------------------

QUEUE_STATES = {
    Role.PROGRAMME_OFFICE: (ApplicationState.SUBMITTED,),
    Role.WORKING_GROUP: (ApplicationState.IN_PREPARATION,),
    Role.DEVELOPMENT_COUNCIL: (ApplicationState.ADVISORY_OPINION,),
    Role.BUDGET_MANAGEMENT: (ApplicationState.QUALITY_CHECK,),
    Role.DECISION_MAKER: (ApplicationState.AWAITING_DECISION,),
    Role.FINANCE_COMMITTEE: (ApplicationState.AWAITING_DECISION,),
    Role.APPLICANT: (ApplicationState.DRAFT, ApplicationState.RETURNED_FOR_COMPLETION),
}


@dataclass(frozen=True)
class QueueItem:
    application: Application
    waiting_days: int
    authority: DelegationRule | None


def queue_for(user, today: date | None = None, programme_id: int | None = None
              ) -> list[QueueItem]:
    """What waits for this user now, oldest first, with how long it has waited.

    Decision makers see only applications routed to an authority they hold.
    """
    today = today or clock.today()
    states = {s for role in user.roles for s in QUEUE_STATES.get(role, ())}
    if not states:
        return []
    applicant_states = [ApplicationState.DRAFT, ApplicationState.RETURNED_FOR_COMPLETION]
    query = sa.select(Application).where(
        Application.state.in_(states),
        sa.or_(Application.state.not_in(applicant_states),
               Application.organisation_id == user.organisation_id),
        in_programmes_where(user, frozenset(Role), Application.programme_id),
    )
    if programme_id is not None:
        query = query.where(Application.programme_id == programme_id)
    items = []
    for application in db.session.scalars(query.order_by(Application.state_changed_at)):
        held = user.roles_for(application.programme_id)
        if not any(application.state in QUEUE_STATES.get(role, ()) for role in held):
            continue
        authority = None
        if application.state == ApplicationState.AWAITING_DECISION:
            authority = _safe_routed_authority(application, today)
            if (authority is None or authority.authority_key
                    not in user.authority_keys_for(application.programme_id)):
                continue
        waited = (today - application.state_changed_at.date()).days
        items.append(QueueItem(application, max(waited, 0), authority))
    return items


def _safe_routed_authority(application: Application,
                           today: date | None = None) -> DelegationRule | None:
    try:
        return routed_authority(application, today)
    except InvalidInput:
        return None


def history(application: Application) -> list[ApplicationEvent]:
    return db.session.scalars(
        sa.select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
        .order_by(ApplicationEvent.id)).all()


def deciders_for(application: Application) -> list[User]:
    authority = _safe_routed_authority(application)
    if authority is None:
        return []
    ids = users_with_role(Role.DECISION_MAKER, authority.authority_key,
                          programme_id=application.programme_id)
    return [db.session.get(User, i) for i in ids]


def _notify_deciders(application: Application) -> None:
    authority = _safe_routed_authority(application)
    if authority is not None:
        notify(users_with_role(Role.DECISION_MAKER, authority.authority_key,
                               programme_id=application.programme_id),
               "application.awaiting_decision",
               _("%(reference)s %(title)s (%(amount)s) awaits your decision.",
                 reference=application.reference, title=application.title,
                 amount=format_sek(application.requested_sek)),
               link=f"/applications/{application.id}")
