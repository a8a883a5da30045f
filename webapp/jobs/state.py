"""Progress and heartbeats of the queue's work (models.JobState), read by every web worker.

Each write is a short transaction on a connection of its own, never the job's: an import writes
everything in one transaction that commits at its end, and what it wrote inside would be
invisible to the others until then (and lost with it). On PostgreSQL the rows are in the app
database. On SQLite they cannot be: a running import holds the database's single write lock
until it commits, so they go to a file beside it (`<database>-jobs.db`), made on first use.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, delete, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import JobState

_side_engines: dict[str, Engine] = {}  # SQLite: one engine per side file, per process

# a consumer's heartbeat (and that of each job it runs) every BEAT_EVERY seconds
BEAT_EVERY = 5.0
# a job's progress is written at most this often (a bar polled every second needs no more)
PROGRESS_EVERY = 0.5


def side_path(database: str) -> Path:
    path = Path(database)
    return path.with_name(f"{path.stem}-jobs.db")


def state_engine() -> Engine:
    engine = db.engine
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return engine
    path = str(side_path(database))
    if path not in _side_engines:
        side = create_engine(f"sqlite:///{path}")
        # a heartbeat lost to a power cut is worth no fsync per write (20 ms each here)
        event.listen(side, "connect", _no_sync)
        JobState.__table__.create(side, checkfirst=True)
        _side_engines[path] = side
    return _side_engines[path]


def _no_sync(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")  # WAL (extensions.py): durable enough


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes (stored as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def put(name: str, state: str, done: int = 0, total: int = 0) -> None:
    """Write a row whole (a job queued or started, a consumer alive)."""
    engine = state_engine()
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    values = {"name": name, "state": state, "done": done, "total": total, "beat_at": now(),
              "worker": worker_name()}  # fmt: skip
    stmt = insert(JobState).values(values)
    stmt = stmt.on_conflict_do_update(index_elements=["name"], set_=values)
    with engine.begin() as conn:
        conn.execute(stmt)


def progress(name: str, done: int, total: int) -> None:
    """Write a job's progress now (see Progress for a throttled writer)."""
    with state_engine().begin() as conn:
        conn.execute(
            update(JobState)
            .where(JobState.name == name)
            .values(state="running", done=done, total=total, beat_at=now())
        )


class Progress:
    """A job's progress callback that writes at most every PROGRESS_EVERY seconds, and always
    the end: an import calls it every 100 rows, a thousand times for 100,000 rows."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.written_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        moment = time.monotonic()
        if moment - self.written_at >= PROGRESS_EVERY or done >= total:
            progress(self.name, done, total)
            self.written_at = moment


def beat(names: list[str]) -> None:
    """Say these rows' workers are still at it."""
    with state_engine().begin() as conn:
        conn.execute(update(JobState).where(JobState.name.in_(names)).values(beat_at=now()))


def clear(name: str) -> None:
    with state_engine().begin() as conn:
        conn.execute(delete(JobState).where(JobState.name == name))


def get(name: str) -> JobState | None:
    with state_engine().connect() as conn:
        row = conn.execute(select(JobState).where(JobState.name == name)).first()
    return None if row is None else JobState(**row._asdict())


def is_silent(row: JobState, after: timedelta) -> bool:
    """No heartbeat for longer than `after`."""
    return now() - aware(row.beat_at) > after


def consumers(within: timedelta) -> list[JobState]:
    """The consumers that beat within the last `within`."""
    with state_engine().connect() as conn:
        rows = conn.execute(
            select(JobState).where(
                JobState.name.startswith("consumer:"), JobState.beat_at >= now() - within
            )
        ).all()
    return [JobState(**row._asdict()) for row in rows]
