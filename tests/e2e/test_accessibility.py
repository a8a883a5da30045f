"""WCAG 2.2 AA in real chromium, checked by axe-core (from npm, `make assets`): every main page
in both languages, on the laptop and the phone layout, and forms showing their errors. A serious
or critical violation fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.pages import seed_main_pages
from tests.e2e.test_followup_journey import log_in

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")
LAYOUTS = {"laptop": 1280, "phone": 390}

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " " + n.failureSummary
      .replace(/\\s+/g, " ").slice(0, 200)),
  }));
}"""


EMPTY_HEADERS = """() => [...document.querySelectorAll("th")]
  .filter((th) => !th.textContent.trim() && !th.querySelector("[aria-label], img[alt]"))
  .map((th) => th.closest("tr").textContent.replace(/\\s+/g, " ").trim().slice(0, 80))"""


DUPLICATE_IDS = """() => {
  const seen = new Set(), twice = new Set();
  // hidden inputs have no label to lose (every form's csrf_token is id="csrf_token")
  for (const el of document.querySelectorAll("[id]:not(input[type=hidden])")) {
    (seen.has(el.id) ? twice : seen).add(el.id);
  }
  return [...twice];
}"""

TINY_BADGES = """() => [...document.querySelectorAll(".badge, .grade")]
  .filter((b) => b.getClientRects().length && parseFloat(getComputedStyle(b).fontSize) < 11.9)
  .map((b) => b.textContent.trim().slice(0, 40))"""

# every field in error: aria-invalid, and aria-describedby naming its message
UNDESCRIBED_ERRORS = """() => [...document.querySelectorAll(".is-invalid")].filter((field) => {
  const ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  const said = ids.map((id) => document.getElementById(id)).filter(Boolean)
    .some((el) => el.classList.contains("invalid-feedback") && el.textContent.trim());
  return field.getAttribute("aria-invalid") !== "true" || !said;
}).map((field) => field.id || field.name)"""

# a group of checkboxes comes in its own fieldset named by its legend
UNGROUPED_CHECKBOXES = """(root) => [...document.querySelectorAll(root + " input[type=checkbox]")]
  .filter((box) => {
    const group = box.closest("fieldset");
    const legend = group && group.querySelector(":scope > legend");
    const others = group ? [...group.querySelectorAll("input[type=checkbox]")] : [];
    return !legend || !legend.textContent.trim() || others.some((o) => o.name !== box.name);
  })
  .map((box) => box.id)"""


