"""The words for an upload refused by `core.uploads`, through Flask-Babel."""

from flask_babel import gettext as _

from app.core.errors import InvalidInput
from app.core.uploads import UploadRefused


def refusal_message(refused: UploadRefused) -> str:
    """Say, in the user's language, why the file was refused and what the limit is."""
    params = refused.params
    messages = {
        "empty": lambda: _("The file is empty."),
        "too_large": lambda: _("The file is %(size)s, larger than the %(limit)s allowed; attach "
                               "a smaller one.", **params),
        "legacy_or_encrypted": lambda: _(
            "The file is in an old format or protected by a password; save it as %(type)s "
            "without a password and try again.", **params),
        "not_office": lambda: _("The file is not a real %(type)s file.", **params),
        "missing_parts": lambda: _("The file is not a real %(type)s file.", **params),
        "unreadable_zip": lambda: _("The file is damaged or incomplete; save it again as "
                                    "%(type)s and try again.", **params),
        "damaged": lambda: _("The file is damaged or incomplete; save it again as %(type)s "
                             "and try again.", **params),
        "wrong_type": lambda: _("The file is a %(actual)s file renamed to %(type)s; attach it "
                                "with its real file type.", **params),
        "too_many_entries": lambda: _("The file has %(count)s parts; at most %(limit)s are "
                                      "allowed.", **params),
        "unpacked_too_large": lambda: _("The file unpacks to %(size)s; at most %(limit)s is "
                                        "allowed.", **params),
        "ratio": lambda: _("The file is packed more than %(limit)s times over, which no "
                           "ordinary document is; it was refused.", **params),
        "macros": lambda: _("The file contains macros; save it as %(type)s without macros.",
                            **params),
        "dtd": lambda: _("The file contains a DTD declaration, which documents do not need; "
                         "it was refused."),
        "xml_encoding": lambda: _("The file's parts are not UTF-8 encoded; save it again from "
                                  "Excel or Word."),
        "too_many_rows": lambda: _("A sheet in the file has more than %(limit)s rows; remove "
                                   "empty rows or split the file.", **params),
        "too_many_files": lambda: _("An application may have at most %(limit)s attachments; "
                                    "remove one before attaching another.", **params),
    }
    return messages[refused.code]()


def refusal_error(refused: UploadRefused, field: str) -> InvalidInput:
    """Turn a refused upload into the 422 every page and API endpoint shows."""
    return InvalidInput(refusal_message(refused), field=field)
