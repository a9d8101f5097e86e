"""A tally object (invoice, quote, order, ...) as a printed document."""

from __future__ import annotations

from collections.abc import Iterator

from fpdf.fonts import FontFace
from fpdf.table import Table

from amity.core.i18n import Languages
from amity.core.pdf.canvas import BODY_SIZE, GREY, MARGIN, SMALL_SIZE, Canvas
from amity.core.pdf.fmt import Formatter, printable
from amity.core.pdf.model import Adjustment, Comment, Group, Line, Party, PrintedDocument

# The lines table: (English heading, width in mm, alignment); 180 mm is A4 within margins.
COLUMNS = (
    ("Qty", 13, "RIGHT"),
    ("Item", 63, "LEFT"),
    ("Part No.", 26, "LEFT"),
    ("Unit Price", 26, "RIGHT"),
    ("Ext. Price", 26, "RIGHT"),
    ("Net Price", 26, "RIGHT"),
)
WIDTH = 180.0
HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
BOLD = FontFace(emphasis="BOLD")
ITALIC = FontFace(emphasis="ITALICS")
GROUP_ROW = FontFace(emphasis="BOLD", fill_color=(246, 246, 246))
DEFAULT_KIND_LABELS = {"discount": "Discount", "tax": "Tax", "shipping": "Shipping"}


def render_document(
    doc: PrintedDocument,
    locale: str,
    *,
    languages: Languages | None = None,
    date_pattern: str = "medium",
) -> bytes:
    """The document as PDF bytes, its numbers, dates and labels in `locale` ("de",
    "en-US"); `languages` are the catalogs to translate with (the built-in ones if None);
    dates print in `date_pattern` (a Babel pattern; the locale's medium format by default)."""
    fmt = Formatter(locale, doc.currency, languages, date_pattern)
    title = fmt.label(doc.title)
    pdf = Canvas(fmt, " ".join(part for part in (title, doc.number) if part))
    _letterhead(pdf, fmt, doc, title)
    _parties(pdf, fmt, doc)
    _lines(pdf, fmt, doc.groups)
    _totals(pdf, fmt, doc)
    _payments(pdf, fmt, doc)
    if doc.terms.strip():
        pdf.heading(fmt.label("Terms"))
        pdf.text_block(doc.terms)
    if doc.description.strip():
        pdf.heading(fmt.label("Description"))
        pdf.text_block(doc.description)
    return pdf.render()


