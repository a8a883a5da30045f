"""People (global: one login may serve several companies) and their memberships with roles."""

from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps

ROLES = ("owner", "admin", "manager", "sales", "merchandiser", "finance", "gm")


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))  # the user's own language choice
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

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

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    tenant = relationship("Tenant", lazy="joined", innerjoin=True)
    role_rows: Mapped[list[MembershipRole]] = relationship(
        back_populates="membership",
        cascade="all, delete-orphan",
        lazy="selectin",
        primaryjoin="and_(Membership.tenant_id == MembershipRole.tenant_id, "
        "Membership.id == foreign(MembershipRole.membership_id))",
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
        ForeignKeyConstraint(
            ["tenant_id", "membership_id"],
            ["membership.tenant_id", "membership.id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(String(20))

    membership: Mapped[Membership] = relationship(
        back_populates="role_rows",
        primaryjoin="and_(Membership.tenant_id == MembershipRole.tenant_id, "
        "Membership.id == foreign(MembershipRole.membership_id))",
    )
