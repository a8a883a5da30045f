"""my day of the whole team: due and stale in order from an index, as for one member

A manager's "whole team" view of my day lists the company's due and stale customers. The
partial indexes of migration 0016 lead with the owner, so without one the database read all
live customers and sorted them (SQLite: 150 ms for due, 200 ms for stale at 100,000). These two
give the same order for the whole company, each walk stopping after a page.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

LIVE = sa.text("archived_at IS NULL")


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(
            'ix_customer_tenant_next',
            ['tenant_id', 'next_followup_on', 'id'],
            unique=False,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )
        batch_op.create_index(
            'ix_customer_tenant_last',
            ['tenant_id', 'last_followup_on', 'id'],
            unique=False,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )


def downgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_tenant_last')
        batch_op.drop_index('ix_customer_tenant_next')
