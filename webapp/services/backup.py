"""Online backup of the embedded SQLite database: SQLite's backup API copies a consistent
snapshot page by page while the app keeps reading and writing (WAL mode). PostgreSQL is backed
up with pg_dump / base backups (docs/deploy.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def backup_sqlite(database_uri: str, target: str | Path, pages_per_step: int = 256) -> int:
    """Copy the database at `database_uri` into the file `target` (replaced if it exists).
    Returns the number of pages copied. Copying in steps lets writers in between steps."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "flask backup copies the SQLite database file; for PostgreSQL use pg_dump "
            "(see docs/deploy.md)."
        )
    source_path = Path(url.database)
    if not source_path.exists():
        raise BackupError(f"no database at {source_path}")
    target = Path(target)
    if target.resolve() == source_path.resolve():
        raise BackupError("the backup must go to another file than the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(partial)
    copied = 0

    def progress(status: int, remaining: int, total: int) -> None:
        nonlocal copied
        copied = total - remaining

    try:
        source.backup(copy, pages=pages_per_step, progress=progress)
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy failed its integrity check: {check}")
    finally:
        copy.close()
        source.close()
    partial.replace(target)  # a half-written backup never takes the real name
    return copied
