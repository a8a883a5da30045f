"""The job queue's records. JobState: what its consumers report while they work
(webapp/jobs/state.py), one row per running job (its progress and a heartbeat) and one per
consumer (its heartbeat). ExportJob: a large export and its file (webapp/jobs/exports.py).

JobState is global, not per company: a row holds counts and times only, named by the job
("import:42"); whoever reads one has loaded the import itself through its company first. It is
written through its own short transactions, never the job's: an import's transaction commits at
its very end, and progress written inside it would be invisible to every other worker until
then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import Timestamps, tenant_fk


class JobState(db.Model):
    __tablename__ = "job_state"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)  # "import:42", "consumer:host"
    state: Mapped[str] = mapped_column(String(20))  # queued / running / alive
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the consumer


class ExportJob(TenantScoped, Timestamps, db.Model):
    """A large export run on the job queue: the list's filters as asked, then the file, kept
    until its member downloads it (or a newer export of theirs replaces it)."""

    __tablename__ = "export_job"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        tenant_fk("created_by_id", "membership"),
        Index("ix_export_job_tenant_created_by", "tenant_id", "created_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column()  # who exported; only they download it
    kind: Mapped[str] = mapped_column(String(20))  # customers / contacts / followups
    file_format: Mapped[str] = mapped_column(String(10))  # xlsx / csv
    args: Mapped[str] = mapped_column(Text)  # JSON: the list's filters (exporting.export_args)
    locale: Mapped[str] = mapped_column(String(5))  # the labels' language
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued / done / failed
    file_name: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


__all__ = ["ExportJob", "JobState"]
