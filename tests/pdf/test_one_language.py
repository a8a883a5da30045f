"""A form printed in one language is in that language throughout: labels, countries, charges
and currency names, whoever entered the values and in which interface language."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from tests.factories import make_customer, make_order, make_report, make_report_row
from webapp.services.printing import line_in_language


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    reader = PdfReader(BytesIO(response.data))
    return " ".join(page.extract_text().replace("\n", " ") for page in reader.pages)


@pytest.mark.parametrize(
    ("column", "stored", "zh", "en"),
    [
        ("country", "德国", "德国", "Germany"),
        ("country", "Germany", "德国", "Germany"),
        ("country", "Atlantis", "Atlantis", "Atlantis"),  # not a country: as written
        ("terms", "免费", "免费", "Free"),
        ("terms", "Charged US$120.00", "收费 US$120.00", "Charged US$120.00"),
        ("contact", "德国", "德国", "德国"),  # only countries and charges are translated
    ],
)
def test_report_line_values_print_in_the_forms_language(app, column, stored, zh, en):
    from flask_babel import force_locale

    with app.test_request_context():
        for locale, expected in (("zh", zh), ("en", en)):
            with force_locale(locale):
                assert line_in_language(column, stored) == expected


def test_english_weekly_report_translates_lines_filled_in_chinese(client_a, company_a, app):
    report = make_report(app, company_a, date(2026, 11, 16))
    make_report_row(app, company_a, report, "line", section="sample", country="德国",
                    item="LED灯板 P3", terms="免费")  # fmt: skip
    text = _text(client_a.get(f"/t/{company_a.slug}/reports/{report}.pdf?lang=en"))
    assert "Germany" in text and "Free" in text
    assert "德国" not in text and "免费" not in text


def test_english_order_form_names_the_currency_in_english(client_a, company_a, app):
    customer = make_customer(app, company_a, "Nordlicht GmbH", country="DE")
    order = make_order(app, company_a, customer, "SC-77")
    url = f"/t/{company_a.slug}/print/orders/{order}/order.pdf"
    client_a.get(f"/t/{company_a.slug}/")  # the member's UI language stays Chinese
    en = _text(client_a.get(url + "?lang=en"))
    assert "USD — US Dollar" in en and "美元" not in en
    assert "5. Other" in en and "(4) Claims and deductions" in en and "Total claims" in en
    zh = _text(client_a.get(url + "?lang=zh"))
    assert "USD — 美元" in zh
