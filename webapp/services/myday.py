""" "My day": what a member (or a manager's colleague, or the whole team) should do today."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    Row,
    ScalarSelect,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    tuple_,
)

from ..extensions import db
from ..models import Contact, Customer, Membership, Tenant, User
from ..tenancy.guard import scoped
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


# Due, stale and their counts run on every visit of my day, each a statement with a dozen
# conditions: building them cost more than SQLite took to answer them. So each shape (one's own
# or the whole team's; which grades have a stale rule; first chunk or "show more") is built
# once, scoped to the company ahead of time (tenancy.scoped), and only the values are bound.
def _live(stmt, team: bool):
    """Live customers of the members in :owners, or of the whole team."""
    stmt = stmt.where(Customer.archived_at.is_(None))
    if team:
        return stmt
    return stmt.where(Customer.owner_id.in_(bindparam("owners", expanding=True)))


def _owners(owner_ids: list[int] | None) -> dict:
    return {} if owner_ids is None else {"owners": owner_ids}


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


def _due_where(stmt, team: bool):
    return _live(stmt, team).where(Customer.next_followup_on <= bindparam("today"))


def _after(columns: tuple, types: tuple):
    """Keyset: the rows after the cursor's (values…) in the order of `columns`."""
    cursor = [bindparam(f"after_{i}", type_=t) for i, t in enumerate(types)]
    return tuple_(*columns) > tuple_(*cursor)


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


@cache
def _due_statement(team: bool, paged: bool):
    stmt = _due_where(select(*ROW_COLUMNS), team)
    if paged:
        stmt = stmt.where(_after((Customer.next_followup_on, Customer.id), (Date(), Integer())))
    order = (Customer.next_followup_on, Customer.id)
    return scoped(stmt.order_by(*order).limit(bindparam("limit")))


def due(
    owner_ids: list[int] | None, today: date, limit: int = FIRST, after: str | None = None
) -> Chunk[Row]:
    """Customers whose next follow-up (预约日程) is today or overdue, most overdue first.
    `after` is the cursor a previous chunk gave: keyset, read from the index of migration
    0016 in its own order however far one pages."""
    params = {**_owners(owner_ids), "today": today, "limit": limit + 1}
    fields = _parse_cursor(after, 2)
    paged = bool(fields and (day := _day(fields[0])))
    if paged:
        params |= {"after_0": day, "after_1": int(fields[1])}
    statement = _due_statement(owner_ids is None, paged)
    rows = list(db.session.execute(statement, params))
    return _chunk(rows, limit, lambda c: f"{c.next_followup_on.isoformat()}_{c.id}")


def _stale_conditions(grades: tuple[str, ...]):
    """(never followed up and created before the grade's cutoff, followed up before it), the
    cutoffs bound per grade (_stale_values)."""
    never = or_(
        *(
            and_(Customer.grade == grade, Customer.created_at < bindparam(f"created_{grade}"))
            for grade in grades
        )
    )
    since = or_(
        *(
            and_(Customer.grade == grade, Customer.last_followup_on < bindparam(f"last_{grade}"))
            for grade in grades
        )
    )
    return never, since


def _stale_values(rules: dict[str, int], today: date, zone: ZoneInfo) -> dict:
    values = {}
    for grade, days in rules.items():
        cutoff = today - timedelta(days=days)
        values[f"last_{grade}"] = cutoff
        # the company's midnight, as UTC: SQLite keeps timestamps as naive UTC text
        values[f"created_{grade}"] = datetime.combine(cutoff, time.min, tzinfo=zone).astimezone(UTC)
    return values


def _stale_wheres(stmt, team: bool, grades: tuple[str, ...]):
    never, since = _stale_conditions(grades)
    base = _live(stmt, team)
    return (
        base.where(Customer.last_followup_on.is_(None), never),
        base.where(Customer.last_followup_on.is_not(None), since),
    )


