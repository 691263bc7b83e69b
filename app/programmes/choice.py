"""The programme a request is about, checked against the programmes that exist (issue 17).

Pages read `?programme_id=` and fall back to the programme chosen in the navigation; the API
reads the validated `programme_id` argument only (no session). Both answer 404 for an id that
names no programme.
"""

import sqlalchemy as sa
from flask_login import current_user

from app.core import programme_filter
from app.core.permissions import accessible_programme_ids
from app.extensions import db

from .models import Programme


def programme_exists(programme_id: int) -> bool:
    return db.session.get(Programme, programme_id) is not None


def sole_programme_id(user) -> int | None:
    """The one programme a user holds roles in, when there is exactly one."""
    ids = accessible_programme_ids(user)
    if ids is None or len(ids) != 1:
        return None
    return next(iter(ids))


def chosen_programme_id() -> int | None:
    """The programme chosen in the navigation, else the only one the person works in."""
    chosen = programme_filter.remembered_programme_id(programme_exists)
    if chosen is None and getattr(current_user, "is_authenticated", False):
        return sole_programme_id(current_user)
    return chosen


def page_programme_id(*, remembered: bool = True) -> int | None:
    """The programme a page is about: `?programme_id=`, else the chosen one (with
    `remembered`), else None for every programme the user sees."""
    asked = programme_filter.requested_programme_id(programme_exists, remembered=False)
    if asked is not None or not remembered:
        return asked
    return chosen_programme_id()


def page_programme(*, remembered: bool = True) -> Programme | None:
    programme_id = page_programme_id(remembered=remembered)
    return db.session.get(Programme, programme_id) if programme_id is not None else None


def api_programme_id(args) -> int | None:
    """The validated `programme_id` of an API list, 404 (problem+json) if no such programme."""
    return programme_filter.checked_programme_id(args.get("programme_id"), programme_exists)


def programmes_of(user) -> list[Programme]:
    """The programmes the user holds a role in, oldest first: what the chooser offers."""
    query = sa.select(Programme).order_by(Programme.starts_on, Programme.id)
    ids = accessible_programme_ids(user)
    if ids is not None:
        query = query.where(Programme.id.in_(sorted(ids)))
    return list(db.session.scalars(query))


def chooser_context() -> dict:
    """What the navigation's programme chooser shows: the choices and the chosen one."""
    if not getattr(current_user, "is_authenticated", False):
        return {"programme_choices": [], "chosen_programme_id": None}
    choices = programmes_of(current_user)
    chosen = programme_filter.remembered_programme_id(programme_exists)
    return {"programme_choices": choices, "chosen_programme_id": chosen}
