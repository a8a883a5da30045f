"""Every paper form as a PDF: it opens, holds the filled values and the labels in the chosen
language, embeds a CJK font, and long tables continue onto further pages."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from tests.factories import (
    company_today,
    make_contact,
    make_customer,
    make_followup,
    make_order,
    make_order_row,
)

CUSTOMER = "深圳市华彩数码科技有限公司"


@pytest.fixture
def filled(app, company_a):
    customer = make_customer(app, company_a, CUSTOMER, country="CN", industry="投影仪贸易")
    make_contact(app, company_a, customer, "黄海涛", title="采购经理", wechat="hht-2026",
                 mobile="+8613826550110", is_primary=True)  # fmt: skip
    make_followup(app, company_a, customer, "报价跟进", content="客户比较两家供应商的价格",
                  category="intent", on_date=date.today() - timedelta(days=3))  # fmt: skip
    visit = make_followup(app, company_a, customer, "工厂参观", method="visit_invited",
                          preparation="准备样品和报价单", result="客户确认下单意向",
                          on_date=date.today())  # fmt: skip
    order = make_order(app, company_a, customer, "HC-2026-007")
    make_order_row(app, company_a, order, "payment")
    return {"customer": customer, "visit": visit, "order": order}


def _urls(company, ids) -> dict[str, str]:
    base = f"/t/{company.slug}/print"
    return {
        "followup_log": f"{base}/customers/{ids['customer']}/followups.pdf",
        "customer_sheet": f"{base}/customers/{ids['customer']}/sheet.pdf",
        "visit": f"{base}/followups/{ids['visit']}/visit.pdf",
        "order": f"{base}/orders/{ids['order']}/order.pdf",
        "contacts": f"{base}/contacts.pdf",
    }


# a filled value and a label per form, in each language
EXPECTED = {
    "followup_log": ("报价跟进", {"zh": "跟进方式", "en": "Method"}),
    "customer_sheet": ("投影仪贸易", {"zh": "行业及主营业务", "en": "Industry and main business"}),
    "visit": ("准备样品和报价单", {"zh": "拜访准备", "en": "Preparation"}),
    "order": ("HC-2026-007", {"zh": "合同号", "en": "Contract no."}),
    "contacts": ("hht-2026", {"zh": "微信", "en": "WeChat"}),
}


def _read(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    # labels may wrap inside a table cell: compare with line breaks as spaces
    text = " ".join(page.extract_text().replace("\n", " ") for page in reader.pages)
    return reader, text


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object().get("/BaseFont")))
    return names


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form", sorted(EXPECTED))
def test_form_prints_filled_values_and_labels(client_a, company_a, filled, form, lang):
    reader, text = _read(client_a.get(_urls(company_a, filled)[form] + f"?lang={lang}"))
    value, labels = EXPECTED[form]
    assert len(reader.pages) >= 1
    assert value in text
    assert labels[lang] in text
    assert "None" not in text  # empty fields print as lines to fill in, never "None"
    assert any("CJK" in name for name in _fonts(reader)), _fonts(reader)


def test_download_has_a_meaningful_chinese_file_name(app, client_a, company_a, filled):
    url = _urls(company_a, filled)["followup_log"]
    opened = client_a.get(url)
    assert opened.headers["Content-Disposition"].startswith("inline")
    saved = client_a.get(url + "?download=1&lang=zh")
    disposition = saved.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''" in disposition
    assert "%E6%B7%B1%E5%9C%B3" in disposition  # 深圳, percent-encoded
    # dated the company's day: at 17:00 UTC it is already tomorrow in Shenzhen
    assert company_today(app, company_a).isoformat() in disposition


def test_long_log_continues_with_header_repeated(app, client_a, company_a):
    customer = make_customer(app, company_a, "Long History GmbH")
    start = date.today() - timedelta(days=400)
    for i in range(200):
        make_followup(app, company_a, customer, f"Call {i + 1}", on_date=start + timedelta(days=i))
    reader, _text = _read(
        client_a.get(f"/t/{company_a.slug}/print/customers/{customer}/followups.pdf?lang=en")
    )
    assert len(reader.pages) > 5
    pages = [page.extract_text() for page in reader.pages]
    assert all("Followed up by" in page for page in pages[1:]), "table header not repeated"
    assert all(f"Page {n} / {len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert "Call 200" in pages[-1] and "Call 1\n" in pages[0] + "\n"


def test_visit_record_only_for_visits(app, client_a, company_a):
    customer = make_customer(app, company_a, "Phone Only Ltd")
    call = make_followup(app, company_a, customer, "Just a call")
    assert client_a.get(f"/t/{company_a.slug}/print/followups/{call}/visit.pdf").status_code == 404


def test_fetcher_serves_only_static_files(app):
    from webapp.pdf import StaticOnlyFetcher

    fetcher = StaticOnlyFetcher(app.static_folder)
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("https://example.com/logo.png")
    response = fetcher.fetch(f"file://{app.static_folder}/css/app.css")
    assert b"grade" in response.read()
