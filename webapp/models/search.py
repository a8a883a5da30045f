"""The customer search index: one row per customer with the text the list's search box looks in.

Kept by services/search.py whenever a customer or a contact is written (never typed, never
versioned: a contact edit must not bump the customer's version and make an open edit form 409).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped


class CustomerSearch(TenantScoped, db.Model):
    __tablename__ = "customer_search"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customer.tenant_id", "customer.id"], ondelete="CASCADE"
        ),
    )

    # (tenant_id, customer_id) is the key: a company's rows are one range of it
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # lower-cased (Python's lower(), as the search term is), one field per line: company name,
    # website, then each contact's name, email, phone and mobile (E.164)
    text: Mapped[str] = mapped_column(Text, default="")
