""" "My day": what a member (or a manager's colleague, or the whole team) should do today."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ScalarSelect, and_, case, func, or_, select, tuple_
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import Contact, Customer, Tenant
from .localinfo import upcoming_holidays

T = TypeVar("T")

FIRST = 10  # rows a section of my day shows at first
MORE = 25  # rows each "show more" adds
COUNT_CAP = 100  # a section's badge counts this far, then says "100+"


@dataclass
class Chunk(Generic[T]):
    """Some rows of a section of my day, and where the next rows start (None: no more)."""

    rows: list[T]
    after: str | None


def _mine(stmt, owner_ids: list[int] | None):
    """owner_ids None means the whole team."""
    stmt = stmt.where(Customer.archived_at.is_(None))
    return stmt if owner_ids is None else stmt.where(Customer.owner_id.in_(owner_ids))


def _chunk(rows: list[T], limit: int, cursor) -> Chunk[T]:
    """rows were read with limit + 1: the extra one only says there is more."""
    if len(rows) > limit:
        return Chunk(rows[:limit], cursor(rows[limit - 1]))
    return Chunk(rows, None)


def _parse_cursor(after: str | None, parts: int) -> list[str] | None:
    """A cursor is "_"-joined fields, the last an id; anything else reads as the start."""
    fields = (after or "").split("_")
    if len(fields) != parts or not fields[-1].isdigit():
        return None
    return fields


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _due_query(owner_ids: list[int] | None, today: date):
    return _mine(select(Customer), owner_ids).where(Customer.next_followup_on <= today)


def due(
    owner_ids: list[int] | None, today: date, limit: int = FIRST, after: str | None = None
) -> Chunk[Customer]:
    """Customers whose next follow-up (预约日程) is today or overdue, most overdue first.
    `after` is the cursor a previous chunk gave: keyset, read from the index of migration
    0016 in its own order however far one pages."""
    stmt = _due_query(owner_ids, today).options(joinedload(Customer.owner))
    fields = _parse_cursor(after, 2)
    if fields and (day := _day(fields[0])):
        stmt = stmt.where(tuple_(Customer.next_followup_on, Customer.id) > (day, int(fields[1])))
    rows = list(
        db.session.scalars(stmt.order_by(Customer.next_followup_on, Customer.id).limit(limit + 1))
    )
    return _chunk(rows, limit, lambda c: f"{c.next_followup_on.isoformat()}_{c.id}")


def _stale_conditions(rules: dict[str, int], today: date, zone: ZoneInfo):
    """(never followed up and created before the grade's cutoff, followed up before it)."""
    never, since = [], []
    for grade, days in rules.items():
        cutoff = today - timedelta(days=days)
        # the company's midnight, as UTC: SQLite keeps timestamps as naive UTC text
        created_cutoff = datetime.combine(cutoff, time.min, tzinfo=zone).astimezone(UTC)
        never.append(and_(Customer.grade == grade, Customer.created_at < created_cutoff))
        since.append(and_(Customer.grade == grade, Customer.last_followup_on < cutoff))
    return or_(*never), or_(*since)


def _stale_queries(owner_ids, today, rules, zone, columns):
    never, since = _stale_conditions(rules, today, zone)
    base = _mine(select(*columns), owner_ids)
    return (
        base.where(Customer.last_followup_on.is_(None), never),
        base.where(Customer.last_followup_on.is_not(None), since),
    )


def stale(
    owner_ids: list[int] | None,
    today: date,
    rules: dict[str, int],
    zone: ZoneInfo = ZoneInfo("UTC"),
    limit: int = FIRST,
    after: str | None = None,
) -> Chunk[Customer]:
    """Customers with no follow-up for longer than their grade allows (never followed up:
    counted from the day, in the company's zone, the card was created). Ungraded customers
    are not judged. The never-followed come first (cursor "n_<id>"), then the rest by last
    follow-up ("s_<date>_<id>")."""
    if not rules:
        return Chunk([], None)
    never, since = _stale_queries(owner_ids, today, rules, zone, [Customer])
    never = never.options(joinedload(Customer.owner))
    since = since.options(joinedload(Customer.owner))
    # Two walks of the partial index (tenant_id, owner_id, last_followup_on, id) of live
    # customers (migration 0016), each stopping at the limit. One "ORDER BY last_followup_on
    # NULLS FIRST" is an order no ascending index gives PostgreSQL (its NULLs come last): it
    # read and sorted all 5,000.
    found: list[Customer] = []
    fields = _parse_cursor(after, 3)
    day = _day(fields[1]) if fields and fields[0] == "s" else None
    if day:  # the never-followed are all shown: on by last follow-up
        since = since.where(tuple_(Customer.last_followup_on, Customer.id) > (day, int(fields[2])))
    else:
        fields = _parse_cursor(after, 2)
        if fields and fields[0] == "n":
            never = never.where(Customer.id > int(fields[1]))
        found = list(db.session.scalars(never.order_by(Customer.id).limit(limit + 1)))
    if len(found) <= limit:
        found += db.session.scalars(
            since.order_by(Customer.last_followup_on, Customer.id).limit(limit + 1 - len(found))
        )

    def cursor(c: Customer) -> str:
        if c.last_followup_on is None:
            return f"n_{c.id}"
        return f"s_{c.last_followup_on.isoformat()}_{c.id}"

    return _chunk(found, limit, cursor)


def counts(
    owner_ids: list[int] | None,
    today: date,
    rules: dict[str, int],
    zone: ZoneInfo = ZoneInfo("UTC"),
    cap: int = COUNT_CAP,
) -> dict[str, int]:
    """How many are due and how many going stale, each counted no further than `cap` (the
    badge then says "100+"): one statement, each count stopping in its index walk."""

    def upto(stmt) -> ScalarSelect:
        return select(func.count()).select_from(stmt.limit(cap).subquery()).scalar_subquery()

    parts = [upto(_due_query(owner_ids, today).with_only_columns(Customer.id))]
    if rules:
        never, since = _stale_queries(owner_ids, today, rules, zone, [Customer.id])
        parts += [upto(never), upto(since)]
    found = db.session.execute(select(*parts)).one()
    return {"due": found[0], "stale": min(cap, sum(found[1:]))}


@dataclass
class Birthday:
    day: date
    contact: Contact


def birthdays(
    owner_ids: list[int] | None,
    today: date,
    days: int = 14,
    limit: int = FIRST,
    after: str | None = None,
) -> Chunk[Birthday]:
    """Contacts of these customers whose birthday falls in the next `days` days, soonest
    first, then by name. `after` counts the rows already shown (the window is short, so an
    offset stays small)."""
    window = [today + timedelta(days=i) for i in range(days)]
    upcoming = {(d.month, d.day): d for d in window}
    # a 29 February birthday is celebrated on the 28th in common years
    feb28 = upcoming.get((2, 28))
    if feb28 and not calendar.isleap(feb28.year):
        upcoming[(2, 29)] = feb28
    # Which contacts, from indexes alone: the days' contacts in (tenant_id, birthday_md,
    # customer_id, id, name) matched with one's customers in the owner index (or, for the team,
    # the (tenant_id, id, owner_id, archived_at) index), ordered and cut to the page there; then
    # only those rows by key. Reading from one's customers probed the contacts of all 5,000 of
    # them (6-8 ms on SQLite); one join of whole rows made PostgreSQL read both tables' rows
    # (15 ms); and without the cut in the subquery PostgreSQL semi-joined all 300,000 contacts
    # for the team's page (56 ms).
    # The window's order in SQL: month*100+day minus today's, modulo 1300, runs from 0 up
    # through the year's end into January.
    md = Contact.birthday_md
    if feb28 and not calendar.isleap(feb28.year):
        md = case((md == 229, 228), else_=md)
    soonest = (md - (today.month * 100 + today.day) + 1300) % 1300
    order = (soonest, Contact.name, Contact.id)
    offset = int(after) if after and after.isdigit() else 0
    born = sorted(m * 100 + d for m, d in upcoming)
    page = (
        _mine(select(Contact.id).join(Contact.customer), owner_ids)
        .where(Contact.birthday_md.in_(born))
        .order_by(*order)
        .offset(offset)
        .limit(limit + 1)
        .correlate(None)  # its own contact table, never the outer statement's
    )
    stmt = (
        select(Contact)
        .join(Contact.customer)
        .options(contains_eager(Contact.customer))
        .where(Contact.id.in_(page))
        .order_by(*order)
    )
    found = [
        Birthday(upcoming[(c.birthday.month, c.birthday.day)], c) for c in db.session.scalars(stmt)
    ]
    return _chunk(found, limit, lambda _b: str(offset + limit))


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
