"""The page: A4, the embedded font (Fira Sans, subset), a running head and page numbers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import fontpkg
from fpdf import FPDF

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


class Canvas(FPDF):
    """An FPDF document in Amity's style; pages after the first repeat `running_head`."""

    def __init__(self, fmt: Formatter, running_head: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.fmt = fmt
        self.running_head = printable(running_head)
        for style, path in font_files().items():
            self.add_font(FONT, style, path)
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
