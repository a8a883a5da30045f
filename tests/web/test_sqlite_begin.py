"""On SQLite, requests that write start their transaction IMMEDIATE (a read-then-write DEFERRED
transaction fails at once under a concurrent writer); plain reads stay DEFERRED. A GET view that
writes opts in with extensions.writes_on_get."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.conftest import login
from webapp.extensions import db


@contextmanager
def begins(app):
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_writing_get_begins_immediate_and_reads_do_not(app, client, company_a, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's transaction modes")
    login(client, company_a.owner_email)
    with begins(app) as opening:
        assert client.get(f"/t/{company_a.slug}/reports/week/2026-W48").status_code == 302
    with begins(app) as listing:
        assert client.get(f"/t/{company_a.slug}/reports/").status_code == 200
    assert opening and set(opening) == {"BEGIN IMMEDIATE"}
    assert listing and set(listing) == {"BEGIN"}
    # a view that writes on some GETs only: the customer list sweeps when it shows the pool
    with begins(app) as pool_list:
        assert client.get(f"/t/{company_a.slug}/customers/?owner=pool").status_code == 200
    with begins(app) as plain_list:
        assert client.get(f"/t/{company_a.slug}/customers/").status_code == 200
    assert pool_list and set(pool_list) == {"BEGIN IMMEDIATE"}
    assert plain_list and set(plain_list) == {"BEGIN"}


def test_sqlite_statistics_are_kept_by_the_pool(app, client, company_a, database_url, monkeypatch):
    """A pooled connection analyzes (limited) when it comes back to the pool once the interval
    has passed since it opened or last analyzed, and not before."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's planner statistics")
    from sqlalchemy import text

    from tests.factories import make_customer
    from webapp import extensions

    make_customer(app, company_a, "Lumen Lighting")
    with app.app_context():
        db.session.execute(text("ANALYZE"))  # creates sqlite_stat1 ...
        db.session.execute(text("DELETE FROM sqlite_stat1"))  # ... empty
        db.session.commit()
        db.engine.dispose()  # fresh connections
    monkeypatch.setattr(extensions, "SQLITE_OPTIMIZE_EVERY", 0.0)  # the hour has passed

    def analyzed() -> set[str]:
        with app.app_context():
            return set(db.session.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")))

    login(client, company_a.owner_email)
    assert client.get(f"/t/{company_a.slug}/customers/").status_code == 200
    assert "customer" in analyzed()  # (empty tables get no statistics)

    monkeypatch.setattr(extensions, "SQLITE_OPTIMIZE_EVERY", 10_000.0)
    with app.app_context():
        db.session.execute(text("DELETE FROM sqlite_stat1"))
        db.session.commit()
    assert client.get(f"/t/{company_a.slug}/customers/").status_code == 200
    assert analyzed() == set()  # within the interval: not again

    with app.app_context():
        db.engine.dispose()
    assert client.get(f"/t/{company_a.slug}/customers/").status_code == 200
    assert analyzed() == set()  # a new connection's first hour: not yet
