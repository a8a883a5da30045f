"""Imports on the job queue (webapp/jobs): progress every web worker reads while the import
holds its transaction, a killed consumer's import started again, the queue's storages, and the
consumer's heartbeat as `flask doctor` sees it.

The suite runs the queue in immediate mode (TestConfig.JOBS_IMMEDIATE: a job runs inside the
request that enqueues it, in an app context of its own). The kill test runs a real consumer
(`flask jobs worker`) as a subprocess and SIGKILLs it mid-import."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from tests.conftest import login
from tests.factories import add_member, make_customer
from webapp import jobs
from webapp.doctor import check_job_consumer
from webapp.extensions import db
from webapp.jobs import state
from webapp.jobs.imports import job_name
from webapp.jobs.queue import configure, huey
from webapp.jobs.worker import consumer_name
from webapp.models import AuditEvent, Customer, ExportJob, ImportBatch, JobState
from webapp.services import importing
from webapp.services.importing import core
from webapp.tenancy.context import tenant_context

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _no_job_rows(app) -> Iterator[None]:
    """On SQLite the rows live beside the database, where the suite's cleaning does not reach."""
    yield
    with app.app_context(), state.state_engine().begin() as conn:
        conn.execute(delete(JobState))


def _sheet(rows: int) -> bytes:
    return ("公司名称,国家\n" + "".join(f"Company {i},DE\n" for i in range(rows))).encode()


def _mapped(client, slug: str, rows: int) -> int:
    """Upload a sheet of `rows` companies and map it: a batch ready to commit. (The pages in
    English: the tests read their words.)"""
    client.post("/lang", data={"lang": "en"})
    response = client.post(
        f"/t/{slug}/imports/",
        data={"file": (io.BytesIO(_sheet(rows)), "c.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    batch_id = int(response.headers["Location"].rstrip("/").split("/")[-2])
    response = client.post(
        f"/t/{slug}/imports/{batch_id}/mapping",
        data={"col-0": "name", "col-1": "country", "year": "2026"},
    )
    assert response.status_code == 303
    return batch_id


def _customers(app, company) -> int:
    with app.app_context(), tenant_context(company.id):
        return db.session.scalar(select(func.count(Customer.id)))


def _batch(app, company, batch_id: int) -> ImportBatch:
    with app.app_context(), tenant_context(company.id):
        batch = db.session.get(ImportBatch, batch_id)
        db.session.expunge(batch)
        return batch


def _stale(app, company, batch_id: int) -> bool:
    with app.app_context():
        return jobs.imports.is_stale(_batch(app, company, batch_id))


def _claim(app, company, batch_id: int) -> None:
    with app.app_context(), tenant_context(company.id):
        assert importing.claim(db.session.get(ImportBatch, batch_id))


def _job_row(app, name: str) -> JobState | None:
    with app.app_context():
        return state.get(name)


def _age(app, name: str, seconds: int) -> None:
    """Make a job_state row's last heartbeat `seconds` old."""
    with app.app_context(), state.state_engine().begin() as conn:
        conn.execute(
            update(JobState)
            .where(JobState.name == name)
            .values(beat_at=datetime.now(UTC) - timedelta(seconds=seconds))
        )


def test_progress_is_read_while_the_import_holds_its_transaction(
    app, client_a, company_a, monkeypatch
):
    """The status partial answers with the rows done so far while the import's transaction is
    open (SQLite's single writer included), and nothing is visible before it commits."""
    monkeypatch.setattr(core, "CHUNK", 2)
    gate, reached = threading.Event(), threading.Event()
    real = core._Writer.flush

    def slow_flush(self):
        real(self)
        reached.set()
        gate.wait(10)

    monkeypatch.setattr(core._Writer, "flush", slow_flush)
    batch_id = _mapped(client_a, company_a.slug, 7)
    _claim(app, company_a, batch_id)

    def consumer() -> None:  # what the consumer does, in a thread of this process
        with app.app_context():
            jobs.imports.start(company_a.id, batch_id, TODAY, "en")

    thread = threading.Thread(target=consumer)
    thread.start()
    try:
        assert reached.wait(10)
        page = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}")
        assert page.status_code == 200 and "<progress" in page.get_data(as_text=True)
        partial = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}/status")
        assert 'value="28"' in partial.get_data(as_text=True)  # 2 of 7 rows
        assert _customers(app, company_a) == 0  # nothing visible before the commit
    finally:
        gate.set()
        thread.join(30)
    assert _customers(app, company_a) == 7
    assert _job_row(app, job_name(batch_id)) is None  # the job's row goes with the job
    response = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}/status")
    assert response.headers["HX-Redirect"].endswith(f"/imports/{batch_id}")


