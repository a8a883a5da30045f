"""`flask db upgrade` from an empty database gives exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models.search import TRIGRAM_TABLE, is_schema_object
from webapp.tenancy import rls


@pytest.fixture
def empty_database_url(owner_database_url: str, tmp_path) -> Iterator[str]:
    """A brand-new empty database next to the suite's one."""
    url = make_url(owner_database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"tf_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_matches_models(empty_database_url: str) -> None:
    config = type("MigrationConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    app = create_app(config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "compare_server_default": True,
                    "include_name": is_schema_object,  # SQLite's trigram index (0014)
                },
            )
            diff = compare_metadata(context, db.metadata)
            if conn.dialect.name == "postgresql":
                # migration 0007: every tenant table comes out with RLS forced and the policy
                assert rls.tenant_tables(conn) and rls.missing_policies(conn) == []
                # migration 0023: the global tables' policies and the lookup functions
                assert rls.missing_global_policies(conn) == []
        assert diff == [], f"models and migrations differ: {diff}"

        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set(), f"downgrade to base left tables: {left}"
        db.engine.dispose()


def test_upgrade_keeps_existing_rows(empty_database_url: str) -> None:
    """Rows written at revision 0001 survive the later table rebuilds (SQLite batch mode must
    not cascade-delete children) and get their derived columns filled."""
    config = type("MigrationConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    app = create_app(config)
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO tenant (id, slug, name, home_country, default_locale, created_at,"
                " updated_at) VALUES (1, 'old-co', 'Old Co', 'CN', 'zh', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)"
            ))  # fmt: skip
            conn.execute(text(
                "INSERT INTO customer (id, tenant_id, name, website, country, version, created_at,"
                " updated_at) VALUES (1, 1, 'Nordlicht Projektoren GmbH', 'www.nordlicht.de',"
                " 'DE', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))  # fmt: skip
            conn.execute(text(
                "INSERT INTO contact (id, tenant_id, customer_id, name, phone, is_primary,"
                " created_at, updated_at) VALUES (1, 1, 1, 'Jonas', '030 5557 1201', true,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))  # fmt: skip
        upgrade()
        with db.engine.connect() as conn:
            customer = conn.execute(text("SELECT name_key, website_host FROM customer")).one()
            contact = conn.execute(text("SELECT name, phone, version FROM contact")).one()
        assert tuple(customer) == ("nordlichtprojektoren", "nordlicht.de")
        assert tuple(contact) == ("Jonas", "+493055571201", 1)
        _assert_tally_kept(db.engine)
        if db.engine.dialect.name == "sqlite":
            _assert_trigram_index_kept(db.engine)
        db.engine.dispose()


def _assert_trigram_index_kept(engine) -> None:
    """Migration 0014 filled SQLite's trigram index from the existing rows, and its triggers
    exist at head (a later batch rebuild of customer_search would drop them silently)."""
    with engine.connect() as conn:
        triggers = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        found = conn.scalars(
            text(f"SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH '\"jonas\"'")
        ).all()
    assert {f"{TRIGRAM_TABLE}_{op}" for op in ("insert", "update", "delete")} <= triggers
    assert found == [1]


def _assert_tally_kept(engine) -> None:
    """Migration 0023 counted the existing customers, and its triggers exist at head (a later
    batch rebuild of `customer` on SQLite would drop them silently): a customer graded now
    moves in the tally."""
    tally = "SELECT owner_id, grade, country, customers FROM customer_tally WHERE customers <> 0"
    with engine.begin() as conn:
        assert [tuple(row) for row in conn.execute(text(tally))] == [(0, "", "DE", 1)]
        conn.execute(text("UPDATE customer SET grade = 'A'"))
        rows = [tuple(row) for row in conn.execute(text(tally))]
    assert rows == [(0, "A", "DE", 1)]


def test_every_index_of_a_tenant_table_leads_with_tenant_id() -> None:
    """A lone index on a foreign key loses to UNIQUE (tenant_id, id) in SQLite's planner once
    the tenant filter is added, and a query then scans the company's whole table per row
    (migration 0011). Leading with tenant_id is also what a Citus distribution needs."""
    # a person's companies are looked up across tenants (login, the company switcher)
    cross_tenant_lookups = {"ix_membership_user_id"}
    offenders = [
        f"{table.name}.{index.name} {[c.name for c in index.columns]}"
        for table in db.metadata.sorted_tables
        if "tenant_id" in table.c
        for index in table.indexes
        if next(iter(index.columns)).name != "tenant_id" and index.name not in cross_tenant_lookups
    ]
    assert offenders == []
