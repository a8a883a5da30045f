"""Customer queries and rules shared by the screens: search, listing, counts."""

from __future__ import annotations

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Contact, Customer, Membership


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def customer_query(
    *, q: str = "", grade: str = "", owner_id: int | None = None, archived: bool = False
) -> Select:
    """The customer list's SELECT: filters, search over company and contact fields, ordering."""
    stmt = select(Customer).options(selectinload(Customer.contacts), selectinload(Customer.owner))
    stmt = stmt.where(
        Customer.archived_at.is_not(None) if archived else Customer.archived_at.is_(None)
    )
    if grade:
        stmt = stmt.where(Customer.grade == grade)
    if owner_id:
        stmt = stmt.where(Customer.owner_id == owner_id)
    q = q.strip()
    if q:
        pattern = _like(q)
        contact_match = exists().where(
            Contact.tenant_id == Customer.tenant_id,
            Contact.customer_id == Customer.id,
            or_(
                Contact.name.ilike(pattern, escape="\\"),
                Contact.email.ilike(pattern, escape="\\"),
                Contact.mobile.ilike(pattern, escape="\\"),
                Contact.phone.ilike(pattern, escape="\\"),
            ),
        )
        stmt = stmt.where(
            or_(
                Customer.name.ilike(pattern, escape="\\"),
                Customer.website.ilike(pattern, escape="\\"),
                contact_match,
            )
        )
    return stmt.order_by(Customer.updated_at.desc(), Customer.id.desc())


def dashboard_counts(membership: Membership) -> dict[str, int]:
    active = Customer.archived_at.is_(None)
    row = db.session.execute(
        select(
            func.count(Customer.id),
            func.count(Customer.id).filter(Customer.owner_id == membership.id),
            func.count(Customer.id).filter(Customer.grade == "A"),
        ).where(active)
    ).one()
    contacts = db.session.scalar(
        select(func.count(Contact.id)).join(Contact.customer).where(active)
    )
    return {"customers": row[0], "mine": row[1], "grade_a": row[2], "contacts": contacts}


def recent_customers(limit: int = 8) -> list[Customer]:
    return list(db.session.scalars(customer_query().limit(limit)))


def team_choices(keep_id: int | None = None) -> list[tuple[int, str]]:
    """Active members as (membership id, name), for owner pickers.

    `keep_id` keeps a deactivated current owner selectable, so editing another field of the
    customer does not silently drop its owner.
    """
    from ..models import User

    rows = db.session.execute(
        select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(or_(Membership.active.is_(True), Membership.id == keep_id))
        .order_by(User.name)
    )
    return [(mid, name) for mid, name in rows]


def set_primary_contact(contact: Contact) -> None:
    """One primary contact per customer: marking one unmarks the others."""
    for other in contact.customer.contacts:
        other.is_primary = other is contact


def remove_contact(contact: Contact) -> None:
    """Delete a contact; when it was the primary one, the next contact becomes primary."""
    customer = contact.customer
    customer.contacts.remove(contact)  # delete-orphan cascade deletes the row
    if contact.is_primary and customer.contacts:
        set_primary_contact(customer.contacts[0])
