"""The Huey instance every job is registered on, and how the app configures it.

Storage follows the configuration (webapp/config.py): Redis when `REDIS_URL` is set (production:
every web server and consumer shares it), else a SQLite file (`JOBS_SQLITE`, instance/jobs.db),
so `make run` needs nothing else. `JOBS_IMMEDIATE` runs each job in the caller, at once (the
test suite: a job then runs inside the request that enqueued it, in an app context of its own).

The instance exists before any app (the @job decorators need it at import time) and starts in
immediate mode on an in-memory storage, so importing webapp opens no file and no connection;
`configure()` points it at the real storage when the app is created.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey

from ..extensions import db

huey = Huey("tradefollow", results=False, immediate=True)
_app: list[Flask] = []  # the app the consumer runs jobs for (set by configure)


def configure(app: Flask, config: Mapping[str, Any] | None = None) -> None:
    """Point the queue at the storage `config` (default: the app's) names."""
    config = app.config if config is None else config
    huey.name = config["JOBS_QUEUE"]
    if config.get("REDIS_URL"):
        huey.storage_class = RedisHuey.storage_class
        huey.storage_kwargs = {"url": config["REDIS_URL"]}
    else:
        huey.storage_class = SqliteHuey.storage_class
        huey.storage_kwargs = {"filename": config["JOBS_SQLITE"]}
        # a fresh checkout has no instance/ yet; SQLite makes the file, not its folder
        Path(config["JOBS_SQLITE"]).parent.mkdir(parents=True, exist_ok=True)
    huey.immediate = bool(config["JOBS_IMMEDIATE"])
    huey.storage = huey.create_storage()
    _app[:] = [app]


def job_app() -> Flask:
    """The app a job runs in: the caller's in immediate mode, else the consumer's."""
    if has_app_context():
        return current_app._get_current_object()
    if not _app:
        raise RuntimeError("the job queue is not configured: create the app first")
    return _app[0]


def in_app_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run fn in an app context of its own: its own database session (even when immediate mode
    runs it inside a request, whose session it must not commit), removed at the end."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with job_app().app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return run


def job(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """@job(): a Huey task that runs in an app context of its own."""
    return lambda fn: huey.task(**options)(in_app_context(fn))


def periodic_job(schedule: Callable, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """@periodic_job(crontab(...)): a Huey periodic task, in an app context of its own."""
    return lambda fn: huey.periodic_task(schedule, **options)(in_app_context(fn))
