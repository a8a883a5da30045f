"""my day's birthdays: a member's contacts with a birthday found in the index

My day looks for birthdays among one member's customers: for 5,000 customers SQLite probed
(tenant_id, customer_id) and read each of their 15,000 contact rows to test the birthday,
17 ms per page even when no contact had one. With the birthday in the index the rows without
one are never read (5.6 ms). It replaces (tenant_id, customer_id), a prefix of it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index('ix_contact_tenant_customer_birthday', ['tenant_id', 'customer_id', 'birthday'], unique=False)
        batch_op.drop_index('ix_contact_tenant_customer')


def downgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index('ix_contact_tenant_customer', ['tenant_id', 'customer_id'], unique=False)
        batch_op.drop_index('ix_contact_tenant_customer_birthday')
