"""Programme pages: the list and one programme with its envelope."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from app.core.permissions import can_view_programme
from app.extensions import db

from . import services
from .models import Programme

bp = Blueprint("programmes", __name__, url_prefix="/programmes")


@bp.before_request
@login_required
def _require_login():
    if not can_view_programme(current_user):
        abort(403)


@bp.get("/")
def index():
    programmes = services.list_programmes()
    positions = services.envelope_positions([p.id for p in programmes])
    return render_template("programmes/index.html", programmes=programmes, positions=positions)


@bp.get("/<int:programme_id>")
def detail(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    return render_template(
        "programmes/detail.html",
        programme=programme,
        envelope=services.envelope_position(programme),
        ledger=services.ledger_entries(programme),
    )
