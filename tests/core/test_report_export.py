"""The XLSX writer of report exports: rows past a worksheet's limit go on to further
sheets, each with the header, and nothing is lost or written as a formula."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from amity.core.reports.export import sheet_name, write_xlsx


def test_rows_past_a_sheets_limit_go_on_to_numbered_sheets(tmp_path: Path) -> None:
    path = str(tmp_path / "run.xlsx")
    rows = [
        {"name": f"=HYPERLINK({n})" if n == 5 else f"Deal {n}", "amount": str(n)} for n in range(7)
    ]
    write_xlsx(path, [("name", False), ("amount", True)], iter(rows), "Deals", sheet_rows=4)

    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Deals", "Deals (2)", "Deals (3)"]
    read: list[tuple[object, ...]] = []
    for sheet in book.worksheets:
        lines = list(sheet.iter_rows(values_only=True))
        assert lines[0] == ("name", "amount")  # every sheet has the header
        assert 1 < len(lines) <= 4
        read += lines[1:]
    assert read == [(row["name"], int(row["amount"])) for row in rows]
    formula = book["Deals (2)"]["A4"]
    assert formula.value == "=HYPERLINK(5)" and formula.data_type == "s"  # text, not a formula


def test_sheet_names_stay_within_excels_rules() -> None:
    long = "Pipeline by stage: [all] regions / 2026"
    assert sheet_name(long) == "Pipeline by stage_ _all_ region"
    assert len(sheet_name(long, 12)) == 31 and sheet_name(long, 12).endswith(" (12)")
    assert sheet_name("") == "Report"
