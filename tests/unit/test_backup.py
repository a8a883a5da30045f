"""`flask backup`: a consistent copy of the SQLite database, taken while the app writes, that
restores with every record."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.factories import make_contact, make_customer, make_followup, make_order
from webapp.extensions import db
from webapp.services.backup import BackupError, backup_sqlite


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("flask backup copies SQLite; PostgreSQL uses pg_dump (docs/deploy.md)")


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {
            t.name: conn.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables
        }
    engine.dispose()
    return counts


def test_backup_restores_every_record(
    app, company_a, company_b, tmp_path, sqlite_only, database_url
):
    for company in (company_a, company_b):
        customer = make_customer(app, company, f"Kunde {company.slug}")
        make_contact(app, company, customer, "Jonas")
        make_followup(app, company, customer, "Quotation")
        make_order(app, company, customer, f"SC-{company.slug}")
    target = tmp_path / "copy.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    restored = _counts(f"sqlite:///{target}")
    assert restored == _counts(database_url)
    assert restored["customer"] == 2 and restored["followup"] == 2 and restored["export_order"] == 2
    assert not (tmp_path / "copy.db.partial").exists()


def test_backup_while_another_connection_writes(
    app, company_a, tmp_path, sqlite_only, database_url
):
    """Writers keep going during the copy; the copy is a consistent snapshot that opens."""
    for i in range(50):
        make_customer(app, company_a, f"Before {i}")
    stop = threading.Event()
    engine = create_engine(database_url, connect_args={"timeout": 30})

    def write() -> None:
        n = 0
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO customer (tenant_id, name, name_key, owner_id, importance, "
                        "stages, outcome, version, created_at, updated_at) "
                        "SELECT tenant_id, 'During ' || :n, 'during' || :n, owner_id, importance, "
                        "0, outcome, 1, created_at, updated_at FROM customer LIMIT 1"
                    ),
                    {"n": n},
                )
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        backup_sqlite(database_url, tmp_path / "live.db", pages_per_step=1)
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    copied = _counts(f"sqlite:///{tmp_path / 'live.db'}")
    assert copied["customer"] >= 50


def test_backup_refuses_postgresql_and_the_database_itself(tmp_path):
    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite("postgresql+psycopg://u@localhost/db", tmp_path / "x.db")
    source = tmp_path / "db.sqlite"
    create_engine(f"sqlite:///{source}").connect().close()
    with pytest.raises(BackupError, match="another file"):
        backup_sqlite(f"sqlite:///{source}", source)
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(f"sqlite:///{tmp_path / 'missing.db'}", tmp_path / "y.db")
