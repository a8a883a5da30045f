"""Reading a printed form back: where every character landed (pdfplumber), and the checks every
paper form passes whatever it holds — nothing outside the content box, the running header on
every page, a CJK font embedded, no page wasted."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import pdfplumber

MM = 72 / 25.4  # PDF points per millimetre
# _print.css: @page margin 18mm 14mm 16mm 14mm; the running header and footer sit in the
# top and bottom margins, inside the left and right ones
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 18 * MM, 14 * MM, 16 * MM, 14 * MM
TOLERANCE = 0.5  # points: glyph boxes are rounded


@dataclass
class Page:
    number: int
    width: float
    height: float
    text: str
    outside: list[str]  # characters outside the content box, with where they are
    body_bottom: float  # the lowest mark (text or line) inside the body area, from the top


def read(pdf: bytes) -> tuple[list[Page], set[str]]:
    """The pages as laid out, and the names of the embedded fonts."""
    pages, fonts = [], set()
    with pdfplumber.open(BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            outside = []
            left, right = MARGIN_LEFT - TOLERANCE, page.width - MARGIN_RIGHT + TOLERANCE
            body_top, body_bottom = MARGIN_TOP, page.height - MARGIN_BOTTOM
            lowest = body_top
            for char in page.chars:
                fonts.add(char["fontname"])
                if not char["text"].strip():
                    continue
                if (
                    char["x0"] < left
                    or char["x1"] > right
                    or char["top"] < -TOLERANCE
                    or char["bottom"] > page.height + TOLERANCE
                ):
                    outside.append(f"{char['text']!r}@({char['x0']:.0f},{char['top']:.0f})")
                if body_top <= char["top"] and char["bottom"] <= body_bottom:
                    lowest = max(lowest, char["bottom"])
            for mark in page.lines + page.rects:
                if body_top <= mark["top"] and mark["bottom"] <= body_bottom + TOLERANCE:
                    lowest = max(lowest, mark["bottom"])
            text = page.extract_text() or ""
            pages.append(Page(number, page.width, page.height, text, outside, lowest))
    return pages, fonts


def check_form(pdf: bytes, title: str, header: str | None = None) -> list[Page]:
    """Fail unless every page of the form carries its title in the running header, the table
    header `header` (when given) repeats on every page from the one where the table starts up
    to the last but one (the last may hold only what follows the table), no character lies
    outside the content box, a CJK font
    is embedded, and no page but the last is less than half full (a page pushed empty by a row
    that did not fit is a wasted page)."""
    pages, fonts = read(pdf)
    assert pages, "no page"
    flat = [page.text.replace("\n", "").replace(" ", "") for page in pages]
    if header:
        starts = next((n for n, text in enumerate(flat) if header.replace(" ", "") in text), None)
        assert starts is not None, f"no table header {header!r} on any page"
        for page, text in list(zip(pages, flat, strict=True))[starts:-1]:
            assert header.replace(" ", "") in text, f"page {page.number}: no header {header!r}"
    for page, text in zip(pages, flat, strict=True):
        assert title.replace(" ", "") in text, f"page {page.number}: no title {title!r}"
        assert not page.outside, f"page {page.number}: outside the box: {page.outside[:12]}"
    assert any("CJK" in name for name in fonts), f"no CJK font embedded: {fonts}"
    body = pages[0].height - MARGIN_TOP - MARGIN_BOTTOM
    for page in pages[:-1]:
        used = (page.body_bottom - MARGIN_TOP) / body
        assert used > 0.5, f"page {page.number} of {len(pages)} is only {used:.0%} full"
    return pages
