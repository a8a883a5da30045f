"""User journeys in real chromium: signup and language switch, inline contacts (add and edit),
active search, the company switcher, my day's "show more"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.factories import (
    PASSWORD,
    Company,
    add_member,
    company_today,
    make_company,
    make_contact,
    make_customer,
    make_followup,
)

pytestmark = pytest.mark.e2e

CJK = re.compile(r"[\u4e00-\u9fff]")  # at least one Chinese character
NO_RELOAD = "window.__e2eNoReload"  # set before an htmx action; a full page load would drop it


def expect_chinese(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text(CJK)
    expect(page.locator("#language-switch button")).to_have_text("English")


def expect_english(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).not_to_have_text(CJK)
    expect(page.locator("#language-switch button")).to_have_text("中文")


def nav_link(page: Page, path_end: str):
    return page.locator(f"#main-nav a:is(.nav-link, .dropdown-item)[href$='{path_end}']")


def mark_page(page: Page) -> None:
    page.evaluate(f"{NO_RELOAD} = true")


def page_was_not_reloaded(page: Page) -> bool:
    return page.evaluate(f"{NO_RELOAD} === true")


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#login-form button[type=submit]").click()


def company_home(company_slug: str) -> re.Pattern[str]:
    return re.compile(rf"/t/{re.escape(company_slug)}/$")


def test_signup_language_switch_logout_login(page: Page) -> None:
    slug = "lanhai-trading"
    email = "wang.fang@lanhai.example.com"
    password = "haibin-2026-secret"

    page.goto("/signup")
    expect_chinese(page)
    # country names come in Chinese too
    expect(page.locator("#home_country option[value=CN]")).to_have_text("中国")

    page.locator("#company_name").fill("蓝海贸易")
    # app.js asks /signup/slug for a pinyin suggestion and fills the web address
    expect(page.locator("#slug")).to_have_value(re.compile(r"^lan.*hai"))
    page.locator("#slug").fill(slug)
    page.locator("#home_country").select_option(label="中国")
    expect(page.locator("#home_country")).to_have_value("CN")
    page.locator("#owner_name").fill("王芳")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#confirm").fill(password)
    page.locator("#signup-form button[type=submit]").click()

    expect(page).to_have_url(company_home(slug))
    expect(page.locator(".navbar-brand")).to_have_text("蓝海贸易")
    expect(page.locator("#user-menu")).to_have_text("王芳")
    expect(nav_link(page, "/customers/")).to_have_text(CJK)

    # English from the navbar's language button (a form POST to /lang, back to this page)
    page.locator("#language-switch button").click()
    expect(page).to_have_url(company_home(slug))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#language-switch button")).to_have_text("中文")
    expect(nav_link(page, "/customers/")).to_have_text("Customers")
    expect(nav_link(page, "/team/")).to_have_text("Team")

    # the choice sticks: a newly loaded page is English although the browser asks for Chinese
    nav_link(page, "/customers/").click()
    expect(page).to_have_url(re.compile(rf"/t/{slug}/customers/$"))
    expect_english(page)
    expect(page.locator("h1")).to_have_text("Customers")

    # back to Chinese, and that sticks too
    page.locator("#language-switch button").click()
    expect(page).to_have_url(re.compile(rf"/t/{slug}/customers/$"))
    expect_chinese(page)
    expect(nav_link(page, "/customers/")).to_have_text(CJK)
    page.reload()
    expect_chinese(page)

    # log out from the user menu
    page.locator("#user-menu").click()
    expect(page.locator("#logout-button")).to_be_visible()
    page.locator("#logout-button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".alert-info")).to_have_text(CJK)  # "you have logged out", in Chinese
    expect(page.locator("#user-menu")).to_have_count(0)

    # the company pages are closed now
    page.goto(f"/t/{slug}/")
    expect(page).to_have_url(re.compile(r"/login\?next="))

    log_in(page, email, password)
    expect(page).to_have_url(company_home(slug))
    expect(page.locator(".navbar-brand")).to_have_text("蓝海贸易")
    expect(page.locator("#user-menu")).to_have_text("王芳")
    expect(nav_link(page, "/customers/")).to_have_text(CJK)


def test_customer_form_and_inline_contact(page: Page, app: Flask) -> None:
    company = make_company(app, "haifeng-export", "海风进出口 Sea Breeze Export")
    log_in(page, company.owner_email)
    expect(page).to_have_url(company_home(company.slug))

    page.goto(f"/t/{company.slug}/customers/new")
    expect_chinese(page)
    page.locator("#name").fill("Hamburg Import GmbH")
    page.locator("#website").fill("hamburg-import.de")
    # the country is typed (Chinese, English or the code) with suggestions from a datalist
    expect(page.locator("#country-list option[value='德国 (DE)']")).to_have_count(1)
    page.locator("#country").fill("德国")
    page.locator("#grade").select_option("A")
    page.locator("#customer-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/t/{company.slug}/customers/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text("Hamburg Import GmbH")
    expect(page.locator("h1")).to_contain_text("Hamburg Import GmbH")
    expect(page.locator("main")).to_contain_text("德国")  # country shown in Chinese
    expect(page.locator("main")).to_contain_text("hamburg-import.de")
    # the local time, its zone by its Chinese name (issue 25: not "Europe/Berlin, CET")
    expect(page.locator("#local-info")).to_contain_text("德国（柏林）时间")
    expect(page.locator("#contact-list")).to_have_count(0)

    contacts = page.locator("#contacts")
    form = contacts.locator("#contact-form")
    expect(form).to_be_hidden()  # folded away in the closed <details>
    contacts.locator(":scope > details > summary").click()  # not the "more fields" one inside
    expect(form).to_be_visible()

    mark_page(page)
    form.locator("#name").fill("Jonas Weber")
    form.locator("#title").fill("Einkaufsleiter")
    form.locator("#email").fill("jonas-at-hamburg")
    form.locator("button[type=submit]").click()

    # htmx swapped the 422 form in place: error shown, input kept, no page load
    expect(form.locator("#email")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(form.locator(".invalid-feedback")).to_be_visible()
    expect(form.locator("#email")).to_have_value("jonas-at-hamburg")
    expect(form.locator("#name")).to_have_value("Jonas Weber")
    expect(page.locator("#contact-list")).to_have_count(0)
    assert page_was_not_reloaded(page)

    form.locator("#email").fill("jonas.weber@hamburg-import.de")
    form.locator("button[type=submit]").click()

    contact_list = page.locator("#contact-list")
    expect(contact_list.locator("li")).to_have_count(1)
    expect(contact_list).to_contain_text("Jonas Weber")
    expect(contact_list).to_contain_text("Einkaufsleiter")
    expect(contact_list.get_by_role("link", name="jonas.weber@hamburg-import.de")).to_be_visible()
    expect(contact_list.locator(".badge")).to_be_visible()  # the first contact is primary
    # the panel was replaced: a fresh, empty and folded form, no error left
    expect(contacts.locator(".invalid-feedback")).to_have_count(0)
    expect(contacts.locator("#contact-form")).to_be_hidden()
    contacts.locator(":scope > details > summary").click()  # unfolding fetches it afresh
    expect(contacts.locator("#contact-form #name")).to_have_value("")
    assert page_was_not_reloaded(page)

    # it was saved: a full reload shows it
    page.reload()
    expect(page.locator("#contact-list li")).to_have_count(1)
    expect(page.locator("#contact-list")).to_contain_text("jonas.weber@hamburg-import.de")


def _customers(app: Flask, company: Company) -> None:
    make_customer(app, company, "Hamburg Import GmbH", country="DE", grade="A")
    make_customer(app, company, "Hamburg Harbour Supplies", country="DE", grade="B")
    make_customer(app, company, "Lyon Textiles SARL", country="FR", grade="B")
    osaka = make_customer(app, company, "Osaka Trading KK", country="JP", grade="C")
    make_contact(app, company, osaka, "Yuki Tanaka", email="yuki@osaka-trading.jp")


def test_customer_active_search(page: Page, app: Flask) -> None:
    company = make_company(app, "haifeng-export", "海风进出口 Sea Breeze Export")
    _customers(app, company)
    log_in(page, company.owner_email)
    expect(page).to_have_url(company_home(company.slug))

    page.goto(f"/t/{company.slug}/customers/")
    results = page.locator("#customer-results")
    rows = results.locator("tbody tr")
    expect(rows).to_have_count(4)
    mark_page(page)

    search = page.locator("#customer-search")
    search.press_sequentially("hamburg", delay=20)
    expect(rows).to_have_count(2)
    expect(results).to_contain_text("Hamburg Import GmbH")
    expect(results).to_contain_text("Hamburg Harbour Supplies")
    expect(results).not_to_contain_text("Lyon Textiles SARL")
    expect(page).to_have_url(re.compile(r"[?&]q=hamburg(&|$)"))
    expect(search).to_have_value("hamburg")
    assert page_was_not_reloaded(page)

    # contacts are searched too
    search.fill("tanaka")
    expect(rows).to_have_count(1)
    expect(results).to_contain_text("Osaka Trading KK")
    expect(results).to_contain_text("Yuki Tanaka")
    expect(page).to_have_url(re.compile(r"[?&]q=tanaka(&|$)"))

    search.fill("no such company")
    expect(rows).to_have_count(0)
    expect(results).to_contain_text(CJK)  # the "nothing matches" message, in Chinese
    expect(page).to_have_url(re.compile(r"[?&]q=no(%20|\+)such(%20|\+)company(&|$)"))

    search.fill("")
    expect(rows).to_have_count(4)
    assert page_was_not_reloaded(page)

    # the pushed URL is a real address: loading it directly gives the same filtered list
    search.fill("lyon")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]q=lyon(&|$)"))
    page.reload()
    expect(page.locator("#customer-search")).to_have_value("lyon")
    expect(page.locator("#customer-results tbody tr")).to_have_count(1)
    expect(page.locator("#customer-results")).to_contain_text("Lyon Textiles SARL")


def test_edit_contact_inline(page: Page, app: Flask) -> None:
    company = make_company(app, "haifeng-export", "海风进出口 Sea Breeze Export")
    customer = make_customer(app, company, "Hamburg Import GmbH", country="DE", grade="A")
    jonas = make_contact(
        app, company, customer, "Jonas Weber", title="Einkäufer", email="jonas@hamburg.de",
        mobile="+4915123456789", is_primary=True,
    )  # fmt: skip
    anna = make_contact(app, company, customer, "Anna Schmidt", title="Assistentin")
    log_in(page, company.owner_email)
    expect(page).to_have_url(company_home(company.slug))

    page.goto(f"/t/{company.slug}/customers/{customer}")
    contact_list = page.locator("#contact-list")
    expect(contact_list.locator("li")).to_have_count(2)
    expect(page.locator(f"#contact-{jonas}")).to_contain_text("Einkäufer")
    mark_page(page)

    # the Edit button swaps the contact's line for its form (htmx), filled in
    page.locator(f"#contact-{jonas} a[href$='/contacts/{jonas}/edit']").click()
    form = page.locator(f"#contact-form-{jonas}")
    expect(form).to_be_visible()
    expect(form.locator(f"#c{jonas}-name")).to_have_value("Jonas Weber")
    expect(form.locator(f"#c{jonas}-title")).to_have_value("Einkäufer")
    expect(form.locator(f"#c{jonas}-mobile")).to_have_value("+4915123456789")
    assert page_was_not_reloaded(page)

    form.locator(f"#c{jonas}-title").fill("Head of Purchasing")
    form.locator("button[type=submit]").click()

    # the whole contacts panel is replaced: the list shows the new title, the form is gone
    expect(form).to_have_count(0)
    expect(page.locator(f"#contact-{jonas}")).to_contain_text("Head of Purchasing")
    expect(page.locator(f"#contact-{jonas}")).not_to_contain_text("Einkäufer")
    expect(page.locator(f"#contact-{jonas} .badge").first).to_be_visible()  # still primary
    expect(page.locator(f"#contact-{anna}")).to_contain_text("Assistentin")
    expect(contact_list.locator("li")).to_have_count(2)
    assert page_was_not_reloaded(page)

    # saved for real
    page.reload()
    expect(page.locator(f"#contact-{jonas}")).to_contain_text("Head of Purchasing")


def test_user_menu_fetches_the_company_switcher_when_opened(page: Page, app: Flask) -> None:
    # the layout holds a placeholder; opening the Bootstrap dropdown also fires htmx's
    # "click once", which swaps in the list of the person's companies
    first = make_company(app, "haifeng-export", "海风进出口 Sea Breeze Export")
    second = make_company(app, "shanhai-trading", "山海贸易 Mountain Sea Trading")
    add_member(app, second, first.owner_email, {"sales"})
    log_in(page, first.owner_email)  # two companies: the login lands on the list of them
    page.goto(f"/t/{first.slug}/")
    menu = page.locator("#user-menu + ul")
    expect(menu.locator(f"a[href='/t/{second.slug}/']")).to_have_count(0)
    page.locator("#user-menu").click()
    expect(menu.locator(f"a.active[href='/t/{first.slug}/']")).to_be_visible()
    menu.locator(f"a[href='/t/{second.slug}/']").click()
    expect(page).to_have_url(company_home(second.slug))


def test_my_day_shows_more_in_place(page: Page, app: Flask) -> None:
    # the first rows, then "show more" swaps its own <li> for the next rows and a new button
    from webapp.services.myday import FIRST, MORE

    company = make_company(app, "haiwan-export", "海湾出口 Bay Export")
    today = company_today(app, company)
    total = FIRST + MORE + 2
    for i in range(total):
        cid = make_customer(app, company, f"Due Customer {i:02d}")
        make_followup(app, company, cid, "call", on_date=today - timedelta(9), next_date=today)
    log_in(page, company.owner_email)
    due = page.locator("#due-list > li:not(#due-more)")
    expect(due).to_have_count(FIRST)
    mark_page(page)
    page.locator("#due-more a").click()
    expect(due).to_have_count(FIRST + MORE)
    page.locator("#due-more a").click()
    expect(due).to_have_count(total)
    expect(page.locator("#due-more")).to_have_count(0)
    assert page_was_not_reloaded(page)
    names = due.locator("a[href*='/customers/']:not(.btn)").all_inner_texts()
    assert names == [f"Due Customer {i:02d}" for i in range(total)]