@cache
def _stale_statements(team: bool, grades: tuple[str, ...], paged_never: bool, paged_since: bool):
    # Two walks of the partial index (tenant_id, owner_id, last_followup_on, id) of live
    # customers (migration 0016), each stopping at the limit. One "ORDER BY last_followup_on
    # NULLS FIRST" is an order no ascending index gives PostgreSQL (its NULLs come last): it
    # read and sorted all 5,000.
    never, since = _stale_wheres(select(*ROW_COLUMNS), team, grades)
    if paged_never:
        never = never.where(Customer.id > bindparam("after_id", type_=Integer()))
    if paged_since:
        since = since.where(_after((Customer.last_followup_on, Customer.id), (Date(), Integer())))
    return (
        scoped(never.order_by(Customer.id).limit(bindparam("limit"))),
        scoped(since.order_by(Customer.last_followup_on, Customer.id).limit(bindparam("limit"))),
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
    params = {**_owners(owner_ids), **_stale_values(rules, today, zone)}
    found: list[Row] = []
    fields = _parse_cursor(after, 3)
    day = _day(fields[1]) if fields and fields[0] == "s" else None
    never_from = None
    if day:  # the never-followed are all shown: on by last follow-up
        params |= {"after_0": day, "after_1": int(fields[2])}
    else:
        fields = _parse_cursor(after, 2)
        if fields and fields[0] == "n":
            never_from = int(fields[1])
    never, since = _stale_statements(
        owner_ids is None, tuple(rules), never_from is not None, day is not None
    )
    if not day:
        found = list(
            db.session.execute(never, {**params, "after_id": never_from, "limit": limit + 1})
        )
    if len(found) <= limit:
        found += db.session.execute(since, {**params, "limit": limit + 1 - len(found)})

    def cursor(c: Row) -> str:
        if c.last_followup_on is None:
            return f"n_{c.id}"
        return f"s_{c.last_followup_on.isoformat()}_{c.id}"

    return _chunk(found, limit, cursor)


@cache
def _counts_statement(team: bool, grades: tuple[str, ...]):
    def upto(stmt) -> ScalarSelect:
        limited = stmt.limit(bindparam("cap"))
        return select(func.count()).select_from(limited.subquery()).scalar_subquery()

    parts = [upto(_due_where(select(Customer.id), team))]
    if grades:
        parts += [upto(part) for part in _stale_wheres(select(Customer.id), team, grades)]
    return scoped(select(*parts))


def counts(
    owner_ids: list[int] | None,
    today: date,
    rules: dict[str, int],
    zone: ZoneInfo = ZoneInfo("UTC"),
    cap: int = COUNT_CAP,
) -> dict[str, int]:
    """How many are due and how many going stale, each counted no further than `cap` (the
    badge then says "100+"): one statement, each count stopping in its index walk."""
    params = {**_owners(owner_ids), **_stale_values(rules, today, zone), "today": today}
    statement = _counts_statement(owner_ids is None, tuple(rules))
    found = db.session.execute(statement, {**params, "cap": cap}).one()
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
    params = {
        **_owners(owner_ids),
        "today_md": today.month * 100 + today.day,
        "offset": offset,
        "limit": limit + 1,
    }
    stmt = _birthday_statement(owner_ids is None, common_year_feb28)
    # The window's first days first: every birthday in them comes before any later one, so
    # when they hold the page (and one more) it is the whole window's page. One salesperson's
    # first page is usually in the first four days: a quarter of the index entries to match
    # with customers (each a lookup: SQLite 0.9 ms for the fortnight's 2,200 at 100,000
    # customers); otherwise the whole window is read as well.
    for span in (BIRTHDAY_FIRST_DAYS, days) if days > BIRTHDAY_FIRST_DAYS else (days,):
        born = sorted(m * 100 + d for m, d in _birthdays_in(today, span))
        rows = db.session.execute(stmt, {**params, "born": born}).all()
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


@cache
def _birthday_statement(team: bool, common_year_feb28: bool):
    md = Contact.birthday_md
    if common_year_feb28:
        md = case((md == 229, 228), else_=md)
    soonest = (md - bindparam("today_md", type_=Integer()) + 1300) % 1300
    order = (soonest, Contact.name, Contact.id)
    page = (
        _live(select(Contact.id).join(Contact.customer), team)
        .where(Contact.birthday_md.in_(bindparam("born", expanding=True)))
        .order_by(*order)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .correlate(None)  # its own contact table, never the outer statement's
    )
    return scoped(
        select(Contact.birthday, Contact.name, Customer.id, Customer.name)
        .join(Contact.customer)
        .where(Contact.id.in_(page))
        .order_by(*order)
    )


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
    statement = _countries_statement(owner_ids is None)
    per_country = dict(db.session.execute(statement, _owners(owner_ids)).all())
    found = [
        CountryHoliday(h.day, country, h.name, n)
        for country, n in per_country.items()
        for h in upcoming_holidays(country, locale, today, days)
    ]
    return sorted(found, key=lambda h: (h.day, -h.customers, h.country))


@cache
def _countries_statement(team: bool):
    """How many of these customers are in each country."""
    # count(*): an index-only scan on PostgreSQL (customers.grade_counts)
    stmt = select(Customer.country, func.count()).where(Customer.country.is_not(None))
    return scoped(_live(stmt, team).group_by(Customer.country))


def member_names() -> dict[int, str]:
    """Every member's name by membership id, former members too (they may still own
    customers): what a manager's view of the team shows beside each row."""
    rows = db.session.execute(select(Membership.id, User.name).join(Membership.user))
    return dict(rows.all())  # (id, name) rows; a Result itself has keys(): not a mapping


def tenant_rules(tenant: Tenant) -> dict[str, int]:
    return tenant.stale_days()
