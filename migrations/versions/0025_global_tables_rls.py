"""PostgreSQL row-level security on the global tables, and the lookup functions

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 22:30:00

user_account, tenant, password_reset_token and recovery_code get RLS with the policies of
rls.GLOBAL_POLICIES (the application role sees the current person and the current company's
members), and the SECURITY DEFINER functions of rls.LOOKUP_FUNCTIONS answer login, password
reset, invitation and signup lookups. The functions are owned by whoever runs the migration
(the tables' owner) and callable only by the application role: granted here when
DATABASE_APP_ROLE's role exists, else by `flask rls setup`. SQLite: nothing to do.
"""
import os

from alembic import op
from sqlalchemy import text

from webapp.tenancy import rls

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    rls.enable_global(conn)
    role = os.environ.get("DATABASE_APP_ROLE") or rls.APP_ROLE
    if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
        rls.grant_app_role(conn, role)


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        rls.disable_global(conn)
