"""PDF rendering: a printed invoice and a record sheet, read back with pypdf."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from amity.core.i18n import Languages
from amity.core.pdf import (
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
    render_document,
    render_record_sheet,
)

D = Decimal


def _line(name: str, qty: str, price: str, position: int, **extra: object) -> Line:
    ext = D(qty) * D(price)
    net = extra.pop("net_price", ext)
    return Line(
        name=name,
        quantity=D(qty),
        unit_price=D(price),
        ext_price=ext,
        net_price=net,  # type: ignore[arg-type]
        position=position,
        **extra,  # type: ignore[arg-type]
    )


def invoice() -> PrintedDocument:
    """Two groups, a comment, a line discount, a group discount, two taxes, shipping and a
    payment; every amount is distinct so that each one can be looked for."""
    hardware = Group(
        name="Hardware",
        lines=(
            _line(
                "Server rack, 42 units, with a very long description that has to wrap onto "
                "a second line of the table",
                "2",
                "1234.50",
                1,
                mfr_part_no="SR-42",
                net_price=D("2221.20"),
                adjustments=(Adjustment("discount", "Loyalty", D("247.80"), D("10")),),
            ),
            _line("Patch cable", "12.5", "3.10", 3, mfr_part_no="PC-1"),
        ),
        comments=(Comment("Delivered in two boxes", 2),),
        adjustments=(
            Adjustment("discount", "Volume", D("111.11")),
            Adjustment("tax", "VAT", D("428.84"), D("19")),
            Adjustment("shipping", "Freight", D("75.25")),
        ),
        subtotal=D("2259.95"),
        total=D("2652.93"),
    )
    services = Group(
        name="Services",
        lines=(_line("Installation", "3", "987.65", 1),),
        adjustments=(Adjustment("tax", "Service tax", D("207.41"), D("7")),),
        subtotal=D("2962.95"),
        total=D("3170.36"),
    )
    return PrintedDocument(
        title="Invoice",
        number="INV-0042",
        currency="EUR",
        company=Party("Amity Test GmbH", ("Hauptstraße 1", "10115 Berlin")),
        billing=Party("Иван Петров", ("ул. Ленина 5", "Москва")),
        shipping=Party("Αλέξανδρος Παπαδόπουλος", ("Οδός Αθηνάς 10", "Αθήνα")),
        dates=(
            LabelledDate("Invoice Date", date(2025, 3, 14)),
            LabelledDate("Due Date", date(2025, 4, 13)),
        ),
        groups=(hardware, services),
        totals=Totals(
            subtotal=D("5222.90"),
            discount=D("358.91"),
            shipping=D("75.25"),
            tax=D("636.25"),
            total=D("5823.29"),
        ),
        payments=(Payment(date(2025, 3, 20), "Credit Card", D("1000.01")),),
        amount_due=D("4823.28"),
        terms="Payable within 30 days.",
        description="Rack installation at the Berlin office.",
    )


AMOUNTS = {
    "en": [
        "1,234.50", "2,469.00", "2,221.20", "247.80", "3.10", "38.75", "111.11", "428.84",
        "75.25", "2,259.95", "2,652.93", "987.65", "2,962.95", "207.41", "3,170.36",
        "5,222.90", "358.91", "636.25", "5,823.29", "1,000.01", "4,823.28",
    ],
    "de": [
        "1.234,50", "2.469,00", "2.221,20", "247,80", "3,10", "38,75", "111,11", "428,84",
        "75,25", "2.259,95", "2.652,93", "987,65", "2.962,95", "207,41", "3.170,36",
        "5.222,90", "358,91", "636,25", "5.823,29", "1.000,01", "4.823,28",
    ],
}  # fmt: skip


def pages(pdf: bytes) -> list[str]:
    """The text of each page, spaces normalised (pypdf reads no-break spaces too)."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().replace("\xa0", " ").split()) for page in reader.pages]


def test_an_invoice_prints_every_amount_in_english() -> None:
    pdf = render_document(invoice(), "en")
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pages(pdf))
    for amount in AMOUNTS["en"]:
        assert amount in text, amount
    for expected in (
        "Invoice",
        "INV-0042",
        "Invoice Date: Mar 14, 2025",
        "Due Date: Apr 13, 2025",
        "Amity Test GmbH",
        "Hauptstraße 1",
        "Hardware",
        "Services",
        "Patch cable",
        "SR-42",
        "12.5",
        "Delivered in two boxes",
        "Loyalty (10%)",
        "VAT (19%)",
        "Service tax (7%)",
        "Freight",
        "Subtotal",
        "Total €5,823.29",
        "Mar 20, 2025 Credit Card",
        "Amount Due €4,823.28",
        "Payable within 30 days.",
        "Rack installation at the Berlin office.",
    ):
        assert expected in text, expected
    assert "-247.80" in text and "-111.11" in text and "-358.91" in text


