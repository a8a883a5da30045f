"""The main screens in real chromium under the strict Content-Security-Policy: no violation is
reported in the console while pages load and htmx swaps parts of them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.test_followup_journey import log_in
from tests.factories import (
    company_today,
    make_company,
    make_contact,
    make_customer,
    make_followup,
    make_inquiry,
    make_order,
    make_plan,
    make_report,
    make_sample,
)

pytestmark = pytest.mark.e2e


def test_main_screens_raise_no_csp_violation(page: Page, app: Flask) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    company = make_company(app, "csp-trading", "CSP Trading")
    customer = make_customer(app, company, "Hamburg Import GmbH", country="DE", grade="A")
    make_contact(app, company, customer, "Jonas Weber", is_primary=True)
    make_followup(app, company, customer, "Sent the price list")
    order = make_order(app, company, customer, "SC-CSP-1")
    make_inquiry(app, company, "Nordlicht Handel", customer_id=customer)
    make_sample(app, company, customer_id=customer)
    today = company_today(app, company)
    monday = today - timedelta(days=today.weekday())
    plan = make_plan(app, company, monday, weeks=1, customer_ids=(customer,))
    report = make_report(app, company, monday)
    log_in(page, company.owner_email, company.slug)

    base = f"/t/{company.slug}"
    for path in [
        "/",
        "/charts/",
        "/customers/",
        f"/customers/{customer}",
        "/inquiries/",
        "/samples/",
        "/orders/",
        f"/orders/{order}",
        "/plans/",
        f"/plans/{plan}",
        "/reports/",
        f"/reports/{report}",
        "/team/",
    ]:
        page.goto(base + path)
        expect(page.locator("nav.navbar")).to_be_visible()
    page.goto("/account/")
    page.goto("/account/two-factor")
    expect(page.locator(".qr svg")).to_be_visible()

    # htmx at work: active search and a plan cell cycled in place
    page.goto(base + "/customers/")
    page.locator("input[name=q]").first.fill("Hamburg")
    expect(page.locator("#customer-results")).to_contain_text("Hamburg Import GmbH")
    page.goto(f"{base}/plans/{plan}")
    cell = page.locator("#plan-grid button[name=cell]").first
    cell.click()
    expect(page.locator("#plan-grid button[name=cell]").first).to_have_text(re.compile("C"))
    assert not violations, violations

    # the listener itself works: an inline script is refused and reported
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert violations and page.evaluate("window.x === undefined")
