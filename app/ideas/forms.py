"""Forms for writing and screening project ideas."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.accounts.forms import select_choices, strip_whitespace
from app.core.enums import IdeaState

from .services import COMMENT_REQUIRED, MAX_COMMENT_LENGTH, MAX_LENGTHS

SCREENING_CHOICES = (
    (IdeaState.APPROVED_TO_APPLY.value, _l("Approved to apply")),
    (IdeaState.REJECTED.value, _l("Rejected (give the reason)")),
    (IdeaState.MORE_INFO_REQUESTED.value, _l("More information requested (say what)")),
)


class IdeaForm(FlaskForm):
    """An idea: what, for whom, what it gives, and whom to ask."""

    programme_id = SelectField(_l("Programme"), coerce=int)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_LENGTHS["title"])],
                        filters=[strip_whitespace],
                        description=_l("A short name for the e-service or the change."))
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(), Length(max=MAX_LENGTHS["description"])],
        filters=[strip_whitespace], render_kw={"rows": 6},
        description=_l("What the idea is and which process it changes."))
    target_group = TextAreaField(
        _l("Target group"), validators=[Optional(), Length(max=MAX_LENGTHS["target_group"])],
        filters=[strip_whitespace], render_kw={"rows": 2},
        description=_l("Who will use it, and roughly how many."))
    expected_benefit = TextAreaField(
        _l("Expected benefit"),
        validators=[Optional(), Length(max=MAX_LENGTHS["expected_benefit"])],
        filters=[strip_whitespace], render_kw={"rows": 3},
        description=_l("In words: what gets better for residents, businesses or the city."))
    contact_name = StringField(
        _l("Contact person"), validators=[Optional(), Length(max=MAX_LENGTHS["contact_name"])],
        filters=[strip_whitespace], render_kw={"autocomplete": "name"})
    contact_email = EmailField(
        _l("Contact e-mail address"),
        validators=[Optional(), Email(), Length(max=MAX_LENGTHS["contact_email"])],
        filters=[strip_whitespace], render_kw={"autocomplete": "email"})
    seen_similar = HiddenField()
    submit = SubmitField(_l("Submit the idea"))

    def set_programmes(self, programmes) -> None:
        self.programme_id.choices = select_choices((p.id, p.name) for p in programmes)

    def idea_data(self) -> dict:
        return {name: getattr(self, name).data or "" for name in (
            "title", "description", "target_group", "expected_benefit", "contact_name",
            "contact_email")}


class ScreeningForm(FlaskForm):
    """The programme office's screening outcome and its comment."""

    outcome = RadioField(_l("Outcome"), choices=select_choices(SCREENING_CHOICES),
                         validators=[DataRequired(_l("Choose an outcome."))])
    comment = TextAreaField(
        _l("Comment to the applicant"), validators=[Length(max=MAX_COMMENT_LENGTH)],
        filters=[strip_whitespace], render_kw={"rows": 4},
        description=_l("Required when you reject the idea or ask for more information."))
    submit = SubmitField(_l("Save the screening"))

    def validate_comment(self, field) -> None:
        if self.outcome.data in {state.value for state in COMMENT_REQUIRED} and not field.data:
            raise ValidationError(
                _l("Give the reason for a rejection, or say what information is missing."))
