"""The consumer: `flask jobs worker` runs Huey's consumer for this app (the jobs of
webapp/jobs, the periodic ones included) and a heartbeat thread that writes, every few
seconds, that this consumer and each job it runs are alive (jobs.state; `flask doctor` and the
import page read it)."""

from __future__ import annotations

import logging
import socket
import threading

import click
from flask import Flask

from . import state
from .imports import running_now
from .queue import huey

logger = logging.getLogger(__name__)


def consumer_name() -> str:
    return f"consumer:{socket.gethostname()}"


def _beat(app: Flask, stop: threading.Event) -> None:
    with app.app_context():
        while True:
            try:
                state.put(consumer_name(), "alive")
                jobs = running_now()
                if jobs:
                    state.beat(jobs)
            except Exception:  # noqa: BLE001 - the database away for a moment: beat again later
                logger.exception("job heartbeat failed")
            if stop.wait(state.BEAT_EVERY):
                return


def run_consumer(app: Flask, workers: int, periodic: bool = True) -> None:
    """Run until stopped. SIGTERM (systemd's stop, `make run`'s end) is the graceful signal:
    no new job is taken and running ones finish; SIGINT stops at once (a running import then
    rolls back and is offered to start again)."""
    stop = threading.Event()
    heart = threading.Thread(target=_beat, args=(app, stop), name="job-heartbeat", daemon=True)
    heart.start()
    try:
        huey.create_consumer(
            workers=workers, worker_type="thread", periodic=periodic, graceful_signal="TERM"
        ).run()
    finally:
        stop.set()
        heart.join(state.BEAT_EVERY + 1)
        with app.app_context():
            state.clear(consumer_name())


def register_cli(app: Flask) -> None:
    @app.cli.group("jobs")
    def jobs_group() -> None:
        """The job queue (Huey): imports, large exports, periodic jobs."""

    @jobs_group.command("worker")
    @click.option(
        "--workers",
        type=int,
        default=None,
        help="Jobs run at once (default JOBS_WORKERS). On SQLite keep 1: writes take turns.",
    )
    @click.option(
        "--no-periodic",
        is_flag=True,
        help="Do not schedule the periodic jobs (give it to all consumers but one).",
    )
    def worker_command(workers: int | None, no_periodic: bool) -> None:
        """Run the queue's consumer (imports, exports, the periodic jobs) until stopped."""
        if app.config["JOBS_IMMEDIATE"]:
            raise click.UsageError("JOBS_IMMEDIATE is set: jobs run in the web process, no queue.")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        run_consumer(app, workers or app.config["JOBS_WORKERS"], periodic=not no_periodic)
