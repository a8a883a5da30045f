"""No error in the browser console on any main page, in either language: a Content-Security-
Policy refusal (htmx's inline indicator styles once were one), a failed request, an htmx
targetError or a script error all show up there first."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.pages import seed_main_pages
from tests.e2e.test_followup_journey import log_in

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = ("/", "/login", "/signup", "/password/forgot")


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_main_pages_log_no_console_error(page: Page, app: Flask, locale: str) -> None:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    pages = seed_main_pages(app, locale)
    for path in PUBLIC_PAGES:  # before logging in
        page.goto(path)
        page.wait_for_load_state("networkidle")
    log_in(page, pages.company.owner_email, pages.company.slug)
    for path in pages.paths:
        page.goto(path)
        expect(page.locator("nav.navbar")).to_be_visible()
        page.wait_for_load_state("networkidle")
    # htmx at work on the card: the folded follow-up form fetched, the company menu loaded
    page.goto(f"/t/{pages.company.slug}/customers/{pages.customer_id}")
    page.locator("#add-followup > summary").click()
    expect(page.locator("#add-followup #followup-form")).to_be_visible()
    page.locator("#user-menu").click()
    page.wait_for_load_state("networkidle")
    assert not errors, "\n".join(errors)
