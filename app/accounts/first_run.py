"""A new city's first day: create the first administrator, by `flask setup` or the /setup page.

The page exists only while the database has no active administrator; after that it is 404,
so nobody can use it to make themselves an administrator.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.core.enums import Role
from app.core.errors import Conflict
from app.core.unit_of_work import attempt
from app.extensions import db

from .forms import strip_whitespace
from .models import RoleAssignment, User
from .services import create_user
from .sessions import start_session

SETUP_LOCK_KEY = 7_310_017
MIN_PASSWORD_LENGTH = 10

bp = Blueprint("first_run", __name__)


def has_administrator() -> bool:
    """Whether any user holds the administrator role (active or not: the set-up is done)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RoleAssignment)
        .where(RoleAssignment.role == Role.ADMINISTRATOR)) > 0


def create_first_administrator(data: dict) -> User:
    """Create the first administrator; refused once one exists. Flushes, never commits."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": SETUP_LOCK_KEY})
    if has_administrator():
        raise Conflict(_("The system already has an administrator: ask them for an account."))
    if len(data.get("password") or "") < MIN_PASSWORD_LENGTH:
        raise Conflict(_("The password must be at least %(count)d characters.",
                         count=MIN_PASSWORD_LENGTH), field="password")
    return create_user({"email": data["email"], "name": data["name"],
                        "password": data["password"], "roles": [Role.ADMINISTRATOR.value]})


class FirstAdministratorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       filters=[strip_whitespace])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
                       filters=[strip_whitespace], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least 10 characters."), render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Password again"), validators=[DataRequired(), EqualTo("password", _l(
            "The passwords differ: type the same password twice."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create the administrator"))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """The first-run page: only while there is no administrator (404 afterwards)."""
    if has_administrator():
        abort(404)
    form = FirstAdministratorForm()
    if form.validate_on_submit():
        with attempt(Conflict) as outcome:
            user = create_first_administrator(
                {"name": form.name.data, "email": form.email.data,
                 "password": form.password.data})
        if outcome.refused:
            abort(404)
        start_session(user)
        flash(_("Welcome. You are the administrator: set up the programme next."), "success")
        return redirect(url_for("programmes.new"))
    return render_template("accounts/setup.html", form=form), 422 if form.errors else 200
