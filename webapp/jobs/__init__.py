"""Long work on a job queue (Huey): imports, large exports and the periodic jobs that would
otherwise need cron. queue.py holds the Huey instance and its storage (Redis when REDIS_URL is
set, else a SQLite file), state.py the progress and heartbeats every web worker reads, imports.py,
exports.py and periodic.py the jobs, worker.py the consumer (`flask jobs worker`).

Layer: between blueprints and services (blueprints enqueue, jobs call services)."""

from __future__ import annotations

from flask import Flask

from . import exports, imports, periodic
from .queue import configure, huey
from .worker import register_cli


def init_app(app: Flask) -> None:
    configure(app)
    register_cli(app)


__all__ = ["configure", "exports", "huey", "imports", "init_app", "periodic"]
