"""In-app notifications and the choice to get them by e-mail. Services call `notify`.

`notify` only writes the notification (and flushes); the scheduler's e-mail job
(app.jobs.services.send_notification_emails) e-mails it later to users who want e-mail, so a
slow SMTP server never holds up a request.
"""

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db

from .models import Notification


def notify(user_ids, kind: str, message: str, link: str | None = None,
           dedupe_key: str | None = None) -> list[Notification]:
    """Notify each user once; with a dedupe key, a repeated call creates nothing new."""
    keys = {user_id: f"{dedupe_key}:{user_id}" if dedupe_key else None
            for user_id in sorted(set(user_ids))}
    sent = set()
    if dedupe_key and keys:
        sent = set(db.session.scalars(sa.select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_(list(keys.values())))))
    created = []
    for user_id, key in keys.items():
        if key in sent:
            continue
        notification = Notification(user_id=user_id, kind=kind, message=message, link=link,
                                    dedupe_key=key)
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    return created


def users_of_organisation(organisation_id: int, role=None) -> list[int]:
    """Return the active users of an organisation, optionally only those holding a role."""
    return users_of_organisations([organisation_id], role).get(organisation_id, [])


def users_of_organisations(organisation_ids, role=None) -> dict[int, list[int]]:
    """Return each organisation's active users (optionally holding a role) in one query."""
    from app.accounts.models import RoleAssignment, User

    ids = {i for i in organisation_ids if i is not None}
    if not ids:
        return {}
    query = sa.select(User.organisation_id, User.id).where(User.organisation_id.in_(ids),
                                                           User.is_active.is_(True))
    if role is not None:
        query = query.join(RoleAssignment, RoleAssignment.user_id == User.id).where(
            RoleAssignment.role == role)
    users: dict[int, list[int]] = {}
    for organisation_id, user_id in db.session.execute(query.distinct().order_by(User.id)):
        users.setdefault(organisation_id, []).append(user_id)
    return users


def users_with_role(role, authority_key: str | None = None,
                    programme_id: int | None = None) -> list[int]:
    """Return the active users holding a role (and, for decision makers, an authority).

    With `programme_id`, only those holding it in that programme (or in every programme).
    """
    from app.accounts.models import RoleAssignment, User

    query = (sa.select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(RoleAssignment.role == role, User.is_active.is_(True)))
    if authority_key is not None:
        query = query.where(RoleAssignment.authority_key == authority_key)
    if programme_id is not None:
        query = query.where(sa.or_(RoleAssignment.programme_id.is_(None),
                                   RoleAssignment.programme_id == programme_id))
    return list(db.session.scalars(query.distinct()))


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def notifications_for(user_id: int, limit: int = 100) -> list[Notification]:
    return db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ).all()


def mark_all_read(user_id: int) -> int:
    """Mark the user's unread notifications as read; return how many there were."""
    from app.core.models import utcnow

    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount


def set_wants_email(user, wants_email: bool, actor) -> bool:
    """Turn a user's notification e-mails on or off (only their own); audit a change."""
    from app.core import audit
    from app.core.errors import Forbidden, InvalidInput

    if actor is None or actor.id != user.id:
        raise Forbidden(_("You can only choose your own notification settings."))
    if not isinstance(wants_email, bool):
        raise InvalidInput(_("Answer yes or no."), field="wants_email")
    if user.wants_email != wants_email:
        before = user.wants_email
        user.wants_email = wants_email
        db.session.flush()
        audit.record("user.notification_settings", user, actor=actor,
                     before={"wants_email": before}, after={"wants_email": wants_email})
    return user.wants_email
