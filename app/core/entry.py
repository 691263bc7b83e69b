"""Each page blueprint's entry rule, registered one way everywhere: signed in, then the
blueprint's own `may_enter(user)` when it has one (403 otherwise)."""

from collections.abc import Callable

from flask import Blueprint, abort
from flask_login import current_user, login_required


def page_blueprint(name: str, import_name: str, *,
                   may_enter: Callable[[object], bool] | None = None, **options) -> Blueprint:
    """A blueprint whose every page needs a signed-in user who passes `may_enter`."""
    blueprint = Blueprint(name, import_name, **options)

    @blueprint.before_request
    @login_required
    def _entry_rule():
        if may_enter is not None and not may_enter(current_user):
            abort(403)

    return blueprint
