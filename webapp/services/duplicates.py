"""Duplicate check (查重): does this company already exist in our customer list?

Matches inside the current company only (the tenant guard scopes every query): by normalized
company name, website host, business email domain, and phone number (E.164).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Contact, Customer, Membership
from ..normalize import email_domain, normalize_company_name, website_host
from .phones import line_number
from .visibility import can_see


@dataclass
class Match:
    customer: Customer
    reasons: list[str]  # codes: name, website, email, phone
    # may the person asking open it (services/visibility.py)? When not, screens show only
    # "owned by X" and the reasons, never the name or a link
    visible: bool = True

    @property
    def in_pool(self) -> bool:
        return self.customer.owner_id is None

    @property
    def owner_name(self) -> str | None:
        return self.customer.owner.user.name if self.customer.owner else None


def find_duplicates(
    *,
    name: str | None = None,
    website: str | None = None,
    emails: list[str | None] | None = None,
    phones: list[str | None] | None = None,
    exclude_id: int | None = None,
    limit: int = 10,
    viewer: Membership | None = None,
) -> list[Match]:
    """Customers of the current company that look like the one described. Every match is
    listed, whoever owns it (a duplicate is a duplicate); with `viewer`, `Match.visible` says
    whether that member may open it."""
    key = normalize_company_name(name)
    host = website_host(website)
    domains = sorted({d for d in map(email_domain, emails or []) if d})
    # the line, not the extension: two extensions of one switchboard are one company
    numbers = sorted({line_number(p) for p in phones or [] if p})

    conditions = []
    if key:
        conditions.append(Customer.name_key == key)
    if host:
        conditions.append(Customer.website_host == host)
    contact_conditions = [func.lower(Contact.email).like(f"%@{d}") for d in domains]
    if numbers:
        contact_conditions += [Contact.phone.in_(numbers), Contact.mobile.in_(numbers)]
        contact_conditions += [
            column.startswith(f"{n};")
            for n in numbers
            for column in (Contact.phone, Contact.mobile)
        ]
    if contact_conditions:
        conditions.append(
            Customer.id.in_(select(Contact.customer_id).where(or_(*contact_conditions)))
        )
    if not conditions:
        return []
    stmt = (
        select(Customer)
        .options(selectinload(Customer.contacts), joinedload(Customer.owner))
        .where(or_(*conditions))
        .order_by(Customer.id)
        .limit(limit)
    )
    if exclude_id is not None:
        stmt = stmt.where(Customer.id != exclude_id)

    matches = []
    for customer in db.session.scalars(stmt):
        reasons = []
        if key and customer.name_key == key:
            reasons.append("name")
        if host and customer.website_host == host:
            reasons.append("website")
        if any(email_domain(c.email) in domains for c in customer.contacts if c.email):
            reasons.append("email")
        if any(
            {line_number(c.phone), line_number(c.mobile)} & set(numbers) for c in customer.contacts
        ):
            reasons.append("phone")
        visible = True if viewer is None else can_see(viewer, customer)
        matches.append(Match(customer, reasons, visible))
    return matches
