"""customer counts kept by triggers: customer_tally

My day's tiles and holidays, and the customer list's per-grade counts, counted every customer
the member may see on each page view (a manager: 100,000 index entries, 20+ ms). customer_tally
keeps those counts per (company, owner, grade, country), updated by triggers on customer in the
same transaction as the customer row. The triggers' SQL lives with the model
(webapp/models/tally.py) because create_all makes the same objects for the tests; a later
migration that rebuilds `customer` in SQLite's batch mode drops them with the old table and must
create them again (tests/test_migrations.py checks they exist at head).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 22:30:00

"""

import sqlalchemy as sa
from alembic import op

from webapp.models.tally import create_tally_triggers, drop_tally_triggers, fill_tally
from webapp.tenancy import rls

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_tally",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_customer_tally_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "owner_id", "grade", "country", name=op.f("pk_customer_tally")
        ),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        rls.enable(bind)  # migration 0007's policy, as on every tenant table
    for tenant_id in bind.scalars(sa.text("SELECT id FROM tenant ORDER BY id")).all():
        if bind.dialect.name == "postgresql":
            # row-level security is FORCEd, so even the tables' owner sees one company at a time
            bind.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
            )
        fill_tally(bind, tenant_id)
    create_tally_triggers(bind)


def downgrade():
    drop_tally_triggers(op.get_bind())
    op.drop_table("customer_tally")
