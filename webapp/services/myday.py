""" "My day": what a member (or a manager's colleague, or the whole team) should do today."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, extract, func, or_, select
from sqlalchemy.orm import joinedload

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
    conditions = []
    for grade, days in rules.items():
        cutoff = today - timedelta(days=days)
        # the company's midnight, as UTC: SQLite keeps timestamps as naive UTC text
        created_cutoff = datetime.combine(cutoff, time.min, tzinfo=zone).astimezone(UTC)
        conditions.append(
            and_(
                Customer.grade == grade,
                or_(
                    Customer.last_followup_on < cutoff,
                    and_(Customer.last_followup_on.is_(None), Customer.created_at < created_cutoff),
                ),
            )
        )
    stmt = _mine(select(Customer).options(joinedload(Customer.owner)), owner_ids)
    stmt = stmt.where(or_(*conditions)).order_by(
        Customer.last_followup_on.asc().nulls_first(), Customer.id
    )
    return list(db.session.scalars(stmt.limit(LIMIT)))


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
    month, day = extract("month", Contact.birthday), extract("day", Contact.birthday)
    in_window = or_(*(and_(month == m, day == d) for m, d in upcoming))
    stmt = _mine(
        select(Contact).join(Contact.customer).options(joinedload(Contact.customer)), owner_ids
    ).where(Contact.birthday.is_not(None), in_window)
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
