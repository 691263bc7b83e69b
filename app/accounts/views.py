"""Login, logout and the administrator's pages for users and organisations."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.core.errors import DomainError
from app.core.labels import ROLE as ROLE_LABELS
from app.core.permissions import can_administer
from app.core.urls import is_safe_local_path
from app.extensions import db, limiter

from . import services
from .forms import LoginForm, OrganisationForm, UserForm, select_choices
from .models import Organisation, User

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    next_path = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_path if is_safe_local_path(next_path) else url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            flash(_("Wrong e-mail address or password."), "danger")
        else:
            db.session.commit()
            login_user(user)
            return redirect(next_path if is_safe_local_path(next_path) else url_for("core.home"))
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


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
    return render_template("accounts/users.html", users=rows)


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    form.organisation_id.choices = _organisation_choices()
    form.roles.choices = select_choices((r.value, label) for r, label in ROLE_LABELS.items())
    if user is not None and request.method == "GET":
        form.organisation_id.data = user.organisation_id or 0
        form.roles.data = sorted({a.role.value for a in user.role_assignments})
        form.authority_key.data = ",".join(sorted(user.authority_keys))
    return form


def _save_user(user: User | None):
    form = _user_form(user)
    if form.validate_on_submit():
        data = {
            "name": form.name.data, "email": form.email.data,
            "organisation_id": form.organisation_id.data or None,
            "is_active": form.is_active.data, "password": form.password.data,
            "roles": form.role_grants(),
        }
        try:
            if user is None:
                if not data["password"]:
                    raise DomainError(_("Give the new user a password."), field="password")
                user = services.create_user(data, actor=current_user)
            else:
                data.pop("email")
                services.update_user(user, data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            if field is None or error.field == "roles":
                field = form.authority_key if error.field == "roles" else form.name
            field.errors = [*field.errors, error.detail]
        else:
            db.session.commit()
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
        try:
            if organisation is None:
                organisation = services.create_organisation(data, actor=current_user)
            else:
                services.update_organisation(organisation, data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, error.detail]
        else:
            db.session.commit()
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

