""" "My day": what a member (or a manager's colleague, or the whole team) should do today."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import Contact, Customer, Tenant
from .localinfo import upcoming_holidays

LIMIT = 50


def _mine(stmt, owner_ids: list[int] | None):
    """owner_ids None means the whole team."""
    stmt = stmt.where(Customer.archived_at.is_(None))
    return stmt if owner_ids is None else stmt.where(Customer.owner_id.in_(owner_ids))


def due(owner_ids: list[int] | None, today: date) -> list[Customer]:
    """Customers whose next follow-up (预约日程) is today or overdue, most overdue first."""
    stmt = _mine(select(Customer).options(joinedload(Customer.owner)), owner_ids).where(
        Customer.next_followup_on <= today
    )
    return list(
        db.session.scalars(stmt.order_by(Customer.next_followup_on, Customer.id).limit(LIMIT))
    )


def stale(
    owner_ids: list[int] | None,
    today: date,
    rules: dict[str, int],
    zone: ZoneInfo = ZoneInfo("UTC"),
) -> list[Customer]:
    """Customers with no follow-up for longer than their grade allows (never followed up:
    counted from the day, in the company's zone, the card was created). Ungraded customers
    are not judged."""
    never, since = [], []  # never followed up / followed up before the grade's cutoff
    for grade, days in rules.items():
        cutoff = today - timedelta(days=days)
        # the company's midnight, as UTC: SQLite keeps timestamps as naive UTC text
        created_cutoff = datetime.combine(cutoff, time.min, tzinfo=zone).astimezone(UTC)
        never.append(and_(Customer.grade == grade, Customer.created_at < created_cutoff))
        since.append(and_(Customer.grade == grade, Customer.last_followup_on < cutoff))
    if not never:
        return []
    base = _mine(select(Customer).options(joinedload(Customer.owner)), owner_ids)
    # The never-followed first, then by last follow-up: two walks of the partial index
    # (tenant_id, owner_id, last_followup_on, id) of live customers (migration 0016), each
    # stopping at LIMIT. One "ORDER BY last_followup_on NULLS FIRST" is an order no ascending
    # index gives PostgreSQL (its NULLs come last): it read and sorted all 5,000.
    found = list(
        db.session.scalars(
            base.where(Customer.last_followup_on.is_(None), or_(*never))
            .order_by(Customer.id)
            .limit(LIMIT)
        )
    )
    if len(found) < LIMIT:
        found += db.session.scalars(
            base.where(Customer.last_followup_on.is_not(None), or_(*since))
            .order_by(Customer.last_followup_on, Customer.id)
            .limit(LIMIT - len(found))
        )
    return found


@dataclass
class Birthday:
    day: date
    contact: Contact


def birthdays(owner_ids: list[int] | None, today: date, days: int = 14) -> list[Birthday]:
    """Contacts of these customers whose birthday falls in the next `days` days."""
    window = [today + timedelta(days=i) for i in range(days)]
    upcoming = {(d.month, d.day): d for d in window}
    # a 29 February birthday is celebrated on the 28th in common years
    feb28 = upcoming.get((2, 28))
    if feb28 and not calendar.isleap(feb28.year):
        upcoming[(2, 29)] = feb28
    # Which contacts first, from indexes alone: the days' contacts in (tenant_id, birthday_md,
    # customer_id, id) matched with one's customers in the owner index; then those few rows by
    # key. Reading from one's customers probed the contacts of all 5,000 of them (6-8 ms on
    # SQLite), and one join of whole rows made PostgreSQL read both tables' rows (15 ms).
    born = sorted(m * 100 + d for m, d in upcoming)
    ids = _mine(select(Contact.id).join(Contact.customer), owner_ids).where(
        Contact.birthday_md.in_(born)
    )
    stmt = (
        select(Contact)
        .join(Contact.customer)
        .options(contains_eager(Contact.customer))
        .where(Contact.id.in_(ids))
    )
    found = [
        Birthday(upcoming[(c.birthday.month, c.birthday.day)], c) for c in db.session.scalars(stmt)
    ]
    return sorted(found, key=lambda b: (b.day, b.contact.name))[:LIMIT]


@dataclass
class CountryHoliday:
    day: date
    country: str
    name: str
    customers: int


def holidays_ahead(
    owner_ids: list[int] | None, today: date, locale: str, days: int = 14
) -> list[CountryHoliday]:
    """Public holidays in the next `days` days in the countries these customers are in."""
    stmt = _mine(
        # count(*): an index-only scan on PostgreSQL (customers.grade_counts)
        select(Customer.country, func.count()).where(Customer.country.is_not(None)),
        owner_ids,
    )
    per_country = dict(db.session.execute(stmt.group_by(Customer.country)).all())
    found = [
        CountryHoliday(h.day, country, h.name, n)
        for country, n in per_country.items()
        for h in upcoming_holidays(country, locale, today, days)
    ]
    return sorted(found, key=lambda h: (h.day, -h.customers, h.country))


def tenant_rules(tenant: Tenant) -> dict[str, int]:
    return tenant.stale_days()