def test_an_invoice_in_german_formats_numbers_dates_and_labels() -> None:
    text = " ".join(pages(render_document(invoice(), "de-DE")))
    for amount in AMOUNTS["de"]:
        assert amount in text, amount
    for expected in (
        "Rechnung",
        "INV-0042",
        "Rechnungsdatum: 14.03.2025",
        "Fällig am: 13.04.2025",
        "Menge",
        "Einzelpreis",
        "Zwischensumme",
        "Steuer",
        "Gesamtbetrag 5.823,29 €",
        "Offener Betrag 4.823,28 €",
        "19 %",
        "Zahlungsbedingungen",
        "Seite 1 von 1",
    ):
        assert expected in text, expected
    assert "Subtotal" not in text and "Amount Due" not in text


def test_cyrillic_and_greek_names_round_trip() -> None:
    text = " ".join(pages(render_document(invoice(), "en")))
    for name in ("Иван Петров", "ул. Ленина 5", "Москва", "Αλέξανδρος Παπαδόπουλος", "Αθήνα"):
        assert name in text, name


def _long_invoice(lines: int) -> PrintedDocument:
    doc = invoice()
    group = Group(
        name="Many",
        lines=tuple(_line(f"Article number {n}", "1", f"{n}.25", n) for n in range(1, lines + 1)),
    )
    return PrintedDocument(**{**doc.__dict__, "groups": (group,)})


def test_a_long_document_paginates_with_the_table_header_on_every_page() -> None:
    pdf = render_document(_long_invoice(150), "en")
    texts = pages(pdf)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert "INV-0042" in text, number
        assert f"Page {number} of {len(texts)}" in text
    for text in texts[:-1]:
        # every page the lines run over starts its part of the table with the headings
        assert "Qty Item Part No. Unit Price Ext. Price Net Price" in text
    joined = " ".join(texts)
    for n in (1, 75, 150):
        assert f"Article number {n} " in joined
    assert "Amount Due €4,823.28" in texts[-1]


def test_fonts_are_embedded_as_subsets() -> None:
    pdf = render_document(invoice(), "en")
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("+" in name for name in fonts), fonts  # ABCDEF+FiraSans
    assert len(pdf) < 120_000


def test_a_name_outside_the_font_still_renders() -> None:
    doc = invoice()
    odd = PrintedDocument(**{**doc.__dict__, "billing": Party("株式会社テスト", ())})
    assert "INV-0042" in " ".join(pages(render_document(odd, "ja")))


@pytest.mark.parametrize("locale", ["", "xx-YY", "*", "de_CH", "fr"])
def test_any_locale_text_renders(locale: str) -> None:
    assert "INV-0042" in " ".join(pages(render_document(invoice(), locale)))


def test_zero_decimal_currency_prints_without_decimals() -> None:
    doc = invoice()
    yen = PrintedDocument(
        **{**doc.__dict__, "currency": "JPY", "totals": Totals(D("1500"), D("1500.4"))}
    )
    text = " ".join(pages(render_document(yen, "en")))
    assert "¥1,500" in text and "1,500.40" not in text


def test_a_record_sheet_shows_its_panels() -> None:
    sheet = RecordSheet(
        title="Account",
        name="Ωmega Логистика",
        panels=(
            Panel("Overview", (("Account Name", "Ωmega Логистика"), ("Phone", "+49 30 1234"))),
            Panel("Address", (("Billing Address Street", "Hauptstraße 1\nHinterhaus"),)),
            Panel("Description", (("Description", "A long text " * 40),)),
        ),
        company=Party("Amity Test GmbH"),
    )
    english = " ".join(pages(render_record_sheet(sheet, "en")))
    for expected in (
        "Account",
        "Ωmega Логистика",
        "Overview",
        "Account Name",
        "+49 30 1234",
        "Billing Address Street Hauptstraße 1 Hinterhaus",
        "Description",
        "Amity Test GmbH",
    ):
        assert expected in english, expected
    german = " ".join(pages(render_record_sheet(sheet, "de")))
    assert "Firma" in german and "Firmenname" in german and "Beschreibung" in german


def test_labels_come_from_the_catalogs_given(tmp_path: Path) -> None:
    """A catalog in AMITY_LOCALE_DIR translates the printed labels too."""
    catalog = {"labels": {"Invoice": "Facture", "Amount Due": "Reste à payer"}}
    (tmp_path / "fr.json").write_text(json.dumps(catalog), encoding="utf-8")
    languages = Languages("en", str(tmp_path))
    text = " ".join(pages(render_document(invoice(), "fr-FR", languages=languages)))
    assert "Facture" in text and "Reste à payer 4 823,28 €" in text
