"""Programme pages: the list and one programme with its envelope."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from app.core.asof import on_from_request, page_status
from app.core.permissions import can_view_programme
from app.extensions import db

from . import queries, services
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
    on, on_error = on_from_request(programmes[-1] if len(programmes) == 1 else None)
    positions = queries.envelope_positions([p.id for p in programmes], on)
    return render_template("programmes/index.html", programmes=programmes, positions=positions,
                           on=on, on_error=on_error), page_status(on_error)


@bp.get("/<int:programme_id>")
def detail(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    on, on_error = on_from_request(programme)
    return render_template(
        "programmes/detail.html",
        programme=programme,
        on=on, on_error=on_error,
        envelope=queries.envelope_position(programme, on),
        ledger=queries.ledger_entries(programme, on),
    ), page_status(on_error)
