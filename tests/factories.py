"""Test data builders. Each commits in its own app context and returns plain values (ids),
so no test holds an app context while it makes requests (Flask would share it with them)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Contact, Customer, Membership, User
from webapp.services import lookups
from webapp.services.passwords import hash_password
from webapp.services.signup import create_company
from webapp.tenancy.context import tenant_context

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Company:
    id: int
    slug: str
    name: str
    owner_id: int  # user id
    owner_email: str
    owner_membership_id: int


def company_today(app: Flask, company: Company):
    """Today where the company is (its home country's zone), which is what the app calls today:
    between 16:00 and 24:00 UTC a Chinese company is already on the next day."""
    from webapp.models import Tenant
    from webapp.services.followups import company_today as today_of

    with app.app_context(), tenant_context(company.id):
        return today_of(db.session.get(Tenant, company.id))


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
        company_id = tenant.id
        db.session.commit()
        # PostgreSQL shows a company's rows and its members' accounts only inside it
        with tenant_context(company_id):
            membership_id = db.session.scalar(
                select(Membership.id).where(Membership.user_id == user.id)
            )
            return Company(tenant.id, tenant.slug, tenant.name, user.id, user.email, membership_id)


def add_member(app: Flask, company: Company, email: str, roles: set[str], name: str = "") -> int:
    """Add a user (new or existing by email) to a company; returns the membership id."""

    with app.app_context(), tenant_context(company.id):
        user_id = lookups.account_id(email)
        if user_id is None:
            user = User(
                email=email, name=name or email.split("@")[0], password_hash=hash_password(PASSWORD)
            )
            user_id = lookups.add_account(user).id
        membership = Membership(tenant_id=company.id, user_id=user_id)
        membership.set_roles(roles)
        db.session.add(membership)
        db.session.commit()
        return membership.id


def make_customer(app: Flask, company: Company, name: str = "Acme Trading GmbH", **fields) -> int:
    with app.app_context(), tenant_context(company.id):
        fields.setdefault("owner_id", company.owner_membership_id)
        customer = Customer(name=name, **fields)
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
    from webapp.models import FollowUp
    from webapp.services.followups import Links, save_followup

    member = author_membership_id or company.owner_membership_id
    with app.app_context(), tenant_context(company.id):
        customer = db.session.get(Customer, customer_id)
        record = FollowUp(
            method=method,
            topic=topic,
            on_date=on_date or company_today(app, company),
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


def make_inquiry(app: Flask, company: Company, company_name: str = "Nordlicht Handel", *,
                 received_at=None, channel: str = "alibaba", **fields) -> int:  # fmt: skip
    """An inquiry (询盘) assigned to the owner unless `assigned_to_id` says otherwise."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from webapp.models import Inquiry

    received_at = received_at or datetime.now(UTC)
    with app.app_context(), tenant_context(company.id):
        fields.setdefault("assigned_to_id", company.owner_membership_id)
        # test companies are in China: the local day is Shanghai's
        fields.setdefault("received_on", received_at.astimezone(ZoneInfo("Asia/Shanghai")).date())
        inquiry = Inquiry(
            received_at=received_at,
            channel=channel,
            company=company_name,
            created_by_id=company.owner_membership_id,
            **fields,
        )
        db.session.add(inquiry)
        db.session.commit()
        return inquiry.id


def make_sample(app: Flask, company: Company, name: str = "LCD projector P-200", *,
                customer_id: int | None = None, inquiry_id: int | None = None,
                **fields) -> int:  # fmt: skip
    """A sample sent to a customer (a new one when neither customer nor inquiry is given)."""
    from webapp.models import Sample

    if customer_id is None and inquiry_id is None:
        customer_id = make_customer(app, company, f"Sample customer {name}")
    with app.app_context(), tenant_context(company.id):
        fields.setdefault("sent_by_id", company.owner_membership_id)
        fields.setdefault("charge", "free")
        sample = Sample(name=name, customer_id=customer_id, inquiry_id=inquiry_id, **fields)
        db.session.add(sample)
        db.session.commit()
        return sample.id


def make_plan(app: Flask, company: Company, start_on=None, *, member_id: int | None = None,
              weeks: int = 3, customer_ids: tuple[int, ...] = (),
              cells: dict[tuple[int, object], str] | None = None) -> int:  # fmt: skip
    """A call/visit plan; `cells` maps (customer_id, day) to "C" or "X"."""
    from datetime import timedelta

    from webapp.models import CallPlan, CallPlanCell, CallPlanRow

    if start_on is None:
        today = company_today(app, company)
        start_on = today - timedelta(days=today.weekday())
    member = member_id or company.owner_membership_id
    with app.app_context(), tenant_context(company.id):
        plan = CallPlan(member_id=member, start_on=start_on, weeks=weeks, created_by_id=member)
        for position, customer_id in enumerate(customer_ids, start=1):
            row = CallPlanRow(customer_id=customer_id, position=position)
            for (cell_customer, day), code in (cells or {}).items():
                if cell_customer == customer_id:
                    row.cells.append(CallPlanCell(on_date=day, code=code))
            plan.rows.append(row)
        db.session.add(plan)
        db.session.commit()
        return plan.id


def plan_row_ids(app: Flask, company: Company, plan_id: int) -> list[int]:
    from webapp.models import CallPlanRow

    with app.app_context(), tenant_context(company.id):
        return list(
            db.session.scalars(
                select(CallPlanRow.id)
                .where(CallPlanRow.plan_id == plan_id)
                .order_by(CallPlanRow.position)
            )
        )


def make_report(app: Flask, company: Company, week_start=None, *, member_id: int | None = None,
                **fields) -> int:  # fmt: skip
    """A weekly inquiry report (empty unless fields are given)."""
    from datetime import timedelta

    from webapp.models import WeeklyReport

    if week_start is None:
        today = company_today(app, company)
        week_start = today - timedelta(days=today.weekday())
    with app.app_context(), tenant_context(company.id):
        report = WeeklyReport(
            member_id=member_id or company.owner_membership_id, week_start=week_start, **fields
        )
        db.session.add(report)
        db.session.commit()
        return report.id


def make_report_row(app: Flask, company: Company, report_id: int, kind: str, **fields) -> int:
    """A line (kind "line", section from fields or "prospect") or a comment of a report."""
    from webapp.models import WeeklyReportComment, WeeklyReportLine

    with app.app_context(), tenant_context(company.id):
        if kind == "line":
            fields.setdefault("section", "prospect")
            fields.setdefault("position", 1)
            row = WeeklyReportLine(report_id=report_id, **fields)
        else:
            fields.setdefault("body", "Good week")
            row = WeeklyReportComment(
                report_id=report_id, author_id=company.owner_membership_id, **fields
            )
        db.session.add(row)
        db.session.commit()
        return row.id


def make_import(
    app: Flask,
    company: Company,
    content: str = "公司名称,国家\nAcme Trading GmbH,DE\n",
    filename: str = "customers.csv",
) -> int:
    """An uploaded, not yet imported customer sheet (issue 8); returns the import batch id."""
    from webapp.services.importing import create_batch

    with app.app_context(), tenant_context(company.id):
        batch = create_batch(content.encode("utf-8"), filename, company.owner_membership_id)
        db.session.commit()
        return batch.id


def set_visibility(app: Flask, company: Company, value: str) -> None:
    """The company setting of services/visibility.py: "own" (the default) or "all"."""
    from webapp.models import Tenant

    with app.app_context(), tenant_context(company.id):
        db.session.get(Tenant, company.id).customer_visibility = value
        db.session.commit()


def make_invitation(
    app: Flask,
    company: Company,
    email: str = "new.colleague@example.com",
    roles: frozenset[str] = frozenset({"sales"}),
    *,
    now=None,
    name: str | None = None,
) -> tuple[int, str]:
    """An open invitation made by the company's owner; returns (invitation id, link secret)."""
    from webapp.services import team

    with app.app_context(), tenant_context(company.id):
        owner = db.session.get(Membership, company.owner_membership_id)
        invitation, secret = team.create_invitation(owner, email, set(roles), name, now)
        db.session.commit()
        return invitation.id, secret
