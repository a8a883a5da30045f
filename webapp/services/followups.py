"""The follow-up log's rules: numbering (序号), what a new record changes on the customer, and
who may change a record. Plain functions over models; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload, raiseload, selectinload

from ..extensions import db
from ..models import (
    Customer,
    FollowUp,
    FollowUpColleague,
    FollowUpContact,
    Membership,
    Tenant,
)
from ..models.followup import VISIT_METHODS
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


def _of_customer(stmt, customer_id: int, method: str | None):
    """One customer's records, only those of `method` if given ("visit": either visit)."""
    stmt = stmt.where(FollowUp.customer_id == customer_id)
    if method == "visit":
        return stmt.where(FollowUp.method.in_(VISIT_METHODS))
    if method:
        return stmt.where(FollowUp.method == method)
    return stmt


def timeline(
    customer_id: int, method: str | None = None, limit: int | None = None
) -> list[FollowUp]:
    """Newest first, visits and other follow-ups together, with the people the timeline shows:
    who followed up (joined in), the contacts met and the colleagues who came along (one
    SELECT each, in their relationships' order). Nothing else loads lazily while rendering:
    the page's statements stay the same however many records it shows."""
    stmt = (
        _of_customer(select(FollowUp), customer_id, method)
        .options(
            # joined, not selectin: "id IN (…) AND tenant_id = ?" led SQLite through the
            # tenant's whole follow-up index (1M rows) via the joined-in tenant row
            joinedload(FollowUp.followed_by),
            selectinload(FollowUp.contacts),
            selectinload(FollowUp.colleagues),
            # what the timeline does not show is refused rather than loaded record by record;
            # named one by one: a wildcard would also reach the members loaded here, who may
            # be the logged-in one (its roles are read later)
            raiseload(FollowUp.customer, sql_only=True),
            raiseload(FollowUp.author, sql_only=True),
        )
        .order_by(FollowUp.seq.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def timeline_count(customer_id: int, method: str | None = None) -> int:
    stmt = _of_customer(select(func.count(FollowUp.id)), customer_id, method)
    return db.session.scalar(stmt)


def category_history(customer_id: int) -> list[tuple[date, str]]:
    """How the customer's category moved: (date, category) at each change, oldest first."""
    rows = db.session.execute(
        select(FollowUp.on_date, FollowUp.category)
        .where(FollowUp.customer_id == customer_id, FollowUp.category.is_not(None))
        .order_by(FollowUp.seq)
    )
    history: list[tuple[date, str]] = []
    for on_date, category in rows:
        if not history or history[-1][1] != category:
            history.append((on_date, category))
    return history
