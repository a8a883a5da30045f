"""Flask extensions as module globals, bound to the app in create_app() (init_app pattern)."""

import sqlite3
import time

from flask import current_app, has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

from .tenancy.guard import TenantSession

# Stable constraint names so Alembic migrations name things the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# TenantSession: Flask-SQLAlchemy's session whose get() keeps to the current company
db = SQLAlchemy(model_class=Base, session_options={"class_": TenantSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """SQLite: enforce foreign keys (composite tenant keys included); WAL and a busy timeout let
    readers and one writer share the embedded database."""
    if type(dbapi_conn).__module__.startswith("sqlite3"):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()
        # SQLite's lower() folds ASCII only, so ilike('müller') missed 'MÜLLER'; a Python lower()
        # matches PostgreSQL. It runs per row: fine until search gets its own index (FTS5).
        dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)
        # we emit BEGIN ourselves (below): the driver's implicit BEGIN would be DEFERRED
        dbapi_conn.isolation_level = None


SQLITE_OPTIMIZE_EVERY = 3600.0  # seconds, per pooled connection


@event.listens_for(Pool, "checkin")
def _sqlite_optimize(dbapi_conn, record) -> None:
    """SQLite: keep the planner's statistics (sqlite_stat1) current. Once an hour per pooled
    connection, ANALYZE reading at most 1,000 rows per index (21 ms for 100,000 customers and
    1,000,000 follow-ups). SQLite's own `PRAGMA optimize` only analyzes what the connection
    has queried so far, which right after a login is the membership table.

    Without statistics SQLite guesses that "tenant_id = ?" picks a few rows, and a 100,000-
    customer company's count of three customers by id read the company's whole index (15 ms
    instead of 0.05).

    A connection's first hour is skipped: ANALYZE is a write, and a write committed by another
    connection makes a DEFERRED transaction that has already read fail its first write at once
    ("database is locked", SQLITE_BUSY_SNAPSHOT: busy_timeout cannot help). Requests that write
    begin IMMEDIATE, but CLI commands and test factories read first; analyzing at every new
    connection's first check-in broke them (CI, 2026-11-28). Bulk loads analyze themselves
    (scripts/seed_large.py)."""
    if dbapi_conn is None or not type(dbapi_conn).__module__.startswith("sqlite3"):
        return
    now = time.monotonic()
    if now - record.info.setdefault("optimized_at", now) < SQLITE_OPTIMIZE_EVERY:
        return
    record.info["optimized_at"] = now
    try:
        dbapi_conn.execute("PRAGMA analysis_limit=1000")
        dbapi_conn.execute("ANALYZE")
    except sqlite3.Error:  # e.g. another writer holds the lock: next hour, then
        pass


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def writes_on_get(view=None, *, when=None):
    """Mark a GET view that writes (e.g. creates a record on first open): on SQLite its
    transaction starts IMMEDIATE like a POST's, for the reason given in _sqlite_begin.
    `when`: a function of the request saying whether this GET writes (the customer list writes
    only when it shows the pool); other GETs of the view stay DEFERRED and never wait."""

    def mark(view):
        view.writes_on_get = when or True
        return view

    return mark(view) if view is not None else mark


def _view_writes_on_get(view) -> bool:
    flag = getattr(view, "writes_on_get", False)
    return bool(flag()) if callable(flag) else bool(flag)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """BEGIN IMMEDIATE for writes, plain BEGIN for reads.

    A DEFERRED transaction that reads and then writes fails at once with "database is locked"
    when another writer holds the lock (busy_timeout cannot help a lock upgrade). GET requests
    stay DEFERRED so, in WAL mode, they never wait for a writer; so does work outside requests
    (CLI, migrations), which runs alone and may hold two connections at once.
    """
    if conn.dialect.name != "sqlite":
        return
    writing = has_request_context() and (
        request.method in _WRITE_METHODS
        or _view_writes_on_get(current_app.view_functions.get(request.endpoint))
    )
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
