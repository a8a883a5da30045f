"""The kept customer counts (models/tally.py): reading them, checking and rebuilding them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, func, select, text

from ..extensions import db
from ..models import Customer, CustomerTally, Membership
from ..models.tally import POOL, fill_tally
from .visibility import sees_all


def visible_tally(membership: Membership | None) -> ColumnElement[bool]:
    """The tally rows of the customers `membership` may see (visibility.visible_clause's rule):
    all of them, or one's own and the pool's. No member sees none (fails closed)."""
    if membership is None:
        return CustomerTally.owner_id.is_(None)  # never true: the column is NOT NULL
    if sees_all(membership):
        return CustomerTally.owner_id.is_not(None)
    return CustomerTally.owner_id.in_([membership.id, POOL])


def total(column, where: ColumnElement[bool] | None = None) -> ColumnElement[int]:
    """SUM of kept counts (of the rows `where` picks), 0 where no row matches (SUM alone gives
    NULL)."""
    summed = func.sum(column) if where is None else func.sum(column).filter(where)
    return func.coalesce(summed, 0)


def counted_from_scratch() -> dict[tuple[int, str, str], int]:
    """The current company's live customers counted the slow way: what the tally must hold."""
    key = (
        func.coalesce(Customer.owner_id, POOL),
        func.coalesce(Customer.grade, ""),
        func.coalesce(Customer.country, ""),
    )
    stmt = select(*key, func.count()).where(Customer.archived_at.is_(None)).group_by(*key)
    return {(owner, grade, country): n for owner, grade, country, n in db.session.execute(stmt)}


def kept() -> dict[tuple[int, str, str], int]:
    """The current company's tally, rows counting no customer left out."""
    stmt = select(
        CustomerTally.owner_id, CustomerTally.grade, CustomerTally.country, CustomerTally.customers
    ).where(CustomerTally.customers != 0)
    return {(owner, grade, country): n for owner, grade, country, n in db.session.execute(stmt)}


def rebuild(tenant_id: int) -> bool:
    """Count the current company's customers again into its tally, in the caller's transaction.
    True when the kept counts were wrong. On PostgreSQL writers to `customer` wait for the
    commit (SHARE lock), so no customer written meanwhile is counted twice or lost; SQLite's
    one writer gives the same."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE customer IN SHARE MODE"))
    was_right = kept() == counted_from_scratch()
    db.session.execute(delete(CustomerTally))
    fill_tally(db.session.connection(), tenant_id)
    return not was_right
