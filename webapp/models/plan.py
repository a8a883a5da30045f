"""The call/visit plan (客户跟踪计划表, DOMAIN.md §5): per salesperson, a period of 1–3 ISO weeks,
up to 20 customer rows, and a plan code (C call / X visit) per row and day.

Only the plan is stored. The actual row (CS/CN/UC/XS/XN/UX) is computed from the follow-up log
every time it is shown, so nobody can type an actual and it can never disagree with the log."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import Numeric, Timestamps, tenant_fk, tenant_join
from .customer import Customer
from .user import Membership

PLAN_CODES = ("C", "X")  # 计划电话 / 计划拜访
MAX_PLAN_ROWS = 20
MAX_PLAN_WEEKS = 3


class CallPlan(TenantScoped, Timestamps, db.Model):
    __tablename__ = "call_plan"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        # one plan per salesperson starting on a given Monday
        UniqueConstraint("tenant_id", "member_id", "start_on"),
        tenant_fk("member_id", "membership"),
        tenant_fk("created_by_id", "membership"),
        CheckConstraint("weeks BETWEEN 1 AND 3", name="weeks_1_to_3"),
        Index("ix_call_plan_tenant_start", "tenant_id", "start_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column()  # the salesperson whose plan it is
    start_on: Mapped[date] = mapped_column(Date)  # a Monday (ISO week start)
    weeks: Mapped[int] = mapped_column(Integer)  # 1..3
    goal: Mapped[str | None] = mapped_column(Text)  # the paper's free-text goal line
    created_by_id: Mapped[int] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    member: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "CallPlan", "member_id"),
    )
    rows: Mapped[list[CallPlanRow]] = relationship(
        primaryjoin=tenant_join("CallPlan", "CallPlanRow", "plan_id"),
        order_by="CallPlanRow.position",
        cascade="all, delete-orphan",
        back_populates="plan",
    )


class CallPlanRow(TenantScoped, db.Model):
    __tablename__ = "call_plan_row"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        UniqueConstraint("tenant_id", "plan_id", "customer_id"),
        tenant_fk("plan_id", "call_plan", ondelete="CASCADE"),
        tenant_fk("customer_id", "customer", ondelete="CASCADE"),
        Index("ix_call_plan_row_tenant_customer", "tenant_id", "customer_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column()
    customer_id: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(Integer)  # 1) … 20)
    turnover_current: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # 在营业额 (HKD)
    turnover_previous: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # 前营业额 (HKD)
    target: Mapped[str | None] = mapped_column(String(300))  # 目标
    version: Mapped[int] = mapped_column(Integer, nullable=False)  # the row's edit form

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[CallPlan] = relationship(
        primaryjoin=tenant_join("CallPlan", "CallPlanRow", "plan_id"),
        back_populates="rows",
    )
    customer: Mapped[Customer] = relationship(
        primaryjoin=tenant_join("Customer", "CallPlanRow", "customer_id"),
    )
    cells: Mapped[list[CallPlanCell]] = relationship(
        primaryjoin=tenant_join("CallPlanRow", "CallPlanCell", "row_id"),
        order_by="CallPlanCell.on_date",
        cascade="all, delete-orphan",
    )


class CallPlanCell(TenantScoped, db.Model):
    """A planned call (C) or visit (X) of one row on one day; no row means nothing planned."""

    __tablename__ = "call_plan_cell"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        UniqueConstraint("tenant_id", "row_id", "on_date"),
        tenant_fk("row_id", "call_plan_row", ondelete="CASCADE"),
        CheckConstraint("code IN ('C', 'X')", name="plan_code"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column()
    on_date: Mapped[date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(1))


__all__ = [
    "MAX_PLAN_ROWS",
    "MAX_PLAN_WEEKS",
    "PLAN_CODES",
    "CallPlan",
    "CallPlanCell",
    "CallPlanRow",
]
