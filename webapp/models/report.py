"""The weekly inquiry report (阿里巴巴客户跟进一览表, DOMAIN.md §6): one per salesperson and
ISO week, due Sunday 20:30 company time, discussed at the Monday meeting.

The inquiry counts (received / worth following / followed) are always computed from the
inquiries; the three tables are pre-filled from samples, follow-ups and orders and then edited
by the salesperson, so they are stored as lines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import Timestamps, tenant_fk, tenant_join, utcnow
from .customer import Customer
from .user import Membership

# the three tables of the paper: 寄样品的客户 / 需要跟进的客户 / 成交情况
REPORT_SECTIONS = ("sample", "prospect", "deal")
# the six prose questions of 本周总结, in the paper's order (column names on WeeklyReport)
SUMMARY_FIELDS = (
    "sellers_text",  # 卖家销售方式
    "buyers_text",  # 买家采购方式
    "market_text",  # 国内外行情
    "strengths_text",  # 公司的优劣势及如何扬长避短
    "success_text",  # 本周内最大成功点和最遗憾的事
    "distance_text",  # 离目标多远
)


class WeeklyReport(TenantScoped, Timestamps, db.Model):
    __tablename__ = "weekly_report"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        UniqueConstraint("tenant_id", "member_id", "week_start"),
        tenant_fk("member_id", "membership"),
        tenant_fk("discussed_by_id", "membership"),
        tenant_fk("target_set_by_id", "membership"),
        Index("ix_weekly_report_tenant_week", "tenant_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column()  # the salesperson
    week_start: Mapped[date] = mapped_column(Date)  # Monday of the ISO week
    target_inquiries: Mapped[int | None] = mapped_column(Integer)  # 本周目标询盘数 (manager)
    target_set_by_id: Mapped[int | None] = mapped_column()
    overview: Mapped[str | None] = mapped_column(Text)  # 大体情况
    sellers_text: Mapped[str | None] = mapped_column(Text)
    buyers_text: Mapped[str | None] = mapped_column(Text)
    market_text: Mapped[str | None] = mapped_column(Text)
    strengths_text: Mapped[str | None] = mapped_column(Text)
    success_text: Mapped[str | None] = mapped_column(Text)
    distance_text: Mapped[str | None] = mapped_column(Text)
    # lines are copied from the records once (when the report is first opened), then edited
    prefilled: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    late: Mapped[bool] = mapped_column(default=False)  # submitted after Sunday 20:30
    discussed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discussed_by_id: Mapped[int | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    member: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "WeeklyReport", "member_id"),
    )
    discussed_by: Mapped[Membership | None] = relationship(
        primaryjoin=tenant_join("Membership", "WeeklyReport", "discussed_by_id"),
    )
    lines: Mapped[list[WeeklyReportLine]] = relationship(
        primaryjoin=tenant_join("WeeklyReport", "WeeklyReportLine", "report_id"),
        order_by="(WeeklyReportLine.section, WeeklyReportLine.position)",
        cascade="all, delete-orphan",
    )
    comments: Mapped[list[WeeklyReportComment]] = relationship(
        primaryjoin=tenant_join("WeeklyReport", "WeeklyReportComment", "report_id"),
        order_by="WeeklyReportComment.created_at",
        cascade="all, delete-orphan",
    )


class WeeklyReportLine(TenantScoped, db.Model):
    """One row of a report table. Columns by section:
    sample:   country, contact, item (样品名称), quantity, terms (收费情况)
    prospect: country, contact, expected_close (预计何时成交), notes (存在问题及如何跟进)
    deal:     country, contact, item (产品名称), quantity + terms (数量及价格), notes (反单率及原因)
    """

    __tablename__ = "weekly_report_line"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        tenant_fk("report_id", "weekly_report", ondelete="CASCADE"),
        # no SET NULL on a composite key (it would null tenant_id): see the hook below
        tenant_fk("customer_id", "customer"),
        CheckConstraint("section IN ('sample', 'prospect', 'deal')", name="report_section"),
        Index("ix_weekly_report_line_tenant_report", "tenant_id", "report_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column()
    section: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int | None] = mapped_column()  # where a pre-filled line came from
    country: Mapped[str | None] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(300))
    item: Mapped[str | None] = mapped_column(String(300))
    quantity: Mapped[str | None] = mapped_column(String(100))
    terms: Mapped[str | None] = mapped_column(String(200))
    expected_close: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)  # the line's edit form

    __mapper_args__ = {"version_id_col": version}


class WeeklyReportComment(TenantScoped, db.Model):
    __tablename__ = "weekly_report_comment"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        tenant_fk("report_id", "weekly_report", ondelete="CASCADE"),
        tenant_fk("author_id", "membership"),
        Index("ix_weekly_report_comment_tenant_report", "tenant_id", "report_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column()
    author_id: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "WeeklyReportComment", "author_id"),
    )


@event.listens_for(Customer, "before_delete")
def _unlink_report_lines(_mapper, connection, target: Customer) -> None:
    """A report line keeps its text when the customer it was copied from is deleted."""
    table = WeeklyReportLine.__table__
    connection.execute(
        update(table)
        .where(table.c.tenant_id == target.tenant_id, table.c.customer_id == target.id)
        .values(customer_id=None)
    )


__all__ = [
    "REPORT_SECTIONS",
    "SUMMARY_FIELDS",
    "WeeklyReport",
    "WeeklyReportComment",
    "WeeklyReportLine",
]
