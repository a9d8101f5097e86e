"""The page: A4, the embedded font (Fira Sans, subset), a running head and page numbers."""

from __future__ import annotations

import copy
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import fontpkg
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from amity.core.pdf.fmt import Formatter, printable

FAMILY = "Fira Sans"
FONT = "fira"
MARGIN = 15.0
BODY_SIZE = 9.0
SMALL_SIZE = 7.5
GREY = (110, 110, 110)
RULE = (190, 190, 190)


@lru_cache(maxsize=1)
def font_files() -> dict[str, Path]:
    """The font's regular, bold and italic TTF files (the fontpkg-fira-sans package)."""
    return {
        "": Path(fontpkg.path(FAMILY, weight=400)),
        "B": Path(fontpkg.path(FAMILY, weight=700)),
        "I": Path(fontpkg.path(FAMILY, weight=400, style="italic")),
    }


@lru_cache(maxsize=1)
def parsed_fonts() -> dict[str, TTFFont]:
    """The font's styles as fpdf2 reads them (metrics, character map), once per process:
    reading the three files took about a fifth of an invoice's rendering time."""
    scratch = FPDF()
    for style, path in font_files().items():
        scratch.add_font(FONT, style, path)
    return {key: font for key, font in scratch.fonts.items() if isinstance(font, TTFFont)}


# OpenType layout tables: fpdf2 drops them from every embedded subset (it does not shape)
LAYOUT_TABLES = ("GDEF", "GPOS", "GSUB")


@lru_cache(maxsize=4)
def embeddable(path: Path) -> bytes:
    """The font file without its layout tables, once per process: subsetting it for a
    document then need not read Fira's large kerning and ligature tables."""
    font = ttLib.TTFont(path, recalcTimestamp=False)
    for tag in LAYOUT_TABLES:
        if tag in font:
            del font[tag]
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def document_font(parsed: TTFFont, index: int) -> TTFFont:
    """A copy of a parsed font for one document: shared metrics, the document's own glyph
    subset, and its own fontTools font (fpdf2 subsets that in place when it writes)."""
    font = copy.copy(parsed)
    font.i = index
    source = BytesIO(embeddable(parsed.ttffile))
    font.ttfont = ttLib.TTFont(source, recalcTimestamp=False, lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    return font


class Canvas(FPDF):
    """An FPDF document in Amity's style; pages after the first repeat `running_head`."""

    def __init__(self, fmt: Formatter, running_head: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.fmt = fmt
        self.running_head = printable(running_head)
        for key, font in parsed_fonts().items():
            self.fonts[key] = document_font(font, len(self.fonts) + 1)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 5)
        self.set_creator("Amity")
        self.set_title(self.running_head)
        self.set_lang(fmt.locale.language)
        self.set_draw_color(*RULE)
        self.alias_nb_pages()
        self.use(size=BODY_SIZE)
        self.add_page()

    def use(self, style: str = "", size: float = BODY_SIZE) -> None:
        """Switch to the font in a style ("", "B", "I") and size."""
        self.set_font(FONT, style, size)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.use(size=SMALL_SIZE)
        self.set_text_color(*GREY)
        self.cell(0, 4, self.running_head, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)
        self.set_text_color(0)
        self.use()

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.use(size=SMALL_SIZE)
        self.set_text_color(*GREY)
        template = self.fmt.label("Page {page} of {pages}")
        text = template.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}")
        self.cell(0, 4, text, align="C")
        self.set_text_color(0)

    def text_block(
        self, text: str, style: str = "", size: float = BODY_SIZE, h: float = 4.5
    ) -> None:
        """Text across the page width, wrapped, with its own line breaks kept."""
        self.use(style, size)
        self.multi_cell(0, h, printable(text), new_x="LMARGIN", new_y="NEXT")
        self.use()

    def heading(self, text: str) -> None:
        """A small bold heading above a section."""
        self.ln(3)
        self.text_block(text, "B", BODY_SIZE + 1, 5.5)

    def render(self) -> bytes:
        return bytes(self.output())
