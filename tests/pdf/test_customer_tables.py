"""The three forms that list customers — 外贸人员客户跟进表, 国外客户跟踪表 and 客户分级 — print
what the paper shows, for the customers the list's filters select, and the list links them."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pdfplumber
import pytest

from tests.factories import add_member, make_contact, make_customer, make_followup


@pytest.fixture
def customers(app, company_a):
    sales = add_member(app, company_a, "sales@alpha.example.com", {"sales"}, "张伟")
    red = make_customer(app, company_a, "Nordlicht Projektoren GmbH", grade="A", country="DE",
                        nature="trading", sincerity=90, stages=0b1000001, status="negotiating",
                        importance="very_important", products="LCD projectors",
                        owner_id=sales)  # fmt: skip
    blue = make_customer(app, company_a, "Tokyo Visual KK", grade="B", country="JP",
                         owner_id=sales)  # fmt: skip
    other = make_customer(app, company_a, "Not Hers Ltd", grade="C", country="CN")
    make_contact(app, company_a, red, "Jonas Weber", email="jonas@nordlicht.example.com")
    for n in range(1, 10):
        make_followup(app, company_a, red, f"Round {n}", on_date=date(2026, 11, n))
    return {"sales": sales, "red": red, "blue": blue, "other": other}


def _pdf(client, url: str) -> tuple[str, list]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    with pdfplumber.open(BytesIO(response.data)) as pdf:
        text = " ".join((page.extract_text() or "").replace("\n", " ") for page in pdf.pages)
        chars = [c for page in pdf.pages for c in page.chars]
    return text, chars


def test_staff_table_for_one_salesperson(client_a, company_a, customers):
    base = f"/t/{company_a.slug}/print/customers/staff.pdf?owner={customers['sales']}"
    text, chars = _pdf(client_a, base + "&lang=en")
    assert "Nordlicht Projektoren GmbH" in text and "Tokyo Visual KK" in text
    assert "Not Hers Ltd" not in text  # another salesperson's customer
    assert "Operator:张伟" in text.replace(": ", ":")  # 操作人: the salesperson the table is for
    words = set(text.split())
    assert {"Trading", "Foreign", "90%", "Negotiating"} <= words
    assert "Round 9" in text  # the newest follow-up
    assert text.count("☑") == 2  # 报价 and 出货 ticked
    grade_colours = {c["non_stroking_color"] for c in chars if c["text"] in "AB" and c["size"] < 9}
    assert (0.7529, 0, 0) in {
        tuple(round(v, 4) for v in colour) for colour in grade_colours if colour
    }
    zh, _chars = _pdf(client_a, base + "&lang=zh")
    assert "操作人" in zh and "贸易商" in zh and "国外" in zh


def test_tracking_table_shows_stars_holidays_and_the_newest_seven_rounds(
    client_a, company_a, customers
):
    text, _chars = _pdf(client_a, f"/t/{company_a.slug}/print/customers/tracking.pdf?grade=A")
    assert "★★★" in text
    assert "jonas@" in text and "LCD" in text  # e-mail and products (wrapped in their cells)
    assert "Round 9" in text and "Round 3" in text and "Round 2" not in text  # 7 newest
    page_width = 842  # A4 landscape
    assert all(c["x1"] < page_width for c in _chars)


def test_grade_book_lists_each_grade_under_its_rule(client_a, company_a, customers):
    text, _chars = _pdf(client_a, f"/t/{company_a.slug}/print/customers/grades.pdf?lang=en")
    a, b, c = (text.index(name) for name in ("Nordlicht", "Tokyo Visual", "Not Hers"))
    assert text.index("Grade A") < a < text.index("Grade B") < b < text.index("Grade C") < c
    assert "Strong large buyers" in text  # the paper's rule for A


def test_customer_list_links_the_three_forms(client_a, company_a, customers):
    page = client_a.get(f"/t/{company_a.slug}/customers/?grade=A").get_data(as_text=True)
    for form in ("staff", "tracking", "grades"):
        assert f"/t/{company_a.slug}/print/customers/{form}.pdf?grade=A" in page
