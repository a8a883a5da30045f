"""PostgreSQL row-level security (webapp/tenancy/rls.py): the database refuses another company's
rows even to SQL the application did not mean to write. Runs as the application role, which owns no
table and has no BYPASSRLS; the tables' owner checks the ground truth. SQLite has no RLS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from tests.security.routes import OBJECT_PARAMS
from webapp.config import TestConfig
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


def test_the_application_role_cannot_bypass_rls(app, app_conn):
    user, superuser, bypass = app_conn.execute(
        text(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
    ).one()
    assert (user, superuser, bypass) == (app.config["DATABASE_APP_ROLE"], False, False)
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
    # its company's row too (the /join page names it), and no account of anyone
    assert set(app_conn.scalars(text("SELECT id FROM tenant"))) == {company_a.id}
    assert app_conn.scalar(text("SELECT count(*) FROM user_account")) == 0
    assert visible("0" * 64) == []
    assert set(app_conn.scalars(text("SELECT id FROM tenant"))) == set()
    assert visible("") == []
    # reading is all it allows: no write through the token
    app_conn.execute(text("SELECT set_config('app.invite_token', :h, true)"), {"h": digest})
    changed = app_conn.execute(text("UPDATE invitation SET name = 'hijacked'"))
    assert changed.rowcount == 0


# --- the global tables: people, companies, reset links, recovery codes ------------------------


def _as_user(conn: Connection, user_id: int | None) -> None:
    value = "" if user_id is None else str(user_id)
    conn.execute(text("SELECT set_config('app.user_id', :u, true)"), {"u": value})


@pytest.fixture
def secrets_everywhere(app, owner_engine, company_a, company_b) -> dict[str, int]:
    """A second member in A; a reset link and a recovery code for every person (written as the
    tables' owner)."""
    from tests.factories import add_member

    member_a = add_member(app, company_a, "clerk@alpha.example.com", {"sales"})
    with owner_engine.begin() as owner:
        clerk = owner.scalar(text("SELECT user_id FROM membership WHERE id = :m"), {"m": member_a})
        for user_id in (company_a.owner_id, clerk, company_b.owner_id):
            owner.execute(
                text(
                    "INSERT INTO password_reset_token (user_id, token_hash, created_at, "
                    "expires_at) VALUES (:u, md5(CAST(:u AS text)) || md5(CAST(:u AS text)), "
                    "now(), now() + interval '1 day')"
                ),
                {"u": user_id},
            )
            owner.execute(
                text(
                    "INSERT INTO recovery_code (user_id, code_hash) "
                    "VALUES (:u, md5(CAST(:u AS text)))"
                ),
                {"u": user_id},
            )
    return {"clerk": clerk}


# the global tables that hold people, companies and secrets (job_state, the queue's progress,
# holds none and is open on purpose: rls.GLOBAL_POLICIES)
SECRET_TABLES = ("user_account", "tenant", "password_reset_token", "recovery_code")


def _seen(conn: Connection) -> dict[str, set[int]]:
    return {
        "user_account": set(conn.scalars(text("SELECT id FROM user_account"))),
        "tenant": set(conn.scalars(text("SELECT id FROM tenant"))),
        "password_reset_token": set(conn.scalars(text("SELECT user_id FROM password_reset_token"))),
        "recovery_code": set(conn.scalars(text("SELECT user_id FROM recovery_code"))),
    }


def test_every_global_table_has_rls_and_every_lookup_is_narrow(app, owner_engine):
    with owner_engine.connect() as conn:
        assert set(rls.global_tables(conn)) == set(rls.GLOBAL_POLICIES)
        assert rls.missing_global_policies(conn) == []


def test_a_global_table_or_lookup_left_open_is_found(app, owner_engine):
    """Guards the guard: a new global table, RLS switched off, a function anyone may call."""
    with owner_engine.connect() as conn:
        conn.execute(text("CREATE TABLE rls_global_probe (id serial PRIMARY KEY)"))
        conn.execute(text("ALTER TABLE recovery_code DISABLE ROW LEVEL SECURITY"))
        conn.execute(text("GRANT EXECUTE ON FUNCTION tradefollow_account_id(text) TO PUBLIC"))
        problems = rls.missing_global_policies(conn)
        conn.rollback()
    assert [p.split(":")[0] for p in problems] == [
        "recovery_code",
        "rls_global_probe",
        "tradefollow_account_id",
    ]


def test_nobody_named_sees_no_person_company_link_or_code(app_conn, secrets_everywhere):
    assert _seen(app_conn) == {t: set() for t in SECRET_TABLES}


def test_a_company_sees_its_own_members_and_nobody_else(
    app_conn, secrets_everywhere, company_a, company_b
):
    _as_tenant(app_conn, company_a.id)
    members = {company_a.owner_id, secrets_everywhere["clerk"]}
    assert _seen(app_conn) == {
        "user_account": members,
        "tenant": {company_a.id},
        "password_reset_token": members,  # an administrator hands a member a reset link
        "recovery_code": set(),  # nobody's but one's own, not even a colleague's
    }
    leaked = app_conn.scalar(
        text("SELECT count(*) FROM user_account WHERE email = :e"), {"e": company_b.owner_email}
    )
    assert leaked == 0


def test_a_person_sees_their_own_account_and_companies_only(
    app_conn, secrets_everywhere, company_a, company_b
):
    _as_user(app_conn, company_a.owner_id)
    me = {company_a.owner_id}
    assert _seen(app_conn) == {
        "user_account": me,
        "tenant": {company_a.id},
        "password_reset_token": me,
        "recovery_code": me,
    }


def test_nobody_writes_another_persons_account_or_codes(
    app_conn, secrets_everywhere, company_a, company_b
):
    _as_tenant(app_conn, company_a.id)
    _as_user(app_conn, company_a.owner_id)
    for other in (secrets_everywhere["clerk"], company_b.owner_id):  # a colleague, a stranger
        changed = app_conn.execute(
            text("UPDATE user_account SET totp_secret = NULL, name = 'x' WHERE id = :u"),
            {"u": other},
        )
        assert changed.rowcount == 0
        deleted = app_conn.execute(
            text("DELETE FROM recovery_code WHERE user_id = :u"), {"u": other}
        )
        assert deleted.rowcount == 0
    assert app_conn.execute(text("DELETE FROM user_account")).rowcount == 0  # no DELETE policy
    assert app_conn.execute(text("UPDATE tenant SET name = 'x'")).rowcount == 1  # its own only
    for statement in (
        "INSERT INTO user_account (id, email, name, password_hash, active, session_epoch, "
        "created_at, updated_at) VALUES (999999, 'x@x.example', 'x', 'x', true, 0, now(), now())",
        "INSERT INTO recovery_code (user_id, code_hash) VALUES (:b, 'x')",
        "INSERT INTO password_reset_token (user_id, token_hash, created_at, expires_at) "
        "VALUES (:b, 'x', now(), now())",
        "INSERT INTO tenant (id, slug, name, home_country, default_locale, stale_days_a, "
        "stale_days_b, stale_days_c, stale_days_d, customer_visibility, max_owned_customers, "
        "created_at, updated_at) VALUES (999999, 'x-x', 'x', 'CN', 'zh', 1, 1, 1, 1, 'own', 1, "
        "now(), now())",
    ):
        savepoint = app_conn.begin_nested()
        with pytest.raises(DBAPIError, match="row-level security"):
            app_conn.execute(text(statement), {"b": company_b.owner_id})
        savepoint.rollback()


def test_lookup_functions_answer_their_step_and_no_more(
    app_conn, secrets_everywhere, company_a, company_b
):
    """As the application role with nothing set: each function answers its one question."""
    login = app_conn.execute(
        text("SELECT * FROM tradefollow_login_account(:e)"), {"e": company_b.owner_email}
    )
    assert list(login.keys()) == ["account_id", "password_hash"]  # no TOTP secret, no email
    assert [row[0] for row in login] == [company_b.owner_id]

    def one(sql: str, value: str):
        return app_conn.scalar(text(f"SELECT {sql}(:v)"), {"v": value})

    assert one("tradefollow_account_id", company_b.owner_email) == company_b.owner_id
    assert one("tradefollow_account_id", "nobody@example.com") is None
    assert one("tradefollow_company_id", company_b.slug) == company_b.id
    digest = app_conn.scalar(
        text("SELECT md5(CAST(:u AS text)) || md5(CAST(:u AS text))"), {"u": company_b.owner_id}
    )
    assert one("tradefollow_reset_link_account", digest) == company_b.owner_id
    ids = set(app_conn.scalars(text("SELECT tradefollow_company_ids()")))
    assert ids == {company_a.id, company_b.id}
    # and the tables themselves stay closed after the calls
    assert _seen(app_conn) == {t: set() for t in SECRET_TABLES}


def test_the_app_connects_as_the_configured_role(app, owner_engine, owner_database_url):
    """DATABASE_APP_ROLE names the role: `flask doctor` fails when the app is someone else."""
    from webapp.doctor import check_database_role

    with app.app_context():
        assert check_database_role().ok
        app.config["DATABASE_APP_ROLE"] = "somebody_else"
        try:
            check = check_database_role()
        finally:
            app.config["DATABASE_APP_ROLE"] = TestConfig.DATABASE_APP_ROLE
    assert not check.ok and "DATABASE_APP_ROLE" in check.fix
