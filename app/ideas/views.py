"""Idea pages: list, write (with the reuse check), detail, screening, and idle approved ideas."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import Organisation
from app.core import clock, labels
from app.core.asof import on_from_request, page_status
from app.core.entry import page_blueprint
from app.core.enums import IdeaState, Role
from app.core.errors import Forbidden, InvalidInput
from app.core.exports import export_url, query_xlsx_response, wants_xlsx
from app.core.permissions import can_view_portfolio, can_view_programme
from app.core.unit_of_work import attempt
from app.extensions import db
from app.programmes.choice import page_programme_id, programmes_of
from app.programmes.models import Programme
from app.programmes.queries import current_programme
from app.programmes.services import programmes_open_to

from . import permissions, services
from .exports import IDEA_COLUMNS, IDEAS_NAME
from .forms import IdeaForm, ScreeningForm

bp = page_blueprint("ideas", __name__, url_prefix="/ideas", may_enter=can_view_programme)

MAX_LIVE_TEXT = 10_000


@bp.context_processor
def _idea_helpers():
    return {
        "idea_can": {name[4:]: getattr(permissions, name)
                     for name in dir(permissions) if name.startswith("can_")},
        "idea_states": services.IDEA_STATE_LABELS,
        "project_states": labels.PROJECT_STATE,
    }


def _match_keys(matches) -> str:
    return ",".join(f"{m.kind}:{m.id}" for m in matches)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name) or None
    if value is None:
        return None
    if not value.isdigit():
        abort(400)
    return int(value)


@bp.get("/")
def index():
    """List the ideas the user may see, filtered by state and organisation in the URL."""
    state = request.args.get("state") or None
    if state is not None and state not in {s.value for s in IdeaState}:
        abort(400)
    organisation_id = _int_arg("organisation_id")
    programme_id = page_programme_id()
    programme = (db.session.get(Programme, programme_id) if programme_id is not None
                 else current_programme())
    on, on_error = on_from_request(programme)
    if on_error and wants_xlsx():
        raise InvalidInput(on_error, field="on")
    query = permissions.visible_ideas(current_user, IdeaState(state) if state else None,
                                      organisation_id, on=on, programme_id=programme_id)
    if wants_xlsx():
        return query_xlsx_response(IDEAS_NAME, IDEA_COLUMNS, query)
    ideas = db.session.scalars(query).all()
    organisations = (db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
                     if can_view_portfolio(current_user) else [])
    return render_template("ideas/index.html", ideas=ideas, state=state, states=list(IdeaState),
                           organisation_id=organisation_id, organisations=organisations,
                           on=on, on_error=on_error, programme=programme,
                           export_url=export_url({"on": [on.isoformat()]})), page_status(on_error)


def _form_error(form, error: InvalidInput) -> None:
    field = getattr(form, error.field or "", None) or form.title
    field.errors = [*field.errors, error.detail]


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Write an idea; similar ideas not yet seen are shown before it is submitted (reuse rule)."""
    if not permissions.can_submit_idea(current_user):
        raise Forbidden(_("Only an applicant of an organisation can submit ideas."))
    programmes = programmes_open_to(current_user, Role.APPLICANT)
    form = IdeaForm()
    form.set_programmes(programmes)
    if request.method == "GET" and programmes:
        form.programme_id.data = programmes[-1].id
    matches = []
    if request.method == "POST":
        matches = services.similar_to(
            services.similarity_text(form.title.data, form.description.data),
            current_user.organisation_id)
    if form.validate_on_submit():
        seen = set((form.seen_similar.data or "").split(","))
        if {f"{m.kind}:{m.id}" for m in matches} - seen:
            form.seen_similar.data = _match_keys(matches)
            flash(_("Other organisations have similar ideas or projects, listed below. The city "
                    "reuses an existing solution unless a new one gives substantially more "
                    "benefit. Look at them, then submit again if your idea is still needed."),
                  "warning")
            return render_template("ideas/form.html", form=form, idea=None, matches=matches)
        with attempt(InvalidInput) as outcome:
            idea = services.submit_idea(db.session.get(Programme, form.programme_id.data),
                                        form.idea_data(), actor=current_user)
        if outcome.refused:
            _form_error(form, outcome.refused)
        else:
            flash(_("Your idea was submitted. The programme office will screen it."), "success")
            return redirect(url_for("ideas.detail", idea_id=idea.id))
    status = 422 if form.errors else 200
    return render_template("ideas/form.html", form=form, idea=None, matches=matches), status


