"""Customer cards (客户) and their contacts (联系人). Field meanings: shared/DOMAIN.md §1–§2."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..normalize import normalize_company_name, website_host
from ..tenancy.model import TenantScoped
from .base import Numeric, Timestamps, tenant_fk
from .user import Membership

# the predicate of the partial indexes over customers still in use (not archived)
LIVE = text("archived_at IS NULL")


def month_day(value: date | None) -> int | None:
    """A birthday as month * 100 + day, the form my day looks birthdays up by."""
    return value.month * 100 + value.day if value else None


class Customer(TenantScoped, Timestamps, db.Model):
    __tablename__ = "customer"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        # the owner must be a member of the same company: enforced by the database
        tenant_fk("owner_id", "membership"),
        # duplicate check (查重) looks customers up by these keys within one company
        Index("ix_customer_tenant_name_key", "tenant_id", "name_key"),
        Index("ix_customer_tenant_website_host", "tenant_id", "website_host"),
        # one member's customers ("my day"): due by next date, stale by last date, and the
        # countries (and grades) they are in, each a range of one index, never the company's rows.
        # Due and stale are partial indexes of the live customers, ordered as my day reads them:
        # with "archived_at IS NULL" as a column between the owner and the date, PostgreSQL
        # could not take the order from the index and sorted all 5,000 (migration 0016)
        Index(
            "ix_customer_tenant_owner_next",
            "tenant_id",
            "owner_id",
            "next_followup_on",
            "id",
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
        # with the grade and the creation time, "stale?" is answered in the index too: a
        # member's never-followed customers imported yesterday (not stale yet) were each read
        # from the table to find that out (the team's 4,753: SQLite 91 -> 1 ms; migration 0024)
        Index(
            "ix_customer_tenant_owner_last",
            "tenant_id",
            "owner_id",
            "last_followup_on",
            "id",
            "grade",
            "created_at",
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
        Index(
            "ix_customer_tenant_owner_country",
            "tenant_id",
            "owner_id",
            "archived_at",
            "country",
            "grade",
        ),
        # the list's counts (per grade, mine, all) read only this index, never the rows; with
        # the date and id, a grade-filtered page is picked in order from it before any row is
        # read (migration 0021)
        Index(
            "ix_customer_tenant_archived_grade",
            "tenant_id",
            "archived_at",
            "grade",
            "owner_id",
            "updated_at",
            "id",
        ),
        # the list's default order walks this index and stops after one page; with the owner
        # and the archive date in it, "visible and live?" is answered from the index, without
        # reading each row (page 500: SQLite 29 -> 6 ms; migration 0022)
        Index(
            "ix_customer_tenant_updated", "tenant_id", "updated_at", "id", "owner_id", "archived_at"
        ),
        # the same two for the whole team's day (a manager's "whole team"): without the owner
        # in front, due and stale were a read and sort of all 100,000 (SQLite 150 + 200 ms)
        Index(
            "ix_customer_tenant_next",
            "tenant_id",
            "next_followup_on",
            "id",
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
        Index(
            "ix_customer_tenant_last",
            "tenant_id",
            "last_followup_on",
            "id",
            "grade",
            "created_at",
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
        # "is this row's customer mine, and live?" for rows found by another index (my day's
        # birthdays: ~2,200 contacts a fortnight): the answer from this index, not a read of
        # each wide customer row (SQLite 3.8 -> 1.3 ms) or a scan of all of them (PostgreSQL,
        # the team's view: 27 -> 6 ms). Migration 0018.
        Index("ix_customer_tenant_id_owner_archived", "tenant_id", "id", "owner_id", "archived_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # 公司名称
    website: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166 alpha-2
    address: Mapped[str | None] = mapped_column(String(500))
    # IANA zone picked on the card where the country spans several and the address does not
    # say which (services/localinfo.customer_zone); NULL: from the address or the country
    time_zone: Mapped[str | None] = mapped_column(String(64))
    nature: Mapped[str | None] = mapped_column(String(20))  # services.classification.NATURES
    grade: Mapped[str | None] = mapped_column(String(1))  # A/B/C/D
    importance: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column()  # NULL: in the pool (公海)
    # when the current owner got it (claim, transfer, creation): the auto-return clock starts
    # here when that is later than the last follow-up (NULL: since created_at)
    owned_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    industry: Mapped[str | None] = mapped_column(String(500))  # 行业及主营业务
    products: Mapped[str | None] = mapped_column(String(500))  # 产品
    needs: Mapped[str | None] = mapped_column(Text)  # 客户需求及意向
    sincerity: Mapped[int | None] = mapped_column(Integer)  # 诚指数, percent 0-100
    stages: Mapped[int] = mapped_column(Integer, default=0)  # 发展: bits of STAGE_BITS
    status: Mapped[str | None] = mapped_column(String(20))
    # 销售预测 sales forecast
    forecast_product: Mapped[str | None] = mapped_column(String(200))
    forecast_unit_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    forecast_currency: Mapped[str | None] = mapped_column(String(3))
    forecast_deal_date: Mapped[date | None] = mapped_column(Date)
    forecast_purchase_method: Mapped[str | None] = mapped_column(String(200))
    # 在营业额 / 前营业额 (the call plan reads them in HKD)
    turnover_current: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    turnover_previous: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    turnover_currency: Mapped[str | None] = mapped_column(String(3))
    # 成交 deal
    first_deal_date: Mapped[date | None] = mapped_column(Date)
    order_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    order_currency: Mapped[str | None] = mapped_column(String(3))
    reorder_count: Mapped[int | None] = mapped_column(Integer)
    order_remarks: Mapped[str | None] = mapped_column(Text)
    # 跟踪结果 outcome and what was learnt
    outcome: Mapped[str | None] = mapped_column(String(10))
    give_up_reason: Mapped[str | None] = mapped_column(Text)
    win_notes: Mapped[str | None] = mapped_column(Text)
    self_review: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str | None] = mapped_column(Text)
    # kept by the follow-up log; sorts the list by "last follow-up"
    last_followup_on: Mapped[date | None] = mapped_column(Date)
    # the newest follow-up's 预约日程: due/overdue on "my day" (kept by the follow-up log)
    next_followup_on: Mapped[date | None] = mapped_column(Date)
    # derived on save (services.duplicates), never typed
    name_key: Mapped[str] = mapped_column(String(200), default="")
    website_host: Mapped[str | None] = mapped_column(String(255))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[Membership | None] = relationship(
        primaryjoin="and_(Customer.tenant_id == Membership.tenant_id, "
        "foreign(Customer.owner_id) == Membership.id)",
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        order_by=lambda: Contact.customer_order(),
        primaryjoin="and_(Customer.tenant_id == Contact.tenant_id, "
        "Customer.id == foreign(Contact.customer_id))",
    )

    @validates("name")
    def _keep_name_key(self, _key: str, value: str) -> str:
        self.name_key = normalize_company_name(value)
        return value

    @validates("website")
    def _keep_website_host(self, _key: str, value: str | None) -> str | None:
        self.website_host = website_host(value)
        return value

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.name!r}>"


class Contact(TenantScoped, Timestamps, db.Model):
    __tablename__ = "contact"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        tenant_fk("customer_id", "customer", ondelete="CASCADE"),
        # a customer's contacts; with the birthday, my day skips the contacts without one
        # (migration 0015)
        Index("ix_contact_tenant_customer_birthday", "tenant_id", "customer_id", "birthday"),
        # my day's birthdays: the contacts born on the next two weeks' days, read from this
        # index, then their customers by key (migration 0017); with the name, the page's rows
        # are picked in order from the index before any contact row is read (migration 0020)
        Index(
            "ix_contact_tenant_birthday_md", "tenant_id", "birthday_md", "customer_id", "id", "name"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(120))  # 姓名
    gender: Mapped[str | None] = mapped_column(String(10))  # 性别
    age: Mapped[int | None] = mapped_column(Integer)  # 年龄, when the birthday is unknown
    birthday: Mapped[date | None] = mapped_column(Date)
    # the birthday's month * 100 + day (1203 for 3 December), set with it (below; rows inserted
    # in bulk set it themselves): "born on one of these days" is a lookup in an index, where
    # the month and day of a date had to be computed for every contact of every customer
    birthday_md: Mapped[int | None] = mapped_column(SmallInteger)
    title: Mapped[str | None] = mapped_column(String(120))  # 职务
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))  # E.164
    mobile: Mapped[str | None] = mapped_column(String(32))  # E.164
    qq: Mapped[str | None] = mapped_column(String(20))
    wechat: Mapped[str | None] = mapped_column(String(60))
    other: Mapped[str | None] = mapped_column(String(200))  # 其他: WhatsApp, Skype …
    address: Mapped[str | None] = mapped_column(String(500))  # 住址
    role_in_deal: Mapped[str | None] = mapped_column(String(500))  # 关系、作用
    decision_maker: Mapped[bool] = mapped_column(Boolean, default=False)
    hobbies: Mapped[str | None] = mapped_column(String(500))  # 生日及其爱好
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @classmethod
    def customer_order(cls) -> tuple:
        """A customer's contacts in the order they are shown everywhere (Customer.contacts):
        the primary one first, then the oldest."""
        return (cls.is_primary.desc(), cls.id)

    @validates("birthday")
    def _keep_month_day(self, _key: str, value: date | None) -> date | None:
        self.birthday_md = month_day(value)
        return value

    customer: Mapped[Customer] = relationship(
        back_populates="contacts",
        primaryjoin="and_(Customer.tenant_id == Contact.tenant_id, "
        "Customer.id == foreign(Contact.customer_id))",
    )
