"""Imports on the job queue: the web request claims the batch and enqueues it; a consumer runs
services.importing.execute (one transaction: everything or nothing) and reports its progress
through jobs.state, so any web worker draws the bar.

A consumer killed mid-import (SIGKILL, a crash, the machine going down) leaves nothing of it:
its transaction dies with its connection. The batch stays "running" with a heartbeat that
stops; after JOBS_STALE_SECONDS the page says so and offers to start it again (`restart`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import update

from ..extensions import db
from ..models import ImportBatch
from ..services import importing
from ..tenancy.context import tenant_context
from . import state
from .queue import job

_running: set[str] = set()  # the jobs this process is running (the heartbeat thread beats them)
_running_lock = threading.Lock()


def job_name(batch_id: int) -> str:
    return f"import:{batch_id}"


@contextmanager
def running(name: str) -> Iterator[None]:
    with _running_lock:
        _running.add(name)
    try:
        yield
    finally:
        with _running_lock:
            _running.discard(name)


def running_now() -> list[str]:
    with _running_lock:
        return sorted(_running)


def _still_running(batch_id: int) -> bool:
    """Lock the batch (PostgreSQL: its row; SQLite: the write lock, which the import needs
    first anyway) and say whether it still waits to be run. A second delivery of the same job,
    or a restart racing the first run, finds it done and does nothing."""
    result = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id, ImportBatch.status == "running")
        .values(status="running")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


@job()
def run_import(tenant_id: int, batch_id: int, today: date, locale: str) -> None:
    """The consumer's side: the whole import in one transaction, progress beside it."""
    name = job_name(batch_id)
    with tenant_context(tenant_id):
        if not _still_running(batch_id):
            db.session.rollback()
            state.clear(name)
            return
        state.put(name, "running")
        with running(name):
            importing.execute(batch_id, today, locale, state.Progress(name))
        state.clear(name)


def start(tenant_id: int, batch_id: int, today: date, locale: str) -> None:
    """Queue a claimed batch (importing.claim, committed) for the consumer."""
    state.put(job_name(batch_id), "queued")
    run_import(tenant_id, batch_id, today, locale)


def stale_after() -> timedelta:
    return timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"])


def is_stale(batch: ImportBatch, now: datetime | None = None) -> bool:
    """A running import nobody works on any more: its consumer stopped beating (killed, or the
    machine restarted). One still queued is not: the queue keeps it until a consumer runs."""
    if batch.status != "running":
        return False
    row = state.get(job_name(batch.id))
    if row is None:  # claimed but never queued (or from before the queue): by its age
        return (now or state.now()) - state.aware(batch.updated_at) > stale_after()
    return row.state == "running" and state.is_silent(row, stale_after())


def progress(batch: ImportBatch) -> tuple[str, int]:
    """("queued" | "running" | "stale" | "ended", percent) for the progress bar."""
    if batch.status != "running":
        return "ended", 100
    if is_stale(batch):
        return "stale", 0
    row = state.get(job_name(batch.id))
    if row is None:  # claimed, not queued yet: what the batch row says
        return "running", batch.progress or 0
    if row.state == "queued":
        return "queued", 0
    return "running", min(99, int(row.done * 100 / max(row.total, 1)))


def consumer_alive() -> bool:
    """Some consumer beat within the stale interval."""
    return bool(state.consumers(stale_after()))


__all__ = ["consumer_alive", "is_stale", "progress", "run_import", "start"]
