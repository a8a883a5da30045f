"""The rows an import cannot take, as an .xlsx to fix and upload again: the file's own header
row and values, and a "Problem" column with every reason (the import ignores that column).

Not imported by the package's __init__: it writes through services/exporting, which reads the
import's column names (importing.mapping)."""

from __future__ import annotations

import io
from datetime import date, datetime

from flask_babel import gettext as _

from ...models import ImportBatch
from ..exporting import is_dangerous
from .core import parsed_rows, row_context, sheet_of


def problems_xlsx(batch: ImportBatch, today: date) -> tuple[bytes, int]:
    """(the workbook, how many rows it holds). Streams: a row is read, parsed and written at
    once, so a large file's bad rows never sit in memory together."""
    from openpyxl import Workbook  # as exporting does: openpyxl loads when a sheet is written
    from openpyxl.cell import WriteOnlyCell

    sheet = sheet_of(batch)
    book = Workbook(write_only=True)
    out = book.create_sheet(_("Problems"))
    out.append([*sheet.headers, _("Problem")])
    rows = parsed_rows(batch, row_context(batch, today))
    reasons = {row.number: row.errors for row in rows if row.errors}
    count = 0
    for number, values in sheet.data_rows():
        errors = reasons.get(number)
        if not errors:
            continue
        count += 1
        cells = []
        for value in [*values, _("Row %(row)d: %(reason)s", row=number, reason=" ".join(errors))]:
            cell = WriteOnlyCell(out, value=value)
            if is_dangerous(value):
                cell.data_type = "s"  # formula text stays text, never runs
            elif isinstance(value, datetime | date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        out.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count
