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

SQLite has no RLS: the ORM guard (guard.py) is its only (and PostgreSQL's first) layer.
Migration 0007 applies the same statements; tests compare the catalog with `expected_policies`.
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
