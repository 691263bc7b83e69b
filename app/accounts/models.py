"""Organisations, users, their roles and API tokens."""

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.enums import OrganisationKind, Role
from app.core.models import AwareDateTime, created_at_column, enum_column
from app.extensions import db


class Area(db.Model):
    """A business area (verksamhetsområde) that organisations and projects belong to."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))

    def __repr__(self) -> str:
        return f"<Area {self.key}>"


class Organisation(db.Model):
    """An administration, city-owned company or district administration."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(sa.String(40))
    kind: Mapped[OrganisationKind] = enum_column(OrganisationKind)
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()

    area: Mapped[Area | None] = relationship()
    users: Mapped[list["User"]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class User(UserMixin, db.Model):
    """A person who logs in; may hold several roles."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(5), default="sv")
    wants_email: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # Part of every session's and remember cookie's identity: raising it ends them all.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    role_assignments: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", cascade="all, delete-orphan",
        foreign_keys="RoleAssignment.user_id", lazy="selectin",
    )

    def set_password(self, password: str) -> None:
        from flask import current_app, has_app_context

        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(a.role for a in self.role_assignments)

    @property
    def authority_keys(self) -> frozenset[str]:
        """The delegation authorities this user may decide under (in some programme)."""
        return frozenset(
            a.authority_key for a in self.role_assignments
            if a.role == Role.DECISION_MAKER and a.authority_key
        )

    def roles_for(self, programme_id: int | None) -> frozenset[Role]:
        """The roles held in one programme: those granted for it and those for all programmes."""
        return frozenset(a.role for a in self.role_assignments
                         if a.programme_id is None or a.programme_id == programme_id)

    def authority_keys_for(self, programme_id: int | None) -> frozenset[str]:
        """The delegation authorities this user may decide under in one programme."""
        return frozenset(
            a.authority_key for a in self.role_assignments
            if a.role == Role.DECISION_MAKER and a.authority_key
            and (a.programme_id is None or a.programme_id == programme_id)
        )

    def get_id(self) -> str:
        """Name the user and the session generation, so ended sessions cannot be replayed."""
        return f"{self.id}.{self.session_generation}"

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleAssignment(db.Model):
    """A role held by a user; decision makers carry the authority key they decide under.

    `programme_id` limits the role to one programme; NULL grants it in every programme.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    role: Mapped[Role] = enum_column(Role)
    authority_key: Mapped[str | None] = mapped_column(sa.String(60))
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[datetime] = created_at_column()
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    user: Mapped[User] = relationship(back_populates="role_assignments", foreign_keys=[user_id])

    __table_args__ = (
        sa.UniqueConstraint("user_id", "role", "authority_key", "programme_id",
                            name="uq_role_assignment_grant"),
        sa.CheckConstraint(
            "(role = 'decision_maker') = (authority_key IS NOT NULL)",
            name="authority_only_for_decision_makers",
        ),
    )

    def __repr__(self) -> str:
        suffix = f":{self.authority_key}" if self.authority_key else ""
        if self.programme_id is not None:
            suffix += f"@{self.programme_id}"
        return f"<RoleAssignment user={self.user_id} {self.role}{suffix}>"


def hash_token(token: str) -> str:
    """Hash an API token; only the hash is stored, so a database leak reveals no tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token for the API, stored as its SHA-256 hash; it expires and can be revoked."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="cli")
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"