def axe_violations(page: Page, where: str) -> list[str]:
    """The serious and critical WCAG 2.2 AA violations axe finds on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() runs over the DevTools protocol: the page's CSP does not apply to it
        page.evaluate(AXE.read_text(encoding="utf-8"))
    # after a resize: let the page's own resize handlers run first (app.js's scroll boxes)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")
    found = page.evaluate(RUN_AXE, WCAG_AA)
    problems = [
        f"{where}: {v['impact']} {v['id']} ({v['help']}): {v['nodes']}"
        for v in found
        if v["impact"] in FAILING_IMPACTS
    ]
    # axe rates an empty header cell "minor" (best practice); a screen reader reads nothing
    # for that column, so it fails here too
    empty = page.evaluate(EMPTY_HEADERS)
    problems += [f"{where}: empty table header in {row}" for row in empty]
    # an id twice leaves the second field without its label (the order page's payment and
    # claim forms once shared `amount` and `currency`); WCAG 2.2 dropped the rule from axe
    twice = page.evaluate(DUPLICATE_IDS)
    problems += [f"{where}: id used twice: {name}" for name in twice]
    # badges (grades, holidays, statuses) once shrank to 10.5 px inside small text
    tiny = page.evaluate(TINY_BADGES)
    return problems + [f"{where}: badge under 12 px: {text}" for text in tiny]


@pytest.fixture(autouse=True)
def _axe_installed() -> None:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci)", pytrace=False)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_main_pages_meet_wcag_aa(page: Page, app: Flask, locale: str) -> None:
    pages = seed_main_pages(app, locale)
    page.goto("/login")
    problems = axe_violations(page, "/login")
    log_in(page, pages.company.owner_email, pages.company.slug)
    for path in pages.paths:
        page.set_viewport_size({"width": LAYOUTS["laptop"], "height": 900})
        page.goto(path)
        expect(page.locator("nav.navbar")).to_be_visible()
        for layout, width in LAYOUTS.items():
            page.set_viewport_size({"width": width, "height": 900})
            problems += axe_violations(page, f"{path} ({layout})")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_forms_showing_errors_meet_wcag_aa(page: Page, app: Flask, locale: str) -> None:
    pages = seed_main_pages(app, locale)
    log_in(page, pages.company.owner_email, pages.company.slug)
    base = f"/t/{pages.company.slug}"

    # a full-page form refused: the customer without a name
    page.goto(f"{base}/customers/new")
    page.locator("#customer-form button[type=submit]").first.click()
    expect(page.locator("#customer-form .is-invalid").first).to_be_visible()
    problems = axe_violations(page, "new customer with errors")
    problems += [f"new customer: {f} undescribed" for f in page.evaluate(UNDESCRIBED_ERRORS)]

    # an htmx form refused in place: the follow-up without a topic
    page.goto(f"{base}/customers/{pages.customer_id}")
    page.locator("#add-followup > summary").click()
    form = page.locator("#followup-form")
    form.locator("button[type=submit]").click()
    expect(form.locator(".is-invalid").first).to_be_visible()
    problems += axe_violations(page, "follow-up form with errors")
    problems += [f"follow-up: {f} undescribed" for f in page.evaluate(UNDESCRIBED_ERRORS)]
    # contacts and visit purposes are checkbox groups
    form.locator("[data-role=method]").select_option("visit_direct")
    ungrouped = page.evaluate(UNGROUPED_CHECKBOXES, "#followup-form")
    problems += [f"follow-up: checkbox {box} outside a fieldset with a legend" for box in ungrouped]
    assert form.locator("input[type=checkbox]").count() >= 4  # 2 contacts, visit purposes
    assert not problems, "\n".join(problems)


def test_keyboard_skip_link_focus_ring_and_current_page(page: Page, app: Flask) -> None:
    pages = seed_main_pages(app, "en")
    log_in(page, pages.company.owner_email, pages.company.slug)
    page.goto(f"/t/{pages.company.slug}/customers/")

    # the first Tab stop skips the navigation bar
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_attribute("href", "#main")
    box = skip.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 10  # shown while focused
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    # the navbar's focus ring stands out from the blue bar
    link = page.locator("#main-nav a.nav-link[href$='/pool/']")
    link.focus()
    ring = link.evaluate(
        "(a) => { const s = getComputedStyle(a); return [s.outlineStyle, s.outlineWidth,"
        " s.outlineColor, getComputedStyle(a.closest('nav')).backgroundColor]; }"
    )
    assert ring[0] != "none" and float(ring[1].removesuffix("px")) >= 2, ring
    assert ring[2] != ring[3], ring

    # aria-current: the page itself, or the section a page belongs to
    customers = page.locator("#main-nav a.nav-link[href$='/customers/']")
    expect(customers).to_have_attribute("aria-current", "page")
    assert page.locator("#main-nav [aria-current]").count() == 1
    page.goto(f"/t/{pages.company.slug}/customers/{pages.customer_id}")
    expect(customers).to_have_attribute("aria-current", "true")


def test_htmx_saves_are_announced_and_focus_follows(page: Page, app: Flask) -> None:
    pages = seed_main_pages(app, "en")
    log_in(page, pages.company.owner_email, pages.company.slug)
    page.goto(f"/t/{pages.company.slug}/customers/{pages.customer_id}")
    status = page.locator("#live-status")
    expect(status).to_have_attribute("role", "status")

    # refused: focus goes to the first field in error, not to <body>
    page.locator("#add-followup > summary").click()
    form = page.locator("#followup-form")
    form.locator("button[type=submit]").click()
    expect(form.locator("#topic")).to_be_focused()
    expect(status).to_have_text("")

    # saved: the message is announced and focus is on the new entry
    form.locator("#topic").fill("Called about the samples")
    form.locator("button[type=submit]").click()
    expect(status).to_contain_text("Follow-up no. 2 saved.")
    newest = page.locator("#timeline li.followup", has_text="Called about the samples")
    expect(newest).to_be_focused()

    # the same for a contact
    page.locator("#add-contact > summary").click()
    contact_form = page.locator("#add-contact form")
    contact_form.locator("input[name=name]").fill("Lena Vogel")
    contact_form.locator("button[type=submit]").click()
    expect(status).to_contain_text("Contact Lena Vogel added.")
    expect(page.locator("#contact-list li", has_text="Lena Vogel")).to_be_focused()
