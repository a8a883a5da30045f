"""Test data builders. Each commits in its own app context and returns plain values (ids),
so no test holds an app context while it makes requests (Flask would share it with them)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Contact, Customer, Membership, User
from webapp.services.passwords import hash_password
from webapp.services.signup import create_company
from webapp.tenancy import tenant_context

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Company:
    id: int
    slug: str
    name: str
    owner_id: int  # user id
    owner_email: str
    owner_membership_id: int


def make_company(app: Flask, slug: str, name: str | None = None, *, locale: str = "zh") -> Company:
    with app.app_context():
        tenant, user = create_company(
            company_name=name or f"{slug} Ltd",
            slug=slug,
            home_country="CN",
            default_locale=locale,
            owner_name=f"Owner {slug}",
            email=f"owner@{slug}.example.com",
            password=PASSWORD,
        )
        db.session.commit()
        with tenant_context(tenant.id):
            membership_id = db.session.scalar(
                select(Membership.id).where(Membership.user_id == user.id)
            )
        return Company(tenant.id, tenant.slug, tenant.name, user.id, user.email, membership_id)


def add_member(app: Flask, company: Company, email: str, roles: set[str], name: str = "") -> int:
    """Add a user (new or existing by email) to a company; returns the membership id."""

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email, name=name or email.split("@")[0], password_hash=hash_password(PASSWORD)
            )
            db.session.add(user)
        with tenant_context(company.id):
            membership = Membership(tenant_id=company.id, user=user)
            membership.set_roles(roles)
            db.session.add(membership)
            db.session.commit()
            return membership.id


def make_customer(app: Flask, company: Company, name: str = "Acme Trading GmbH", **fields) -> int:
    with app.app_context(), tenant_context(company.id):
        customer = Customer(name=name, owner_id=company.owner_membership_id, **fields)
        db.session.add(customer)
        db.session.commit()
        return customer.id


def make_contact(
    app: Flask, company: Company, customer_id: int, name: str = "Jonas Weber", **fields
) -> int:
    with app.app_context(), tenant_context(company.id):
        contact = Contact(customer_id=customer_id, name=name, **fields)
        db.session.add(contact)
        db.session.commit()
        return contact.id


def make_followup(
    app: Flask,
    company: Company,
    customer_id: int,
    topic: str = "Sent the quotation",
    *,
    on_date=None,
    method: str = "phone",
    author_membership_id: int | None = None,
    **fields,
) -> int:
    """A follow-up record through the service, so numbering and customer updates happen."""
    from datetime import date

    from webapp.models import FollowUp
    from webapp.services.followups import Links, save_followup

    member = author_membership_id or company.owner_membership_id
    with app.app_context(), tenant_context(company.id):
        customer = db.session.get(Customer, customer_id)
        record = FollowUp(
            method=method,
            topic=topic,
            on_date=on_date or date.today(),
            followed_by_id=member,
            author_id=member,
            **fields,
        )
        save_followup(customer, record, Links(contact_ids=[], colleague_ids=[]))
        db.session.commit()
        return record.id


def make_order(app: Flask, company: Company, customer_id: int, contract_no: str = "SC-001",
               **fields) -> int:  # fmt: skip
    """An export order with the history row the UI would write."""
    from decimal import Decimal

    from webapp.models import ExportOrder, Membership
    from webapp.services import orders as rules

    with app.app_context(), tenant_context(company.id):
        order = ExportOrder(
            customer_id=customer_id,
            contract_no=contract_no,
            contract_amount=fields.pop("contract_amount", Decimal("10000.00")),
            currency=fields.pop("currency", "USD"),
            created_by_id=company.owner_membership_id,
            stage="draft",
            **fields,
        )
        db.session.add(order)
        db.session.flush()
        owner = db.session.get(Membership, company.owner_membership_id)
        rules.record(order, owner, "created", None, None, contract_no)
        db.session.commit()
        return order.id


def make_order_row(app: Flask, company: Company, order_id: int, kind: str, **fields) -> int:
    """A payment, claim or sign-off row of an order (kind: payment | claim | signoff)."""
    from datetime import date
    from decimal import Decimal

    from webapp.models import OrderClaim, OrderPayment, OrderSignoff

    with app.app_context(), tenant_context(company.id):
        if kind == "payment":
            row = OrderPayment(order_id=order_id, kind="deposit1", amount=Decimal("3000"),
                               currency="USD", paid_on=date(2026, 11, 20))  # fmt: skip
        elif kind == "claim":
            row = OrderClaim(order_id=order_id, party="Forwarder", reason="Late",
                             amount=Decimal("100"), currency="USD")  # fmt: skip
        else:
            row = OrderSignoff(order_id=order_id, kind="freight_confirmed", role="finance",
                               membership_id=company.owner_membership_id)  # fmt: skip
        for name, value in fields.items():
            setattr(row, name, value)
        db.session.add(row)
        db.session.commit()
        return row.id
