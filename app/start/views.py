"""The start page, built from the domains' own queries (core cannot import them)."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.core import programme_filter
from app.core.asof import on_from_request, page_status
from app.programmes import choice as programme_choice
from app.programmes import queries as programme_queries

from .tasks import tasks_for

bp = Blueprint("start", __name__)


ALL_PROGRAMMES = "all"


def _chosen_programme_id() -> int | None:
    """Remember `?programme_id=` (or `all`) as the person's choice; else the one kept."""
    if request.args.get("programme_id") == ALL_PROGRAMMES:
        programme_filter.remember_programme_id(None)
        return None
    asked = programme_choice.page_programme_id(remembered=False)
    if asked is not None:
        programme_filter.remember_programme_id(asked)
        return asked
    return programme_filter.remembered_programme_id(programme_choice.programme_exists)


@bp.get("/")
@login_required
def home():
    """My tasks and the programmes' envelopes, in the programme the person chose (if any)."""
    chosen_id = _chosen_programme_id()
    choices = programme_choice.programmes_of(current_user)
    programmes = [p for p in choices if chosen_id is None or p.id == chosen_id]
    on, on_error = on_from_request(programmes[-1] if len(programmes) == 1 else None)
    positions = programme_queries.envelope_positions([p.id for p in programmes], on)
    return render_template("core/home.html", tasks=tasks_for(current_user, chosen_id),
                           programmes=programmes, positions=positions,
                           programme_choices=choices, chosen_programme_id=chosen_id,
                           on=on, on_error=on_error), page_status(on_error)


@bp.app_context_processor
def _programme_chooser():
    """Let the navigation offer the programmes a person works in (read only when drawn)."""
    return {"programme_chooser": programme_choice.chooser_context}
