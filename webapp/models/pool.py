"""The shared customer pool (公海): auto-return rules per grade and every change of owner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import tenant_fk, utcnow
from .user import Membership

# kinds of CustomerOwnerChange
OWNER_CHANGE_KINDS = ("transfer", "release", "claim", "auto_return")


class PoolRule(TenantScoped, db.Model):
    """Customers of `grade` with no follow-up for `return_days` days go back to the pool; the
    owner is warned `warn_days` before; the previous owner may not reclaim for `cooldown_hours`."""

    __tablename__ = "pool_rule"
    __table_args__ = (TenantScoped.tenant_unique(), UniqueConstraint("tenant_id", "grade"))

    id: Mapped[int] = mapped_column(primary_key=True)
    grade: Mapped[str] = mapped_column(String(1))  # services.classification.GRADES
    return_days: Mapped[int] = mapped_column(Integer)
    warn_days: Mapped[int] = mapped_column(Integer, default=0)
    cooldown_hours: Mapped[int] = mapped_column(Integer, default=0)


class CustomerOwnerChange(TenantScoped, db.Model):
    """One change of a customer's owner: a member → another (transfer, claim) or → the pool
    (release, auto_return: to_member_id NULL). Append-only history shown on the card."""

    __tablename__ = "customer_owner_change"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        tenant_fk("customer_id", "customer", ondelete="CASCADE"),
        tenant_fk("from_member_id", "membership"),
        tenant_fk("to_member_id", "membership"),
        tenant_fk("by_member_id", "membership"),
        Index("ix_customer_owner_change_customer", "tenant_id", "customer_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # OWNER_CHANGE_KINDS
    from_member_id: Mapped[int | None] = mapped_column(Integer)  # NULL: came from the pool
    to_member_id: Mapped[int | None] = mapped_column(Integer)  # NULL: went to the pool
    by_member_id: Mapped[int | None] = mapped_column(Integer)  # NULL: the automatic sweep
    reason: Mapped[str | None] = mapped_column(Text)  # typed by the person (required for them)
    idle_days: Mapped[int | None] = mapped_column(Integer)  # auto_return: the rule's N days
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    from_member: Mapped[Membership | None] = relationship(
        primaryjoin="and_(CustomerOwnerChange.tenant_id == Membership.tenant_id, "
        "foreign(CustomerOwnerChange.from_member_id) == Membership.id)",
        viewonly=True,
    )
    to_member: Mapped[Membership | None] = relationship(
        primaryjoin="and_(CustomerOwnerChange.tenant_id == Membership.tenant_id, "
        "foreign(CustomerOwnerChange.to_member_id) == Membership.id)",
        viewonly=True,
    )
    by_member: Mapped[Membership | None] = relationship(
        primaryjoin="and_(CustomerOwnerChange.tenant_id == Membership.tenant_id, "
        "foreign(CustomerOwnerChange.by_member_id) == Membership.id)",
        viewonly=True,
    )
