"""People (global: one login may serve several companies) and their memberships with roles."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import Timestamps, tenant_fk, tenant_join, utcnow

ROLES = ("owner", "admin", "manager", "sales", "merchandiser", "finance", "gm")


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))  # the user's own language choice
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # part of the session's user id: bumping it ends every session and "remember me" cookie
    # of this person ("log out everywhere", a password change or reset)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # set once 2FA is confirmed
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # a code works only once

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch or 0}"

    @staticmethod
    def parse_id(value: object) -> tuple[int, str] | None:
        """get_id()'s "<id>:<epoch>" as (id, epoch), or None when it holds no user id the
        database could have."""
        raw_id, _sep, epoch = str(value or "").partition(":")
        if not raw_id.isdigit() or not 0 < int(raw_id) < 2**31:
            return None
        return int(raw_id), epoch or "0"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(TenantScoped, Timestamps, db.Model):
    """A user's place in one company; roles hang off it."""

    __tablename__ = "membership"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        UniqueConstraint("tenant_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the roles form carries it; a change of roles (child rows) touches the row to move it
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    # the name goes wherever a member is shown (owners in lists): always joined
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    # Loaded when read, not with every member: inside a company its row is in the session
    # already (no SQL), and a list of 25 customers' owners needs neither their company nor
    # their roles. Where many members' roles are shown, the query asks for them
    # (selectinload); the current member's come with it (tenancy.resolve_tenant).
    tenant = relationship("Tenant")
    role_rows: Mapped[list[MembershipRole]] = relationship(
        back_populates="membership",
        cascade="all, delete-orphan",
        primaryjoin=tenant_join("Membership", "MembershipRole", "membership_id"),
    )

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def set_roles(self, roles: set[str] | list[str]) -> None:
        wanted = set(roles)
        self.role_rows = [r for r in self.role_rows if r.role in wanted]
        for role in sorted(wanted - self.roles):
            self.role_rows.append(MembershipRole(role=role, tenant_id=self.tenant_id))


class MembershipRole(TenantScoped, db.Model):
    __tablename__ = "membership_role"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        UniqueConstraint("membership_id", "role"),
        tenant_fk("membership_id", "membership", ondelete="CASCADE"),
        Index("ix_membership_role_tenant_membership", "tenant_id", "membership_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column()
    role: Mapped[str] = mapped_column(String(20))

    membership: Mapped[Membership] = relationship(
        back_populates="role_rows",
        primaryjoin=tenant_join("Membership", "MembershipRole", "membership_id"),
    )


class PasswordResetToken(db.Model):
    """A single-use, expiring link to set a new password. Only the token's SHA-256 is stored:
    the database alone cannot be used to reset anyone's password."""

    __tablename__ = "password_reset_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(db.Model):
    """One-time codes that replace a lost authenticator (SHA-256 of the code; random enough
    that a slow hash adds nothing)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
