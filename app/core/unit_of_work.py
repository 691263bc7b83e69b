"""One commit per request: every view's changes are committed once, or not at all.

Views and API endpoints never commit or roll back. The wrapper installed here around
every endpoint commits when the view returns and rolls back when an exception leaves it
(the error handlers then turn a domain error into a page, a flash or problem+json). A
view that shows a refusal in its own answer (a form's error summary, a flash) runs the
change inside `attempt()`: a savepoint that undoes exactly the refused change, so what
the request did before it (a saved draft) is still committed at the end.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, flash
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.errors import Conflict, DomainError, InvalidInput
from app.extensions import db

# What a view may show as a refusal in its own answer; anything else leaves the view.
SHOWN_REFUSALS: tuple[type[DomainError], ...] = (InvalidInput, Conflict)


@dataclass
class Attempt:
    """What became of a change run in `attempt()`: `refused` holds the refusal, if any."""

    refused: DomainError | None = None

    @property
    def succeeded(self) -> bool:
        return self.refused is None


@contextmanager
def attempt(*refusals: type[DomainError]) -> Iterator[Attempt]:
    """Run a change in a savepoint; a refusal undoes the change and is kept, not raised.

    `refusals` are the error types the view will show (default: invalid input and
    conflicts); any other error rolls back the savepoint and leaves the view.
    """
    outcome = Attempt()
    shown = refusals or SHOWN_REFUSALS
    savepoint = db.session.begin_nested()
    try:
        yield outcome
    except shown as refused:
        savepoint.rollback()
        outcome.refused = refused
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    else:
        savepoint.commit()


def change_or_flash_refusal(change: Callable[[], object], done: str) -> bool:
    """Run `change`; flash `done`, or undo it and flash the refusal's reason."""
    with attempt() as outcome:
        change()
    if outcome.refused:
        flash(outcome.refused.detail, "danger")
        return False
    flash(done, "success")
    return True


def keep_before_the_view() -> None:
    """Commit what a before-request hook recorded (a token's last use), so that it is kept
    even when the view that follows is refused and rolled back."""
    if _holds_changes():
        db.session.commit()


def commit_when_done(view: Callable) -> Callable:
    """Wrap a view: commit its changes when it returns, roll them back when it raises.

    The answer is built before the commit so that a commit that fails (a lost connection,
    a serialisation failure) still reaches the error handlers instead of a sent answer.
    """

    @functools.wraps(view)
    def run(*args, **kwargs):
        try:
            response = current_app.make_response(view(*args, **kwargs))
            if _holds_changes():
                db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return response

    return run


def _holds_changes() -> bool:
    """True when the session has written, or will write, anything in this transaction."""
    session = db.session()
    return bool(session.new or session.dirty or session.deleted
                or session.info.get("flushed_in_transaction"))


def _remember_flush(session, _context) -> None:
    session.info["flushed_in_transaction"] = True


def _remember_bulk_write(state) -> None:
    """A bulk UPDATE, DELETE or INSERT through the session writes without a flush."""
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info["flushed_in_transaction"] = True


def _forget_flush(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("flushed_in_transaction", None)


def install(app: Flask) -> None:
    """Wrap every endpoint of `app` (the static files excepted) in `commit_when_done`."""
    for name, listener in (("after_flush", _remember_flush),
                           ("do_orm_execute", _remember_bulk_write),
                           ("after_transaction_end", _forget_flush)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint == "static" or endpoint.endswith(".static"):
            continue
        app.view_functions[endpoint] = commit_when_done(view)
