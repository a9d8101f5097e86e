"""A run's rows as CSV or XLSX, streamed: rows are read in batches and written as they
come, so a million-row export holds one batch in memory (XLSX: xlsxwriter's
constant_memory mode writes each row to a temporary file; the finished workbook is then
sent from disk in chunks).

Spreadsheet formulas never come from data: in XLSX every text cell is written with
write_string; in CSV a text value that begins with =, +, -, @, a tab or a carriage
return gets a leading apostrophe (OWASP's advice against CSV injection), which
spreadsheet programs show as text. Number columns are written as numbers in both.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import xlsxwriter

from amity.core.reports.execute import Layout
from amity.core.reports.reader_dates import ReaderDates

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024
FLUSH_ROWS = 1000  # CSV rows per chunk sent
SHEET_ROWS = 1_048_576  # Excel's rows per worksheet: longer runs go on to further sheets


def safe_text(value: str) -> str:
    """A CSV text cell that no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_cell(value: Any, numeric: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if numeric or not isinstance(value, str):
        return value
    return safe_text(value)


def csv_chunks(layout: Layout, rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """The run as CSV (UTF-8 with a BOM, which spreadsheet programs need to read UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([name for name, _ in layout])
    pending = 0
    for row in rows:
        writer.writerow([csv_cell(row.get(name), numeric) for name, numeric in layout])
        pending += 1
        if pending >= FLUSH_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode()


def xlsx_chunks(
    layout: Layout, rows: Iterable[dict[str, Any]], sheet: str, dates: ReaderDates | None = None
) -> Iterator[bytes]:
    """The run as an XLSX workbook, built in a temporary file and then read out."""
    handle, path = tempfile.mkstemp(prefix="amity-report-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, layout, rows, sheet, dates=dates)
        with open(path, "rb") as built:
            while chunk := built.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def write_xlsx(
    path: str,
    layout: Layout,
    rows: Iterable[dict[str, Any]],
    sheet: str,
    sheet_rows: int = SHEET_ROWS,
    dates: ReaderDates | None = None,
) -> None:
    """The workbook: a header row, then the rows; past `sheet_rows` rows (the header
    included) the rest go on to sheets "name (2)", "name (3)", ..., each with the header.
    Date columns (`dates`) are date cells in the reader's zone and formats."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    try:
        bold = workbook.add_format({"bold": True})
        date_formats = (
            {
                name: workbook.add_format({"num_format": dates.excel_format(name)})
                for name in dates.kinds
            }
            if dates
            else {}
        )

        def new_sheet(number: int) -> Any:
            worksheet = workbook.add_worksheet(sheet_name(sheet, number))
            for col, (name, _) in enumerate(layout):
                worksheet.write_string(0, col, name, bold)
            return worksheet

        number, line = 1, 0
        worksheet = new_sheet(number)
        for row in rows:
            line += 1
            if line == sheet_rows:
                number, line = number + 1, 1
                worksheet = new_sheet(number)
            for col, (name, numeric) in enumerate(layout):
                value = row.get(name)
                when = dates.value(name, value) if dates and name in date_formats else None
                if when is not None:
                    worksheet.write_datetime(line, col, when, date_formats[name])
                else:
                    write_cell(worksheet, line, col, value, numeric)
    finally:
        workbook.close()


def write_cell(worksheet: Any, row: int, col: int, value: Any, numeric: bool) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif numeric and isinstance(value, (int, float)):
        worksheet.write_number(row, col, value)
    elif numeric and isinstance(value, str):
        try:
            worksheet.write_number(row, col, float(Decimal(value)))
        except ArithmeticError:
            worksheet.write_string(row, col, value)
    else:
        worksheet.write_string(row, col, value if isinstance(value, str) else str(value))


def sheet_name(name: str, number: int = 1) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\; the
    sheets after the first are numbered "name (2)"."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Report"
    suffix = f" ({number})" if number > 1 else ""
    return cleaned[: 31 - len(suffix)] + suffix
