"""Application pages (the workflow pages arrive with the pipeline issue)."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from app.core.enums import ApplicationState
from app.extensions import db

from . import services

bp = Blueprint("applications", __name__, url_prefix="/applications")


@bp.before_request
@login_required
def _require_login():
    return None


@bp.get("/")
def index():
    state = request.args.get("state") or None
    if state is not None and state not in {s.value for s in ApplicationState}:
        abort(400)
    rows = db.session.scalars(services.visible_applications(
        current_user, ApplicationState(state) if state else None)).all()
    return render_template("applications/index.html", applications=rows, state=state,
                           states=list(ApplicationState))


@bp.get("/<int:application_id>")
def detail(application_id: int):
    application = services.get_visible_application(current_user, application_id)
    return render_template("applications/detail.html", application=application)
