"""The start page, notifications and their e-mail setting, language choice, the API reference."""


from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import notifications, programme_filter
from app.core.asof import on_from_request, page_status
from app.core.forms import NotificationSettingsForm
from app.core.tasks import tasks_for
from app.core.urls import is_safe_local_path
from app.extensions import db
from app.programmes import choice as programme_choice
from app.programmes import queries as programme_queries

bp = Blueprint("core", __name__)


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


@bp.get("/notifications")
@login_required
def notification_list():
    return render_template("core/notifications.html",
                           notifications=notifications.notifications_for(current_user.id))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    notifications.mark_all_read(current_user.id)
    db.session.commit()
    return redirect(url_for("core.notification_list"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    form = NotificationSettingsForm(data={"wants_email": current_user.wants_email})
    if form.validate_on_submit():
        notifications.set_wants_email(current_user, form.wants_email.data, current_user)
        db.session.commit()
        flash(_("Your notifications are now also e-mailed to you.") if current_user.wants_email
              else _("Your notifications are now shown only here, not e-mailed."), "success")
        return redirect(url_for("core.notification_settings"))
    return render_template("core/notification_settings.html", form=form)


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_local_path(target) else url_for("core.home"))


@bp.get("/api-reference")
@login_required
def api_reference():
    """The API's reference, drawn by Swagger UI from the app's own OpenAPI document."""
    return render_template("core/api_reference.html",
                           spec_url=url_for("api-docs.openapi_json"))
