"""my day's birthdays: the birthday's month and day kept as a number, in an index

My day shows the contacts whose birthday falls in the next 14 days. It read them from one's
customers: for a salesperson with 5,000 customers SQLite probed the contacts of each of them
(6-8 ms a page) and computed each birthday's month and day. With the month and day stored as
month * 100 + day beside the birthday, the days' contacts are a lookup of 14-15 values in
(tenant_id, birthday_md, customer_id, id), joined to one's customers in indexes alone, then
the few matching rows are read by key. Existing birthdays are filled in here; the model keeps
the number with the birthday from now on.

The index replaces (tenant_id, birthday), which only this query used.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 10:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birthday_md', sa.SmallInteger(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        month_day = "CAST(strftime('%m', birthday) AS INTEGER) * 100 + CAST(strftime('%d', birthday) AS INTEGER)"
        op.execute(f"UPDATE contact SET birthday_md = {month_day} WHERE birthday IS NOT NULL")
    else:
        # Row-level security is FORCEd on the table (rls.py), so the owner running this would
        # update no row: lift FORCE for this one statement, inside the migration's transaction
        forced = bind.scalar(
            sa.text("SELECT relforcerowsecurity FROM pg_class WHERE oid = 'contact'::regclass")
        )
        if forced:
            op.execute("ALTER TABLE contact NO FORCE ROW LEVEL SECURITY")
        op.execute(
            "UPDATE contact SET birthday_md = EXTRACT(MONTH FROM birthday) * 100"
            " + EXTRACT(DAY FROM birthday) WHERE birthday IS NOT NULL"
        )
        if forced:
            op.execute("ALTER TABLE contact FORCE ROW LEVEL SECURITY")
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_tenant_birthday')
        batch_op.create_index(
            'ix_contact_tenant_birthday_md', ['tenant_id', 'birthday_md', 'customer_id', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_tenant_birthday_md')
        batch_op.create_index('ix_contact_tenant_birthday', ['tenant_id', 'birthday'], unique=False)
        batch_op.drop_column('birthday_md')
