"""Reading an uploaded spreadsheet (.xlsx, .xls, .csv) as rows of plain values, within limits.

Every reader streams: rows are produced one at a time from the bytes, so a 10,000-row file never
becomes 10,000 row objects at once. The limits are checked before the expensive part: an .xlsx
is a zip whose declared uncompressed sizes are summed before openpyxl opens it (a zip bomb
stops here), and openpyxl parses its XML with defusedxml (entity expansion refused).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from flask_babel import gettext as _

from . import xlsx
from .mapping import header_score
from .xlsx import declared_size, first_sheet_path

MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 MB upload
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # what an .xlsx may inflate to
MAX_ZIP_RATIO = 200  # a real sheet compresses ~10:1; a bomb by thousands
MAX_ROWS = 100_000
MAX_COLUMNS = 200
HEADER_SCAN_ROWS = 20  # titles above the header row: look this far down
FORMATS = ("xlsx", "xls", "csv")

Cell = str | int | float | date | datetime | None


class ImportFileError(ValueError):
    """The file cannot be imported; str(error) is the message for the user (translated)."""


def file_format(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in FORMATS:
        raise ImportFileError(_("Upload an .xlsx, .xls or .csv file."))
    return ext


def check_size(size: int) -> None:
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            _(
                "The file is larger than %(mb)d MB; split it into smaller files.",
                mb=MAX_FILE_BYTES // 2**20,
            )
        )


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(n)s rows; split it into smaller files.", n=f"{MAX_ROWS:,}")
    )


def _too_many_columns() -> ImportFileError:
    return ImportFileError(_("The file has more than %(n)d columns.", n=MAX_COLUMNS))


def check_zip(data: bytes) -> None:
    """Refuse an .xlsx whose declared uncompressed size or compression ratio is a bomb's."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportFileError(_("This is not a valid .xlsx file.")) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > 10_000:
            raise ImportFileError(_("This file looks like a zip bomb and was refused."))
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        if total > MAX_UNCOMPRESSED_BYTES or (
            total > 10 * 2**20 and total / packed > MAX_ZIP_RATIO
        ):
            raise ImportFileError(_("This file looks like a zip bomb and was refused."))


def _clean(value: Cell) -> Cell:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)  # phone numbers and counts typed as numbers: 13812345678.0
    return value


