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
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import Numeric, Timestamps, tenant_fk, tenant_join, utcnow
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


def _rows_of_order(child: str, order_by: str):
    """An order's rows of `child` in `order_by` order: they come and go with the order."""
    return relationship(
        primaryjoin=tenant_join("ExportOrder", child, "order_id"),
        order_by=order_by,
        cascade="all, delete-orphan",
        back_populates="order",
    )


def _order_of(child: str, rows: str):
    """A row's order (the other side of ExportOrder.`rows`)."""
    return relationship(
        primaryjoin=tenant_join("ExportOrder", child, "order_id"), back_populates=rows
    )


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
        primaryjoin=tenant_join("Customer", "ExportOrder", "customer_id"),
    )
    merchandiser: Mapped[Membership | None] = relationship(
        primaryjoin=tenant_join("Membership", "ExportOrder", "merchandiser_id"),
    )
    payments: Mapped[list[OrderPayment]] = _rows_of_order(
        "OrderPayment", "(OrderPayment.paid_on, OrderPayment.id)"
    )
    inspections: Mapped[list[OrderInspection]] = _rows_of_order(
        "OrderInspection", "OrderInspection.id"
    )
    claims: Mapped[list[OrderClaim]] = _rows_of_order("OrderClaim", "OrderClaim.id")
    signoffs: Mapped[list[OrderSignoff]] = _rows_of_order("OrderSignoff", "OrderSignoff.id")
    events: Mapped[list[OrderEvent]] = _rows_of_order("OrderEvent", "OrderEvent.id.desc()")


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
    order: Mapped[ExportOrder] = _order_of("OrderPayment", "payments")


class OrderInspection(TenantScoped, db.Model):
    """验货结果: PASS or FAIL; a re-inspection is a new row, earlier ones stay as history."""

    __tablename__ = "order_inspection"
    __table_args__ = _child_of_order("order_inspection")

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column()
    inspected_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(4))  # pass / fail
    note: Mapped[str | None] = mapped_column(String(500))
    order: Mapped[ExportOrder] = _order_of("OrderInspection", "inspections")


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
    order: Mapped[ExportOrder] = _order_of("OrderClaim", "claims")


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
    # the values it vouched for when signed, as JSON {name: text} (services.orders
    # .confirmed_values); a later difference outdates it. NULL: signed before they were kept
    confirmed: Mapped[str | None] = mapped_column(Text)

    order: Mapped[ExportOrder] = _order_of("OrderSignoff", "signoffs")
    member: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "OrderSignoff", "membership_id"),
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

    order: Mapped[ExportOrder] = _order_of("OrderEvent", "events")
    member: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "OrderEvent", "membership_id"),
    )


@event.listens_for(OrderEvent, "before_update")
@event.listens_for(OrderEvent, "before_delete")
def _history_is_append_only(_mapper, _connection, target: OrderEvent) -> None:
    raise RuntimeError("order history rows are never updated or deleted")
