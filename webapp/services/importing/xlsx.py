"""Reading an .xlsx's first sheet as rows of values, streamed in one pass.

Why not openpyxl's read-only mode: opening a sheet without a <dimension> element (files written
by many tools, openpyxl's own write-only mode among them) parses the whole sheet just to size
it, on every open; a formula cell needs a second, parallel workbook to read both its cached
value and its text. Here one pass of the sheet's XML gives both, and the size is read from the
first bytes or counted from the raw <row> tags. The XML goes through defusedxml (no DTDs, no
entity expansion); openpyxl's public helpers decide which number formats are dates.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from defusedxml.ElementTree import iterparse, parse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')
_REF_RE = re.compile(r"([A-Z]+)(\d+)")
HEAD_BYTES = 64 * 1024  # the <dimension> element comes before <sheetData>, in the first bytes

Value = str | int | float | bool | datetime | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The first sheet's part name, from the workbook and its relationships."""
    try:
        book = parse(archive.open("xl/workbook.xml")).getroot()
        sheet = next(e for e in book.iter() if _local(e.tag) == "sheet")
        rid = sheet.get(REL)
        rels = parse(archive.open("xl/_rels/workbook.xml.rels")).getroot()
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    except (KeyError, StopIteration):
        return "xl/worksheets/sheet1.xml"
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def declared_size(archive: zipfile.ZipFile, path: str) -> tuple[int, int] | None:
    """(rows, columns) from the sheet's <dimension>, None when it has none (or says "A1")."""
    with archive.open(path) as stream:
        head = stream.read(HEAD_BYTES)
    found = _DIMENSION_RE.search(head)
    if not found:
        return None
    rows, columns = int(found.group(2)), column_index_from_string(found.group(1).decode())
    return None if rows <= 1 else (rows, columns)


def counted_rows(archive: zipfile.ZipFile, path: str, stop: int) -> int:
    """<row> elements counted in the raw bytes, streamed (about a second for 100,000 rows);
    stops once past `stop`: a file beyond the limit is refused without reading the rest."""
    count, tail = 0, b""
    with archive.open(path) as stream:
        while count <= stop and (chunk := stream.read(1 << 20)):
            block = tail + chunk
            count += block.count(b"<row ") + block.count(b"<row>")
            # 4 bytes carried over: a 5-byte tag cut by the chunk is counted once, in the next
            # block, and none can be counted twice
            tail = block[-4:]
    return count


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        source = archive.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    strings: list[str] = []
    with source:
        for _event, element in iterparse(source):
            if _local(element.tag) == "si":
                strings.append(_text_of(element))
                element.clear()
    return strings


def _text_of(element) -> str:
    """A string item's text: its <t>, or its rich-text runs' <t>s (phonetic runs left out)."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles whose number format is a date."""
    try:
        root = parse(archive.open("xl/styles.xml")).getroot()
    except KeyError:
        return set()
    formats = dict(BUILTIN_FORMATS)
    styles: list[int] = []
    for element in root:
        name = _local(element.tag)
        if name == "numFmts":
            for fmt in element:
                formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
        elif name == "cellXfs":
            styles = [int(xf.get("numFmtId", "0")) for xf in element]
    return {i for i, fmt_id in enumerate(styles) if is_date_format(formats.get(fmt_id, ""))}


def _epoch(archive: zipfile.ZipFile) -> datetime:
    book = parse(archive.open("xl/workbook.xml")).getroot()
    for element in book:
        if _local(element.tag) == "workbookPr" and element.get("date1904") in ("1", "true"):
            return CALENDAR_MAC_1904
    return CALENDAR_WINDOWS_1900


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


class _Tags:
    """The sheet's element names in its namespace (transitional or strict OOXML): compared
    as whole strings, a million cells cost no string splitting."""

    def __init__(self, root_tag: str) -> None:
        ns = root_tag[: root_tag.index("}") + 1] if root_tag.startswith("{") else ""
        self.row, self.c, self.v, self.f, self.is_ = (ns + n for n in ("row", "c", "v", "f", "is"))
        self.sheet_data = ns + "sheetData"


def read_rows(archive: zipfile.ZipFile, path: str) -> Iterator[list[Value]]:
    """Every row of the sheet from row 1 (missing rows as empty lists, so the numbers are
    Excel's). A formula cell without a cached value gives its formula text ("=SUM(A1:A3)")."""
    shared = _shared_strings(archive)
    dates = _date_styles(archive)
    epoch = _epoch(archive)
    source: IO[bytes] = archive.open(path)
    expected = 1
    tags: _Tags | None = None
    with source:
        parent = None
        for event, element in iterparse(source, events=("start", "end")):
            if tags is None:
                tags = _Tags(element.tag)
            if event == "start":
                if element.tag == tags.sheet_data:
                    parent = element
                continue
            if element.tag != tags.row:
                continue
            number = int(element.get("r") or expected)
            while expected < number:
                yield []
                expected += 1
            yield _row_values(element, tags, shared, dates, epoch)
            expected = number + 1
            element.clear()
            if parent is not None:
                parent.remove(element)  # the parsed tree never grows with the sheet


def _row_values(
    row, tags: _Tags, shared: list[str], dates: set[int], epoch: datetime
) -> list[Value]:
    values: list[Value] = []
    for cell in row:
        if cell.tag != tags.c:
            continue
        ref = cell.get("r")
        if ref:
            column = column_index_from_string(_REF_RE.match(ref).group(1)) - 1
            if column > len(values):
                values.extend([None] * (column - len(values)))
        values.append(_cell_value(cell, tags, shared, dates, epoch))
    return values


def _cell_value(cell, tags: _Tags, shared: list[str], dates: set[int], epoch: datetime) -> Value:
    kind = cell.get("t", "n")
    raw = formula = None
    inline = ""
    for child in cell:
        tag = child.tag
        if tag == tags.v:
            raw = child.text
        elif tag == tags.f:
            formula = child.text
        elif tag == tags.is_:
            inline = _text_of(child)
    if kind == "inlineStr":
        return inline
    if raw is None:
        # no cached value (a file saved by a tool other than Excel): the formula as text
        return f"={formula}" if formula else None
    if kind == "s":
        return shared[int(raw)]
    if kind in ("str", "e"):
        return raw if kind == "str" else None
    if kind == "b":
        return raw == "1"
    if kind == "d":
        return datetime.fromisoformat(raw)
    value = _number(raw)
    if int(cell.get("s") or 0) in dates:
        return from_excel(value, epoch)
    return value
