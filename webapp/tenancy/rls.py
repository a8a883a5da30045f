"""PostgreSQL row-level security: the database itself refuses another company's rows.

Every table with a `tenant_id` column gets RLS enabled and FORCEd (so even the tables' owner is
subject to it, superusers and BYPASSRLS roles excepted) and one policy comparing `tenant_id` with
the transaction-local setting `app.tenant_id`, which the application sets at the start of every
transaction (`sync_rls` below, called by the guard's hooks). With no setting a query sees no row
and may write none.

`membership` has a second, read-only policy: a person sees their own memberships in every company
(`app.user_id`), which is what the company switcher needs. `invitation` has one too: the row whose
token hash is `app.invite_token` (set while a /join link is opened), so a link to another company
can say so. Nothing else crosses companies.

The global tables (no tenant_id: people, companies, reset links, recovery codes) hold what an
injection must never read in bulk: every company's e-mail addresses, password hashes and TOTP
secrets. `enable_global` puts them under RLS too (GLOBAL_POLICIES): the application role sees the
current person (`app.user_id`) and the members of the current company (`app.tenant_id`), and
nobody else. The steps that must find a person before the database knows who is asking (log in,
forgotten password, a reset link, an invitation to an existing account, a free company address)
call narrow SECURITY DEFINER functions (LOOKUP_FUNCTIONS) that answer only what that step needs.
Those tables are RLS-enabled but not FORCEd: the functions run as the tables' owner and must read
the whole table, narrowed by their own WHERE; the application role owns nothing, so it is always
subject to the policies.

SQLite has no RLS: the ORM guard (guard.py) is its only (and PostgreSQL's first) layer.
Migration 0007 applies the same statements to the tenant tables, migration 0023 to the global
ones; tests/security/test_rls.py compares the catalog with both.
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .context import (
    acting_user_id,
    current_tenant_id,
    invitation_token_hash,
    is_cross_tenant,
    request_user_id,
)

APP_ROLE = "tradefollow_app"
TENANT_POLICY = "tenant_isolation"
_CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::integer"
_CURRENT_USER = "NULLIF(current_setting('app.user_id', true), '')::integer"

# table -> extra read-only policies (name, USING clause)
EXTRA_POLICIES = {
    "membership": [("own_memberships", f"user_id = {_CURRENT_USER}")],
    # the one invitation whose link (its SHA-256) is being opened, before its company is known
    "invitation": [
        (
            "invitation_by_token",
            "token_hash = NULLIF(current_setting('app.invite_token', true), '')",
        )
    ],
    "membership_role": [
        (
            "own_membership_roles",
            f"membership_id IN (SELECT id FROM membership WHERE user_id = {_CURRENT_USER})",
        )
    ],
}


# the global tables and their policies: name -> (command, USING, WITH CHECK). A row of another
# company's member, or of nobody the request names, is invisible and cannot be written.
_MEMBERS = f"SELECT user_id FROM membership WHERE tenant_id = {_CURRENT_TENANT}"
_PERSON = f"user_id = {_CURRENT_USER} OR user_id IN ({_MEMBERS})"
GLOBAL_POLICIES: dict[str, list[tuple[str, str, str | None, str | None]]] = {
    "user_account": [
        ("account_visible", "SELECT", f"id = {_CURRENT_USER} OR id IN ({_MEMBERS})", None),
        # a new account is written by whoever reserved its id (lookups.add_account)
        ("account_insert", "INSERT", None, f"id = {_CURRENT_USER}"),
        ("account_update", "UPDATE", f"id = {_CURRENT_USER}", f"id = {_CURRENT_USER}"),
    ],
    "tenant": [
        (
            "tenant_visible",
            "SELECT",
            f"id = {_CURRENT_TENANT}"
            f" OR id IN (SELECT tenant_id FROM membership WHERE user_id = {_CURRENT_USER})"
            " OR id IN (SELECT tenant_id FROM invitation WHERE token_hash ="
            " NULLIF(current_setting('app.invite_token', true), ''))",
            None,
        ),
        ("tenant_insert", "INSERT", None, f"id = {_CURRENT_TENANT}"),
        ("tenant_update", "UPDATE", f"id = {_CURRENT_TENANT}", f"id = {_CURRENT_TENANT}"),
    ],
    # an administrator hands a member a reset link, and ends open ones when roles change
    "password_reset_token": [("reset_link_access", "ALL", _PERSON, _PERSON)],
    "recovery_code": [
        ("own_recovery_codes", "ALL", f"user_id = {_CURRENT_USER}", f"user_id = {_CURRENT_USER}")
    ],
    # the job queue's progress and heartbeats (models/jobs.py): counts and times named by the
    # job ("import:42"), no company's data and no secret; consumers write it before any company
    # is chosen, and a page reads it only after loading the import through its company
    "job_state": [("job_state_open", "ALL", "true", "true")],
}

# name -> (arguments, result, body). Each answers one step before anyone is known, no more.
LOOKUP_FUNCTIONS: dict[str, tuple[str, str, str]] = {
    # log in: the one hash to check the password against, and whose it is
    "tradefollow_login_account": (
        "p_email text",
        "TABLE (account_id integer, password_hash varchar)",
        "SELECT u.id, u.password_hash FROM user_account u WHERE u.email = p_email",
    ),
    # forgotten password, signup and invitations: is there an account with this address
    "tradefollow_account_id": (
        "p_email text",
        "integer",
        "SELECT u.id FROM user_account u WHERE u.email = p_email",
    ),
    # a reset link being opened: whose link it is (its state is read as that person)
    "tradefollow_reset_link_account": (
        "p_token_hash text",
        "integer",
        "SELECT t.user_id FROM password_reset_token t WHERE t.token_hash = p_token_hash",
    ),
    # signup (is a company address free) and the demo (which company is "demo")
    "tradefollow_company_id": (
        "p_slug text",
        "integer",
        "SELECT c.id FROM tenant c WHERE c.slug = p_slug",
    ),
    # jobs that visit every company (the pool sweep) and the demo's "is the database empty"
    "tradefollow_company_ids": (
        "",
        "SETOF integer",
        "SELECT c.id FROM tenant c ORDER BY c.id",
    ),
}


def global_tables(conn: Connection) -> list[str]:
    """Every table of the current schema without a tenant_id column (Alembic's bookkeeping
    aside): each must be in GLOBAL_POLICIES, so a new one is noticed the day it is added."""
    rows = conn.execute(
        text(
            "SELECT t.table_name FROM information_schema.tables t "
            "WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
            "AND t.table_name <> 'alembic_version' AND NOT EXISTS (SELECT 1 FROM "
            "information_schema.columns c WHERE c.table_schema = t.table_schema "
            "AND c.table_name = t.table_name AND c.column_name = 'tenant_id') "
            "ORDER BY t.table_name"
        )
    )
    return [name for (name,) in rows]


def tenant_tables(conn: Connection) -> list[str]:
    """Every table of the current schema that has a tenant_id column (read from the catalog,
    so a table added tomorrow is found the day it is added)."""
    rows = conn.execute(
        text(
            "SELECT c.table_name FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
            " AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
            "WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' "
            "ORDER BY c.table_name"
        )
    )
    return [name for (name,) in rows]


def enable(conn: Connection) -> None:
    """Enable, force and (re)create the policies on every tenant table. Idempotent."""
    for table in tenant_tables(conn):
        conn.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        conn.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
        conn.execute(text(f'DROP POLICY IF EXISTS {TENANT_POLICY} ON "{table}"'))
        conn.execute(
            text(
                f'CREATE POLICY {TENANT_POLICY} ON "{table}" '
                f"USING (tenant_id = {_CURRENT_TENANT}) "
                f"WITH CHECK (tenant_id = {_CURRENT_TENANT})"
            )
        )
        for name, using in EXTRA_POLICIES.get(table, []):
            conn.execute(text(f'DROP POLICY IF EXISTS {name} ON "{table}"'))
            conn.execute(text(f'CREATE POLICY {name} ON "{table}" FOR SELECT USING ({using})'))


def enable_global(conn: Connection) -> None:
    """RLS and GLOBAL_POLICIES on the global tables, and the lookup functions (owned by whoever
    runs this: the tables' owner). Idempotent."""
    for table, policies in GLOBAL_POLICIES.items():
        if not _exists(conn, table):  # a migration before the one that creates it
            continue
        conn.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        for name, command, using, check in policies:
            conn.execute(text(f'DROP POLICY IF EXISTS {name} ON "{table}"'))
            clauses = (f" USING ({using})" if using else "") + (
                f" WITH CHECK ({check})" if check else ""
            )
            conn.execute(text(f'CREATE POLICY {name} ON "{table}" FOR {command}{clauses}'))
    schema = conn.scalar(text("SELECT current_schema()"))
    for name, (arguments, result, body) in LOOKUP_FUNCTIONS.items():
        # OR REPLACE keeps the grants (`flask rls setup --role other` must not take the
        # running app's away); a fixed search_path: no schema of the caller's comes first
        conn.execute(
            text(
                f"CREATE OR REPLACE FUNCTION {name}({arguments}) RETURNS {result} "
                f'LANGUAGE sql STABLE SECURITY DEFINER SET search_path = "{schema}", pg_temp '
                f"AS $fn$ {body} $fn$"
            )
        )
        conn.execute(text(f"REVOKE ALL ON FUNCTION {name}({arguments}) FROM PUBLIC"))


def _exists(conn: Connection, table: str) -> bool:
    return conn.scalar(text("SELECT to_regclass(:t)"), {"t": f'"{table}"'}) is not None


def disable_global(conn: Connection) -> None:
    """enable_global undone (migration 0023's downgrade; the test suite before it drops the
    tables, which the policies' subqueries depend on)."""
    for name, (arguments, _result, _body) in LOOKUP_FUNCTIONS.items():
        conn.execute(text(f"DROP FUNCTION IF EXISTS {name}({arguments})"))
    for table, policies in GLOBAL_POLICIES.items():
        if not _exists(conn, table):
            continue
        for name, *_clauses in policies:
            conn.execute(text(f'DROP POLICY IF EXISTS {name} ON "{table}"'))
        conn.execute(text(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY'))


def grant_app_role(conn: Connection, role: str = APP_ROLE) -> None:
    """Create the application's login role (no superuser, no BYPASSRLS, owns nothing) and give
    it data access to the current and future tables of the schema. Run as the tables' owner."""
    exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if not exists:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB'))
    conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
    conn.execute(
        text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
    )
    conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
    conn.execute(
        text(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"'
        )
    )
    conn.execute(
        text(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f'GRANT USAGE, SELECT ON SEQUENCES TO "{role}"'
        )
    )
    for name, (arguments, _result, _body) in LOOKUP_FUNCTIONS.items():
        if conn.scalar(text("SELECT to_regproc(:n)"), {"n": name}) is not None:
            conn.execute(text(f'GRANT EXECUTE ON FUNCTION {name}({arguments}) TO "{role}"'))


def missing_policies(conn: Connection) -> list[str]:
    """Tenant tables without RLS enabled and forced, or without the tenant policy."""
    problems = []
    for table in tenant_tables(conn):
        enabled, forced = conn.execute(
            text(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE oid = to_regclass(:t)"
            ),
            {"t": f'"{table}"'},
        ).one()
        policy = conn.scalar(
            text(
                "SELECT qual FROM pg_policies WHERE schemaname = current_schema() "
                "AND tablename = :t AND policyname = :p"
            ),
            {"t": table, "p": TENANT_POLICY},
        )
        if not (enabled and forced and policy and "app.tenant_id" in policy):
            problems.append(table)
    return problems


def missing_global_policies(conn: Connection) -> list[str]:
    """What is wrong with the global tables and lookup functions, one line each (empty: all
    well): a table without RLS or one of its policies, a global table GLOBAL_POLICIES does not
    know, a function missing, not SECURITY DEFINER, without a fixed search_path, or callable by
    PUBLIC."""
    problems = []
    for table in global_tables(conn):
        if table not in GLOBAL_POLICIES:
            problems.append(f"{table}: a global table with no policies in GLOBAL_POLICIES")
            continue
        enabled = conn.scalar(
            text("SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass(:t)"),
            {"t": f'"{table}"'},
        )
        present = set(
            conn.scalars(
                text(
                    "SELECT policyname FROM pg_policies WHERE schemaname = current_schema() "
                    "AND tablename = :t"
                ),
                {"t": table},
            )
        )
        wanted = {name for name, *_clauses in GLOBAL_POLICIES[table]}
        if not enabled or wanted - present:
            problems.append(f"{table}: RLS or policies {sorted(wanted - present)} missing")
    for name in LOOKUP_FUNCTIONS:
        row = conn.execute(
            text(
                "SELECT p.prosecdef, p.proconfig, "
                "has_function_privilege('public', p.oid, 'EXECUTE') "
                "FROM pg_proc p WHERE p.oid = to_regproc(:n)"
            ),
            {"n": name},
        ).one_or_none()
        if row is None:
            problems.append(f"{name}: missing")
        elif not row[0] or not any(c.startswith("search_path=") for c in row[1] or []):
            problems.append(f"{name}: not SECURITY DEFINER with a fixed search_path")
        elif row[2]:
            problems.append(f"{name}: PUBLIC may execute it")
    return problems


# --- telling the database who is asking ---------------------------------------------------------
_RLS_KEY = "rls_settings"
_SET_RLS = text(
    "SELECT set_config('app.tenant_id', :tenant, true), set_config('app.user_id', :user, true),"
    " set_config('app.invite_token', :invite, true)"
)
_NOTHING_SET = ("", "", "")


def _rls_wanted() -> tuple[str, str, str]:
    tenant_id = None if is_cross_tenant() else current_tenant_id()
    acting = acting_user_id()
    user_id = "" if acting is None else str(acting)
    if acting is None:
        logged_in = request_user_id()  # the user loader's; current_user would re-enter the hooks
        user_id = "" if logged_in is None else str(logged_in)
    invite = invitation_token_hash() or ""
    return ("" if tenant_id is None else str(tenant_id), user_id, invite)


def sync_rls(session: Session) -> None:
    """Make the transaction's app.tenant_id / app.user_id match the current context. The values
    are transaction-local (set_config(..., true)): nothing is ever cleared by hand, and a pooled
    connection cannot carry one company's setting into another request. Called by the guard's
    do_orm_execute and before_flush hooks (guard.py)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    wanted = _rls_wanted()
    connection = session.connection()  # begins the transaction if needed
    if session.info.get(_RLS_KEY) == wanted:
        return
    connection.execute(_SET_RLS, {"tenant": wanted[0], "user": wanted[1], "invite": wanted[2]})
    session.info[_RLS_KEY] = wanted


@event.listens_for(Session, "after_begin")
def _fresh_transaction(session: Session, transaction, connection) -> None:
    # A new database transaction starts with none of the settings (the app only ever sets
    # them transaction-locally): a request with nothing to set yet (loading the logged-in
    # user, /healthz) sends no set_config at all, one round trip less on every request
    if not transaction.nested:
        session.info[_RLS_KEY] = _NOTHING_SET


@event.listens_for(Session, "after_transaction_end")
def _forget_rls(session: Session, transaction) -> None:
    # the settings die with the transaction (and roll back with a savepoint): set them again
    session.info.pop(_RLS_KEY, None)