@bp.get("/similar")
def similar():
    """Return the similar-ideas fragment for the text being typed (used by ideas.js)."""
    title = (request.args.get("title") or "")[:MAX_LIVE_TEXT]
    description = (request.args.get("description") or "")[:MAX_LIVE_TEXT]
    exclude_idea_id = _int_arg("idea_id")
    organisation_id = current_user.organisation_id
    if exclude_idea_id is not None:
        excluded_idea = permissions.get_visible_idea(current_user, exclude_idea_id)
        organisation_id = excluded_idea.organisation_id
    matches = services.similar_to(services.similarity_text(title, description), organisation_id,
                                  exclude_idea_id=exclude_idea_id)
    return render_template("ideas/_similar.html", matches=matches,
                           keys=_match_keys(matches), typed=bool((title + description).strip()))


@bp.get("/<int:idea_id>")
def detail(idea_id: int):
    """Show an idea with its screening history and what other organisations have that is alike."""
    idea = permissions.get_visible_idea(current_user, idea_id)
    return render_template("ideas/detail.html", idea=idea,
                           history=services.idea_history(idea),
                           matches=services.similar_to_idea(idea))


@bp.route("/<int:idea_id>/edit", methods=["GET", "POST"])
def edit(idea_id: int):
    """Edit an idea before screening, or answer the programme office's question."""
    idea = permissions.get_visible_idea(current_user, idea_id)
    services.require_editable(idea, current_user)
    form = IdeaForm(obj=idea)
    del form.programme_id
    if form.validate_on_submit():
        answered = idea.state == IdeaState.MORE_INFO_REQUESTED
        with attempt(InvalidInput) as outcome:
            services.update_idea(idea, form.idea_data(), actor=current_user)
        if outcome.refused:
            _form_error(form, outcome.refused)
        else:
            flash(_("Your answer was sent to the programme office.") if answered
                  else _("The idea was saved."), "success")
            return redirect(url_for("ideas.detail", idea_id=idea.id))
    matches = services.similar_to(
        services.similarity_text(form.title.data, form.description.data),
        idea.organisation_id, exclude_idea_id=idea.id)
    status = 422 if form.errors else 200
    return render_template("ideas/form.html", form=form, idea=idea, matches=matches), status


@bp.route("/<int:idea_id>/screen", methods=["GET", "POST"])
def screen(idea_id: int):
    """Screen a submitted idea, next to the similar ideas and projects of other organisations."""
    idea = permissions.get_visible_idea(current_user, idea_id)
    services.require_screenable(idea, current_user)
    form = ScreeningForm()
    if form.validate_on_submit():
        with attempt(InvalidInput) as outcome:
            services.screen_idea(idea, form.outcome.data, form.comment.data, actor=current_user)
        if outcome.refused:
            field = form.outcome if outcome.refused.field == "outcome" else form.comment
            field.errors = [*field.errors, outcome.refused.detail]
        else:
            flash(_("The screening was saved and the organisation was notified."), "success")
            return redirect(url_for("ideas.detail", idea_id=idea.id))
    status = 422 if form.errors else 200
    return render_template("ideas/screen.html", form=form, idea=idea,
                           matches=services.similar_to_idea(idea)), status


@bp.get("/idle")
def idle():
    """List approved ideas with no application after the programme's `idea_idle_days`."""
    if not permissions.can_view_idle_ideas(current_user):
        abort(403)
    programmes = programmes_of(current_user)
    programme_id = page_programme_id()
    if programme_id is None and programmes:
        programme_id = programmes[-1].id
    programme = db.session.get(Programme, programme_id) if programme_id else None
    if programme_id is not None and programme is None:
        abort(404)
    today = clock.today()
    rows = services.idle_approved_ideas(programme, today) if programme else []
    return render_template("ideas/idle.html", programme=programme, programmes=programmes,
                           rows=rows, today=today)