def test_a_queued_import_says_whether_a_consumer_runs(app, client_a, company_a):
    batch_id = _mapped(client_a, company_a.slug, 3)
    _claim(app, company_a, batch_id)
    with app.app_context():
        state.put(job_name(batch_id), "queued")
    page = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}").get_data(as_text=True)
    assert "Waiting for the job runner" in page and "No job runner is running" in page
    with app.app_context():
        state.put(consumer_name(), "alive")
    try:
        partial = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}/status")
        text = partial.get_data(as_text=True)
        assert "Waiting for the job runner" in text and "No job runner is running" not in text
        # queued is never stale, however long it waits: the queue keeps it
        _age(app, job_name(batch_id), 3600)
        assert "Start the import again" not in client_a.get(
            f"/t/{company_a.slug}/imports/{batch_id}"
        ).get_data(as_text=True)
    finally:
        with app.app_context():
            state.clear(consumer_name())


def test_a_silent_import_is_started_again(app, client_a, company_a):
    """A running import whose heartbeat stopped (its consumer died) offers to start again;
    one still beating does not, and a restart of it is refused."""
    batch_id = _mapped(client_a, company_a.slug, 5)
    _claim(app, company_a, batch_id)
    name = job_name(batch_id)
    with app.app_context():
        state.put(name, "running", 2, 5)
    url = f"/t/{company_a.slug}/imports/{batch_id}"
    page = client_a.get(url).get_data(as_text=True)
    assert 'value="40"' in page and "Start the import again" not in page
    assert client_a.post(f"{url}/restart").status_code == 303
    assert _customers(app, company_a) == 0 and _batch(app, company_a, batch_id).status == "running"

    _age(app, name, app.config["JOBS_STALE_SECONDS"] + 5)
    page = client_a.get(url).get_data(as_text=True)
    assert "Start the import again" in page and "Nothing of it was saved" in page
    assert client_a.post(f"{url}/restart").status_code == 303  # immediate mode: runs now
    batch = _batch(app, company_a, batch_id)
    assert batch.status == "done" and batch.created_count == 5
    assert _customers(app, company_a) == 5
    assert _job_row(app, name) is None


def test_a_second_delivery_of_an_import_does_nothing(app, client_a, company_a):
    client_a.post(f"/t/{company_a.slug}/imports/{_mapped(client_a, company_a.slug, 4)}/commit",
                  data={"confirm": "1"})  # fmt: skip
    assert _customers(app, company_a) == 4
    with app.app_context(), tenant_context(company_a.id):
        batch_id = db.session.scalar(select(ImportBatch.id))
    with app.app_context():
        jobs.imports.run_import(company_a.id, batch_id, TODAY, "en")  # again: already done
    assert _customers(app, company_a) == 4
    assert _batch(app, company_a, batch_id).status == "done"


def test_doctor_reports_a_consumer_that_is_not_running(app):
    app.config["JOBS_IMMEDIATE"] = False
    try:
        with app.app_context():
            check = check_job_consumer(grace=0)
            assert not check.ok and "no consumer running" in check.detail
            assert "docs/deploy.md" in check.fix
            state.put(consumer_name(), "alive")
            check = check_job_consumer(grace=0)
            assert check.ok and state.worker_name() in check.detail
            _age(app, consumer_name(), app.config["JOBS_STALE_SECONDS"] + 1)
            assert not check_job_consumer(grace=0).ok  # a consumer that stopped beating
            state.clear(consumer_name())
    finally:
        app.config["JOBS_IMMEDIATE"] = True