def _rows_xlsx(data: bytes, _encoding: str | None = None) -> Iterator[list[Cell]]:
    """The cached values; a formula cell without one (files saved by tools other than Excel)
    is read as its formula text, kept as text, never dropped (importing/xlsx.py)."""
    check_zip(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            path = first_sheet_path(archive)
            size = declared_size(archive, path)
            # the declared dimension is cheap to read; the row count is also enforced below
            if size and size[1] > MAX_COLUMNS:
                raise _too_many_columns()
            if size and size[0] > MAX_ROWS + HEADER_SCAN_ROWS:
                raise _too_many_rows()
            yield from xlsx.read_rows(archive, path)
    except ImportFileError:
        raise
    except (ParseError, DefusedXmlException, KeyError, ValueError, IndexError, TypeError,
            AttributeError, zipfile.BadZipFile, EOFError) as exc:  # fmt: skip
        raise ImportFileError(_("This is not a valid .xlsx file.")) from exc


def _rows_xls(data: bytes, _encoding: str | None = None) -> Iterator[list[Cell]]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as exc:
        raise ImportFileError(_("This is not a valid .xls file.")) from exc
    if sheet.ncols > MAX_COLUMNS:
        raise _too_many_columns()
    if sheet.nrows > MAX_ROWS + HEADER_SCAN_ROWS:
        raise _too_many_rows()
    for r in range(sheet.nrows):
        values: list[Cell] = []
        for cell in sheet.row(r):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    values.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                except (ValueError, OverflowError):
                    values.append(cell.value)
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                values.append(None)
            else:
                values.append(cell.value)
        yield values


# what the preview offers when the detection is unsure (Python codec names)
ENCODINGS = {
    "utf-8-sig": "UTF-8",
    "gb18030": "GB18030 / GBK",
    "big5": "Big5",
    "utf-16": "UTF-16",
}
# charset-normalizer's names -> the codec a whole file is decoded with (GBK and GB2312 are
# subsets of GB18030; UTF-8 with or without BOM both read as utf-8-sig)
_CODEC = {
    "utf_8": "utf-8-sig", "ascii": "utf-8-sig", "gb2312": "gb18030", "gbk": "gb18030",
    "gb18030": "gb18030", "hz": "gb18030", "big5": "big5", "big5hkscs": "big5",
    "cp950": "big5", "utf_16": "utf-16", "utf_16_le": "utf-16-le", "utf_16_be": "utf-16-be",
}  # fmt: skip
DETECT_SAMPLE = 256 * 1024  # the detector reads this much: a 10 MB file costs no more


def detect_encoding(data: bytes) -> tuple[str, bool]:
    """(codec, sure) for a text file, by its byte order mark or charset-normalizer. Unsure
    when nothing fits, or another encoding fits about as well and reads differently (short
    files: a few Chinese characters are valid GBK, Big5 and UTF-16 at once)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    from charset_normalizer import from_bytes

    sample = data[:DETECT_SAMPLE]
    results = list(from_bytes(sample))
    if not results:
        return "gb18030", False
    best = results[0]
    codec = _CODEC.get(best.encoding, best.encoding)
    text = str(best)
    rivals = [
        r for r in results[1:] if r.chaos <= best.chaos + 0.05 and str(r) != text
    ]  # fmt: skip
    sure = best.chaos < 0.2 and not rivals and "\x00" not in text
    return codec, sure


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """The whole file in `encoding` (detected when not given); bytes that do not fit it
    refuse the file with a message, never mojibake."""
    codec = encoding or detect_encoding(data)[0]
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ImportFileError(
            _(
                "The file cannot be read as %(encoding)s; choose another encoding or save it "
                "as UTF-8 CSV.",
                encoding=ENCODINGS.get(codec, codec),
            )
        ) from exc


def _rows_csv(data: bytes, encoding: str | None = None) -> Iterator[list[Cell]]:
    text = decode_text(data, encoding)
    first_line = text[: text.find("\n")] if "\n" in text else text
    # Excel in some locales writes ; or tab separated "CSV": pick the most frequent separator
    delimiter = max([",", ";", "\t"], key=first_line.count)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if len(row) > MAX_COLUMNS:
            raise _too_many_columns()
        yield row


def iter_rows(data: bytes, fmt: str, encoding: str | None = None) -> Iterator[list[Cell]]:
    """All rows of the first sheet, cleaned (stripped, empty -> None, whole floats -> int)."""
    reader = {"xlsx": _rows_xlsx, "xls": _rows_xls, "csv": _rows_csv}[fmt]
    for count, row in enumerate(reader(data, encoding), start=1):
        if count > MAX_ROWS + HEADER_SCAN_ROWS:
            raise _too_many_rows()
        if len(row) > MAX_COLUMNS and any(v not in (None, "") for v in row[MAX_COLUMNS:]):
            raise _too_many_columns()
        yield [_clean(v) for v in row[:MAX_COLUMNS]]


@dataclass
class Sheet:
    """The header row found in the file and how to read the data rows under it."""

    data: bytes
    fmt: str
    header_row: int  # 1-based row number in the file
    headers: list[str]
    encoding: str | None = None  # a CSV's text encoding (detected, or the user's choice)

    def data_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """(row number in the file, values padded to the header width), blank rows skipped."""
        width = len(self.headers)
        for number, row in enumerate(iter_rows(self.data, self.fmt, self.encoding), start=1):
            if number <= self.header_row:
                continue
            if all(v is None for v in row):
                continue
            if number - self.header_row > MAX_ROWS:
                raise _too_many_rows()
            yield number, (row + [None] * width)[:width]


def open_sheet(data: bytes, fmt: str, encoding: str | None = None) -> Sheet:
    """Find the header row: among the first rows, the one naming the most known columns."""

    best: tuple[int, int, list[Cell]] | None = None  # (score, row number, values)
    for number, row in enumerate(iter_rows(data, fmt, encoding), start=1):
        if number > HEADER_SCAN_ROWS:
            break
        if all(v is None for v in row):
            continue
        score = header_score(row)
        if best is None or score > best[0]:
            best = (score, number, row)
    if best is None:
        raise ImportFileError(_("The file has no rows."))
    _score, number, row = best
    last = max((i for i, v in enumerate(row) if v is not None), default=-1)
    headers = [str(v) if v is not None else "" for v in row[: last + 1]]
    return Sheet(data, fmt, number, headers, encoding)


def count_rows(data: bytes, fmt: str, encoding: str | None = None) -> int:
    """The rows of the first sheet, counted without reading their values: an .xlsx by its
    declared dimension, or (no dimension) by its <row> elements streamed from the zip; a CSV
    by the csv module; an .xls by its row count. A file beyond the limit is refused at once
    (within a second or two, not after parsing every cell)."""
    if fmt == "xlsx":
        check_zip(data)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                path = first_sheet_path(archive)
                size = declared_size(archive, path)
                count = (
                    size[0]
                    if size
                    else xlsx.counted_rows(archive, path, MAX_ROWS + HEADER_SCAN_ROWS)
                )
        except (KeyError, ValueError) as exc:
            raise ImportFileError(_("This is not a valid .xlsx file.")) from exc
    elif fmt == "csv":
        count = sum(1 for _ in csv.reader(io.StringIO(decode_text(data, encoding), newline="")))
    else:
        count = sum(1 for _ in _rows_xls(data))
    if count > MAX_ROWS + HEADER_SCAN_ROWS:
        raise _too_many_rows()
    return count
