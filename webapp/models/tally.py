"""Customer counts kept as the customers are written, so pages never count every customer.

One row per (company, owner, grade, country) holds how many live (not archived) customers have
those values. My day's tiles, its holidays' countries and the customer list's per-grade counts
add up a few of these rows instead of reading every customer of the company (a manager's list
counted 100,000 index entries on each page view).

Database triggers on `customer` keep the rows, in the same transaction as the customer row
they count: every way of writing a customer (a form, an import, the pool sweep, a bulk Core
statement, a hand-written SQL fix) is counted the same. The ORM never writes this table.
`flask counts rebuild` (services/tally.py) recomputes it from the customers, should it ever
drift (a trigger dropped by hand, a restore of one table).

NULL owner, grade and country are kept as 0 and '': a unique key treats NULLs as all different,
which would give every pool customer a row of its own.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy.model import TenantScoped

POOL = 0  # owner_id of the pool's customers (no owner) in the tally


class CustomerTally(TenantScoped, db.Model):
    __tablename__ = "customer_tally"

    # the key: a company's rows are one range of it, a member's a range within that
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # POOL: nobody's
    grade: Mapped[str] = mapped_column(String(1), primary_key=True)  # '': no grade
    country: Mapped[str] = mapped_column(String(2), primary_key=True)  # '': no country
    customers: Mapped[int] = mapped_column(Integer, default=0)


# The key of a customer row in the tally, for OLD or NEW in a trigger.
def _key(row: str) -> str:
    return (
        f"{row}.tenant_id, coalesce({row}.owner_id, {POOL}), coalesce({row}.grade, ''), "
        f"coalesce({row}.country, '')"
    )


def _matches(row: str) -> str:
    return (
        f"tenant_id = {row}.tenant_id AND owner_id = coalesce({row}.owner_id, {POOL}) "
        f"AND grade = coalesce({row}.grade, '') AND country = coalesce({row}.country, '')"
    )


# A decrement only ever UPDATEs: the row exists since the customer was counted in. (An INSERT
# there would also break deleting a company: its customers go by cascade after the company row,
# and a new tally row would point at the company being deleted.)
_LEAVE = f"UPDATE customer_tally SET customers = customers - 1 WHERE {_matches('OLD')}"
_ENTER = (
    "INSERT INTO customer_tally (tenant_id, owner_id, grade, country, customers) "
    "SELECT {key}, 1 WHERE NEW.archived_at IS NULL "
    "ON CONFLICT (tenant_id, owner_id, grade, country) "
    "DO UPDATE SET customers = customer_tally.customers + 1"
).format(key=_key("NEW"))
# Only a change of what the tally is keyed by moves a customer: a follow-up updates the
# customer's dates many times a day and must not touch the tally.
_MOVED_SQLITE = (
    "OLD.owner_id IS NOT NEW.owner_id OR OLD.grade IS NOT NEW.grade "
    "OR OLD.country IS NOT NEW.country OR OLD.tenant_id <> NEW.tenant_id "
    "OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL)"
)
_WATCHED = "owner_id, grade, country, archived_at, tenant_id"

_SQLITE_DDL = (
    f"""CREATE TRIGGER IF NOT EXISTS customer_tally_insert AFTER INSERT ON customer
    WHEN NEW.archived_at IS NULL
    BEGIN {_ENTER}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS customer_tally_delete AFTER DELETE ON customer
    WHEN OLD.archived_at IS NULL
    BEGIN {_LEAVE}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS customer_tally_update AFTER UPDATE OF {_WATCHED}
    ON customer WHEN {_MOVED_SQLITE}
    BEGIN
        {_LEAVE} AND OLD.archived_at IS NULL;
        {_ENTER};
    END""",
)

_POSTGRES_DDL = (
    f"""CREATE OR REPLACE FUNCTION customer_tally_keep() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- a move locks its two rows in key order: two members moving customers the opposite
        -- ways at once would otherwise each hold one row and wait for the other's (deadlock)
        IF TG_OP = 'UPDATE' AND ROW({_key("NEW")}) < ROW({_key("OLD")}) THEN
            {_ENTER};
            IF OLD.archived_at IS NULL THEN
                {_LEAVE};
            END IF;
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' AND OLD.archived_at IS NULL THEN
            {_LEAVE};
        END IF;
        IF TG_OP <> 'DELETE' THEN
            {_ENTER};
        END IF;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS customer_tally_insert ON customer",
    "DROP TRIGGER IF EXISTS customer_tally_delete ON customer",
    "DROP TRIGGER IF EXISTS customer_tally_update ON customer",
    """CREATE TRIGGER customer_tally_insert AFTER INSERT ON customer
    FOR EACH ROW WHEN (NEW.archived_at IS NULL) EXECUTE FUNCTION customer_tally_keep()""",
    """CREATE TRIGGER customer_tally_delete AFTER DELETE ON customer
    FOR EACH ROW WHEN (OLD.archived_at IS NULL) EXECUTE FUNCTION customer_tally_keep()""",
    f"""CREATE TRIGGER customer_tally_update AFTER UPDATE OF {_WATCHED} ON customer
    FOR EACH ROW WHEN ({_MOVED_SQLITE.replace("IS NOT", "IS DISTINCT FROM")})
    EXECUTE FUNCTION customer_tally_keep()""",
)

# one company's live customers, counted by the tally's key (the rebuild, the migration's fill)
_FILL = (
    "INSERT INTO customer_tally (tenant_id, owner_id, grade, country, customers) "
    f"SELECT {_key('customer')}, count(*) FROM customer "
    "WHERE customer.tenant_id = :tenant AND customer.archived_at IS NULL GROUP BY 1, 2, 3, 4"
)


def fill_tally(connection: Connection, tenant_id: int) -> None:
    """Count one company's customers into an empty tally (its rows deleted first)."""
    connection.execute(text(_FILL), {"tenant": tenant_id})


def create_tally_triggers(connection: Connection) -> None:
    """The triggers that keep customer_tally (SQLite or PostgreSQL); idempotent."""
    statements = _POSTGRES_DDL if connection.dialect.name == "postgresql" else _SQLITE_DDL
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_tally_triggers(connection: Connection) -> None:
    for name in ("insert", "delete", "update"):
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS customer_tally_{name} ON customer")
        else:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS customer_tally_{name}")
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS customer_tally_keep()")


# create_all (tests, `flask db` aside) adds the triggers once every table exists: they name
# both customer and customer_tally
@event.listens_for(db.metadata, "after_create")
def _created(_metadata, connection: Connection, **_kw) -> None:
    create_tally_triggers(connection)
