"""A tenant is a company that signed up; everything else it owns carries its tenant_id."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import Timestamps


class Tenant(Timestamps, db.Model):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    home_country: Mapped[str] = mapped_column(String(2))  # ISO 3166 alpha-2: decides 国内/国外
    default_locale: Mapped[str] = mapped_column(String(5))
    # "my day" flags a customer as going stale after this many days without a follow-up
    stale_days_a: Mapped[int] = mapped_column(Integer, default=7)
    stale_days_b: Mapped[int] = mapped_column(Integer, default=14)
    stale_days_c: Mapped[int] = mapped_column(Integer, default=30)
    stale_days_d: Mapped[int] = mapped_column(Integer, default=90)
    # who sees which customers (services/visibility.py): "own" = salespeople see their own
    # customers and the pool; "all" = everyone sees every customer
    customer_visibility: Mapped[str] = mapped_column(
        String(10), default="own", server_default="own"
    )
    # the most customers one salesperson may own before claiming from the pool is refused
    max_owned_customers: Mapped[int] = mapped_column(Integer, default=200, server_default="200")
    # the settings form carries it (blueprints/formkit.py): two admins cannot overwrite each other
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    def stale_days(self) -> dict[str, int]:
        return {
            "A": self.stale_days_a,
            "B": self.stale_days_b,
            "C": self.stale_days_c,
            "D": self.stale_days_d,
        }

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
