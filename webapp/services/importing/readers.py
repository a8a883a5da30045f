"""Reading an uploaded spreadsheet (.xlsx, .xls, .csv) as rows of plain values, within limits.

Every reader streams: rows are produced one at a time from the bytes, so a 10,000-row file never
becomes 10,000 row objects at once. The limits are checked before the expensive part: an .xlsx
is a zip whose declared uncompressed sizes are summed before openpyxl opens it (a zip bomb
stops here), and openpyxl parses its XML with defusedxml (entity expansion refused).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from .mapping import header_score

MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 MB upload
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # what an .xlsx may inflate to
MAX_ZIP_RATIO = 200  # a real sheet compresses ~10:1; a bomb by thousands
MAX_ROWS = 50_000
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


def _rows_xlsx(data: bytes) -> Iterator[list[Cell]]:
    import openpyxl

    check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(_("This is not a valid .xlsx file.")) from exc
    try:
        sheet = book.worksheets[0]
        # the declared dimension is cheap to read; the row count is also enforced while reading
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise _too_many_columns()
        if (sheet.max_row or 0) > MAX_ROWS + HEADER_SCAN_ROWS:
            raise _too_many_rows()
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # broken XML, forbidden entities (defusedxml)
                raise ImportFileError(_("This is not a valid .xlsx file.")) from exc
            yield list(row)
    finally:
        book.close()


def _rows_xls(data: bytes) -> Iterator[list[Cell]]:
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


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; Chinese Excel saves CSV in GBK, a subset of GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file's text encoding was not recognised; save it as UTF-8 CSV."))


def _rows_csv(data: bytes) -> Iterator[list[Cell]]:
    text = decode_text(data)
    first_line = text[: text.find("\n")] if "\n" in text else text
    # Excel in some locales writes ; or tab separated "CSV": pick the most frequent separator
    delimiter = max([",", ";", "\t"], key=first_line.count)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if len(row) > MAX_COLUMNS:
            raise _too_many_columns()
        yield row


def iter_rows(data: bytes, fmt: str) -> Iterator[list[Cell]]:
    """All rows of the first sheet, cleaned (stripped, empty -> None, whole floats -> int)."""
    reader = {"xlsx": _rows_xlsx, "xls": _rows_xls, "csv": _rows_csv}[fmt]
    for count, row in enumerate(reader(data), start=1):
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

    def data_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """(row number in the file, values padded to the header width), blank rows skipped."""
        width = len(self.headers)
        for number, row in enumerate(iter_rows(self.data, self.fmt), start=1):
            if number <= self.header_row:
                continue
            if all(v is None for v in row):
                continue
            if number - self.header_row > MAX_ROWS:
                raise _too_many_rows()
            yield number, (row + [None] * width)[:width]


def open_sheet(data: bytes, fmt: str) -> Sheet:
    """Find the header row: among the first rows, the one naming the most known columns."""

    best: tuple[int, int, list[Cell]] | None = None  # (score, row number, values)
    for number, row in enumerate(iter_rows(data, fmt), start=1):
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
    return Sheet(data, fmt, number, headers)
