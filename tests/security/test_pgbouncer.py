"""Row-level security behind PgBouncer in transaction pooling mode (docs/deploy.md).

PgBouncer hands each transaction whichever server connection is free, so a setting made with a
plain `SET` would outlive its transaction and leak one company into another's request. The app's
settings are transaction-local (`set_config(..., true)`, tenancy/rls.py): these tests start
Debian's `pgbouncer` on a spare local port, in front of the suite's PostgreSQL, with fewer server
connections than clients, and prove that (1) the RLS tests pass through it and (2) concurrent
requests of two companies, and raw transactions as the application role, never see the other
company's rows. PostgreSQL only; skipped with the reason when pgbouncer is not installed
(scripts/system_deps.sh installs it, so CI runs them).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import login
from tests.factories import make_customer
from webapp import create_app
from webapp.config import TestConfig, engine_options
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
SERVER_CONNECTIONS = 2  # PgBouncer's pool per database and role: far fewer than the clients


def _spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(directory: Path, port: int, host: str, server_port: int) -> Path:
    users = directory / "users.txt"
    # trust, as the suite's own PostgreSQL set-up (docs/deploy.md shows scram-sha-256)
    users.write_text(
        "".join(f'"{name}" ""\n' for name in ("postgres", TestConfig.DATABASE_APP_ROLE))
    )
    ini = directory / "pgbouncer.ini"
    lines = [
        "[databases]",
        f"* = host={host} port={server_port}",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        "auth_type = trust",
        f"auth_file = {users}",
        "pool_mode = transaction",
        f"default_pool_size = {SERVER_CONNECTIONS}",
        "max_client_conn = 200",
    ]  # no logfile: it logs to stderr, which the fixture keeps
    if os.geteuid() == 0:  # pgbouncer refuses to run as root: it drops to the postgres user
        lines.append(f"user = {pwd.getpwnam('postgres').pw_name}")
    ini.write_text("\n".join(lines) + "\n")
    return ini


@pytest.fixture(scope="module")
def pgbouncer(owner_database_url: str) -> Iterator[int]:
    """A PgBouncer in transaction pooling mode on a spare port; yields the port."""
    url = make_url(owner_database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("PgBouncer sits in front of PostgreSQL (TEST_DATABASE_URL)")
    if shutil.which("pgbouncer") is None:
        pytest.skip("pgbouncer is not installed: scripts/system_deps.sh installs Debian's package")
    port = _spare_port()
    # not under pytest's tmp dirs (mode 700): the postgres user must read the config
    directory = Path(tempfile.mkdtemp(prefix="tf-pgbouncer-"))
    directory.chmod(0o755)
    ini = _config(directory, port, url.host, url.port or 5432)
    log = (directory / "pgbouncer.log").open("wb")
    process = subprocess.Popen(["pgbouncer", str(ini)], stderr=log)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    output = (directory / "pgbouncer.log").read_text()
                    raise RuntimeError(f"pgbouncer did not start: {output}") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


def _through(url: str, port: int, **changes) -> str:
    return (
        make_url(url)
        .set(host="127.0.0.1", port=port, **changes)
        .render_as_string(hide_password=False)
    )


def test_the_rls_tests_pass_through_pgbouncer(pgbouncer, owner_database_url, owner_engine):
    """tests/security/test_rls.py, run against a database of its own reached through PgBouncer
    (the suite's owner and application role both go through it)."""
    name = f"tf_bouncer_{uuid.uuid4().hex[:8]}"
    admin = create_engine(owner_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        env = {
            **os.environ,
            "TEST_DATABASE_URL": _through(owner_database_url, pgbouncer, database=name),
            "DATABASE_POOLER": "pgbouncer",
        }
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "tests/security/test_rls.py"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "passed" in summary and "skipped" not in summary and "failed" not in summary, summary


def test_concurrent_requests_never_see_another_company(
    pgbouncer, app, database_url, company_a, company_b
):
    """Eight clients of two companies at once, through two server connections: every customer
    list shows the client's own company only, and a raw transaction as the application role
    sees its company's rows, then (no setting) none, whichever server connection it gets."""
    make_customer(app, company_a, "Alpha Marker GmbH")
    make_customer(app, company_b, "Beta Marker Ltd")
    config = type(
        "BouncerConfig",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": _through(database_url, pgbouncer),
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options("pgbouncer"),
        },
    )
    bouncer_app = create_app(config)
    raw = create_engine(
        _through(database_url, pgbouncer), pool_size=8, **engine_options("pgbouncer")
    )
    companies = [
        (company_a, "Alpha Marker GmbH", "Beta Marker Ltd"),
        (company_b, "Beta Marker Ltd", "Alpha Marker GmbH"),
    ]
    problems: list[str] = []
    backends: set[int] = set()
    counts = {"requests": 0, "transactions": 0}
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work(n: int) -> None:
        company, own, other = companies[n % 2]
        client = bouncer_app.test_client()
        login(client, company.owner_email)
        start.wait()
        for i in range(15):
            page = client.get(f"/t/{company.slug}/customers/").get_data(as_text=True)
            with raw.begin() as conn:
                conn.execute(
                    text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(company.id)}
                )
                seen = set(conn.scalars(text("SELECT tenant_id FROM customer")))
                pid = conn.scalar(text("SELECT pg_backend_pid()"))
            with raw.begin() as conn:  # the next transaction: nothing carried over
                leftover = conn.scalar(text("SELECT count(*) FROM customer"))
            with lock:
                counts["requests"] += 1
                counts["transactions"] += 2
                backends.add(pid)
                if own not in page or other in page:
                    problems.append(f"client {n} request {i}: wrong company's list")
                if seen != {company.id}:
                    problems.append(f"client {n} transaction {i}: saw companies {seen}")
                if leftover:
                    problems.append(f"client {n} transaction {i}: {leftover} rows, no setting")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - began
    with bouncer_app.app_context():
        db.engine.dispose()
    raw.dispose()
    assert problems == []
    assert counts == {"requests": 120, "transactions": 240}
    # the raw clients shared PgBouncer's few server connections (the pool was really shared)
    assert 1 <= len(backends) <= SERVER_CONNECTIONS, backends
    print(f"pgbouncer: 120 requests + 240 transactions in {elapsed:.1f}s via {len(backends)}")
