"""PDF rendering of sales documents and record sheets from plain values (fpdf2, Babel).

`render_document` prints a tally object (Quote, SalesOrder, Invoice, ...) from a
PrintedDocument; `render_record_sheet` prints any other record from a RecordSheet. Both
return PDF bytes with the font (Fira Sans: Latin, Greek, Cyrillic) embedded as a subset.
"""

from amity.core.pdf.document import render_document
from amity.core.pdf.model import (
    Adjustment,
    Comment,
    Group,
    LabelledDate,
    Line,
    Panel,
    Party,
    Payment,
    PrintedDocument,
    RecordSheet,
    Totals,
)
from amity.core.pdf.sheet import render_record_sheet

__all__ = [
    "Adjustment",
    "Comment",
    "Group",
    "LabelledDate",
    "Line",
    "Panel",
    "Party",
    "Payment",
    "PrintedDocument",
    "RecordSheet",
    "Totals",
    "render_document",
    "render_record_sheet",
]