# --- a real queue ------------------------------------------------------------------------------


@contextmanager
def _queue(app, **settings) -> Iterator[None]:
    """The queue on a real storage for this test (not immediate), then back."""
    configure(app, {**app.config, "JOBS_IMMEDIATE": False, **settings})
    try:
        yield
    finally:
        huey.flush()
        configure(app)


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_an_import_goes_through_the_queue_storage(app, client_a, company_a, tmp_path, storage):
    """The commit only enqueues; what a consumer takes from the storage runs the import."""
    if storage == "redis" and not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set")
    settings = (
        {"REDIS_URL": None, "JOBS_SQLITE": str(tmp_path / "q.db")}
        if storage == "sqlite"
        else {"REDIS_URL": os.environ["REDIS_URL"], "JOBS_QUEUE": f"test-{os.getpid()}"}
    )
    batch_id = _mapped(client_a, company_a.slug, 6)
    with _queue(app, **settings):
        client_a.post(f"/t/{company_a.slug}/imports/{batch_id}/commit", data={"confirm": "1"})
        assert huey.pending_count() == 1 and _customers(app, company_a) == 0
        page = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}").get_data(as_text=True)
        assert "Waiting for the job runner" in page
        huey.execute(huey.dequeue())  # what a consumer's worker does
    assert _customers(app, company_a) == 6
    assert _batch(app, company_a, batch_id).status == "done"