def _letterhead(pdf: Canvas, fmt: Formatter, doc: PrintedDocument, title: str) -> None:
    """The company at the left; title, number and dates at the right."""
    top = pdf.get_y()
    pdf.use("B", 14)
    pdf.multi_cell(100, 6.5, printable(doc.company.name), new_x="LMARGIN", new_y="NEXT")
    pdf.use(size=BODY_SIZE - 0.5)
    pdf.set_text_color(*GREY)
    for line in doc.company.address:
        pdf.multi_cell(100, 4, printable(line), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    left_bottom = pdf.get_y()

    x, width = MARGIN + 100, WIDTH - 100
    pdf.set_xy(x, top)
    pdf.use("B", 18)
    pdf.multi_cell(width, 8, printable(title), align="R", new_x="LEFT", new_y="NEXT")
    if doc.number:
        pdf.use(size=11)
        pdf.multi_cell(width, 5.5, printable(doc.number), align="R", new_x="LEFT", new_y="NEXT")
    pdf.use()
    for labelled in doc.dates:
        text = f"{fmt.label(labelled.label)}: {fmt.date(labelled.value)}"
        pdf.multi_cell(width, 4.5, printable(text), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(MARGIN, max(left_bottom, pdf.get_y()) + 6)


def _parties(pdf: Canvas, fmt: Formatter, doc: PrintedDocument) -> None:
    """Billing and shipping parties side by side."""
    shown = [
        (party, default)
        for party, default in ((doc.billing, "Bill To"), (doc.shipping, "Ship To"))
        if party is not None
    ]
    if not shown:
        return
    top, bottom = pdf.get_y(), pdf.get_y()
    for column, (party, default) in enumerate(shown):
        bottom = max(bottom, _party(pdf, fmt, party, default, MARGIN + column * 95, top))
    pdf.set_xy(MARGIN, bottom + 6)


def _party(pdf: Canvas, fmt: Formatter, party: Party, default: str, x: float, y: float) -> float:
    width = 85
    pdf.set_xy(x, y)
    pdf.use("B", SMALL_SIZE)
    pdf.set_text_color(*GREY)
    label = fmt.label(party.label or default).upper()
    pdf.multi_cell(width, 4, printable(label), new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.use("B")
    pdf.multi_cell(width, 4.5, printable(party.name), new_x="LEFT", new_y="NEXT")
    pdf.use()
    for line in party.address:
        pdf.multi_cell(width, 4.5, printable(line), new_x="LEFT", new_y="NEXT")
    return pdf.get_y()


def _in_order(group: Group) -> Iterator[Line | Comment]:
    """Lines and comments by position (a line before a comment at the same position)."""
    items: list[Line | Comment] = [*group.lines, *group.comments]
    return iter(sorted(items, key=lambda item: item.position))


def _adjustment_label(fmt: Formatter, adjustment: Adjustment) -> str:
    name = adjustment.name or DEFAULT_KIND_LABELS[adjustment.kind]
    text = fmt.label(name)
    if adjustment.rate is not None:
        text += f" ({fmt.percent(adjustment.rate)})"
    return printable(text)


def _signed(fmt: Formatter, adjustment: Adjustment) -> str:
    amount = -abs(adjustment.amount) if adjustment.kind == "discount" else adjustment.amount
    return fmt.money(amount)


def _lines(pdf: Canvas, fmt: Formatter, groups: tuple[Group, ...]) -> None:
    """Every group's lines, comments and adjustments in one table whose headings repeat on
    each page it runs over."""
    if not groups:
        return
    pdf.use()
    with pdf.table(
        width=WIDTH,
        col_widths=tuple(width for _, width, _ in COLUMNS),
        text_align=tuple(align for _, _, align in COLUMNS),
        borders_layout="HORIZONTAL_LINES",
        headings_style=HEADINGS,
        line_height=4.3,
        padding=(1.2, 1.2),
        v_align="TOP",
        repeat_headings=1,
    ) as table:
        table.row([fmt.label(heading) for heading, _, _ in COLUMNS])
        for group in groups:
            if group.name:
                table.row().cell(
                    printable(group.name), colspan=len(COLUMNS), style=GROUP_ROW, align="LEFT"
                )
            for item in _in_order(group):
                if isinstance(item, Comment):
                    row = table.row()
                    row.cell("")
                    row.cell(
                        printable(item.body), colspan=len(COLUMNS) - 1, style=ITALIC, align="LEFT"
                    )
                    continue
                table.row(
                    [
                        fmt.quantity(item.quantity),
                        printable(item.name),
                        printable(item.mfr_part_no),
                        fmt.money(item.unit_price),
                        fmt.money(item.ext_price),
                        fmt.money(item.net_price),
                    ]
                )
                for adjustment in item.adjustments:
                    row = table.row(style=ITALIC)
                    row.cell("")
                    row.cell(_adjustment_label(fmt, adjustment), colspan=3, align="LEFT")
                    row.cell(_signed(fmt, adjustment))
                    row.cell("")
            _group_summary(table, fmt, group)


def _group_summary(table: Table, fmt: Formatter, group: Group) -> None:
    """The group's subtotal, its own adjustments and its total, right under its lines."""
    rows: list[tuple[str, str, FontFace | None]] = []
    if group.subtotal is not None and (group.adjustments or group.total is None):
        rows.append((fmt.label("Subtotal"), fmt.money(group.subtotal), None))
    for adjustment in group.adjustments:
        rows.append((_adjustment_label(fmt, adjustment), _signed(fmt, adjustment), None))
    if group.total is not None:
        rows.append((fmt.label("Group Total"), fmt.money(group.total), BOLD))
    for label, amount, style in rows:
        row = table.row(style=style)
        row.cell(label, colspan=len(COLUMNS) - 1, align="RIGHT")
        row.cell(amount)


def _summary_table(pdf: Canvas, rows: list[tuple[str, str, bool]]) -> None:
    """Label/amount rows at the right of the page, kept together on one page."""
    if not rows:
        return
    pdf.use()
    if pdf.will_page_break(len(rows) * 5.5 + 4):
        pdf.add_page()
    with pdf.table(
        width=85,
        align="RIGHT",
        col_widths=(50, 35),
        text_align=("LEFT", "RIGHT"),
        first_row_as_headings=False,
        borders_layout="NONE",
        line_height=4.5,
        padding=(0.5, 1.2),
    ) as table:
        for label, amount, strong in rows:
            row = table.row(style=BOLD if strong else None)
            row.cell(printable(label))
            row.cell(amount)


def _totals(pdf: Canvas, fmt: Formatter, doc: PrintedDocument) -> None:
    totals = doc.totals
    rows = [(fmt.label("Subtotal"), fmt.money(totals.subtotal), False)]
    if totals.discount:
        rows.append((fmt.label("Discount"), fmt.money(-abs(totals.discount)), False))
    if totals.shipping:
        rows.append((fmt.label("Shipping"), fmt.money(totals.shipping), False))
    rows.append((fmt.label("Tax"), fmt.money(totals.tax), False))
    rows.append((fmt.label("Total"), fmt.currency_amount(totals.total), True))
    pdf.ln(4)
    _summary_table(pdf, rows)


def _payments(pdf: Canvas, fmt: Formatter, doc: PrintedDocument) -> None:
    if doc.payments:
        pdf.ln(2)
        rows = [
            (
                f"{fmt.date(payment.date)}  {fmt.option(payment.type)}",
                fmt.money(-abs(payment.amount)),
                False,
            )
            for payment in doc.payments
        ]
        _summary_table(pdf, [(fmt.label("Payments"), "", True), *rows])
    if doc.amount_due is not None:
        pdf.ln(2)
        _summary_table(pdf, [(fmt.label("Amount Due"), fmt.currency_amount(doc.amount_due), True)])
