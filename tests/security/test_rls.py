"""PostgreSQL row-level security (webapp/tenancy/rls.py): the database refuses another company's
rows even to SQL the application did not mean to write. Runs as the application role, which owns no
table and has no BYPASSRLS; the tables' owner checks the ground truth. SQLite has no RLS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from tests.security.routes import OBJECT_PARAMS
from webapp.extensions import db
from webapp.tenancy import rls


@pytest.fixture(autouse=True)
def _postgresql_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("row-level security is PostgreSQL's (SQLite keeps the ORM guard)")


@pytest.fixture
def populated(app, company_a, company_b) -> None:
    """Objects of every kind the routes know, in both companies."""
    for build in OBJECT_PARAMS.values():
        build(app, company_a)
        build(app, company_b)


@pytest.fixture
def app_conn(app) -> Iterator[Connection]:
    """A raw connection as the application role, in a transaction that is rolled back."""
    with app.app_context(), db.engine.connect() as conn:
        yield conn
        conn.rollback()


def _as_tenant(conn: Connection, tenant_id: int | None) -> None:
    value = "" if tenant_id is None else str(tenant_id)
    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": value})


def test_every_tenant_table_has_rls_forced_with_the_tenant_policy(app, owner_engine):
    """`app` migrates the database first: run alone, this test met an empty one."""
    with owner_engine.connect() as conn:
        tables = rls.tenant_tables(conn)
        assert {"customer", "contact", "followup", "export_order", "membership"} <= set(tables)
        assert rls.missing_policies(conn) == []


def test_a_table_without_a_policy_is_found(owner_engine):
    """Guards the guard: a new tenant table with no policy must fail the check above."""
    with owner_engine.connect() as conn:
        conn.execute(text("CREATE TABLE rls_probe (id serial PRIMARY KEY, tenant_id integer)"))
        assert rls.missing_policies(conn) == ["rls_probe"]
        conn.rollback()


def test_the_application_role_cannot_bypass_rls(app_conn):
    user, superuser, bypass = app_conn.execute(
        text(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
    ).one()
    assert (user, superuser, bypass) == (rls.APP_ROLE, False, False)
    owned = app_conn.scalar(text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user"))
    assert owned == 0


def test_raw_select_sees_only_the_current_tenant(app_conn, owner_engine, populated, company_a):
    with owner_engine.connect() as owner:
        tables = rls.tenant_tables(owner)
        truth = {
            t: owner.scalar(
                text(f'SELECT count(*) FROM "{t}" WHERE tenant_id = :a'), {"a": company_a.id}
            )
            for t in tables
        }
    assert sum(1 for n in truth.values() if n) >= 15, "the fixture should fill most tables"
    _as_tenant(app_conn, company_a.id)
    for table in tables:
        seen = app_conn.execute(text(f'SELECT tenant_id FROM "{table}"')).scalars().all()
        assert set(seen) <= {company_a.id}, table
        assert len(seen) == truth[table], table


def test_raw_select_with_no_tenant_sees_nothing(app_conn, owner_engine, populated):
    with owner_engine.connect() as owner:
        tables = rls.tenant_tables(owner)
    for tenant in (None,):
        _as_tenant(app_conn, tenant)
        for table in tables:
            assert app_conn.scalar(text(f'SELECT count(*) FROM "{table}"')) == 0, table
    # and before anything is set at all in this session's transaction
    app_conn.rollback()
    assert app_conn.scalar(text("SELECT count(*) FROM customer")) == 0


def _columns(conn: Connection, table: str) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND table_name = :t ORDER BY ordinal_position"
            ),
            {"t": table},
        ).scalars()
    )


def test_inserting_another_tenants_row_is_refused(
    app_conn, owner_engine, populated, company_a, company_b
):
    """Copy one of A's rows with B's tenant_id, as company A: the policy's WITH CHECK refuses."""
    with owner_engine.connect() as owner:
        tables = [
            t
            for t in rls.tenant_tables(owner)
            if owner.scalar(
                text(f'SELECT count(*) FROM "{t}" WHERE tenant_id = :a'), {"a": company_a.id}
            )
        ]
        columns = {t: _columns(owner, t) for t in tables}
    _as_tenant(app_conn, company_a.id)
    for table in tables:
        cols = columns[table]
        picked = ", ".join(
            ":b" if c == "tenant_id" else "id + 1000000" if c == "id" else f'"{c}"' for c in cols
        )
        names = ", ".join(f'"{c}"' for c in cols)
        savepoint = app_conn.begin_nested()
        with pytest.raises(DBAPIError, match="row-level security"):
            app_conn.execute(
                text(
                    f'INSERT INTO "{table}" ({names}) SELECT {picked} FROM "{table}" '
                    "WHERE tenant_id = :a LIMIT 1"
                ),
                {"a": company_a.id, "b": company_b.id},
            )
        savepoint.rollback()


