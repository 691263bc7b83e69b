"""Who is who, read by SQL: the active users of organisations and of roles, for notifications."""

import sqlalchemy as sa

from app.extensions import db

from .models import RoleAssignment, User


def users_of_organisation(organisation_id: int, role=None) -> list[int]:
    """Return the active users of an organisation, optionally only those holding a role."""
    return users_of_organisations([organisation_id], role).get(organisation_id, [])


def users_of_organisations(organisation_ids, role=None) -> dict[int, list[int]]:
    """Return each organisation's active users (optionally holding a role) in one query."""
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
    query = (sa.select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(RoleAssignment.role == role, User.is_active.is_(True)))
    if authority_key is not None:
        query = query.where(RoleAssignment.authority_key == authority_key)
    if programme_id is not None:
        query = query.where(sa.or_(RoleAssignment.programme_id.is_(None),
                                   RoleAssignment.programme_id == programme_id))
    return list(db.session.scalars(query.distinct()))
