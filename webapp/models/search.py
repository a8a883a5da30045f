"""The customer search index: one row per customer with the text the list's search box looks in.

Kept by services/search.py whenever a customer or a contact is written (never typed, never
versioned: a contact edit must not bump the customer's version and make an open edit form 409).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, Text, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import tenant_fk


class CustomerSearch(TenantScoped, db.Model):
    __tablename__ = "customer_search"
    __table_args__ = (tenant_fk("customer_id", "customer", ondelete="CASCADE"),)

    # (tenant_id, customer_id) is the key: a company's rows are one range of it
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # folded (normalize.fold: case and accents, as the search term is), one field per line:
    # company name, website, address, then each contact's name, email, phone and mobile
    # (E.164), QQ and WeChat id (services/search.py CUSTOMER_FIELDS, CONTACT_FIELDS)
    text: Mapped[str] = mapped_column(Text, default="")


# SQLite only (migration 0014): an FTS5 trigram index of customer_search.text, rowid = customer
# id, kept by triggers on customer_search. Not a model: the ORM never reads it, the search does
# (services/search.py), and schema comparison leaves it and FTS5's shadow tables out.
TRIGRAM_TABLE = "customer_search_trigram"
_TRIGRAM_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TRIGRAM_TABLE} USING fts5(text, tokenize='trigram')",
    # delete first: an id freed by a deleted customer may come back, and FTS5 refuses a second
    # row with the same rowid
    f"""CREATE TRIGGER IF NOT EXISTS {TRIGRAM_TABLE}_insert AFTER INSERT ON customer_search
    BEGIN
        DELETE FROM {TRIGRAM_TABLE} WHERE rowid = new.customer_id;
        INSERT INTO {TRIGRAM_TABLE} (rowid, text) VALUES (new.customer_id, new.text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TRIGRAM_TABLE}_update AFTER UPDATE ON customer_search
    BEGIN
        DELETE FROM {TRIGRAM_TABLE} WHERE rowid = old.customer_id;
        INSERT INTO {TRIGRAM_TABLE} (rowid, text) VALUES (new.customer_id, new.text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TRIGRAM_TABLE}_delete AFTER DELETE ON customer_search
    BEGIN
        DELETE FROM {TRIGRAM_TABLE} WHERE rowid = old.customer_id;
    END""",
)


def has_fts5_trigram(connection: Connection) -> bool:
    """SQLite 3.34+ built with FTS5 (Python's own builds are)."""
    if connection.dialect.name != "sqlite":
        return False
    try:
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(t, tokenize='trigram')"
        )
        connection.exec_driver_sql("DROP TABLE temp.trigram_probe")
    except OperationalError:
        return False
    return True


def create_trigram_index(connection: Connection) -> bool:
    """Create the index and its triggers and fill it from customer_search; False where SQLite
    cannot (then the search scans)."""
    if not has_fts5_trigram(connection):
        return False
    for statement in _TRIGRAM_DDL:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(
        f"INSERT INTO {TRIGRAM_TABLE} (rowid, text) SELECT customer_id, text FROM customer_search"
    )
    return True


def drop_trigram_index(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    for suffix in ("insert", "update", "delete"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TRIGRAM_TABLE}_{suffix}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TRIGRAM_TABLE}")


# create_all / drop_all (tests, `flask db` aside) keep it with the table on SQLite
@event.listens_for(CustomerSearch.__table__, "after_create")
def _created(_table, connection: Connection, **_kw) -> None:
    create_trigram_index(connection)


@event.listens_for(CustomerSearch.__table__, "before_drop")
def _dropping(_table, connection: Connection, **_kw) -> None:
    drop_trigram_index(connection)


def is_schema_object(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic include_name: everything but the trigram index and its shadow tables."""
    return not (type_ == "table" and name and name.startswith(TRIGRAM_TABLE))
