"""Login, logout, API tokens and the administrator's pages for users and organisations."""

import sqlalchemy as sa
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
from flask_login import current_user, login_required, logout_user

from app.core.errors import DomainError
from app.core.labels import ROLE as ROLE_LABELS
from app.core.permissions import can_administer
from app.core.unit_of_work import attempt, change_or_flash_refusal
from app.core.urls import is_safe_local_path
from app.extensions import db, limiter
from app.programmes.services import list_programmes

from . import services
from .forms import (
    ApiTokenForm,
    LoginForm,
    OrganisationForm,
    UserForm,
    select_choices,
    user_form,
)
from .models import Organisation, User
from .permissions import get_visible_token
from .rules import login_attempt_failed
from .sessions import login_is_recent, recent_login_required, start_session

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_login_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _login_account_key() -> str:
    """Count failures per account, whichever address they come from."""
    return "login-account:" + services.normalise_email(request.form.get("email", ""))


def _login_failed(response) -> bool:
    return login_attempt_failed(response.status_code)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(_account_login_limit, methods=["POST"], key_func=_login_account_key,
               deduct_when=_login_failed)
def login():
    """Log in; `reauth` asks a logged-in person for the password again (before deciding)."""
    next_path = request.args.get("next")
    reauth = current_user.is_authenticated and bool(request.args.get("reauth"))
    if current_user.is_authenticated and not reauth:
        return redirect(next_path if is_safe_local_path(next_path) else url_for("start.home"))
    form = LoginForm()
    if reauth and request.method == "GET":
        form.email.data = current_user.email
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong e-mail address or password."), "danger")
        else:
            start_session(user, remember=bool(form.remember.data))
            return redirect(next_path if is_safe_local_path(next_path) else url_for("start.home"))
    return render_template("accounts/login.html", form=form, reauth=reauth), (
        422 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout():
    """Log out here and end every copy of this person's session cookies on the server."""
    user = current_user._get_current_object()
    change_or_flash_refusal(lambda: services.end_sessions(user, "logged_out", actor=user),
                            _("You are logged out."))
    logout_user()
    for key in ("_sid", "_login_at", "_remembered"):
        session.pop(key, None)
    return redirect(url_for("accounts.login"))


def _tokens_page(owner: User, form: ApiTokenForm | None = None, new_token: str | None = None,
                 status: int = 200):
    return render_template(
        "accounts/tokens.html", owner=owner, tokens=services.list_api_tokens(owner),
        token_state=services.api_token_state, form=form, new_token=new_token,
        lifetime_days=services.api_token_lifetime().days), status


@bp.get("/account/tokens")
@login_required
def tokens():
    return _tokens_page(current_user, ApiTokenForm())


@bp.post("/account/tokens")
@login_required
@recent_login_required("accounts.tokens")
def issue_token():
    """Issue a token and show it once: it is never stored or flashed in clear text."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _tokens_page(current_user, form, status=422)
    user = current_user._get_current_object()
    issued = []
    if not change_or_flash_refusal(
            lambda: issued.append(services.issue_api_token(
                user, form.name.data, actor=user, revoke_others=bool(form.revoke_others.data))),
            _("The token was created. Copy it now: it is shown only this once.")):
        return _tokens_page(user, form, status=422)
    return _tokens_page(user, ApiTokenForm(formdata=None), new_token=issued[0])


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = get_visible_token(current_user, token_id, current_user.id)
    change_or_flash_refusal(lambda: services.revoke_api_token(token, actor=current_user),
                            _("The token %(name)s was revoked.", name=token.name))
    return redirect(url_for("accounts.tokens"))


@bp.get("/admin/users/<int:user_id>/tokens")
@login_required
def user_tokens(user_id: int):
    _require_admin()
    return _tokens_page(db.get_or_404(User, user_id))


@bp.post("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke")
@login_required
def revoke_user_token(user_id: int, token_id: int):
    _require_admin()
    token = get_visible_token(current_user, token_id, user_id)
    change_or_flash_refusal(lambda: services.revoke_api_token(token, actor=current_user),
                            _("The token %(name)s was revoked.", name=token.name))
    return redirect(url_for("accounts.user_tokens", user_id=user_id))


def _revoke_url(owner: User, token_id: int) -> str:
    """Where the revoke button of `owner`'s token posts: the own page or the administrator's."""
    if owner.id == current_user.id:
        return url_for("accounts.revoke_token", token_id=token_id)
    return url_for("accounts.revoke_user_token", user_id=owner.id, token_id=token_id)


@bp.context_processor
def _token_helpers():
    return {"revoke_token_url": _revoke_url}


@bp.app_context_processor
def _session_helpers():
    return {"login_is_recent": login_is_recent}


def _require_admin():
    if not can_administer(current_user):
        abort(403)


def _organisation_choices():
    organisations = [(o.id, o.name) for o in services.list_organisations()]
    return select_choices([(0, _("— none —")), *organisations])


def _area_choices():
    return select_choices([(0, _("— none —")), *((a.id, a.name) for a in services.list_areas())])


@bp.get("/admin/users")
@login_required
def users():
    _require_admin()
    rows = db.session.scalars(sa.select(User).order_by(User.name)).all()
    return render_template("accounts/users.html", users=rows,
                           programme_names={p.id: p.name for p in list_programmes()})


def _user_form(user: User | None) -> UserForm:
    """The user form: roles in every programme, and roles in one programme only, per programme."""
    role_choices = select_choices((r.value, label) for r, label in ROLE_LABELS.items())
    form = user_form(list_programmes(), role_choices, obj=user)
    form.organisation_id.choices = _organisation_choices()
    held = sorted(user.authority_keys) if user is not None else []
    form.authority_key.choices = _authority_choices(held)
    if user is not None and request.method == "GET":
        form.organisation_id.data = user.organisation_id or 0
        form.roles.data = sorted({a.role.value for a in user.role_assignments
                                  if a.programme_id is None})
        for programme_id, name in form.programme_role_fields:
            getattr(form, name).data = sorted({a.role.value for a in user.role_assignments
                                               if a.programme_id == programme_id})
        form.authority_key.data = held
    return form


def _authority_choices(held: list[str]):
    """The authority keys of every programme's delegation rules (data, not a fixed list),
    named as their latest rule names them, and any key the user already holds."""
    from app.programmes.models import DelegationRule

    names = {}
    for key, name in db.session.execute(
            sa.select(DelegationRule.authority_key, DelegationRule.authority_name)
            .order_by(DelegationRule.valid_from, DelegationRule.id)):
        names[key] = name
    for key in held:
        names.setdefault(key, key)
    return select_choices((key, f"{name} ({key})") for key, name in sorted(names.items()))


def _save_user(user: User | None):
    form = _user_form(user)
    if form.validate_on_submit():
        data = {
            "name": form.name.data, "email": form.email.data,
            "organisation_id": form.organisation_id.data or None,
            "is_active": form.is_active.data, "password": form.password.data,
            "roles": form.role_grants(),
        }
        with attempt(DomainError) as outcome:
            if user is None:
                if not data["password"]:
                    raise DomainError(_("Give the new user a password."), field="password")
                user = services.create_user(data, actor=current_user)
            else:
                data.pop("email")
                services.update_user(user, data, actor=current_user)
        if error := outcome.refused:
            field = getattr(form, error.field or "", None)
            if field is None or error.field == "roles":
                field = form.authority_key if error.field == "roles" else form.name
            field.errors = [*field.errors, error.detail]
        else:
            flash(_("The user %(name)s was saved.", name=user.name), "success")
            return redirect(url_for("accounts.users"))
    status = 422 if form.errors else 200
    return render_template("accounts/user_form.html", form=form, user=user), status


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    _require_admin()
    return _save_user(None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    _require_admin()
    return _save_user(db.get_or_404(User, user_id))


@bp.get("/organisations")
@login_required
def organisations():
    rows = db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
    return render_template("accounts/organisations.html", organisations=rows,
                           can_edit=can_administer(current_user))


def _save_organisation(organisation: Organisation | None):
    form = OrganisationForm(obj=organisation)
    form.area_id.choices = _area_choices()
    if organisation is not None and request.method == "GET":
        form.area_id.data = organisation.area_id or 0
        form.kind.data = organisation.kind.value
    if form.validate_on_submit():
        data = {"name": form.name.data, "short_name": form.short_name.data,
                "kind": form.kind.data, "area_id": form.area_id.data or None,
                "is_active": form.is_active.data}
        with attempt(DomainError) as outcome:
            if organisation is None:
                organisation = services.create_organisation(data, actor=current_user)
            else:
                services.update_organisation(organisation, data, actor=current_user)
        if outcome.refused:
            form.name.errors = [*form.name.errors, outcome.refused.detail]
        else:
            flash(_("The organisation %(name)s was saved.", name=organisation.name), "success")
            return redirect(url_for("accounts.organisations"))
    status = 422 if form.errors else 200
    return render_template("accounts/organisation_form.html", form=form,
                           organisation=organisation), status


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@login_required
def new_organisation():
    _require_admin()
    return _save_organisation(None)


@bp.route("/admin/organisations/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def edit_organisation(organisation_id: int):
    _require_admin()
    return _save_organisation(db.get_or_404(Organisation, organisation_id))

