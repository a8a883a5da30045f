"""The weekly inquiry report prints like the paper: A4 portrait, the counts, the three tables,
the summary and the note, in Chinese and in English, with a CJK font embedded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from tests.factories import make_inquiry, make_report, make_report_row

# labels already in the catalogs (the report's own new strings, e.g. 阿里巴巴客户跟进一览表, are
# added to translations/ by the lead after the merge)
LABELS = {
    "zh": ("业务员", "状态"),
    "en": ("Salesperson", "This week's summary"),
}


@pytest.fixture
def report_id(app, company_a):
    monday = date(2026, 11, 16)
    make_inquiry(app, company_a, "Nordlicht", received_at=datetime(2026, 11, 17, 2, tzinfo=UTC))
    report_id = make_report(
        app,
        company_a,
        monday,
        target_inquiries=12,
        overview="询盘主要来自阿里巴巴",
        market_text="欧洲需求平稳",
        submitted_at=datetime(2026, 11, 22, 11, tzinfo=UTC),
    )
    make_report_row(
        app,
        company_a,
        report_id,
        "line",
        section="sample",
        item="LED灯板 P3",
        quantity="2 pcs",
        terms="免费",
    )
    make_report_row(
        app,
        company_a,
        report_id,
        "line",
        section="deal",
        item="Contract GV-01",
        terms="$12,500.00",
        position=1,
    )
    make_report_row(app, company_a, report_id, "comment", body="跟进迪拜客户的试单")
    return report_id


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_weekly_report_pdf(client_a, company_a, report_id, lang):
    url = f"/t/{company_a.slug}/reports/{report_id}.pdf?lang={lang}"
    response = client_a.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    text = " ".join(page.extract_text().replace("\n", " ") for page in reader.pages)
    title, summary = LABELS[lang]
    assert title in text and summary in text
    for value in ("LED灯板 P3", "Contract GV-01", "欧洲需求平稳", "跟进迪拜客户的试单", "12"):
        assert value in text
    assert "None" not in text
    box = reader.pages[0].mediabox
    assert float(box.width) < float(box.height)  # A4 portrait
    assert round(float(box.width)) == 595
    fonts = {
        str(ref.get_object().get("/BaseFont"))
        for page in reader.pages
        for ref in page.get("/Resources", {}).get("/Font", {}).values()
    }
    assert any("CJK" in name for name in fonts), fonts


def test_download_names_the_report(client_a, company_a, report_id):
    response = client_a.get(f"/t/{company_a.slug}/reports/{report_id}.pdf?lang=en&download=1")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "2026-W47" in disposition
