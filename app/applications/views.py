"""Application pages: list, queue, form, receipt, detail with its workflow steps, decisions."""

from io import BytesIO

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import User
from app.accounts.sessions import recent_login_required
from app.core import clock
from app.core.asof import on_from_request, page_status
from app.core.entry import page_blueprint
from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    DecisionKind,
    DecisionOutcome,
    IdeaState,
    Role,
)
from app.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from app.core.exports import export_url, query_xlsx_response, wants_xlsx
from app.core.permissions import can_edit_application
from app.core.unit_of_work import attempt
from app.core.uploads import stream_size
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.programmes.choice import page_programme_id
from app.programmes.models import DelegationRule, Programme
from app.programmes.queries import current_programme
from app.programmes.services import programmes_open_to

from . import decisions, forms, permissions, routing, rules, services
from .exports import APPLICATION_COLUMNS, APPLICATIONS_NAME
from .models import (
    AdvisoryOpinion,
    Application,
    Assessment,
    Attachment,
    Decision,
    QualityCheck,
)

bp = page_blueprint("applications", __name__, url_prefix="/applications")
decisions_bp = page_blueprint("decisions", __name__, url_prefix="/decisions")


@bp.context_processor
@decisions_bp.context_processor
def _application_helpers():
    return {"application_labels": forms.LABELS, "routed_authority": _routed_authority,
            "cost_rows": forms.COST_ROWS, "milestone_rows": forms.MILESTONE_ROWS}


# ---- helpers ------------------------------------------------------------------------------

def _can_apply(user) -> bool:
    """Applicants who belong to an organisation may start applications."""
    return Role.APPLICANT in user.roles and user.organisation_id is not None


def _routed_authority(application: Application) -> DelegationRule | None:
    """Who decides the application on its planned date, or None when it cannot be routed yet."""
    with attempt(InvalidInput) as outcome:
        authority = routing.routed_authority(application)
    return None if outcome.refused else authority


def _may_decide(application: Application) -> bool:
    """Whether the user holds an authority that decides the application on some allowed date."""
    with attempt(InvalidInput) as outcome:
        authorities = routing.decision_authorities(application)
    if outcome.refused:
        return False
    return bool(authorities & current_user.authority_keys_for(application.programme_id))


def _splitting_preview(application: Application) -> str | None:
    """The anti-splitting warning for the pending decision, shown before anyone decides."""
    if application.state != ApplicationState.AWAITING_DECISION:
        return None
    preview = routing.splitting_preview(application)
    if preview is None or preview[1] is None:
        return None
    return routing.splitting_message(preview[1], preview[0])


def _enum_arg(name: str, enum):
    value = request.args.get(name) or None
    if value is not None and value not in {member.value for member in enum}:
        abort(400)
    return enum(value) if value else None


def _require_editable(application: Application) -> None:
    if can_edit_application(current_user, application):
        return
    if Role.APPLICANT not in current_user.roles_for(application.programme_id) or (
            current_user.organisation_id != application.organisation_id):
        raise Forbidden(_("Only the applying organisation can edit its application."))
    raise Conflict(_("Only a draft or an application returned for completion can be edited."))


def _feasibility_studies(organisation_id: int, exclude_id: int | None = None):
    query = sa.select(Application).where(
        Application.organisation_id == organisation_id,
        Application.kind == ApplicationKind.FEASIBILITY,
        Application.state != ApplicationState.WITHDRAWN)
    if exclude_id is not None:
        query = query.where(Application.id != exclude_id)
    return db.session.scalars(query.order_by(Application.id)).all()


def _attach_files(application: Application, form) -> None:
    for upload in form.files():
        services.add_attachment(application, upload.filename or "",
                                upload.read(services.MAX_ATTACHMENT_BYTES + 1), current_user,
                                size_bytes=stream_size(upload.stream))


def _form_page(form, application, programme, status: int):
    return render_template("applications/form.html", form=form, application=application,
                           programme=programme), status


