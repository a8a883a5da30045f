"""customers' owner and archive date by id, in an index

Rows found through another table's index (my day's birthdays: the ~2,200 contacts born in the
next fortnight) then ask of their customer only "whose is it, and is it live?". SQLite read
each customer's whole row for that (3.8 ms a page for one salesperson); PostgreSQL, for the
team's view, scanned all customers into a hash (27 ms). With (tenant_id, id, owner_id,
archived_at) both answer from the index: 1.3 ms and 6 ms.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 14:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(
            'ix_customer_tenant_id_owner_archived',
            ['tenant_id', 'id', 'owner_id', 'archived_at'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_tenant_id_owner_archived')