def _consumer(database_url: str, queue_file: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOBS_", "TRADEFOLLOW_"))}
    env.pop("REDIS_URL", None)
    env.update(DATABASE_URL=database_url, JOBS_SQLITE=str(queue_file), SECRET_KEY="test")
    with log.open("ab") as out:  # the child keeps its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


ROWS = 3_000


def test_a_consumer_killed_mid_import_leaves_nothing_and_the_import_runs_again(
    app, client_a, company_a, database_url, tmp_path
):
    batch_id = _mapped(client_a, company_a.slug, ROWS)
    queue_file, log = tmp_path / "q.db", tmp_path / "consumer.log"
    name = job_name(batch_id)
    url = f"/t/{company_a.slug}/imports/{batch_id}"
    with _queue(app, REDIS_URL=None, JOBS_SQLITE=str(queue_file)):
        client_a.post(f"{url}/commit", data={"confirm": "1"})
        consumer = _consumer(database_url, queue_file, log)
        try:
            row = _until(
                lambda: (r := _job_row(app, name)) and r.done >= core.CHUNK and r,
                120,
                "the import's first progress",
            )
            assert row.done < ROWS, "the import ended before it could be killed"
            consumer.send_signal(signal.SIGKILL)
            consumer.wait(10)
        finally:
            if consumer.poll() is None:
                consumer.kill()
        assert _customers(app, company_a) == 0  # nothing half-imported
        batch = _batch(app, company_a, batch_id)
        assert batch.status == "running" and batch.content is not None  # the upload is kept

        app.config["JOBS_STALE_SECONDS"] = 1  # the consumer's silence, without a minute's wait
        try:
            _until(lambda: _stale(app, company_a, batch_id), 10, "the import to go stale")
            assert "Start the import again" in client_a.get(url).get_data(as_text=True)
            assert client_a.post(f"{url}/restart").status_code == 303
        finally:
            app.config["JOBS_STALE_SECONDS"] = 60
        consumer = _consumer(database_url, queue_file, log)
        try:
            _until(
                lambda: _batch(app, company_a, batch_id).status != "running",
                240,
                "the import started again to end",
            )
        finally:
            consumer.send_signal(signal.SIGTERM)
            consumer.wait(30)
    batch = _batch(app, company_a, batch_id)
    assert batch.status == "done", (batch.error, log.read_text()[-2000:])
    assert batch.created_count == ROWS and _customers(app, company_a) == ROWS


# --- large exports -------------------------------------------------------------------------------


@pytest.fixture
def small_inline_limit(app) -> Iterator[None]:
    """Exports of more than 2 customers go to the queue (the default is thousands)."""
    app.config["EXPORT_INLINE_ROWS"] = 2
    yield
    app.config["EXPORT_INLINE_ROWS"] = 5000


def test_a_large_export_is_written_on_the_queue(app, client, company_a, small_inline_limit):
    sales = add_member(app, company_a, "sam@alpha.example.com", {"sales"}, "Sam")
    for name in ("Mine One", "Mine Two", "Mine Three"):
        make_customer(app, company_a, name, owner_id=sales)
    make_customer(app, company_a, "Colleague's GmbH", owner_id=company_a.owner_membership_id)
    login(client, "sam@alpha.example.com")
    client.post("/lang", data={"lang": "en"})
    base = f"/t/{company_a.slug}/imports"
    response = client.post(f"{base}/export.xlsx", data={})
    assert response.status_code == 303 and "/imports/exports/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your export is ready." in page  # immediate mode: written in the request
    export_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    download = client.get(f"{base}/exports/{export_id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(download.data))
    names = sorted(row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert names == ["Mine One", "Mine Three", "Mine Two"]  # as sam sees the list
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "export")) == 1  # fmt: skip

    # the owner, who sees every customer, may not open sam's file
    client.post("/logout")
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    assert client.get(f"{base}/exports/{export_id}").status_code == 404
    assert client.get(f"{base}/exports/{export_id}/download").status_code == 404

    # a member's new export replaces their earlier one
    response = client.post(f"{base}/export.csv", data={"kind": "contacts"})
    assert response.status_code == 303
    response = client.post(f"{base}/export.csv", data={"kind": "customers"})
    newest = int(response.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context(), tenant_context(company_a.id):
        owners = db.session.execute(select(ExportJob.id, ExportJob.created_by_id)).all()
    assert sorted(owners) == sorted([(export_id, sales), (newest, company_a.owner_membership_id)])
    csv = client.get(f"{base}/exports/{newest}/download")
    assert csv.data.startswith(b"\xef\xbb\xbf") and b"Colleague's GmbH" in csv.data


def test_a_queued_export_waits_for_a_consumer(app, client_a, company_a, small_inline_limit,
                                              tmp_path):  # fmt: skip
    for name in ("One", "Two", "Three"):
        make_customer(app, company_a, name)
    base = f"/t/{company_a.slug}/imports"
    client_a.post("/lang", data={"lang": "en"})
    with _queue(app, REDIS_URL=None, JOBS_SQLITE=str(tmp_path / "q.db")):
        response = client_a.post(f"{base}/export.xlsx", data={"country": ""})
        page = client_a.get(response.headers["Location"]).get_data(as_text=True)
        assert "written in the background" in page and "No job runner is running" in page
        export_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        # not ready: the download link leads back to the page
        assert client_a.get(f"{base}/exports/{export_id}/download").status_code == 302
        huey.execute(huey.dequeue())
    partial = client_a.get(f"{base}/exports/{export_id}/status").get_data(as_text=True)
    assert "Your export is ready." in partial and "hx-trigger" not in partial


def test_a_failed_export_says_so(app, client_a, company_a, small_inline_limit, monkeypatch):
    for name in ("One", "Two", "Three"):
        make_customer(app, company_a, name)

    def broken(filters):
        raise MemoryError

    monkeypatch.setattr(jobs.exports.exporting, "to_xlsx", broken)
    client_a.post("/lang", data={"lang": "en"})
    response = client_a.post(f"/t/{company_a.slug}/imports/export.xlsx", data={})
    page = client_a.get(response.headers["Location"]).get_data(as_text=True)
    assert "The export failed (MemoryError)." in page and "Download" not in page
