"""Logging follow-ups on the customer card in real chromium: the inline htmx form, the timeline
and the card header updating without a page load, and the visit details shown for visits."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_company, make_contact, make_customer

pytestmark = pytest.mark.e2e

NO_RELOAD = "window.__e2eFollowupNoReload"  # a full page load would drop it


def mark_page(page: Page) -> None:
    page.evaluate(f"{NO_RELOAD} = true")


def page_was_not_reloaded(page: Page) -> bool:
    return page.evaluate(f"{NO_RELOAD} === true")


def log_in(page: Page, email: str, company_slug: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/t/{re.escape(company_slug)}/$"))


def test_log_follow_ups_inline(page: Page, app: Flask) -> None:
    company = make_company(app, "haifeng-export", "海风进出口 Sea Breeze Export")
    customer_id = make_customer(app, company, "Hamburg Import GmbH", country="DE", grade="A")
    make_contact(app, company, customer_id, "Jonas Weber", title="Einkaufsleiter", is_primary=True)
    log_in(page, company.owner_email, company.slug)

    page.goto(f"/t/{company.slug}/customers/{customer_id}")
    panel = page.locator("#timeline-panel")
    records = page.locator("#timeline li.followup")
    header = page.locator("#customer-header")
    expect(records).to_have_count(0)
    expect(header.locator("#current-category")).to_have_count(0)

    form = panel.locator("#add-followup #followup-form")
    expect(form).to_be_hidden()  # folded away in the closed <details>
    panel.locator("#add-followup > summary").click()
    expect(form).to_be_visible()
    expect(form.locator("#method")).to_have_value("phone")
    expect(form.locator(".visit-details")).to_be_hidden()
    mark_page(page)

    # a mistake first: the form comes back in place with the error and what was typed
    form.locator("#content").fill("They want 5% off for 2,000 pcs.")
    form.locator("button[type=submit]").click()
    expect(form.locator("#topic")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(form.locator(".invalid-feedback")).to_be_visible()
    expect(form.locator("#content")).to_have_value("They want 5% off for 2,000 pcs.")
    expect(records).to_have_count(0)

    # the first follow-up
    form.locator("#topic").fill("Discussed the quotation")
    form.locator("#category").select_option("intent")
    intent = form.locator("#category option[value=intent]").inner_text().strip()
    form.locator("button[type=submit]").click()

    expect(records).to_have_count(1)
    first = records.first
    expect(first.locator(".badge.text-bg-dark")).to_have_text("1")
    expect(first).to_contain_text("Discussed the quotation")
    expect(first).to_contain_text("They want 5% off for 2,000 pcs.")
    expect(first).to_contain_text("Jonas Weber (Einkaufsleiter)")  # the primary contact
    expect(header.locator("#current-category")).to_have_text(intent)
    # a fresh, folded form for the next one
    expect(panel.locator("#add-followup")).not_to_have_attribute("open", re.compile(".*"))
    expect(page.locator("#category-history")).to_have_count(0)
    assert page_was_not_reloaded(page)

    # the second one lands on top as number 2 (the form is fetched again when unfolded)
    panel.locator("#add-followup > summary").click()
    expect(form.locator("#topic")).to_have_value("")
    form.locator("#topic").fill("Sent samples of model X-200")
    form.locator("#method").select_option("email")
    form.locator("#category").select_option("ready")
    ready = form.locator("#category option[value=ready]").inner_text().strip()
    form.locator("button[type=submit]").click()

    expect(records).to_have_count(2)
    expect(records.first.locator(".badge.text-bg-dark")).to_have_text("2")
    expect(records.first).to_contain_text("Sent samples of model X-200")
    expect(records.nth(1).locator(".badge.text-bg-dark")).to_have_text("1")
    expect(records.nth(1)).to_contain_text("Discussed the quotation")
    expect(header.locator("#current-category")).to_have_text(ready)
    expect(page.locator("#category-history")).to_contain_text(intent)
    expect(page.locator("#category-history")).to_contain_text(ready)
    assert page_was_not_reloaded(page)

    # a visit: its details show only for the visit methods
    panel.locator("#add-followup > summary").click()
    details = form.locator(".visit-details")
    expect(details).to_be_hidden()
    form.locator("#method").select_option("visit_direct")
    expect(details).to_be_visible()
    form.locator("#method").select_option("sms")
    expect(details).to_be_hidden()
    form.locator("#method").select_option("visit_invited")
    expect(details).to_be_visible()
    form.locator("#topic").fill("Jonas came to our showroom")
    form.locator("#time_from").fill("09:30")
    form.locator("#time_to").fill("11:00")
    form.locator("#place").fill("Ningbo showroom")
    details.locator("input[name=purposes][value=recommend]").check()
    form.locator("#result").fill("Trial order agreed")
    form.locator("button[type=submit]").click()

    expect(records).to_have_count(3)
    visit = records.first
    expect(visit.locator(".badge.text-bg-dark")).to_have_text("3")
    expect(visit).to_have_class(re.compile(r"\bborder-primary\b"))
    expect(visit).to_contain_text("09:30–11:00 Ningbo showroom")
    expect(visit).to_contain_text("Trial order agreed")
    assert page_was_not_reloaded(page)

    # the method filter swaps the timeline only
    panel.locator("nav a[href$='?method=visit']").click()
    expect(page).to_have_url(re.compile(r"[?&]method=visit(&|$)"))
    expect(records).to_have_count(1)
    expect(records.first).to_contain_text("Jonas came to our showroom")
    assert page_was_not_reloaded(page)

    # all saved: a full load shows the three, newest first
    page.goto(f"/t/{company.slug}/customers/{customer_id}")
    expect(records).to_have_count(3)
    expect(records.locator(".badge.text-bg-dark")).to_have_text(["3", "2", "1"])
