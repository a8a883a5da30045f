"""SQLite: a trigram index for the customer search

A search term of 3 characters or more ("1612345", "müller", "nordlicht") is looked up in an
FTS5 trigram index instead of scanning every customer's search text (100,000 customers: a scan
is 45-60 ms). rowid = customer id; triggers on customer_search keep it, so the ORM hooks and
bulk rebuilds need no change. Shorter terms (a 2-character Chinese word) still scan: they have
no trigram. The DDL lives with the model (webapp/models/search.py) because create_all makes
the same objects for the tests.

PostgreSQL gets nothing here: under row-level security its planner may not use an index for
LIKE/strpos (not LEAKPROOF), see docs/architecture.md.

A later migration that rebuilds customer_search in batch mode drops these triggers with the
old table and must create them again (tests/test_migrations.py checks they exist at head).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 18:10:00

"""
from alembic import op

from webapp.models.search import create_trigram_index, drop_trigram_index


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    create_trigram_index(op.get_bind())  # SQLite with FTS5 only; elsewhere a no-op


def downgrade():
    drop_trigram_index(op.get_bind())
