"""The follow-up log's rules: numbering (序号), what a new record changes on the customer, and
who may change a record. Plain functions over models; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..loading import fill_collection, through_link
from ..models import (
    Contact,
    Customer,
    FollowUp,
    FollowUpColleague,
    FollowUpContact,
    Membership,
    Tenant,
)
from ..models.followup import VISIT_METHODS
from ..tenancy.guard import scoped
from .localinfo import main_zone
from .roles import can

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


def company_zone(tenant: Tenant) -> ZoneInfo:
    """The company's time zone: the main zone of its home country."""
    return main_zone(tenant.home_country) or DEFAULT_ZONE


def company_today(tenant: Tenant, now: datetime | None = None) -> date:
    """Today in the company's time zone: "due today" turns over at the company's midnight,
    not the server's."""
    return (now or datetime.now(ZoneInfo("UTC"))).astimezone(company_zone(tenant)).date()


def lock_customer(customer_id: int) -> Customer:
    """Serialize writers of one customer's log: PostgreSQL row lock (SQLite: the write
    transaction already holds the database's single write lock, BEGIN IMMEDIATE).

    The row is read again once the lock is held (populate_existing): a writer that waited must
    see the customer as the other one committed it, or its update would hit a stale version.
    """
    return db.session.scalars(
        select(Customer)
        .where(Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def log_order(record: FollowUp) -> tuple:
    """Where a record stands in its customer's log: by date, then by entry. The entry moment
    as naive UTC: a record just written holds the aware value it was given, one read back from
    SQLite a naive one."""
    entered = record.created_at
    if entered.tzinfo is not None:
        entered = entered.astimezone(UTC).replace(tzinfo=None)
    return (record.on_date, entered, record.id)


def renumber(customer_id: int) -> list[FollowUp]:
    """The numbering rule (序号), for manual entry and import alike: the customer's records
    1..n in log order (gap-free), touching only what moved; returns them in that order.

    Sorted in Python, not by ORDER BY: SQLite answers ORDER BY on_date through the (tenant,
    on_date) index, scanning every record of the company once per customer, which an import
    renumbering thousands of customers cannot afford. Two passes keep UNIQUE (tenant,
    customer, seq) true at every statement: first every moved record gets a distinct negative
    number, then its final one.
    """
    records = sorted(
        db.session.scalars(select(FollowUp).where(FollowUp.customer_id == customer_id)),
        key=log_order,
    )
    moved = [(r, i) for i, r in enumerate(records, start=1) if r.seq != i]
    if moved:
        for record, i in moved:
            record.seq = -i
        db.session.flush()
        for record, i in moved:
            record.seq = i
        db.session.flush()
    return records


def refresh_customer(customer: Customer, records: list[FollowUp]) -> None:
    """The newest record decides the customer's current category, last follow-up date and next
    appointment (预约日程); older appointments are superseded by the newer record."""
    if not records:
        customer.last_followup_on = None
        customer.next_followup_on = None
        return
    newest = records[-1]
    # the category in force: the newest record that states one
    categorized = [r.category for r in records if r.category]
    if categorized:
        customer.category = categorized[-1]
    customer.last_followup_on = newest.on_date
    customer.next_followup_on = newest.next_date


@dataclass
class Links:
    contact_ids: list[int]
    colleague_ids: list[int]


def set_links(record: FollowUp, links: Links) -> None:
    """Replace the contacts involved and the colleagues who came along."""
    db.session.execute(delete(FollowUpContact).where(FollowUpContact.followup_id == record.id))
    db.session.execute(delete(FollowUpColleague).where(FollowUpColleague.followup_id == record.id))
    db.session.add_all(
        FollowUpContact(followup_id=record.id, contact_id=cid)
        for cid in sorted(set(links.contact_ids))
    )
    colleagues = set(links.colleague_ids) if record.is_visit else set()
    db.session.add_all(
        FollowUpColleague(followup_id=record.id, membership_id=mid) for mid in sorted(colleagues)
    )
    db.session.flush()
    db.session.expire(record, ["contacts", "colleagues"])


def save_followup(customer: Customer, record: FollowUp, links: Links) -> FollowUp:
    """Add or update a record, keep numbers gap-free in date order, update the customer."""
    lock_customer(customer.id)
    if record.id is None:
        record.customer_id = customer.id
        record.seq = 0  # placeholder: never a real number, renumbered below
        db.session.add(record)
    db.session.flush()
    set_links(record, links)
    refresh_customer(customer, renumber(customer.id))
    return record


def delete_followup(record: FollowUp) -> None:
    customer = record.customer
    lock_customer(customer.id)
    db.session.delete(record)
    db.session.flush()
    refresh_customer(customer, renumber(customer.id))


def can_change(membership: Membership, record: FollowUp) -> bool:
    """The author, and whoever may change colleagues' records (roles.PERMISSIONS)."""
    return record.author_id == membership.id or can(membership, "followups.edit_others")


TIMELINE_FIRST = 20  # the card shows the newest ones; "show older" brings the rest


def _method_kind(method: str | None) -> str:
    """Which shape of method filter: "" none, "visit" either visit, "one" that method."""
    return "visit" if method == "visit" else ("one" if method else "")


def _of_customer(stmt, kind: str):
    """One customer's records (:customer_id), filtered by method as `kind` says (:method)."""
    stmt = stmt.where(FollowUp.customer_id == bindparam("customer_id"))
    if kind == "visit":
        return stmt.where(FollowUp.method.in_(VISIT_METHODS))
    if kind == "one":
        return stmt.where(FollowUp.method == bindparam("method"))
    return stmt


def timeline(
    customer_id: int, method: str | None = None, limit: int | None = None
) -> list[FollowUp]:
    """Newest first, visits and other follow-ups together; the people preloaded: who followed
    up (joined in), the contacts met and the colleagues who came along (one prebuilt statement
    each, loading.py)."""
    params = {"customer_id": customer_id, "method": method, "limit": limit}
    statement = _timeline_statement(_method_kind(method), limit is not None)
    records = list(db.session.scalars(statement, params))
    fill_collection(records, "contacts", _TIMELINE_CONTACTS)
    fill_collection(records, "colleagues", _TIMELINE_COLLEAGUES)
    return records


@cache
def _timeline_statement(kind: str, limited: bool):
    """The timeline's statement for one kind of filter ("" all, "visit", "one" method), built
    once (tenancy.scoped): the values are bound at each call."""
    stmt = _of_customer(select(FollowUp), kind)
    # joined, not selectin: "id IN (…) AND tenant_id = ?" led SQLite through the tenant's whole
    # follow-up index (1M rows) via the joined-in tenant row
    stmt = stmt.options(joinedload(FollowUp.followed_by)).order_by(FollowUp.seq.desc())
    return scoped(stmt.limit(bindparam("limit")) if limited else stmt)


# FollowUp.contacts and .colleagues for a page of records, in the relationships' order
_TIMELINE_CONTACTS = through_link(
    FollowUpContact.followup_id, FollowUpContact.contact_id, Contact, Contact.id
)
_TIMELINE_COLLEAGUES = through_link(
    FollowUpColleague.followup_id,
    FollowUpColleague.membership_id,
    Membership,
    FollowUpColleague.id,
)


def timeline_count(customer_id: int, method: str | None = None) -> int:
    statement = _count_statement(_method_kind(method))
    return db.session.scalar(statement, {"customer_id": customer_id, "method": method})


@cache
def _count_statement(kind: str):
    return scoped(_of_customer(select(func.count(FollowUp.id)), kind))


_CATEGORY_HISTORY = scoped(
    select(FollowUp.on_date, FollowUp.category)
    .where(FollowUp.customer_id == bindparam("customer_id"), FollowUp.category.is_not(None))
    .order_by(FollowUp.seq)
)


def category_history(customer_id: int) -> list[tuple[date, str]]:
    """How the customer's category moved: (date, category) at each change, oldest first."""
    rows = db.session.execute(_CATEGORY_HISTORY, {"customer_id": customer_id})
    history: list[tuple[date, str]] = []
    for on_date, category in rows:
        if not history or history[-1][1] != category:
            history.append((on_date, category))
    return history
