"""The main pages of a company with a little of everything on them, for the browser checks
that walk every page (layout, console, accessibility): one place lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from tests.factories import (
    Company,
    company_today,
    make_company,
    make_contact,
    make_customer,
    make_followup,
    make_import,
    make_inquiry,
    make_order,
    make_plan,
    make_report,
    make_sample,
)


@dataclass(frozen=True)
class MainPages:
    company: Company
    customer_id: int
    order_id: int
    plan_id: int
    paths: tuple[str, ...]  # absolute paths, company pages first


def _about_to_return(app: Flask, company: Company, today) -> None:
    """A grade-B customer going back to the pool in five days: my day's yellow warning row."""
    from datetime import UTC, datetime

    from webapp.extensions import db
    from webapp.models.pool import PoolRule
    from webapp.tenancy.context import tenant_context

    with app.app_context(), tenant_context(company.id):
        db.session.add(PoolRule(grade="B", return_days=30, warn_days=7))
        db.session.commit()
    make_customer(
        app, company, "Osaka Boeki K.K.", country="JP", grade="B",
        last_followup_on=today - timedelta(days=25),
        owned_since=datetime.now(UTC) - timedelta(days=60),
    )  # fmt: skip


def seed_main_pages(app: Flask, locale: str = "zh") -> MainPages:
    """A company in `locale` whose pages show rows of every kind: an overdue follow-up and a
    customer about to go back to the pool (my day's red and yellow rows), grades A, B and D, a
    pool customer, contacts, an order, an inquiry, a sample, a plan, a weekly report and an
    uploaded sheet."""
    slug = f"main-pages-{locale}"
    company = make_company(app, slug, "海风进出口 Sea Breeze Export Co.", locale=locale)
    today = company_today(app, company)
    monday = today - timedelta(days=today.weekday())
    customer = make_customer(
        app, company, "Hamburg Import GmbH", country="DE", grade="A", next_followup_on=today
    )
    make_customer(
        app, company, "Lyon Négoce SARL", country="FR", grade="D",
        next_followup_on=today - timedelta(days=3),
    )  # fmt: skip
    make_customer(app, company, "Pool Trading LLC", country="US", owner_id=None)
    _about_to_return(app, company, today)
    make_contact(app, company, customer, "Jonas Weber", title="Einkaufsleiter", is_primary=True)
    make_contact(
        app, company, customer, "Anna Schmidt Müller-Lüdenscheidt", title="Geschäftsführerin"
    )
    make_followup(app, company, customer, "Sent the price list")
    order = make_order(app, company, customer, "SC-2026-001")
    inquiry = make_inquiry(app, company, "Nordlicht Handel", customer_id=customer)
    sample = make_sample(app, company, customer_id=customer)
    plan = make_plan(app, company, monday, weeks=1, customer_ids=(customer,))
    report = make_report(app, company, monday)
    batch = make_import(app, company)
    base = f"/t/{company.slug}"
    company_paths = [
        "/",
        "/charts/",
        "/customers/",
        f"/customers/{customer}",
        "/customers/new",
        f"/customers/{customer}/edit",
        "/pool/",
        "/inquiries/",
        f"/inquiries/{inquiry}",
        "/samples/",
        f"/samples/{sample}",
        "/orders/",
        f"/orders/{order}",
        "/plans/",
        f"/plans/{plan}",
        "/reports/",
        f"/reports/{report}",
        "/reports/team",
        "/team/",
        "/team/roles",
        "/audit/",
        "/settings/",
        "/imports/",
        f"/imports/{batch}",
    ]
    paths = tuple(base + path for path in company_paths) + ("/account/",)
    return MainPages(company, customer, order, plan, paths)
