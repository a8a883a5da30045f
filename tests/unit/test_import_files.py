"""Reading uploads: every format and encoding, header detection under titles, and the limits
(oversized, too many rows or columns, a zip bomb, XML entities)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
import xlwt
from flask_babel import force_locale
from openpyxl import Workbook

from webapp.services.importing import readers
from webapp.services.importing.mapping import guess_mapping
from webapp.services.importing.readers import ImportFileError, check_size, open_sheet


@pytest.fixture
def en(app):
    """A request context in English (messages are asserted in English)."""
    with app.test_request_context(), force_locale("en"):
        yield


ROWS = [
    ["国外客户跟踪表 2026"],
    [],
    ["重要性", "产品", "联系人", "国家", "类型", "公司", "邮箱", "电话", "跟进记录"],
    ["重要", "LCD projector", "John Smith", "美国", "Trading company", "Acme Inc",
     "john@acme-usa.com", 13812345678, "3/11 send quotation; 3/10: reply RFQ"],
    ["非常重要", "LED", "Anna Müller", "德国", "Buying office", "Nordlicht GmbH",
     "anna@nordlicht.de", None, None],
]  # fmt: skip


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls_bytes(rows) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("客户")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode(encoding)


FIXTURES = {
    "xlsx": lambda: xlsx_bytes(ROWS),
    "xls": lambda: xls_bytes(ROWS),
    "csv-utf8": lambda: csv_bytes(ROWS, "utf-8"),
    "csv-bom": lambda: csv_bytes(ROWS, "utf-8-sig"),
    "csv-gbk": lambda: csv_bytes(ROWS, "gbk"),
    "csv-gb18030": lambda: csv_bytes(ROWS, "gb18030"),
}


@pytest.mark.parametrize("kind", FIXTURES)
def test_every_format_and_encoding_reads_the_same(en, app, kind):
    fmt = kind.split("-")[0]
    with force_locale("en"):
        sheet = open_sheet(FIXTURES[kind](), fmt)
        assert sheet.header_row == 3  # below the title and a blank row
        assert sheet.headers[5] == "公司"
        rows = list(sheet.data_rows())
    assert [number for number, _ in rows] == [4, 5]
    first = rows[0][1]
    assert first[2] == "John Smith" and first[3] == "美国" and first[6] == "john@acme-usa.com"
    assert str(first[7]) == "13812345678"  # a phone typed as a number: no ".0"
    assert rows[1][1][2] == "Anna Müller"


def test_semicolon_separated_csv(en, app):
    data = "公司;国家\nAcme;US\n".encode()
    with force_locale("en"):
        sheet = open_sheet(data, "csv")
        assert sheet.headers == ["公司", "国家"]
        assert list(sheet.data_rows()) == [(2, ["Acme", "US"])]


def test_header_detection_with_english_names_and_no_title(en, app):
    rows = [
        ["Company", "Contact name", "E-mail", "Country", "Follow-up log"],
        ["A", "B", None, "DE", None],
    ]
    with force_locale("en"):
        sheet = open_sheet(xlsx_bytes(rows), "xlsx")
        assert sheet.header_row == 1
        assert guess_mapping(sheet.headers) == [
            "name",
            "contact_name",
            "contact_email",
            "country",
            "log",
        ]


def test_undecodable_text_and_wrong_extensions(en, app):
    with force_locale("en"):
        with pytest.raises(ImportFileError, match="xlsx, .xls or .csv"):
            readers.file_format("customers.numbers")
        with pytest.raises(ImportFileError):
            open_sheet(b"not a zip", "xlsx")
        with pytest.raises(ImportFileError):
            open_sheet(b"not an xls", "xls")


def test_oversized_and_empty_files(en, app):
    with force_locale("en"):
        with pytest.raises(ImportFileError, match="larger than 10 MB"):
            check_size(readers.MAX_FILE_BYTES + 1)
        with pytest.raises(ImportFileError, match="empty"):
            check_size(0)


def test_too_many_rows(en, app, monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 5)
    rows = [["公司", "国家"]] + [[f"C{i}", "DE"] for i in range(10)]
    with force_locale("en"):
        for data, fmt in (
            (csv_bytes(rows), "csv"),
            (xlsx_bytes(rows), "xlsx"),
            (xls_bytes(rows), "xls"),
        ):
            with pytest.raises(ImportFileError, match="more than 5 rows"):
                sheet = open_sheet(data, fmt)
                list(sheet.data_rows())


def test_too_many_columns(en, app):
    rows = [["公司"] + [f"c{i}" for i in range(250)], ["A"] * 251]
    with force_locale("en"):
        for data, fmt in ((csv_bytes(rows), "csv"), (xlsx_bytes(rows), "xlsx")):
            with pytest.raises(ImportFileError, match="more than 200 columns"):
                open_sheet(data, fmt)


def test_zip_bomb_is_refused_before_opening(en, app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < readers.MAX_FILE_BYTES  # small on disk, 300 MB inflated
    with pytest.raises(ImportFileError, match="zip bomb"):
        open_sheet(data, "xlsx")


def test_xml_entities_are_not_expanded(en, app):
    """A billion-laughs sheet: openpyxl parses with defusedxml, which refuses the entities."""
    good = xlsx_bytes([["公司"], ["Acme"]])
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(good))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = laughs.encode()
            archive.writestr(info.filename, content)
    with pytest.raises(ImportFileError):
        sheet = open_sheet(buffer.getvalue(), "xlsx")
        list(sheet.data_rows())
