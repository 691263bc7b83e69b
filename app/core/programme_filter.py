"""Which programme a list, dashboard or export is about: `?programme_id=`, else the choice kept.

Every list takes `programme_id` (issue 17). An id that names no programme is a 404, never
ignored; one that is not a number is a 400, as other malformed query numbers are. Without
one, a page follows the programme the person chose in the navigation (kept in the session);
when nothing is chosen the list covers every programme the user may see, which for a person
with access to exactly one programme is that programme, since the lists' visibility rules
already narrow to the programmes where the user holds a role.

Core imports no domain: the caller passes `exists`, the check that a programme id is real.
"""

from collections.abc import Callable

from flask import abort, request, session
from flask_babel import gettext as _

from app.core.errors import NotFound
from app.core.urls import ID_MAX

PARAMETER = "programme_id"
SESSION_KEY = "chosen_programme_id"


def checked_programme_id(value: int | None, exists: Callable[[int], bool]) -> int | None:
    """Return the id when it names a programme, None when absent; raise NotFound otherwise."""
    if value is None:
        return None
    if not exists(value):
        raise NotFound(_("There is no programme with that number."), field=PARAMETER)
    return value


def parsed_programme_id() -> int | None:
    """The `programme_id` query value as a number; 400 when it is not one the database holds."""
    raw = request.args.get(PARAMETER) or None
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) > ID_MAX:
        abort(400)
    return int(raw)


def remembered_programme_id(exists: Callable[[int], bool]) -> int | None:
    """The programme chosen in the navigation, while it still exists."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, int):
        return None
    if not exists(value):
        session.pop(SESSION_KEY, None)
        return None
    return value


def remember_programme_id(programme_id: int | None) -> None:
    """Keep the chosen programme for the following pages (None: every programme)."""
    if programme_id is None:
        session.pop(SESSION_KEY, None)
    else:
        session[SESSION_KEY] = programme_id


def requested_programme_id(exists: Callable[[int], bool], *, remembered: bool = True
                           ) -> int | None:
    """The programme a page is about: the query's, else the remembered choice, else None."""
    asked = checked_programme_id(parsed_programme_id(), exists)
    if asked is not None or not remembered:
        return asked
    return remembered_programme_id(exists)
