"""In-app notifications (and, later, their e-mails). Services call `notify`; it flushes only."""

import sqlalchemy as sa

from app.extensions import db

from .models import Notification


def notify(user_ids, kind: str, message: str, link: str | None = None,
           dedupe_key: str | None = None) -> list[Notification]:
    """Notify each user once; with a dedupe key, a repeated call creates nothing new."""
    created = []
    for user_id in sorted(set(user_ids)):
        key = f"{dedupe_key}:{user_id}" if dedupe_key else None
        if key and db.session.scalar(
            sa.select(Notification.id).where(Notification.dedupe_key == key)
        ):
            continue
        notification = Notification(user_id=user_id, kind=kind, message=message, link=link,
                                    dedupe_key=key)
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    return created


def users_of_organisation(organisation_id: int, role=None) -> list[int]:
    """Return the active users of an organisation, optionally only those holding a role."""
    from app.accounts.models import RoleAssignment, User

    query = sa.select(User.id).where(User.organisation_id == organisation_id,
                                     User.is_active.is_(True))
    if role is not None:
        query = query.join(RoleAssignment, RoleAssignment.user_id == User.id).where(
            RoleAssignment.role == role)
    return list(db.session.scalars(query.distinct()))


def users_with_role(role, authority_key: str | None = None) -> list[int]:
    """Return the active users holding a role (and, for decision makers, an authority)."""
    from app.accounts.models import RoleAssignment, User

    query = (sa.select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(RoleAssignment.role == role, User.is_active.is_(True)))
    if authority_key is not None:
        query = query.where(RoleAssignment.authority_key == authority_key)
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
