"""customer search: folded text with address, QQ and WeChat

The search rows (customer_search.text) were Python-lower()ed name, website and contacts'
names, emails and phones. They now hold the address and the contacts' QQ and WeChat ids too,
folded for case and accents (webapp.normalize.fold: "muller" finds "Müller"), so every existing
row is rewritten with the app's own rule (services/search.rebuild), one company at a time. No
column changes: the SQLite trigram index follows through its triggers.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 22:30:00

"""
import sqlalchemy as sa
from alembic import op

from webapp.services import search


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    for conn, tenant_id in _each_company():
        search.rebuild(conn, tenant_id)


def downgrade():
    # 0012's rule again: Python's lower() of the name, website and contacts' name, email, phones
    customer = sa.table("customer", sa.column("id"), sa.column("tenant_id"), sa.column("name"),
                        sa.column("website"))
    contact = sa.table("contact", sa.column("id"), sa.column("tenant_id"),
                       sa.column("customer_id"), sa.column("name"), sa.column("email"),
                       sa.column("phone"), sa.column("mobile"))
    rows = sa.table("customer_search", sa.column("tenant_id"), sa.column("customer_id"),
                    sa.column("text"))
    for conn, tenant_id in _each_company():
        fields = {}
        for cid, *values in conn.execute(
            sa.select(contact.c.customer_id, contact.c.name, contact.c.email, contact.c.phone,
                      contact.c.mobile)
            .where(contact.c.tenant_id == tenant_id).order_by(contact.c.customer_id, contact.c.id)
        ):
            fields.setdefault(cid, []).extend(values)
        for cid, name, website in conn.execute(
            sa.select(customer.c.id, customer.c.name, customer.c.website)
            .where(customer.c.tenant_id == tenant_id)
        ):
            text = "\n".join(f.lower() for f in [name, website, *fields.get(cid, [])] if f)
            conn.execute(sa.update(rows).where(rows.c.tenant_id == tenant_id,
                                               rows.c.customer_id == cid).values(text=text))


def _each_company():
    conn = op.get_bind()
    for tenant_id in conn.scalars(sa.text("SELECT id FROM tenant ORDER BY id")).all():
        if conn.dialect.name == "postgresql":
            # row-level security is FORCEd, so even the tables' owner sees one company at a time
            conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"),
                         {"t": str(tenant_id)})
        yield conn, tenant_id
