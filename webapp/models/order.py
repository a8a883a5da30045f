"""Export order tracking (出口流程跟踪表): one record per contract with payments, inspections,
claims, role sign-offs and an append-only history. Field meanings: DOMAIN.md §7."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps, tenant_fk, tenant_join, utcnow
from .customer import Customer
from .user import Membership

Money = Numeric(16, 2)


def _child_of_order(table: str) -> tuple:
    """UNIQUE (tenant_id, id), the composite key to the order and the index to find an order's
    rows (tenant_id first, like every index: see tests/test_migrations.py), for every child."""
    return (
        TenantScoped.tenant_unique(),
        Index(f"ix_{table}_tenant_order", "tenant_id", "order_id"),
        tenant_fk("order_id", "export_order", ondelete="CASCADE"),
    )  # fmt: skip


class ExportOrder(TenantScoped, Timestamps, db.Model):
    __tablename__ = "export_order"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        UniqueConstraint("tenant_id", "contract_no"),
        tenant_fk("customer_id", "customer"),
        tenant_fk("merchandiser_id", "membership"),
        Index("ix_export_order_tenant_stage", "tenant_id", "stage"),
        Index("ix_export_order_tenant_customer", "tenant_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 一、基本情况
    customer_id: Mapped[int] = mapped_column()
    contract_no: Mapped[str] = mapped_column(String(60))
    contract_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    customer_order_date: Mapped[date | None] = mapped_column(Date)
    factory_order_date: Mapped[date | None] = mapped_column(Date)
    customer_delivery_date: Mapped[date | None] = mapped_column(Date)
    factory_delivery_date: Mapped[date | None] = mapped_column(Date)
    merchandiser_id: Mapped[int | None] = mapped_column()
    # 二、收款情况
    payment_method: Mapped[str | None] = mapped_column(String(3))  # TT / LC
    payment_ratio: Mapped[str | None] = mapped_column(String(60))
    # 三、验货情况
    docs_sent_date: Mapped[date | None] = mapped_column(Date)
    # 四、运费情况
    forwarder: Mapped[str | None] = mapped_column(String(200))
    freight_currency: Mapped[str | None] = mapped_column(String(3))
    freight_amount: Mapped[Decimal | None] = mapped_column(Money)
    terminal_charges: Mapped[Decimal | None] = mapped_column(Money)
    cbm: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    cartons: Mapped[int | None] = mapped_column(Integer)
    other_charges: Mapped[Decimal | None] = mapped_column(Money)
    finance_remittance: Mapped[str | None] = mapped_column(String(300))
    # 五 (1) FORM A / C/O, 口岸备案, 预录, 报关, 核销
    form_a_status: Mapped[str | None] = mapped_column(String(200))
    form_a_applied: Mapped[date | None] = mapped_column(Date)
    form_a_issued: Mapped[date | None] = mapped_column(Date)
    other_certificates: Mapped[str | None] = mapped_column(String(300))
    port_filed: Mapped[bool | None] = mapped_column(Boolean)
    port_filing_date: Mapped[date | None] = mapped_column(Date)
    pre_entry: Mapped[str | None] = mapped_column(String(200))
    customs_amount: Mapped[Decimal | None] = mapped_column(Money)
    customs_date: Mapped[date | None] = mapped_column(Date)
    customs_no: Mapped[str | None] = mapped_column(String(60))
    verification_no: Mapped[str | None] = mapped_column(String(60))
    verification_returned_date: Mapped[date | None] = mapped_column(Date)
    verification_returned: Mapped[bool | None] = mapped_column(Boolean)
    # 五 (2) 工厂货物销售清单 (RMB)
    supplier: Mapped[str | None] = mapped_column(String(200))
    invoice_no: Mapped[str | None] = mapped_column(String(60))
    delivered_date: Mapped[date | None] = mapped_column(Date)
    purchase_total: Mapped[Decimal | None] = mapped_column(Money)
    actual_purchase_amount: Mapped[Decimal | None] = mapped_column(Money)
    sales_list_received_date: Mapped[date | None] = mapped_column(Date)
    # shipment, blocked after a failed inspection until a later pass
    shipped_on: Mapped[date | None] = mapped_column(Date)
    # 五 (3) 有关单证归档 a/b/c
    archived_docs: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_data: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_samples: Mapped[bool] = mapped_column(Boolean, default=False)
    # derived by services.orders.refresh(); stored so the list can filter on it
    stage: Mapped[str] = mapped_column(String(20), default="draft")
    created_by_id: Mapped[int] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer] = relationship(
        primaryjoin="and_(Customer.tenant_id == ExportOrder.tenant_id, "
        "Customer.id == foreign(ExportOrder.customer_id))",
    )
    merchandiser: Mapped[Membership | None] = relationship(
        primaryjoin="and_(Membership.tenant_id == ExportOrder.tenant_id, "
        "Membership.id == foreign(ExportOrder.merchandiser_id))",
    )
    payments: Mapped[list[OrderPayment]] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderPayment", "order_id"),
        order_by="(OrderPayment.paid_on, OrderPayment.id)",
        cascade="all, delete-orphan",
        back_populates="order",
    )
    inspections: Mapped[list[OrderInspection]] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderInspection", "order_id"),
        order_by="OrderInspection.id",
        cascade="all, delete-orphan",
        back_populates="order",
    )
    claims: Mapped[list[OrderClaim]] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderClaim", "order_id"),
        order_by="OrderClaim.id",
        cascade="all, delete-orphan",
        back_populates="order",
    )
    signoffs: Mapped[list[OrderSignoff]] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderSignoff", "order_id"),
        order_by="OrderSignoff.id",
        cascade="all, delete-orphan",
        back_populates="order",
    )
    events: Mapped[list[OrderEvent]] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderEvent", "order_id"),
        order_by="OrderEvent.id.desc()",
        cascade="all, delete-orphan",
        back_populates="order",
    )


class OrderPayment(TenantScoped, db.Model):
    """第一次定金 / 第二次定金 / 余款 / 已收信用证: one row each, finance verifies each."""

    __tablename__ = "order_payment"
    __table_args__ = _child_of_order("order_payment")

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))  # deposit1 deposit2 balance lc
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    paid_on: Mapped[date] = mapped_column(Date)
    order: Mapped[ExportOrder] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderPayment", "order_id"),
        back_populates="payments",
    )


class OrderInspection(TenantScoped, db.Model):
    """验货结果: PASS or FAIL; a re-inspection is a new row, earlier ones stay as history."""

    __tablename__ = "order_inspection"
    __table_args__ = _child_of_order("order_inspection")

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column()
    inspected_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(4))  # pass / fail
    note: Mapped[str | None] = mapped_column(String(500))
    order: Mapped[ExportOrder] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderInspection", "order_id"),
        back_populates="inspections",
    )


class OrderClaim(TenantScoped, db.Model):
    """赔(扣)款: who claimed or deducted, why, how much."""

    __tablename__ = "order_claim"
    __table_args__ = _child_of_order("order_claim")

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column()
    party: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    order: Mapped[ExportOrder] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderClaim", "order_id"),
        back_populates="claims",
    )


class OrderSignoff(TenantScoped, db.Model):
    """One signature of the paper (经理意见, 财务核实, 总经理签字 …) by a member in a role.

    Withdrawing marks the row (who, when); it is never deleted, and both acts are in history.
    """

    __tablename__ = "order_signoff"
    __table_args__ = (
        *_child_of_order("order_signoff"),
        tenant_fk("membership_id", "membership"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int | None] = mapped_column(Integer)  # the payment verified, if any
    membership_id: Mapped[int] = mapped_column()
    role: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(String(500))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    order: Mapped[ExportOrder] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderSignoff", "order_id"),
        back_populates="signoffs",
    )
    member: Mapped[Membership] = relationship(
        primaryjoin="and_(Membership.tenant_id == OrderSignoff.tenant_id, "
        "Membership.id == foreign(OrderSignoff.membership_id))",
    )

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class OrderEvent(TenantScoped, db.Model):
    """The order's history: every field change and every sign-off. Append-only."""

    __tablename__ = "order_event"
    __table_args__ = (
        *_child_of_order("order_event"),
        tenant_fk("membership_id", "membership"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    membership_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(20))  # created changed added signed withdrawn
    field: Mapped[str | None] = mapped_column(String(60))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)

    order: Mapped[ExportOrder] = relationship(
        primaryjoin=tenant_join("ExportOrder", "OrderEvent", "order_id"),
        back_populates="events",
    )
    member: Mapped[Membership] = relationship(
        primaryjoin="and_(Membership.tenant_id == OrderEvent.tenant_id, "
        "Membership.id == foreign(OrderEvent.membership_id))",
    )


@event.listens_for(OrderEvent, "before_update")
@event.listens_for(OrderEvent, "before_delete")
def _history_is_append_only(_mapper, _connection, target: OrderEvent) -> None:
    raise RuntimeError("order history rows are never updated or deleted")
