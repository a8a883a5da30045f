"""The role picker's toggle in a real browser (issue 25): the order's merchandiser picker shows
the merchandisers; the others appear only once "show everyone else" is ticked, and unticking
while one of them is chosen goes back to a merchandiser's list without keeping the hidden one."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, add_member, make_company

pytestmark = pytest.mark.e2e


def test_others_behind_the_toggle(page: Page, app: Flask) -> None:
    company = make_company(app, "toggle-trading", "Toggle Trading")
    add_member(app, company, "amy@toggle.example.com", {"merchandiser"}, "Amy Merch")
    add_member(app, company, "bob@toggle.example.com", {"sales"}, "Bob Sales")
    page.goto("/login")
    page.locator("#email").fill(company.owner_email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/t/toggle-trading/$"))
    page.goto("/t/toggle-trading/orders/new")
    select = page.locator("#merchandiser_id")
    others = select.locator("optgroup")
    expect(others).to_have_attribute("hidden", "")
    expect(others).to_be_disabled()
    toggle = page.locator("#merchandiser_id-others")
    toggle.check()
    expect(others).not_to_have_attribute("hidden", "")
    select.select_option(label="Bob Sales")
    toggle.uncheck()
    expect(others).to_have_attribute("hidden", "")
    expect(select).to_have_value("")  # the hidden choice is not sent
    select.select_option(label="Amy Merch")
    expect(select.locator("option:checked")).to_have_text("Amy Merch")
