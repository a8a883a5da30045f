"""What the paper forms print beyond the records themselves: totals the paper asks for and
the selections of customers the table forms list. Plain functions, no request."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import func, select

from ..extensions import db
from ..models import Customer, ExportOrder, FollowUp
from .countries import country_name, parse_country
from .customers import CustomerFilters, customer_query
from .localinfo import upcoming_holidays
from .reports import CHARGE_LABELS


def claims_total(order: ExportOrder) -> dict[str, Decimal]:
    """赔(扣)款总金额: the order's claims and deductions summed per currency (claims in two
    currencies are two totals: they cannot be added without a rate nobody agreed on)."""
    totals: dict[str, Decimal] = {}
    for claim in order.claims:
        totals[claim.currency] = totals.get(claim.currency, Decimal("0")) + claim.amount
    return totals


# a printed selection is bounded: a longer one is a request to narrow the filters, not a book
PRINT_CUSTOMERS_MAX = 500
LOG_ROUNDS = 7  # 国外客户跟踪表: 第一次 … 第七次
GRADE_ORDER = ("A", "B", "C", "D", "")


def selected_customers(filters: CustomerFilters) -> list[Customer]:
    """The customers the list's filters select (its order, its visibility), contacts loaded,
    at most PRINT_CUSTOMERS_MAX of them."""
    stmt = customer_query(filters).limit(PRINT_CUSTOMERS_MAX)
    return list(db.session.scalars(stmt).unique())


def newest_followups(customer_ids: list[int], per_customer: int = LOG_ROUNDS) -> dict:
    """The newest `per_customer` follow-ups of each customer, newest first, in one query (a
    window over each customer's records): the running log of 国外客户跟踪表."""
    found: dict[int, list[FollowUp]] = {customer_id: [] for customer_id in customer_ids}
    if not customer_ids:
        return found
    rank = (
        func.row_number()
        .over(
            partition_by=FollowUp.customer_id,
            order_by=(FollowUp.on_date.desc(), FollowUp.seq.desc()),
        )
        .label("rank")
    )
    ranked = select(FollowUp.id, rank).where(FollowUp.customer_id.in_(customer_ids)).subquery()
    stmt = (
        select(FollowUp)
        .join(ranked, ranked.c.id == FollowUp.id)
        .where(ranked.c.rank <= per_customer)
        .order_by(FollowUp.customer_id, ranked.c.rank)
    )
    for record in db.session.scalars(stmt):
        found[record.customer_id].append(record)
    return found


def by_grade(customers: list[Customer]) -> dict[str, list[Customer]]:
    """客户分级: the customers under their grade A, B, C, D, then those without one."""
    book: dict[str, list[Customer]] = {grade: [] for grade in GRADE_ORDER}
    for customer in customers:
        book[customer.grade if customer.grade in book else ""].append(customer)
    return book


def main_holidays(country: str | None, locale: str, start: date, shown: int = 4) -> list[str]:
    """当地主要节日: the names of the country's next public holidays within a year (derived,
    never typed), each name once."""
    names: list[str] = []
    for holiday in upcoming_holidays(country, locale, start, days=366):
        if holiday.name not in names:
            names.append(holiday.name)
        if len(names) == shown:
            break
    return names


def first_contacts(customers: list[Customer]) -> dict[int, object]:
    """Each customer's first contact (the primary one, else the oldest), from the contacts
    the selection loaded."""
    return {c.id: c.contacts[0] for c in customers if c.contacts}


def line_in_language(column: str, value: str | None) -> str | None:
    """A weekly report line's country or charge in the current language. Pre-filled lines
    store them as text in the language of whoever opened the report (德国 / 免费), typed ones
    in whatever the person typed; a country or charge recognised in either language prints in
    the form's language, anything else as written."""
    if not value:
        return value
    if column == "country":
        try:
            code = parse_country(value)
        except ValueError:
            return value
        return country_name(code) if code else value
    if column == "terms":
        for label in CHARGE_LABELS.values():
            for locale in ("zh", "en"):
                with force_locale(locale):
                    written = str(label)
                if value == written or value.startswith(written + " "):
                    return str(label) + value[len(written) :]
    return value