def _submit_or_show_problems(application: Application, form):
    """Submit a saved draft; if anything is missing, show every problem on the form."""
    with attempt(InvalidInput) as outcome:
        services.submit(application, current_user)
    if outcome.refused:
        for problem in outcome.refused.problems():
            form.add_error(problem["field"], problem["message"])
        flash(_("The draft was saved but cannot be submitted yet. Correct what is listed, "
                "then submit again."), "warning")
        return _form_page(form, application, application.programme, 422)
    flash(_("The application was submitted. Keep the receipt."), "success")
    return redirect(url_for("applications.receipt", application_id=application.id))


def _name_every_gap(form, programme: Programme) -> None:
    """When a submit fails on the form itself, still name every section that is missing."""
    if not (form.send.data and form.errors):
        return
    try:
        data = form.sections()
    except (TypeError, ValueError):
        return
    for field, message in services.unsaved_submission_problems(
            programme, form.chosen_kind, data, bool(form.benefit_calculation.data)):
        if not form.field_for(field).errors:
            form.add_error(field, message)


def _people(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


def _preparation_records(application: Application) -> dict:
    """Load the assessments, opinions and quality checks recorded on the application."""
    def rows(model):
        return db.session.scalars(sa.select(model).where(model.application_id == application.id)
                                  .order_by(model.id)).all()

    return {"assessments": rows(Assessment), "opinions": rows(AdvisoryOpinion),
            "quality_checks": rows(QualityCheck)}


def _detail_page(application: Application, status: int = 200, splitting_warning=None,
                 **submitted_forms):
    """Render the detail page with the forms of the steps this user may take now."""
    actions = set(rules.allowed_actions(application.state,
                                        current_user.roles_for(application.programme_id)))
    may_decide = rules.Action.DECIDE in actions and _may_decide(application)
    step_forms = forms.step_forms(application, actions, may_decide=may_decide, decide_defaults={
        "amount_sek": application.requested_sek,
        "decided_on": routing.planned_decision_date(application)})
    step_forms.update(submitted_forms)
    window = routing.decision_window(application) if "decide" in step_forms else None
    records = _preparation_records(application)
    events = services.history(application)
    people = _people([*(e.actor_id for e in events),
                      *(a.assessor_id for a in records["assessments"]),
                      *(o.recorded_by_id for o in records["opinions"]),
                      *(q.checked_by_id for q in records["quality_checks"])])
    return render_template(
        "applications/detail.html", application=application, events=events, people=people,
        step_forms=step_forms, actions=actions, splitting_warning=splitting_warning,
        splitting_preview=_splitting_preview(application), decision_window=window,
        holders=sorted(rules.waiting_on(application.state)),
        may_submit=bool(actions & {rules.Action.SUBMIT, rules.Action.RESUBMIT}),
        may_edit=can_edit_application(current_user, application),
        goals={goal.number: goal.title for goal in application.programme.goals},
        goal_numbers={goal.id: goal.number for goal in application.programme.goals},
        criterion_label=forms.criterion_label, **records), status


# ---- lists --------------------------------------------------------------------------------

@bp.get("/")
def index():
    state = _enum_arg("state", ApplicationState)
    kind = _enum_arg("kind", ApplicationKind)
    programme_id = page_programme_id()
    programme = (db.session.get(Programme, programme_id) if programme_id is not None
                 else current_programme())
    on, on_error = on_from_request(programme)
    if on_error and wants_xlsx():
        raise InvalidInput(on_error, field="on")
    query = permissions.visible_applications(current_user, state, on=on, programme_id=programme_id)
    if kind is not None:
        query = query.where(Application.kind == kind)
    if wants_xlsx():
        return query_xlsx_response(APPLICATIONS_NAME, APPLICATION_COLUMNS, query)
    return render_template("applications/index.html", applications=db.session.scalars(query).all(),
                           state=state, kind=kind, states=list(ApplicationState),
                           kinds=list(ApplicationKind), can_apply=_can_apply(current_user),
                           on=on, on_error=on_error, programme=programme,
                           export_url=export_url({"on": [on.isoformat()]})), page_status(on_error)


@bp.get("/queue")
def queue():
    """Show what waits for the current user, oldest first, in the chosen programme."""
    return render_template("applications/queue.html",
                           items=services.queue_for(current_user,
                                                    programme_id=page_programme_id()),
                           today=clock.today())


# ---- writing and submitting ---------------------------------------------------------------

def _approved_ideas(organisation_id: int, current_idea_id: int | None = None) -> list:
    """The organisation's ideas approved to apply (plus the one already linked)."""
    return db.session.scalars(
        sa.select(ProjectIdea).where(
            ProjectIdea.organisation_id == organisation_id,
            sa.or_(ProjectIdea.state == IdeaState.APPROVED_TO_APPLY,
                   ProjectIdea.id == (current_idea_id or 0)))
        .order_by(ProjectIdea.title)).all()


def _prefill_from_idea(form, ideas, idea_id: int | None) -> None:
    """Start an application from an approved idea: link it and carry over its title and text."""
    idea = next((i for i in ideas if i.id == idea_id), None)
    if idea is not None:
        form.idea_id.data = idea.id
        form.title.data = idea.title
        form.description.data = idea.description
        form.target_groups.data = idea.target_group


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Start an application: save it as a draft, or save and submit it at once."""
    if not _can_apply(current_user):
        raise Forbidden(_("Only an applicant belonging to an organisation can start an "
                          "application."))
    programmes = programmes_open_to(current_user, Role.APPLICANT)
    if not programmes:
        flash(_("There is no programme to apply to yet."), "warning")
        return redirect(url_for("applications.index"))
    chosen = request.values.get("programme_id", type=int)
    programme = next((p for p in programmes if p.id == chosen), programmes[0])
    ideas = _approved_ideas(current_user.organisation_id)
    form = forms.application_form(
        programme, programmes=programmes, ideas=ideas,
        feasibility_studies=_feasibility_studies(current_user.organisation_id))
    if request.method == "GET":
        _prefill_from_idea(form, ideas, request.args.get("idea_id", type=int))
    if form.validate_on_submit():
        with attempt(InvalidInput) as outcome:
            application = services.create_draft(
                programme, {"kind": form.kind.data, **form.sections()}, current_user)
            _attach_files(application, form)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            if form.send.data:
                return _submit_or_show_problems(application, form)
            flash(_("The draft was saved."), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    _name_every_gap(form, programme)
    return _form_page(form, None, programme, 422 if form.errors else 200)


@bp.route("/<int:application_id>/edit", methods=["GET", "POST"])
def edit(application_id: int):
    """Edit a draft (or an application returned for completion); save it or submit it."""
    application = permissions.get_visible_application(current_user, application_id)
    _require_editable(application)
    form = forms.application_form(
        application.programme, application=application,
        ideas=_approved_ideas(application.organisation_id, application.idea_id),
        feasibility_studies=_feasibility_studies(application.organisation_id, application.id),
        from_request=request.method == "POST")
    if form.validate_on_submit():
        with attempt(InvalidInput) as outcome:
            services.update_draft(application, form.sections(), current_user)
            _attach_files(application, form)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            if form.send.data:
                return _submit_or_show_problems(application, form)
            flash(_("The draft was saved."), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    _name_every_gap(form, application.programme)
    return _form_page(form, application, application.programme, 422 if form.errors else 200)


@bp.post("/<int:application_id>/submit")
def submit(application_id: int):
    """Submit the saved application from its page; missing parts are shown on the form."""
    application = permissions.get_visible_application(current_user, application_id, lock=True)
    form = forms.application_form(
        application.programme, application=application,
        ideas=_approved_ideas(application.organisation_id, application.idea_id),
        feasibility_studies=_feasibility_studies(application.organisation_id, application.id),
        from_request=False)
    return _submit_or_show_problems(application, form)


@bp.get("/<int:application_id>/receipt")
def receipt(application_id: int):
    """Show the printable receipt: reference, when received, and the expected dates."""
    application = permissions.get_visible_application(current_user, application_id)
    if application.submitted_at is None:
        raise NotFound(_("The application has not been submitted, so there is no receipt yet."))
    return render_template("applications/receipt.html", application=application,
                           receipt=services.receipt_for(application))


@bp.get("/<int:application_id>/attachments/<int:attachment_id>")
def attachment(application_id: int, attachment_id: int):
    """Download an attachment of an application the user can see."""
    application = permissions.get_visible_application(current_user, application_id)
    stored = db.session.get(Attachment, attachment_id)
    if stored is None or stored.application_id != application.id:
        raise NotFound(_("There is no such attachment."))
    response = send_file(BytesIO(stored.data), mimetype=stored.content_type, as_attachment=True,
                         download_name=stored.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- the detail page and its workflow steps -----------------------------------------------

@bp.get("/<int:application_id>")
def detail(application_id: int):
    return _detail_page(permissions.get_visible_application(current_user, application_id))


STEP_MESSAGES = {
    "start": lambda: _("The preparation has started; the working group can assess it."),
    "return": lambda: _("The application was returned to the applicant for completion."),
    "assess": lambda: _("The assessment was saved; the application goes to the council."),
    "opinion": lambda: _("The council's opinion was recorded."),
    "qc": lambda: _("The quality check was saved."),
    "withdraw": lambda: _("The application was withdrawn."),
}


def _take_step(application_id: int, name: str, perform):
    """Take one step from the detail page: check, validate, one service call, redirect."""
    application = permissions.get_visible_application(current_user, application_id, lock=True)
    action = rules.Action.COMPLETE_ASSESSMENT if name == "assess" else forms.STEP_FORMS[name][0]
    services.check_step(application, action, current_user)
    form = forms.step_form(name, application.programme)
    if form.validate_on_submit():
        with attempt(InvalidInput) as outcome:
            perform(application, form)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            flash(STEP_MESSAGES[name](), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    return _detail_page(application, 422, **{name: form})


@bp.post("/<int:application_id>/start-preparation")
def start_preparation(application_id: int):
    return _take_step(application_id, "start", lambda a, f: services.start_preparation(
        a, current_user, f.comment.data or ""))


@bp.post("/<int:application_id>/return-for-completion")
def return_for_completion(application_id: int):
    return _take_step(application_id, "return", lambda a, f: services.return_for_completion(
        a, f.comment.data, current_user))


@bp.post("/<int:application_id>/assess")
def assess(application_id: int):
    return _take_step(application_id, "assess", lambda a, f: services.complete_assessment(
        a, {"recommendation": f.recommendation.data, "scores": f.scores(),
            "comment": f.comment.data}, current_user))


@bp.post("/<int:application_id>/opinion")
def opinion(application_id: int):
    return _take_step(application_id, "opinion", lambda a, f: services.record_opinion(
        a, f.outcome.data, f.comment.data, current_user))


@bp.post("/<int:application_id>/quality-check")
def quality_check(application_id: int):
    return _take_step(application_id, "qc", lambda a, f: services.quality_check(
        a, f.outcome.data, f.comment.data, current_user))


@bp.post("/<int:application_id>/withdraw")
def withdraw(application_id: int):
    return _take_step(application_id, "withdraw", lambda a, f: services.withdraw(
        a, f.comment.data, current_user))


def _show_decision_refusal(form, refused: DomainError) -> tuple[int, str | None]:
    """Show a refused decision on its form: the status and the anti-splitting warning, if any.

    Invalid input is shown on its field (422); a conflict only when the form can resolve it:
    the anti-splitting warning to acknowledge, or the envelope's shortfall (409). Any other
    conflict leaves the view.
    """
    if isinstance(refused, InvalidInput):
        form.add_error(refused.field, refused.detail)
        return 422, None
    if refused.field != "splitting_acknowledged" and "remaining_sek" not in refused.extra:
        raise refused
    if refused.field == "splitting_acknowledged":
        form.splitting_acknowledged.flags.required = True
        form.splitting_reason.flags.required = True
        return 409, refused.detail
    form.add_error("amount_sek", refused.detail)
    return 409, None


@bp.post("/<int:application_id>/decide")
@recent_login_required("applications.detail")
def decide(application_id: int):
    """Decide under delegation; show the anti-splitting warning or the envelope's shortfall."""
    application = permissions.get_visible_application(current_user, application_id, lock=True)
    services.check_step(application, rules.Action.DECIDE, current_user)
    if not _may_decide(application):
        authority = _routed_authority(application)
        raise Forbidden(_("This application is decided by %(authority)s; you do not hold that "
                          "authority.", authority=authority.authority_name if authority
                          else _("an authority that cannot be determined yet")))
    form = forms.DecisionForm(prefix="decide")
    status, warning = 422, None
    if form.validate_on_submit():
        with attempt() as outcome:
            decision = decisions.decide(application, form.decision_data(), current_user)
        if outcome.refused:
            status, warning = _show_decision_refusal(form, outcome.refused)
        else:
            flash(_("The decision %(number)s was taken.", number=decision.diary_number),
                  "success")
            return redirect(url_for("decisions.detail", decision_id=decision.id))
    return _detail_page(application, status, splitting_warning=warning, decide=form)


# ---- decisions ----------------------------------------------------------------------------

def _correctable(decision: Decision) -> bool:
    """Only an original approving decision is corrected, and only by a decision maker."""
    return (decision.kind == DecisionKind.ORIGINAL
            and decision.outcome != DecisionOutcome.REJECTED
            and bool(current_user.authority_keys_for(decision.programme_id)))


def _decision_page(decision: Decision, form=None, status: int = 200, splitting_warning=None):
    programme = db.session.get(Programme, decision.programme_id)
    window = routing.decision_window(decision.application, not_before=(decision.decided_on,))
    if form is None and _correctable(decision) and (
            decision.authority_key in current_user.authority_keys_for(decision.programme_id)):
        today = window.latest if window else min(max(clock.today(), decision.decided_on),
                                                 programme.ends_on)
        form = forms.CorrectionForm(prefix="correct", formdata=None, data={"decided_on": today})
    corrections = db.session.scalars(sa.select(Decision).where(
        Decision.refers_to_id == decision.id).order_by(Decision.id)).all()
    return render_template(
        "applications/decision.html", decision=decision, application=decision.application,
        project=decisions.project_for(decision.application),
        decision_window=window if form else None, splitting_warning=splitting_warning,
        rule=db.session.get(DelegationRule, decision.delegation_rule_id)
        if decision.delegation_rule_id else None,
        refers_to=db.session.get(Decision, decision.refers_to_id) if decision.refers_to_id
        else None, corrections=corrections, form=form), status


@decisions_bp.get("/<int:decision_id>", endpoint="detail")
def decision_detail(decision_id: int):
    return _decision_page(permissions.get_visible_decision(current_user, decision_id))


@decisions_bp.post("/<int:decision_id>/correct")
@recent_login_required("decisions.detail")
def correct(decision_id: int):
    """Correct a decision by a new one (supplementary grant, reduction or revocation)."""
    decision = permissions.get_visible_decision(current_user, decision_id)
    if not _correctable(decision):
        raise Forbidden(_("Only a decision maker can correct an approving decision."))
    form = forms.CorrectionForm(prefix="correct")
    status, warning = 422, None
    if form.validate_on_submit():
        with attempt() as outcome:
            correction = decisions.correct_decision(decision, form.correction_data(),
                                                   current_user)
        if outcome.refused:
            status, warning = _show_decision_refusal(form, outcome.refused)
        else:
            flash(_("The correcting decision %(number)s was taken.",
                    number=correction.diary_number), "success")
            return redirect(url_for("decisions.detail", decision_id=correction.id))
    return _decision_page(decision, form, status, splitting_warning=warning)
