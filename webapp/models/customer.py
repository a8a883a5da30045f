"""Customer cards (客户) and their contacts (联系人). Field meanings: shared/DOMAIN.md §1–§2."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps
from .user import Membership


class Customer(TenantScoped, Timestamps, db.Model):
    __tablename__ = "customer"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        # the owner must be a member of the same company: enforced by the database
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["membership.tenant_id", "membership.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # 公司名称
    website: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166 alpha-2
    address: Mapped[str | None] = mapped_column(String(500))
    nature: Mapped[str | None] = mapped_column(String(20))  # services.classification.NATURES
    grade: Mapped[str | None] = mapped_column(String(1))  # A/B/C/D
    importance: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(index=True)
    remarks: Mapped[str | None] = mapped_column(Text)
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
        order_by="(Contact.is_primary.desc(), Contact.id)",
        primaryjoin="and_(Customer.tenant_id == Contact.tenant_id, "
        "Customer.id == foreign(Contact.customer_id))",
    )

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.name!r}>"


class Contact(TenantScoped, Timestamps, db.Model):
    __tablename__ = "contact"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customer.tenant_id", "customer.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(120))  # 姓名
    title: Mapped[str | None] = mapped_column(String(120))  # 职务
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(60))
    mobile: Mapped[str | None] = mapped_column(String(60))
    wechat: Mapped[str | None] = mapped_column(String(60))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(
        back_populates="contacts",
        primaryjoin="and_(Customer.tenant_id == Contact.tenant_id, "
        "Customer.id == foreign(Contact.customer_id))",
    )
