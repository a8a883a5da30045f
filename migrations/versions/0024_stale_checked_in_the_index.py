"""my day's stale lists: the grade and creation time in the last-follow-up indexes

"Never followed up and created before the grade's cutoff" walked the live customers with no
follow-up in id order and read each one's row for its grade and creation time. A company that
imported 5,000 customers yesterday (none stale yet) had all 5,000 rows read on every my day of
the whole team (SQLite 91 ms) and of their owner. With grade and created_at in the index, the
walk never leaves it (1 ms). The order the lists read (last_followup_on, id) is unchanged.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 22:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

LIVE = sa.text('archived_at IS NULL')
INDEXES = {
    'ix_customer_tenant_owner_last': ['tenant_id', 'owner_id', 'last_followup_on', 'id'],
    'ix_customer_tenant_last': ['tenant_id', 'last_followup_on', 'id'],
}


def _rebuild(extra: list[str]) -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.drop_index(name, sqlite_where=LIVE, postgresql_where=LIVE)
            batch_op.create_index(
                name, columns + extra, unique=False, sqlite_where=LIVE, postgresql_where=LIVE
            )


def upgrade():
    _rebuild(['grade', 'created_at'])


def downgrade():
    _rebuild([])
