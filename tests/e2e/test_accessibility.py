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
    return problems + [f"{where}: empty table header in {row}" for row in empty]


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

    # an htmx form refused in place: the follow-up without a topic
    page.goto(f"{base}/customers/{pages.customer_id}")
    page.locator("#add-followup > summary").click()
    form = page.locator("#followup-form")
    form.locator("button[type=submit]").click()
    expect(form.locator(".is-invalid").first).to_be_visible()
    problems += axe_violations(page, "follow-up form with errors")
    assert not problems, "\n".join(problems)
