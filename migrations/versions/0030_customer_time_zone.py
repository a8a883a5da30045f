"""customer time zone picked on the card

Where a customer's country spans several zones and its address names no state or city we know,
the card lets the user pick the zone (services/localinfo.customer_zone); NULL keeps deriving it.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 22:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
