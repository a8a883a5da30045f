"""What the job queue's consumers report while they work (webapp/jobs/state.py): one row per
running job (its progress and a heartbeat) and one per consumer (its heartbeat).

Global, not per company: a row holds counts and times only, named by the job ("import:42");
whoever reads one has loaded the import itself through its company first. It is written through
its own short transactions, never the job's: an import's transaction commits at its very end,
and progress written inside it would be invisible to every other worker until then."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class JobState(db.Model):
    __tablename__ = "job_state"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)  # "import:42", "consumer:host"
    state: Mapped[str] = mapped_column(String(20))  # queued / running / alive
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the consumer


__all__ = ["JobState"]
