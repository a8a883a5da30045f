"""htmx behaviour in real chromium: the live duplicate check (查重) answers every time a field
changes, not only the first time."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.test_followup_journey import log_in
from tests.factories import make_company, make_contact, make_customer

pytestmark = pytest.mark.e2e


def test_live_duplicate_check_answers_every_change(page: Page, app: Flask) -> None:
    company = make_company(app, "dup-check", "查重 Trading")
    customer = make_customer(app, company, "Hamburg Import GmbH", country="DE")
    make_contact(app, company, customer, "Jonas Weber", mobile="+4915112345678")
    htmx_errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and htmx_errors.append(msg.text))
    log_in(page, company.owner_email, company.slug)
    page.goto(f"/t/{company.slug}/customers/new")
    duplicates = page.locator("#duplicates")

    # first check: a new name, nothing similar
    page.locator("#name").fill("Nordlicht Handel")
    page.locator("#name").blur()
    expect(duplicates.locator("[role=status]")).to_be_visible()
    no_match = duplicates.inner_text().strip()

    # second check, another field: the phone of an existing contact
    page.locator("#contact_mobile").fill("+49 151 12345678")
    page.locator("#contact_mobile").blur()
    expect(duplicates.locator(".duplicate-match")).to_contain_text("Hamburg Import GmbH")

    # third: the name changes again, the warning stays for the phone
    page.locator("#name").fill("Nordlicht Handel AG")
    page.locator("#name").blur()
    expect(duplicates.locator(".duplicate-match")).to_have_count(1)
    # and the button still answers, in the same place
    page.locator("#contact_mobile").fill("")
    page.locator("#customer-form button.float-end").click()
    expect(duplicates).to_have_text(no_match)
    expect(page.locator("#duplicates")).to_have_count(1)
    assert not htmx_errors, htmx_errors
