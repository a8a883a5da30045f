"""Inquiries (询盘) from the marketplaces and samples (样品) sent to customers or to inquirers.

Both feed the weekly inquiry report (DOMAIN.md §6); an inquiry keeps its link to the customer
it was converted into, so "followed" can be derived from that customer's follow-up log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    event,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import Numeric, Timestamps, tenant_fk, tenant_join
from .customer import Contact, Customer
from .user import Membership

# where an inquiry came from (the code is stored; labels live in services/inquiries.py)
INQUIRY_CHANNELS = (
    "alibaba",
    "made_in_china",
    "global_sources",
    "website",
    "email",
    "exhibition",
    "other",
)
# 收费情况: free, charged (amount), or the customer pays the courier (运费到付)
SAMPLE_CHARGES = ("free", "charged", "freight_collect")


class Inquiry(TenantScoped, Timestamps, db.Model):
    __tablename__ = "inquiry"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        tenant_fk("customer_id", "customer"),
        # no ON DELETE SET NULL: on a composite key it would null tenant_id too; the hooks at
        # the end of this module unlink first, and any other delete is refused by the key
        tenant_fk("contact_id", "contact"),
        tenant_fk("assigned_to_id", "membership"),
        tenant_fk("created_by_id", "membership"),
        Index("ix_inquiry_tenant_received", "tenant_id", "received_on"),
        Index("ix_inquiry_tenant_assigned", "tenant_id", "assigned_to_id", "received_on"),
        Index("ix_inquiry_tenant_customer", "tenant_id", "customer_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # the company-local calendar day of received_at, kept by the service: weeks and "followed
    # after it" compare dates, and a UTC timestamp would put a Monday-morning inquiry in Sunday
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    company: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    product: Mapped[str | None] = mapped_column(String(300))
    message: Mapped[str | None] = mapped_column(Text)
    # 可以跟进: None until someone decides
    worth_following: Mapped[bool | None] = mapped_column(Boolean)
    worth_reason: Mapped[str | None] = mapped_column(String(500))
    assigned_to_id: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int] = mapped_column()
    # set when converted into (or linked to) a customer; the link is what "followed" reads
    customer_id: Mapped[int | None] = mapped_column()
    contact_id: Mapped[int | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    assigned_to: Mapped[Membership | None] = relationship(
        primaryjoin=tenant_join("Membership", "Inquiry", "assigned_to_id")
    )
    created_by: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "Inquiry", "created_by_id")
    )
    customer: Mapped[Customer | None] = relationship(
        primaryjoin=tenant_join("Customer", "Inquiry", "customer_id"),
    )
    contact: Mapped[Contact | None] = relationship(
        primaryjoin=tenant_join("Contact", "Inquiry", "contact_id"),
    )


class Sample(TenantScoped, Timestamps, db.Model):
    __tablename__ = "sample"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        tenant_fk("customer_id", "customer", ondelete="CASCADE"),
        tenant_fk("inquiry_id", "inquiry", ondelete="CASCADE"),
        tenant_fk("sent_by_id", "membership"),
        CheckConstraint(
            "customer_id IS NOT NULL OR inquiry_id IS NOT NULL", name="customer_or_inquiry"
        ),
        Index("ix_sample_tenant_sent", "tenant_id", "sent_on"),
        Index("ix_sample_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_sample_tenant_inquiry", "tenant_id", "inquiry_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column()
    inquiry_id: Mapped[int | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))  # 样品名称
    quantity: Mapped[str | None] = mapped_column(String(60))  # 数量, as written ("3 pcs")
    charge: Mapped[str] = mapped_column(String(20))  # SAMPLE_CHARGES
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    sent_on: Mapped[date | None] = mapped_column(Date)
    courier: Mapped[str | None] = mapped_column(String(100))
    tracking_no: Mapped[str | None] = mapped_column(String(100))
    feedback: Mapped[str | None] = mapped_column(Text)
    sent_by_id: Mapped[int] = mapped_column()  # the salesperson the sample counts for
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer | None] = relationship(
        primaryjoin=tenant_join("Customer", "Sample", "customer_id"),
    )
    inquiry: Mapped[Inquiry | None] = relationship(
        primaryjoin=tenant_join("Inquiry", "Sample", "inquiry_id"),
    )
    sent_by: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "Sample", "sent_by_id")
    )


@event.listens_for(Customer, "before_delete")
def _unlink_inquiries_from_customer(_mapper, connection, target: Customer) -> None:
    """A deleted customer leaves its inquiries in the list, unconverted again."""
    table = Inquiry.__table__
    connection.execute(
        update(table)
        .where(table.c.tenant_id == target.tenant_id, table.c.customer_id == target.id)
        .values(customer_id=None, contact_id=None, version=table.c.version + 1)
    )


@event.listens_for(Contact, "before_delete")
def _unlink_inquiries_from_contact(_mapper, connection, target: Contact) -> None:
    table = Inquiry.__table__
    connection.execute(
        update(table)
        .where(table.c.tenant_id == target.tenant_id, table.c.contact_id == target.id)
        .values(contact_id=None, version=table.c.version + 1)
    )


__all__ = ["INQUIRY_CHANNELS", "SAMPLE_CHARGES", "Inquiry", "Sample"]
