"""Forms of the core pages: the user's notification settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class NotificationSettingsForm(FlaskForm):
    wants_email = BooleanField(
        _l("E-mail me my notifications"),
        description=_l("Each notification is also sent to your e-mail address within a few "
                       "minutes. Untick to see them only here in Nyttoportfölj."))
    submit = SubmitField(_l("Save"))
