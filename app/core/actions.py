"""One page action: make a change, then commit and confirm it, or roll back and say why not."""

from collections.abc import Callable

from flask import flash

from app.core.errors import Conflict, InvalidInput
from app.extensions import db


def commit_or_flash_refusal(change: Callable[[], object], done: str) -> bool:
    """Run `change`; commit and flash `done`, or roll back and flash the refusal's reason."""
    try:
        change()
    except (InvalidInput, Conflict) as refused:
        db.session.rollback()
        flash(refused.detail, "danger")
        return False
    db.session.commit()
    flash(done, "success")
    return True
