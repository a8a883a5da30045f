"""versions on the records whose forms had none: company settings, a member's roles, a plan's
customer row, a weekly report's line; the values a sign-off of an order confirmed

Every form that edits a record carries the record's version and answers 409 with a field-by-field
merge when someone else saved meanwhile (blueprints/formkit.py). These four records had no
version to carry. Existing rows start at 1. A sign-off now keeps the values it vouched for
(order_signoff.confirmed, JSON); existing sign-offs keep NULL and are outdated by field as before.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 22:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

TABLES = ('tenant', 'membership', 'call_plan_row', 'weekly_report_line')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), nullable=False, server_default='1')
            )
        # the default only filled the existing rows: the ORM numbers versions from here on
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('version', server_default=None)


    with op.batch_alter_table('order_signoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('order_signoff', schema=None) as batch_op:
        batch_op.drop_column('confirmed')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
