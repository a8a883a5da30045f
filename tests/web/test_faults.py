"""A web worker killed in the middle of a multi-row write leaves all of it or none of it.

Each test starts a real worker process on the suite's database (the application role on
PostgreSQL, the same file on SQLite), lets it begin a write of several rows (an import's
customers, a new order with its history and audit rows), stops it inside the write — after some
rows reached the database, before the COMMIT — and SIGKILLs it, as the kernel's OOM killer or a
`kill -9` of a gunicorn worker would. The database must then hold none of the write, and accept
the next one (no lock left behind, SQLite's journal rolled back).

(PostgreSQL restarting under load: tests/web/test_error_pages.py, which must stay green.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import make_customer, make_order
from webapp.extensions import db
from webapp.models import AuditEvent, Customer, ExportOrder, ImportBatch, OrderEvent
from webapp.services import importing
from webapp.services.importing.core import CHUNK
from webapp.tenancy.context import tenant_context

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 28)

# The worker: the app on the suite's database, with a hook that stops it mid-write
_WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from sqlalchemy import event
    from webapp import create_app
    from webapp.config import TestConfig
    from webapp.extensions import db

    url, marker, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    app = create_app(type("WorkerConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))

    def stop_here():
        marker.write_text("stopped mid-write")
        time.sleep(600)  # until the test kills us

    if mode == "import":
        from datetime import date
        from webapp.services import importing
        from webapp.services.importing.core import CHUNK
        from webapp.tenancy.context import tenant_context

        tenant_id, batch_id = int(sys.argv[4]), int(sys.argv[5])

        def progress(done, total):
            # called before each chunk's flush: the first chunk is in the database by now
            if done == 2 * CHUNK:
                stop_here()

        with app.app_context(), tenant_context(tenant_id):
            importing.execute(batch_id, date(2026, 11, 28), "en", progress)
    else:
        email, password, path, form = sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": password}).status_code == 302
        writes = []

        def after_write(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("INSERT"):
                writes.append(statement)
                if len(writes) == 1:  # the order's row went in; its history has not yet
                    stop_here()

        with app.app_context():
            event.listen(db.engine, "after_cursor_execute", after_write)
        data = dict(pair.split("=", 1) for pair in form.split("&"))
        response = client.post(path, data=data)
        print(response.status_code, response.get_data(as_text=True)[-2000:])
    """
)


def _kill_mid_write(tmp_path: Path, database_url: str, *args: str) -> None:
    marker = tmp_path / "stopped"
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, database_url, str(marker), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if worker.poll() is not None:
                out, err = worker.communicate()
                pytest.fail(f"the worker ended before stopping mid-write:\n{out}\n{err[-3000:]}")
            assert time.monotonic() < deadline, "the worker never reached the write"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL


def _count(app, company, model, *where) -> int:
    with app.app_context(), tenant_context(company.id):
        db.session.remove()
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_worker_killed_mid_import_leaves_no_customer(app, database_url, company_a, tmp_path):
    rows = "\n".join(f"Fault Test {n:04d} GmbH,DE" for n in range(3 * CHUNK))
    content = ("Company name,Country\n" + rows + "\n").encode()
    with app.test_request_context(), tenant_context(company_a.id):
        batch = importing.create_batch(content, "fault.csv", company_a.owner_membership_id)
        db.session.flush()
        assert importing.build_preview(batch, TODAY).invalid == []
        db.session.commit()
        assert importing.claim(batch)
        batch_id = batch.id
    _kill_mid_write(tmp_path, database_url, "import", str(company_a.id), str(batch_id))

    # none of the 300 customers, though the first 100 had been written
    assert _count(app, company_a, Customer) == 0
    with app.app_context(), tenant_context(company_a.id):
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.status, batch.finished_at, batch.result_ids) == ("running", None, None)
    # and the database takes the same import again, whole (no lock or half transaction left)
    with app.test_request_context(), tenant_context(company_a.id):
        importing.execute(batch_id, TODAY, "en")
        assert db.session.get(ImportBatch, batch_id).status == "done"
    assert _count(app, company_a, Customer) == 3 * CHUNK


def test_a_worker_killed_mid_order_save_leaves_no_order(app, database_url, company_a, tmp_path):
    from tests.factories import PASSWORD

    customer = make_customer(app, company_a, "Sunrise LLC")
    audit_before = _count(app, company_a, AuditEvent)
    form = (
        f"customer_id={customer}&contract_no=SC-KILL&contract_amount=1234.56&currency=EUR"
        "&payment_method=LC"
    )
    _kill_mid_write(
        tmp_path, database_url, "order", company_a.owner_email, PASSWORD,
        f"/t/{company_a.slug}/orders/new", form,
    )  # fmt: skip

    assert _count(app, company_a, ExportOrder) == 0
    assert _count(app, company_a, OrderEvent) == 0
    # the worker's login is committed (its own transaction); the order's audit row is not
    with app.app_context(), tenant_context(company_a.id):
        actions = db.session.scalars(
            select(AuditEvent.action).order_by(AuditEvent.id).offset(audit_before)
        ).all()
    assert "order.create" not in actions and not any("order" in a for a in actions), actions
    # the next write goes through: nothing locked, nothing half-written in the way
    make_order(app, company_a, customer, "SC-KILL")
    assert _count(app, company_a, ExportOrder) == 1