def test_updates_and_deletes_cannot_reach_another_tenant(
    app_conn, owner_engine, populated, company_a, company_b
):
    _as_tenant(app_conn, company_a.id)
    changed = app_conn.execute(
        text("UPDATE customer SET remarks = 'hijacked' WHERE tenant_id = :b"), {"b": company_b.id}
    )
    deleted = app_conn.execute(
        text("DELETE FROM contact WHERE tenant_id = :b"), {"b": company_b.id}
    )
    assert (changed.rowcount, deleted.rowcount) == (0, 0)
    # moving one of A's rows to B is refused too
    with pytest.raises(DBAPIError, match="row-level security"):
        app_conn.execute(
            text("UPDATE customer SET tenant_id = :b WHERE tenant_id = :a"),
            {"a": company_a.id, "b": company_b.id},
        )


def test_flask_rls_commands(app):
    runner = app.test_cli_runner()
    app.config["MIGRATION_DATABASE_URL"] = None  # the app role: check reads the catalog only
    result = runner.invoke(args=["rls", "check"])
    assert result.exit_code == 0 and "every one with RLS forced" in result.output


def test_flask_rls_setup_creates_a_role_that_cannot_bypass(app, owner_engine, owner_database_url):
    runner = app.test_cli_runner()
    app.config["MIGRATION_DATABASE_URL"] = owner_database_url
    try:
        result = runner.invoke(args=["rls", "setup", "--role", "tf_probe_role"])
        assert result.exit_code == 0, result.output
        with owner_engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles "
                    "WHERE rolname = 'tf_probe_role'"
                )
            ).one()
            assert tuple(row) == (True, False, False)
            granted = conn.scalar(
                text("SELECT has_table_privilege('tf_probe_role', 'customer', 'SELECT')")
            )
            assert granted
    finally:
        app.config["MIGRATION_DATABASE_URL"] = None
        with owner_engine.begin() as conn:
            conn.execute(text("DROP OWNED BY tf_probe_role"))
            conn.execute(text("DROP ROLE IF EXISTS tf_probe_role"))


def test_an_invitation_link_shows_that_one_invitation_only(app, app_conn, company_a, company_b):
    """/join looks an invitation up by its hash before the visitor belongs to the company: the
    invitation_by_token policy shows exactly the row whose hash is set, and nothing else."""
    import hashlib

    from tests.factories import make_invitation

    id_a, secret_a = make_invitation(app, company_a, "x@example.com")
    make_invitation(app, company_b, "y@example.com")
    digest = hashlib.sha256(secret_a.encode()).hexdigest()
    _as_tenant(app_conn, None)

    def visible(token: str) -> list[int]:
        app_conn.execute(text("SELECT set_config('app.invite_token', :h, true)"), {"h": token})
        return list(app_conn.execute(text("SELECT id FROM invitation")).scalars())

    assert visible(digest) == [id_a]
    assert visible("0" * 64) == []
    assert visible("") == []
    # reading is all it allows: no write through the token
    app_conn.execute(text("SELECT set_config('app.invite_token', :h, true)"), {"h": digest})
    changed = app_conn.execute(text("UPDATE invitation SET name = 'hijacked'"))
    assert changed.rowcount == 0
