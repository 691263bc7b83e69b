"""Applications before the decision: drafts, attachments, submission, the preparation chain,
queues and history. Routing lives in `routing`, decisions and their money in `decisions`.

Every state change goes through `move`, which asks the pure state machine
(`applications.rules.transition`), records the step in the history, writes the audit entry
and notifies the applicant. Services flush and never commit; the caller commits once.
"""

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.accounts.queries import users_of_organisation, users_with_role
from app.benefit_map import services as network_services
from app.benefits import services as benefit_services
from app.core import audit, clock, uploads
from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    IdeaState,
    OpinionOutcome,
    QualityCheckOutcome,
    Recommendation,
    Role,
)
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.labels import APPLICATION_STATE
from app.core.models import utcnow
from app.core.money import format_sek
from app.core.notifications import notify
from app.core.permissions import in_programmes_where
from app.core.sequences import next_number
from app.core.upload_messages import refusal_error
from app.extensions import db
from app.programmes.models import DelegationRule, Programme
from app.programmes.services import envelope_position

from . import routing, rules
from .checks import check_amount, check_in_period
from .labels import gap_message
from .models import (
    AdvisoryOpinion,
    Application,
    ApplicationEvent,
    ApplicationGoalScore,
    Assessment,
    AssessmentScore,
    Attachment,
    CostBreakdownLine,
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

def _check_within_envelope(programme: Programme, requested_sek: int) -> None:
    """No application can ask for more than the programme's whole envelope (when it has one)."""
    reserved = envelope_position(programme).reserved_sek
    if reserved > 0 and requested_sek > reserved:
        raise InvalidInput(_("The requested amount cannot be more than the programme's whole "
                             "envelope, %(reserved)s.", reserved=format_sek(reserved)),
                           field="requested_sek")


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
        check_amount(data["requested_sek"], "requested_sek")
        _check_within_envelope(programme, data["requested_sek"])
    for field in ("starts_on", "ends_on"):
        check_in_period(programme, data.get(field), field)
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
                amount_sek=check_amount(item.get("amount_sek"),
                                        f"cost_lines[{index}].amount_sek", allow_zero=True)))
    if "milestones" in data:
        application.milestones = []
        for index, item in enumerate(data["milestones"]):
            if not (item.get("name") or "").strip() or not isinstance(item.get("due_on"), date):
                raise InvalidInput(_("A milestone needs a name and a date."),
                                   field=f"milestones[{index}]")
            check_in_period(programme, item["due_on"], f"milestones[{index}].due_on")
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
    move(application, action, actor, comment="")
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


def move(application: Application, action: rules.Action, actor, comment: str = "",
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


def require_comment(comment: str | None, field: str = "comment") -> str:
    if not (comment or "").strip():
        raise InvalidInput(_("Write a comment that explains the step."), field=field)
    return comment.strip()


def start_preparation(application: Application, actor, comment: str = "") -> Application:
    """Register the application and hand it to the working group."""
    move(application, rules.Action.START_PREPARATION, actor, comment)
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
    move(application, rules.Action.COMPLETE_ASSESSMENT, actor, assessment.comment)
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
    move(application, rules.Action.RECORD_OPINION, actor, opinion.comment)
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
        comment = require_comment(comment)
    check = QualityCheck(application_id=application.id, outcome=check_outcome,
                         comment=(comment or "").strip(), checked_by_id=actor.id)
    db.session.add(check)
    move(application, action, actor, check.comment)
    if check_outcome == QualityCheckOutcome.APPROVED:
        routing.notify_deciders(application)
    return check


def return_for_completion(application: Application, comment: str, actor) -> Application:
    """Send the application back to the applicant for completion (komplettering)."""
    move(application, rules.Action.RETURN_FOR_COMPLETION, actor, require_comment(comment))
    return application


def withdraw(application: Application, comment: str, actor) -> Application:
    """Let the applying organisation withdraw before a decision."""
    if actor.organisation_id != application.organisation_id:
        raise NotFound(_("There is no application with that number that you can see."))
    move(application, rules.Action.WITHDRAW, actor, comment or "")
    return application


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
            authority = routing.safe_routed_authority(application, today)
            if (authority is None or authority.authority_key
                    not in user.authority_keys_for(application.programme_id)):
                continue
        waited = (today - application.state_changed_at.date()).days
        items.append(QueueItem(application, max(waited, 0), authority))
    return items


def history(application: Application) -> list[ApplicationEvent]:
    return db.session.scalars(
        sa.select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
        .order_by(ApplicationEvent.id)).all()
