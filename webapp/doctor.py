"""Start-up checks that name what to install when something is missing (`flask doctor`)."""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from .extensions import db
from .jobs import huey
from .jobs.imports import stale_after
from .jobs.state import aware, consumers, now

VENDOR_FILES = ("htmx.min.js", "bootstrap.min.css", "bootstrap.bundle.min.js")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_cjk_font() -> Check:
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return Check("CJK font", False, "fontconfig not found", "apt-get install -y fontconfig")
    out = subprocess.run(
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    ok = "Noto Sans CJK SC" in out
    return Check(
        "CJK font",
        ok,
        "Noto Sans CJK SC found" if ok else "Noto Sans CJK SC not found: Chinese PDFs print boxes",
        "apt-get install -y fonts-noto-cjk",
    )


def check_harfbuzz_subset() -> Check:
    ok = ctypes.util.find_library("harfbuzz-subset") is not None
    return Check(
        "HarfBuzz subsetter",
        ok,
        "libharfbuzz-subset found" if ok else "missing: WeasyPrint falls back to slow fontTools",
        "apt-get install -y libharfbuzz-subset0",
    )


def check_database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure is the answer here
        return Check("database", False, str(exc).splitlines()[0], "check DATABASE_URL")
    return Check("database", True, db.engine.url.render_as_string(hide_password=True))


def check_database_role() -> Check:
    """On PostgreSQL the app must connect as DATABASE_APP_ROLE, which RLS binds: a superuser or
    the tables' owner would read every company's rows."""
    if db.engine.dialect.name != "postgresql":
        return Check("database role", True, "SQLite: the ORM guard isolates companies")
    wanted = current_app.config["DATABASE_APP_ROLE"]
    user, superuser, bypass, owned = db.session.execute(
        text(
            "SELECT current_user, rolsuper, rolbypassrls, (SELECT count(*) FROM pg_tables "
            "WHERE tableowner = current_user) FROM pg_roles WHERE rolname = current_user"
        )
    ).one()
    ok = user == wanted and not superuser and not bypass and not owned
    return Check(
        "database role",
        ok,
        f"connected as {user} (DATABASE_APP_ROLE {wanted}; superuser {superuser}, "
        f"BYPASSRLS {bypass}, owns {owned} tables)",
        "connect DATABASE_URL as the role `flask rls setup --role NAME` created, and set "
        "DATABASE_APP_ROLE=NAME (docs/deploy.md)",
    )


def check_migrations() -> Check:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    migrate: Migrate = current_app.extensions["migrate"].migrate
    config = migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    ok = current == heads
    return Check(
        "migrations",
        ok,
        f"at {', '.join(sorted(current)) or 'nothing'} (head {', '.join(sorted(heads))})",
        "flask --app wsgi db upgrade   (or: make db-upgrade)",
    )


def check_assets() -> Check:
    vendor = Path(current_app.static_folder) / "vendor"
    missing = [f for f in VENDOR_FILES if not (vendor / f).exists()]
    return Check(
        "front-end assets",
        not missing,
        "htmx and Bootstrap present" if not missing else f"missing {', '.join(missing)}",
        "make assets   (needs npm: apt-get install -y npm)",
    )


def check_translations() -> Check:
    base = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
    missing = [
        lang
        for lang in current_app.config["LANGUAGES"]
        if not (base / lang / "LC_MESSAGES" / "messages.mo").exists()
    ]
    return Check(
        "translations",
        not missing,
        "compiled" if not missing else f"not compiled: {', '.join(missing)}",
        "make i18n-compile",
    )


def check_job_consumer(grace: float = 5.0) -> Check:
    """A consumer of the job queue beat recently (webapp/jobs/worker.py). Without one, imports
    wait forever and the periodic jobs (pool sweep, report reminders) do not run. A consumer
    started a moment ago (`make run` starts it just before this check) gets `grace` seconds."""
    fix = "make run starts one; in production the tradefollow-jobs service (docs/deploy.md)"
    if current_app.config["JOBS_IMMEDIATE"]:
        return Check("job queue", True, "JOBS_IMMEDIATE: jobs run in the web process")
    try:
        waiting = huey.pending_count()
        deadline = time.monotonic() + grace
        alive = consumers(stale_after())
        while not alive and time.monotonic() < deadline:
            time.sleep(0.5)
            alive = consumers(stale_after())
    except Exception as exc:  # noqa: BLE001 - storage unreachable: that is the answer
        return Check("job queue", False, str(exc).splitlines()[0], "check REDIS_URL / JOBS_SQLITE")
    if not alive:
        return Check(
            "job queue",
            False,
            f"no consumer running ({waiting} job(s) waiting): imports wait, no periodic jobs",
            fix,
        )
    ages = ", ".join(
        f"{row.worker} ({int((now() - aware(row.beat_at)).total_seconds())} s ago)" for row in alive
    )
    return Check("job queue", True, f"consumer alive: {ages}; {waiting} job(s) waiting")


def run_checks() -> list[Check]:
    return [
        check_cjk_font(),
        check_harfbuzz_subset(),
        check_database(),
        check_database_role(),
        check_migrations(),
        check_assets(),
        check_translations(),
        check_job_consumer(),
    ]
