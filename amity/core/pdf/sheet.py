"""Any other record as a sheet of its detail layout: panels of labelled values."""

from __future__ import annotations

from fpdf.fonts import FontFace

from amity.core.i18n import Languages
from amity.core.pdf.canvas import GREY, MARGIN, SMALL_SIZE, Canvas
from amity.core.pdf.fmt import Formatter, printable
from amity.core.pdf.model import RecordSheet

LABEL = FontFace(color=GREY)
WIDTH = 180.0


def render_record_sheet(
    sheet: RecordSheet, locale: str, *, languages: Languages | None = None
) -> bytes:
    """The record sheet as PDF bytes, its labels in `locale`'s language; values print as
    given (the caller formats them)."""
    fmt = Formatter(locale, "", languages)
    title = fmt.label(sheet.title)
    pdf = Canvas(fmt, " - ".join(part for part in (title, sheet.name) if part))
    if sheet.company is not None and sheet.company.name:
        pdf.use(size=SMALL_SIZE)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(0, 4, printable(sheet.company.name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    pdf.text_block(title, "", 10, 5)
    pdf.text_block(sheet.name, "B", 16, 7.5)
    for panel in sheet.panels:
        if not panel.fields:
            continue
        pdf.ln(2)
        if panel.label:
            pdf.heading(fmt.label(panel.label))
        pdf.use()
        with pdf.table(
            width=WIDTH,
            col_widths=(55, 125),
            text_align=("LEFT", "LEFT"),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=4.5,
            padding=(1.2, 1.2),
            v_align="TOP",
        ) as table:
            for label, value in panel.fields:
                row = table.row()
                row.cell(printable(fmt.label(label)), style=LABEL)
                row.cell(printable(value))
        pdf.set_x(MARGIN)
    return pdf.render()
