"""The follow-up log (客户跟踪记录表) with visit details (客户拜访记录): one record per contact
with the customer, numbered 1, 2, 3 … per customer in date order (the paper's 序号)."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import (
    Date,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import Timestamps, tenant_fk, tenant_join
from .customer import Contact, Customer
from .user import Membership

VISIT_METHODS = ("visit_direct", "visit_invited")
CALL_METHODS = ("phone", "chat", "sms", "email")
METHODS = (*VISIT_METHODS, *CALL_METHODS, "other")


class FollowUp(TenantScoped, Timestamps, db.Model):
    __tablename__ = "followup"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        # numbers are unique per customer; the service renumbers inside one locked transaction
        UniqueConstraint("tenant_id", "customer_id", "seq"),
        tenant_fk("customer_id", "customer", ondelete="CASCADE"),
        tenant_fk("followed_by_id", "membership"),
        tenant_fk("author_id", "membership"),
        Index("ix_followup_tenant_on_date", "tenant_id", "on_date"),
        Index("ix_followup_tenant_followed_by", "tenant_id", "followed_by_id", "on_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column(Integer)  # 序号
    method: Mapped[str] = mapped_column(String(20))  # 跟进方式
    topic: Mapped[str] = mapped_column(String(200))  # 跟进主题
    content: Mapped[str | None] = mapped_column(Text)  # 跟进情况
    category: Mapped[str | None] = mapped_column(String(20))  # 客户类别 at that moment
    followed_by_id: Mapped[int] = mapped_column()  # 跟进人
    author_id: Mapped[int] = mapped_column()  # who typed it (edit/delete rights)
    on_date: Mapped[date] = mapped_column(Date)  # 日期
    next_date: Mapped[date | None] = mapped_column(Date)  # 预约日程
    next_action: Mapped[str | None] = mapped_column(String(500))
    # visit details (直接登门 / 邀约登门 only)
    time_from: Mapped[time | None] = mapped_column(Time)
    time_to: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str | None] = mapped_column(String(300))
    purposes: Mapped[int] = mapped_column(Integer, default=0)  # bits of VISIT_PURPOSES
    goal: Mapped[str | None] = mapped_column(Text)  # 拜访目标
    preparation: Mapped[str | None] = mapped_column(Text)  # 拜访准备
    result: Mapped[str | None] = mapped_column(Text)  # 拜访结果 / 达成情况
    questions: Mapped[str | None] = mapped_column(Text)  # 客户问题
    answers: Mapped[str | None] = mapped_column(Text)  # 解答
    intelligence: Mapped[str | None] = mapped_column(Text)  # 收获情报
    action_plan: Mapped[str | None] = mapped_column(Text)  # 行动计划 / 跟进方案
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer] = relationship(
        primaryjoin=tenant_join("Customer", "FollowUp", "customer_id"),
    )
    followed_by: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "FollowUp", "followed_by_id"),
    )
    author: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "FollowUp", "author_id"),
    )
    contacts: Mapped[list[Contact]] = relationship(
        secondary="followup_contact",
        primaryjoin="and_(FollowUp.tenant_id == FollowUpContact.tenant_id, "
        "FollowUp.id == FollowUpContact.followup_id)",
        secondaryjoin="and_(Contact.tenant_id == FollowUpContact.tenant_id, "
        "Contact.id == FollowUpContact.contact_id)",
        order_by="Contact.id",
        viewonly=True,
    )
    colleagues: Mapped[list[Membership]] = relationship(
        secondary="followup_colleague",
        primaryjoin="and_(FollowUp.tenant_id == FollowUpColleague.tenant_id, "
        "FollowUp.id == FollowUpColleague.followup_id)",
        secondaryjoin="and_(Membership.tenant_id == FollowUpColleague.tenant_id, "
        "Membership.id == FollowUpColleague.membership_id)",
        order_by="FollowUpColleague.id",  # as they were added
        viewonly=True,
    )

    @property
    def is_visit(self) -> bool:
        return self.method in VISIT_METHODS


class FollowUpContact(TenantScoped, db.Model):
    """Contacts involved in a follow-up (for a visit: the people met)."""

    __tablename__ = "followup_contact"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        UniqueConstraint("followup_id", "contact_id"),
        tenant_fk("followup_id", "followup", ondelete="CASCADE"),
        tenant_fk("contact_id", "contact", ondelete="CASCADE"),
        Index("ix_followup_contact_tenant_contact", "tenant_id", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column()
    contact_id: Mapped[int] = mapped_column()


class FollowUpColleague(TenantScoped, db.Model):
    """Colleagues who came along on a visit (协同人员)."""

    __tablename__ = "followup_colleague"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        UniqueConstraint("followup_id", "membership_id"),
        tenant_fk("followup_id", "followup", ondelete="CASCADE"),
        tenant_fk("membership_id", "membership"),
        Index("ix_followup_colleague_tenant_membership", "tenant_id", "membership_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column()
    membership_id: Mapped[int] = mapped_column()


__all__ = [
    "CALL_METHODS",
    "METHODS",
    "VISIT_METHODS",
    "FollowUp",
    "FollowUpColleague",
    "FollowUpContact",
]
