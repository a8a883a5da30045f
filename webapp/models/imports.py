"""Spreadsheet imports (导入): one row per uploaded file, from upload through mapping and preview
to the all-or-nothing commit. The upload itself is kept in the row until the commit, so every
step (and every worker process) reads the same bytes; it is dropped once the import is done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import Timestamps, tenant_fk, tenant_join
from .user import Membership

# uploaded -> (mapping saved) -> running -> done | failed
IMPORT_STATUSES = ("uploaded", "running", "done", "failed")


class ImportBatch(TenantScoped, Timestamps, db.Model):
    __tablename__ = "import_batch"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        tenant_fk("created_by_id", "membership"),
        Index("ix_import_batch_tenant_created_by", "tenant_id", "created_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column()  # who imported
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))  # xlsx / xls / csv
    file_size: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # dropped after the commit
    status: Mapped[str] = mapped_column(String(20), default="uploaded")
    # the user's choices, JSON: column mapping, log year, duplicate choices
    settings: Mapped[str | None] = mapped_column(Text)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    invalid_count: Mapped[int] = mapped_column(Integer, default=0)
    contact_count: Mapped[int] = mapped_column(Integer, default=0)
    followup_count: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent, written at the end
    error: Mapped[str | None] = mapped_column(Text)
    # JSON list of the customer ids the import created or updated (the result page links them)
    result_ids: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "ImportBatch", "created_by_id"),
    )


__all__ = ["IMPORT_STATUSES", "ImportBatch"]
