""" "My day": what a member (or a manager's colleague, or the whole team) should do today."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Row,
    ScalarSelect,
    and_,
    case,
    func,
    or_,
    select,
    tuple_,
)

from ..extensions import db
from ..models import Contact, Customer, CustomerTally, Membership, User
from .localinfo import upcoming_holidays
from .tally import total

T = TypeVar("T")

FIRST = 10  # rows a section of my day shows at first
MORE = 25  # rows each "show more" adds
COUNT_CAP = 100  # a section's badge counts this far, then says "100+"


@dataclass
class Chunk(Generic[T]):
    """Some rows of a section of my day, and where the next rows start (None: no more)."""

    rows: list[T]
    after: str | None


def _live(stmt, owner_ids: list[int] | None):
    """Live customers of these members (None: of the whole team)."""
    stmt = stmt.where(Customer.archived_at.is_(None))
    if owner_ids is None:
        return stmt
    return stmt.where(Customer.owner_id.in_(owner_ids))


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


def _due_where(stmt, owner_ids: list[int] | None, today: date):
    return _live(stmt, owner_ids).where(Customer.next_followup_on <= today)


def _after(day_column, day: date, customer_id: int):
    """Keyset: the rows after (day, customer_id) in the order (day_column, Customer.id)."""
    return tuple_(day_column, Customer.id) > tuple_(day, customer_id)


# What a row of my day shows of a customer, read as plain rows: whole customers (44 columns)
# with their owner and the owner's user joined in cost ~0.25 ms a list more to load, and the
# owner's name shows only on a manager's view of a colleague or the team (member_names).
ROW_COLUMNS = (
    Customer.id,
    Customer.name,
    Customer.grade,
    Customer.next_followup_on,
    Customer.last_followup_on,
    Customer.owner_id,
)


def due(
    owner_ids: list[int] | None, today: date, limit: int = FIRST, after: str | None = None
) -> Chunk[Row]:
    """Customers whose next follow-up (预约日程) is today or overdue, most overdue first.
    `after` is the cursor a previous chunk gave: keyset, read from the index of migration
    0016 in its own order however far one pages."""
    stmt = _due_where(select(*ROW_COLUMNS), owner_ids, today)
    fields = _parse_cursor(after, 2)
    if fields and (day := _day(fields[0])):
        stmt = stmt.where(_after(Customer.next_followup_on, day, int(fields[1])))
    stmt = stmt.order_by(Customer.next_followup_on, Customer.id).limit(limit + 1)
    rows = list(db.session.execute(stmt))
    return _chunk(rows, limit, lambda c: f"{c.next_followup_on.isoformat()}_{c.id}")


def _stale_wheres(stmt, owner_ids: list[int] | None, rules: dict[str, int], today, zone):
    """(never followed up and created before the grade's cutoff, followed up before it), for
    the grades with a rule."""
    never, since = [], []
    for grade, days in rules.items():
        cutoff = today - timedelta(days=days)
        # the company's midnight, as UTC: SQLite keeps timestamps as naive UTC text
        created = datetime.combine(cutoff, time.min, tzinfo=zone).astimezone(UTC)
        never.append(and_(Customer.grade == grade, Customer.created_at < created))
        since.append(and_(Customer.grade == grade, Customer.last_followup_on < cutoff))
    base = _live(stmt, owner_ids)
    return (
        base.where(Customer.last_followup_on.is_(None), or_(*never)),
        base.where(Customer.last_followup_on.is_not(None), or_(*since)),
    )


def stale(
    owner_ids: list[int] | None,
    today: date,
    rules: dict[str, int],
    zone: ZoneInfo = ZoneInfo("UTC"),
    limit: int = FIRST,
    after: str | None = None,
) -> Chunk[Row]:
    """Customers with no follow-up for longer than their grade allows (never followed up:
    counted from the day, in the company's zone, the card was created). Ungraded customers
    are not judged. The never-followed come first (cursor "n_<id>"), then the rest by last
    follow-up ("s_<date>_<id>")."""
    if not rules:
        return Chunk([], None)
    # Two walks of the partial index (tenant_id, owner_id, last_followup_on, id) of live
    # customers (migration 0016), each stopping at the limit. One "ORDER BY last_followup_on
    # NULLS FIRST" is an order no ascending index gives PostgreSQL (its NULLs come last): it
    # read and sorted all 5,000.
    never, since = _stale_wheres(select(*ROW_COLUMNS), owner_ids, rules, today, zone)
    found: list[Row] = []
    fields = _parse_cursor(after, 3)
    day = _day(fields[1]) if fields and fields[0] == "s" else None
    if day:  # the never-followed are all shown: on by last follow-up
        since = since.where(_after(Customer.last_followup_on, day, int(fields[2])))
    else:
        fields = _parse_cursor(after, 2)
        if fields and fields[0] == "n":
            never = never.where(Customer.id > int(fields[1]))
        found = list(db.session.execute(never.order_by(Customer.id).limit(limit + 1)))
    if len(found) <= limit:
        since = since.order_by(Customer.last_followup_on, Customer.id)
        found += db.session.execute(since.limit(limit + 1 - len(found)))

    def cursor(c: Row) -> str:
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
        limited = stmt.limit(cap).subquery()
        return select(func.count()).select_from(limited).scalar_subquery()

    parts = [upto(_due_where(select(Customer.id), owner_ids, today))]
    if rules:
        stale_parts = _stale_wheres(select(Customer.id), owner_ids, rules, today, zone)
        parts += [upto(part) for part in stale_parts]
    found = db.session.execute(select(*parts)).one()
    return {"due": found[0], "stale": min(cap, sum(found[1:]))}


@dataclass
class Birthday:
    day: date
    name: str  # the contact's
    customer_id: int
    customer_name: str


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
    upcoming = _birthdays_in(today, days)
    # Which contacts, from indexes alone: the days' contacts in (tenant_id, birthday_md,
    # customer_id, id, name) matched with one's customers in the owner index (or, for the team,
    # the (tenant_id, id, owner_id, archived_at) index), ordered and cut to the page there; then
    # only those rows by key. Reading from one's customers probed the contacts of all 5,000 of
    # them (6-8 ms on SQLite); one join of whole rows made PostgreSQL read both tables' rows
    # (15 ms); and without the cut in the subquery PostgreSQL semi-joined all 300,000 contacts
    # for the team's page (56 ms).
    # The window's order in SQL: month*100+day minus today's, modulo 1300, runs from 0 up
    # through the year's end into January.
    # _birthdays_in put 29 February on the 28th: a common year's 28th is in the window
    common_year_feb28 = (2, 29) in upcoming and upcoming[(2, 29)].day == 28
    offset = int(after) if after and after.isdigit() else 0
    md = Contact.birthday_md
    if common_year_feb28:
        md = case((md == 229, 228), else_=md)
    soonest = (md - (today.month * 100 + today.day) + 1300) % 1300
    order = (soonest, Contact.name, Contact.id)
    # The window's first days first: every birthday in them comes before any later one, so
    # when they hold the page (and one more) it is the whole window's page. One salesperson's
    # first page is usually in the first four days: a quarter of the index entries to match
    # with customers (each a lookup: SQLite 0.9 ms for the fortnight's 2,200 at 100,000
    # customers); otherwise the whole window is read as well.
    for span in (BIRTHDAY_FIRST_DAYS, days) if days > BIRTHDAY_FIRST_DAYS else (days,):
        born = sorted(m * 100 + d for m, d in _birthdays_in(today, span))
        page = (
            _live(select(Contact.id).join(Contact.customer), owner_ids)
            .where(Contact.birthday_md.in_(born))
            .order_by(*order)
            .offset(offset)
            .limit(limit + 1)
            .correlate(None)  # its own contact table, never the outer statement's
        )
        stmt = (
            select(Contact.birthday, Contact.name, Customer.id, Customer.name)
            .join(Contact.customer)
            .where(Contact.id.in_(page))
            .order_by(*order)
        )
        rows = db.session.execute(stmt).all()
        if len(rows) > limit:
            break
    found = [
        Birthday(upcoming[(born.month, born.day)], name, customer_id, customer_name)
        for born, name, customer_id, customer_name in rows
    ]
    return _chunk(found, limit, lambda _b: str(offset + limit))


BIRTHDAY_FIRST_DAYS = 4


def _birthdays_in(today: date, days: int) -> dict[tuple[int, int], date]:
    """(month, day) of each of the `days` days from today -> the date it falls on."""
    upcoming = {(d.month, d.day): d for d in (today + timedelta(days=i) for i in range(days))}
    # a 29 February birthday is celebrated on the 28th in common years
    feb28 = upcoming.get((2, 28))
    if feb28 and not calendar.isleap(feb28.year):
        upcoming[(2, 29)] = feb28
    return upcoming


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
    # the kept counts (models/tally.py): a few rows per member instead of every customer
    customers = total(CustomerTally.customers)
    stmt = (
        select(CustomerTally.country, customers)
        .where(CustomerTally.country != "")
        .group_by(CustomerTally.country)
        .having(customers > 0)
    )
    if owner_ids is not None:  # the whole team's: the pool's customers too, as in _live
        stmt = stmt.where(CustomerTally.owner_id.in_(owner_ids))
    per_country = dict(db.session.execute(stmt).all())
    found = [
        CountryHoliday(h.day, country, h.name, n)
        for country, n in per_country.items()
        for h in upcoming_holidays(country, locale, today, days)
    ]
    return sorted(found, key=lambda h: (h.day, -h.customers, h.country))


def member_names() -> dict[int, str]:
    """Every member's name by membership id, former members too (they may still own
    customers): what a manager's view of the team shows beside each row."""
    rows = db.session.execute(select(Membership.id, User.name).join(Membership.user))
    return dict(rows.all())  # (id, name) rows; a Result itself has keys(): not a mapping
