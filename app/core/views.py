"""Notifications and their e-mail setting, language choice, the API reference."""


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

from app.core import notifications
from app.core.forms import NotificationSettingsForm
from app.core.urls import is_safe_local_path

bp = Blueprint("core", __name__)


@bp.get("/notifications")
@login_required
def notification_list():
    return render_template("core/notifications.html",
                           notifications=notifications.notifications_for(current_user.id))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    notifications.mark_all_read(current_user.id)
    return redirect(url_for("core.notification_list"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    form = NotificationSettingsForm(data={"wants_email": current_user.wants_email})
    if form.validate_on_submit():
        notifications.set_wants_email(current_user, form.wants_email.data, current_user)
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
    target = request.form.get("next")
    return redirect(target if is_safe_local_path(target) else url_for("start.home"))


@bp.get("/api-reference")
@login_required
def api_reference():
    """The API's reference, drawn by Swagger UI from the app's own OpenAPI document."""
    return render_template("core/api_reference.html",
                           spec_url=url_for("api-docs.openapi_json"))
