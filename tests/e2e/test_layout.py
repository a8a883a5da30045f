"""Layout in real chromium: every main page fits the window from a phone to a laptop in both
languages (no sideways scrolling), and the navigation bar either fits on one row or collapses
into its menu button, never wrapping its links or cutting the user's name."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.pages import seed_main_pages
from tests.e2e.test_followup_journey import log_in

pytestmark = pytest.mark.e2e

# the four widths the issue names, plus Bootstrap's breakpoints and a wide screen
WIDTHS = (320, 360, 576, 768, 992, 1200, 1280, 1366, 1920)
HEIGHT = 900

# What is wrong with the page at this width, as a list of sentences (empty: all good).
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1
                      && !el.closest(".table-responsive, .dropdown-menu"))
      .slice(-3).map((el) => el.outerHTML.slice(0, 120));
    problems.push(`scrolls sideways: ${root.scrollWidth} > ${root.clientWidth} ${wide}`);
  }
  const nav = document.querySelector("nav.navbar");
  const toggler = nav.querySelector(".navbar-toggler");
  const collapsed = getComputedStyle(toggler).display !== "none";
  // how many lines a text takes: the tops of its text's line boxes, a line apart
  const lines = (el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const tops = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) if (r.width > 0) tops.push(r.top);
    }
    return tops.length && Math.max(...tops) - Math.min(...tops) > 10 ? 2 : 1;
  };
  // every visible link and button of the bar holds its text on one line
  for (const el of nav.querySelectorAll(".navbar-brand, .nav-link, #language-switch button")) {
    if (!el.getClientRects().length) continue;
    const text = el.textContent.trim();
    if (lines(el) > 1) problems.push(`wraps: ${text}`);
    // shortened with an ellipsis only where the full text is the title (shown on hover)
    for (const part of [el, ...el.querySelectorAll("*")]) {
      if (part.scrollWidth > part.clientWidth + 1 && el.title !== text) {
        problems.push(`cut off: ${text}`);
      }
    }
  }
  // a button's label on one line (编辑 once wrapped one character a line in narrow cards)
  for (const el of document.querySelectorAll("main .btn")) {
    if (el.getClientRects().length && lines(el) > 1) {
      problems.push(`button wraps: ${el.textContent.trim()}`);
    }
  }
  if (!collapsed) {
    // expanded: all items on one row inside the bar
    const items = [...nav.querySelectorAll(".navbar-brand, #main-nav .nav-item, #language-switch")];
    const tops = items.map((el) => el.getBoundingClientRect().top);
    if (Math.max(...tops) - Math.min(...tops) > 12) problems.push("the bar runs onto two rows");
    const right = nav.querySelector(".container, .container-fluid").getBoundingClientRect().right;
    for (const el of items) {
      if (el.getBoundingClientRect().right > right + 1) {
        problems.push(`past the bar's edge: ${el.textContent.trim().slice(0, 30)}`);
      }
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_main_pages_fit_every_width(page: Page, app: Flask, locale: str) -> None:
    pages = seed_main_pages(app, locale)
    log_in(page, pages.company.owner_email, pages.company.slug)
    problems: list[str] = []
    for path in pages.paths:
        page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
        page.goto(path)
        expect(page.locator("nav.navbar")).to_be_visible()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            problems += [f"{path} at {width}px: {p}" for p in page.evaluate(LAYOUT_PROBLEMS)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_narrow_navbar_opens_as_a_menu(page: Page, app: Flask, locale: str) -> None:
    pages = seed_main_pages(app, locale)
    log_in(page, pages.company.owner_email, pages.company.slug)
    page.set_viewport_size({"width": 360, "height": HEIGHT})
    page.goto(pages.paths[0])
    menu = page.locator("#main-nav")
    expect(menu).to_be_hidden()
    page.locator(".navbar-toggler").click()
    expect(menu).to_be_visible()
    expect(menu.locator("a.nav-link[href$='/customers/']")).to_be_visible()
    expect(page.locator("#language-switch button")).to_be_visible()


def test_phone_card_shows_the_quick_follow_up_first(page: Page, app: Flask) -> None:
    pages = seed_main_pages(app, "zh")
    log_in(page, pages.company.owner_email, pages.company.slug)
    card = f"/t/{pages.company.slug}/customers/{pages.customer_id}"
    for width, follow_up_first in ((390, True), (1280, False)):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.goto(card)
        add = page.locator("#add-followup").bounding_box()
        details = page.locator("#print-forms + .row dl").first.bounding_box()
        assert add and details
        if follow_up_first:  # above the customer's details, right under the header
            assert add["y"] < details["y"], (add, details)
        else:  # side by side on a laptop
            assert add["x"] > details["x"] + details["width"], (add, details)
