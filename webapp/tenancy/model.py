"""The mixin every tenant-owned model uses: the one thing webapp/models import from tenancy."""

from __future__ import annotations

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class TenantScoped:
    """Mixin for every tenant-owned model: tenant_id NOT NULL and UNIQUE (tenant_id, id).

    The unique pair is what children's composite foreign keys point at, so the database itself
    refuses a child row whose parent belongs to another company. The guard (guard.py) limits
    every statement on such a model to the current company.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), nullable=False)

    @classmethod
    def tenant_unique(cls) -> UniqueConstraint:
        """The UNIQUE (tenant_id, id) every tenant table declares in its __table_args__."""
        return UniqueConstraint("tenant_id", "id")
