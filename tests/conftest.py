"""Fixtures: the app on SQLite (default) or PostgreSQL (TEST_DATABASE_URL), a clean database per
test, clients, companies, login, and a SQL statement counter."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from tests.factories import PASSWORD, Company, make_company
from webapp import create_app
from webapp.config import TestConfig, normalize_db_url
from webapp.extensions import db
from webapp.tenancy import rls

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header(config) -> str:
    return f"database: {'PostgreSQL ' + TEST_DATABASE_URL if TEST_DATABASE_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def owner_database_url(tmp_path_factory) -> str:
    """The tables' owner: creates the schema (as migrations would) and cleans between tests."""
    if TEST_DATABASE_URL:
        return normalize_db_url(TEST_DATABASE_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(owner_database_url: str) -> str:
    """What the app connects with. On PostgreSQL that is the application role, which owns no
    table and is subject to row-level security: the whole suite runs under RLS, as production
    does."""
    url = make_url(owner_database_url)
    if url.get_backend_name() == "sqlite":
        return owner_database_url
    role = TestConfig.DATABASE_APP_ROLE  # DATABASE_APP_ROLE, as the app reads it
    return url.set(username=role, password=None).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def owner_engine(owner_database_url: str) -> Iterator[Engine]:
    # the app's own engine options: through PgBouncer (DATABASE_POOLER) no prepared statements
    engine = create_engine(owner_database_url, **TestConfig.SQLALCHEMY_ENGINE_OPTIONS)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(database_url: str, owner_engine: Engine) -> Iterator[Flask]:
    with owner_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            rls.disable_global(conn)  # its policies' subqueries depend on the tables
        db.metadata.drop_all(conn)  # our tables and any left by an earlier run
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.metadata.create_all(conn)
        if conn.dialect.name == "postgresql":
            rls.enable(conn)
            rls.enable_global(conn)
            rls.grant_app_role(conn, TestConfig.DATABASE_APP_ROLE)
    config = type("SuiteConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url})
    app = create_app(config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    owner_engine: Engine = request.getfixturevalue("owner_engine")
    app.config.update(WTF_CSRF_ENABLED=False)
    with app.app_context():
        db.session.remove()
    tables = [t.name for t in db.metadata.sorted_tables]
    with owner_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def company_a(app: Flask) -> Company:
    return make_company(app, "alpha-trading", "阿尔法贸易 Alpha Trading")


@pytest.fixture
def company_b(app: Flask) -> Company:
    return make_company(app, "beta-export", "贝塔出口 Beta Export")


@pytest.fixture
def mail(app: Flask) -> Iterator[list]:
    """The app sends mail into a list (MAIL_SERVER="memory") for this test: the messages."""
    app.config["MAIL_SERVER"] = "memory"
    app.extensions["outbox"] = []
    yield app.extensions["outbox"]
    app.config["MAIL_SERVER"] = None
    app.extensions.pop("outbox", None)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def client_a(client: FlaskClient, company_a: Company) -> FlaskClient:
    """A client logged in as company A's owner."""
    login(client, company_a.owner_email)
    return client


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Collects every SQL statement the app runs inside the block (to bound N+1 queries)."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def _record(conn, cursor, statement, *args) -> None:
        # transaction control and the per-transaction RLS setting (tenancy.sync_rls) are not
        # queries of the page: leaving them out keeps the bounds equal on both databases
        if (
            not statement.lstrip()
            .upper()
            .startswith(("BEGIN", "SAVEPOINT", "RELEASE", "SELECT SET_CONFIG('APP."))
        ):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)
