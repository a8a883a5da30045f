"""PostgreSQL row-level security on every tenant table

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:45:00

Enables and forces RLS with the tenant policy (webapp/rls.py) on every table that has a
tenant_id column. A later migration that adds a tenant table calls rls.enable() again; the
test suite fails while any tenant table lacks the policy. SQLite: nothing to do.
"""
from alembic import op
from sqlalchemy import text

from webapp.tenancy import rls

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        rls.enable(conn)


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table in rls.tenant_tables(conn):
        for name in [rls.TENANT_POLICY] + [p for p, _ in rls.EXTRA_POLICIES.get(table, [])]:
            conn.execute(text(f'DROP POLICY IF EXISTS {name} ON "{table}"'))
        conn.execute(text(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY'))
        conn.execute(text(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY'))
