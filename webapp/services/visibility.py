"""Who may see which customer: the one rule, used by every screen that shows customers.

The company chooses (`Tenant.customer_visibility`):

- ``"own"`` (the default): a member without the ``customers.view_all`` permission (in practice
  a salesperson) sees only the customers they own and those in the shared pool (公海, no owner).
- ``"all"``: everyone sees every customer.

Roles with ``customers.view_all`` (services/roles.py: owner, admin, manager, gm, plus finance
and merchandiser, who work on every salesperson's orders) always see all. A member holding
several roles sees all as soon as one role does.

`visible_clause` is the SQL form (a WHERE clause on Customer) for lists, counts, exports and
pickers; `can_see` is the Python form for one loaded customer (cards, PDFs, records hanging off
a customer). Views load a customer with blueprints/access.py's `visible_or_404`,
which answers 404 — the same as for a customer that does not exist — when this member may not
see it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true

from ..extensions import db
from ..models import Customer, Membership
from .roles import can

VISIBILITY_CHOICES = ("own", "all")


def sees_all(membership: Membership | None) -> bool:
    """True when this member sees every customer of the company."""
    if membership is None:
        return False
    if can(membership, "customers.view_all"):
        return True
    return getattr(membership.tenant, "customer_visibility", "own") == "all"


def visible_clause(membership: Membership | None) -> ColumnElement[bool]:
    """WHERE clause selecting the customers `membership` may see (the tenant guard adds the
    company). None (no member, e.g. CLI) sees nothing: callers outside a request pass none."""
    if membership is None:
        return Customer.id.is_(None)  # always false: fail closed
    if sees_all(membership):
        return true()
    return or_(Customer.owner_id == membership.id, Customer.owner_id.is_(None))


def visible_parts(membership: Membership | None) -> list[ColumnElement[bool]]:
    """`visible_clause` as disjoint parts whose results add up: a salesperson's own customers,
    then the pool's. Each part is one range of the (tenant_id, owner_id, …) indexes, where the
    OR made SQLite read the whole company's customers (grade counts: 6.9 ms at 100,000)."""
    if membership is None or sees_all(membership):
        return [visible_clause(membership)]
    return [Customer.owner_id == membership.id, Customer.owner_id.is_(None)]


def can_see(membership: Membership | None, customer: Customer | None) -> bool:
    if membership is None or customer is None:
        return False
    if sees_all(membership):
        return True
    return customer.owner_id is None or customer.owner_id == membership.id


def visible_by_customer(customer_id: ColumnElement, membership: Membership | None):
    """WHERE clause for records hanging off customers (orders, samples): their customer is one
    `membership` may see. For those who see every customer it is no condition at all: every
    record's customer is in the company (composite foreign keys), and "customer_id IN (all the
    company's customer ids)" made the database list 100,000 ids for each statement (a manager's
    orders list: 110 ms at 20,000 orders)."""
    if membership is not None and sees_all(membership):
        return true()
    return customer_id.in_(select(Customer.id).where(visible_clause(membership)))


def hidden_ids(membership: Membership | None, customer_ids) -> set[int]:
    """Which of these customer ids `membership` may not see (None ids are ignored): one query
    for the records of a page that name customers (report lines, an inquiry's samples)."""
    wanted = {cid for cid in customer_ids if cid is not None}
    if not wanted or (membership is not None and sees_all(membership)):
        return set()
    seen = db.session.scalars(
        select(Customer.id).where(Customer.id.in_(wanted), visible_clause(membership))
    )
    return wanted - set(seen)
