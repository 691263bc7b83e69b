"""The start page, built from the domains' own queries (core cannot import them)."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.core.asof import on_from_request, page_status
from app.programmes import queries as programme_queries
from app.programmes import services as programme_services

from .tasks import tasks_for

bp = Blueprint("start", __name__)


@bp.get("/")
@login_required
def home():
    programmes = programme_services.list_programmes()
    on, on_error = on_from_request(programmes[-1] if len(programmes) == 1 else None)
    positions = programme_queries.envelope_positions([p.id for p in programmes], on)
    return render_template("core/home.html", tasks=tasks_for(current_user),
                           programmes=programmes, positions=positions,
                           on=on, on_error=on_error), page_status(on_error)
