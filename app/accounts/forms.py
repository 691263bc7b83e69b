"""Forms for login and administration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from app.core.enums import Role
from app.core.labels import ORGANISATION_KIND


def select_choices(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip_whitespace(value):
    """Drop the spaces people paste around e-mail addresses and names."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()],
                       filters=[strip_whitespace], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(
        _l("Remember me on this computer"),
        description=_l("Only on a computer that is yours alone. Decisions on money still ask "
                       "for your password if you logged in more than a short while ago."))
    submit = SubmitField(_l("Log in"))


class ApiTokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=100)],
                       filters=[strip_whitespace],
                       description=_l("For example the name of the system that will use it."))
    revoke_others = BooleanField(_l("Revoke my other tokens at the same time"))
    submit = SubmitField(_l("Create token"))


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       filters=[strip_whitespace])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
                       filters=[strip_whitespace])
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    roles = SelectMultipleField(_l("Roles"), validators=[Optional()])
    authority_key = SelectMultipleField(
        _l("Authorities (decision makers only)"), validators=[Optional()],
        description=_l("The authorities of the programmes' delegation regimes. Choose one or "
                       "more for a decision maker; none for other roles."),
    )
    password = PasswordField(
        _l("Password"), validators=[Optional(), Length(min=10, max=200)],
        description=_l("At least 10 characters. Leave empty to keep the current password."),
        render_kw={"autocomplete": "new-password"},
    )
    is_active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    # (programme id, field name) of the "roles in one programme only" fields, see user_form().
    programme_role_fields: tuple = ()

    def programme_fields(self) -> list:
        return [getattr(self, name) for _programme_id, name in self.programme_role_fields]

    def _grants(self, roles, suffix: str) -> list[str]:
        grants = []
        for role in roles or []:
            if role == Role.DECISION_MAKER:
                keys = [key.strip() for key in self.authority_key.data or [] if key.strip()]
                grants.extend(f"{role}:{key}{suffix}" for key in keys or [""])
            else:
                grants.append(f"{role}{suffix}")
        return grants

    def role_grants(self) -> list[str]:
        """Combine the chosen roles and the authority key into grants such as decision_maker:x;
        a role chosen for one programme only carries `@programme id`."""
        grants = self._grants(self.roles.data, "")
        for programme_id, name in self.programme_role_fields:
            grants += self._grants(getattr(self, name).data, f"@{programme_id}")
        return grants


def user_form(programmes, role_choices, **kwargs) -> UserForm:
    """A user form with one "roles in this programme only" field per programme."""
    fields = tuple((programme.id, f"roles_in_programme_{programme.id}") for programme in programmes)

    class ProgrammeUserForm(UserForm):
        programme_role_fields = fields

    for programme, (_programme_id, name) in zip(programmes, fields, strict=True):
        setattr(ProgrammeUserForm, name, SelectMultipleField(
            _l("Roles in %(programme)s only", programme=programme.name),
            validators=[Optional()], choices=role_choices))
    form = ProgrammeUserForm(**kwargs)
    form.roles.choices = role_choices
    return form


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=40)])
    kind = SelectField(
        _l("Kind"),
        choices=select_choices((kind.value, label) for kind, label in ORGANISATION_KIND.items()),
    )
    area_id = SelectField(_l("Area"), coerce=int)
    is_active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))
