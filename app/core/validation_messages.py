"""Marshmallow's own validation messages in the reader's language, like every other API error.

Marshmallow keeps its English messages on the field and validator classes and fills them in with
`str.format` when it refuses a value; a validator declared in a schema is built at import, when
`Range` already fills in "greater than or equal to". Each message is replaced, before any schema
is declared, by a `TranslatedMessage`: a str that stays English while it is composed outside a
request and translates itself when it is formatted inside one. Messages marshmallow never
formats (a schema's "Unknown field.") are translated when the error is shown (`translated`).
"""

import marshmallow
from flask import has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

# Every message text marshmallow can give the API, composed as the schemas' validators hold it,
# so that Babel extracts each one for translation.
CATALOGUE = (
    _l("Missing data for required field."),
    _l("Field may not be null."),
    _l("Invalid value."),
    _l("Not a valid boolean."),
    _l("Not a valid date."),
    _l("Not a valid email address."),
    _l("Not a valid integer."),
    _l("Not a valid list."),
    _l("Not a valid mapping type."),
    _l("Not a valid number."),
    _l("Not a valid string."),
    _l("Not a valid utf-8 string."),
    _l("Not a valid tuple."),
    _l("Not a valid URL."),
    _l("Not a valid UUID."),
    _l("Number too large."),
    _l("Invalid type."),
    _l("Invalid input."),
    _l("Invalid input type."),
    _l("Unknown field."),
    _l("Special numeric values (nan or infinity) are not permitted."),
    _l("Must be one of: {choices}."),
    _l("String does not match expected pattern."),
    _l("Shorter than minimum length {min}."),
    _l("Longer than maximum length {max}."),
    _l("Length must be between {min} and {max}."),
    _l("Length must be {equal}."),
    _l("Must be greater than or equal to {min}."),
    _l("Must be greater than {min}."),
    _l("Must be less than or equal to {max}."),
    _l("Must be less than {max}."),
    _l("Must be greater than or equal to {min} and less than or equal to {max}."),
    _l("Must be greater than or equal to {min} and less than {max}."),
    _l("Must be greater than {min} and less than or equal to {max}."),
    _l("Must be greater than {min} and less than {max}."),
)


class TranslatedMessage(str):
    """A marshmallow message that translates itself when it is filled in during a request."""

    def format(self, *args, **kwargs) -> str:
        if has_request_context():
            return gettext(str(self)).format(*args, **kwargs)
        return TranslatedMessage(str.format(self, *args, **kwargs))


def translated(message) -> str:
    """A message as the reader should see it: marshmallow's unformatted ones translated too."""
    if isinstance(message, TranslatedMessage):
        return gettext(str(message))
    return str(message)


def _wrap(message):
    return TranslatedMessage(message) if isinstance(message, str) else message


def install() -> None:
    """Replace marshmallow's class-level messages; call before any schema is declared."""
    for cls in vars(fields).values():
        if isinstance(cls, type) and "default_error_messages" in vars(cls):
            cls.default_error_messages = {key: _wrap(message) for key, message
                                          in cls.default_error_messages.items()}
    marshmallow.Schema._default_error_messages = {
        key: _wrap(message) for key, message in marshmallow.Schema._default_error_messages.items()}
    for cls in vars(validate).values():
        if isinstance(cls, type) and issubclass(cls, validate.Validator):
            for name, message in list(vars(cls).items()):
                if name.startswith("message") or name == "default_message":
                    setattr(cls, name, _wrap(message))


install()
