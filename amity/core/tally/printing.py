"""GET /printer/pdf: a tally object printed as a document, any other record as a sheet of
its detail layout. Only what the actor may read is printed (the record through the
records service; payments once the invoice itself is readable)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from amity.config import Settings
from amity.core.actor import SYSTEM, Actor
from amity.core.i18n import Languages
from amity.core.layouts import Layouts
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
from amity.core.pdf.model import AdjustmentKind
from amity.core.preferences import PersonFormat
from amity.core.records import Records
from amity.core.tally.service import PAYMENT_LINKS, Tally
from amity.errors import NotFound
from amity.schema.builtin.tally import KINDS_BY_NAME, TallyKind
from amity.schema.model import Field, Model
from amity.schema.types import parse_date

ADJUSTMENT_KINDS: dict[str, AdjustmentKind] = {
    "StandardTax": "tax",
    "StandardDiscount": "discount",
    "StdPercentDiscount": "discount",
    "UntaxedShipping": "shipping",
    "TaxedShipping": "shipping",
}
DATE_LABELS = {
    "invoice_date": "Invoice Date",
    "valid_until": "Valid Until",
    "order_date": "Order Date",
    "due_date": "Due Date",
    "credit_date": "Credit Date",
    "bill_date": "Bill Date",
    "date_shipped": "Date Shipped",
    "date_received": "Date Received",
}
DEFAULT_CURRENCY = "USD"


WIRE_DATETIME = "%Y-%m-%d %H:%M:%S"  # how /data writes times (UTC)


def money(value: Any) -> Decimal:
    return Decimal(0) if value in (None, "") else Decimal(str(value))


def day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return parse_date(str(value)[:10])
    except ValueError:
        return None


class Printer:
    """Builds what a PDF shows from records, and renders it."""

    def __init__(
        self,
        records: Records,
        tally: Tally,
        layouts: Layouts,
        settings: Settings,
        languages: Languages,
    ) -> None:
        self.records = records
        self.tally = tally
        self.layouts = layouts
        self.settings = settings
        self.languages = languages

    def pdf(
        self,
        actor: Actor,
        model_name: str,
        record_id: str,
        locale: str,
        person: PersonFormat | None = None,
    ) -> tuple[bytes, str]:
        """(PDF bytes, file name such as Invoice-INV-42.pdf); dates print in the `person`'s
        date format and time zone (the locale's format and UTC without one)."""
        person = replace(person or PersonFormat(), locale=locale)
        model = self.records.model(model_name)
        kind = KINDS_BY_NAME.get(model.name)
        if kind is not None:
            document = self.document(actor, kind, record_id)
            data = render_document(
                document, locale, languages=self.languages, date_pattern=person.date_pattern
            )
            return data, f"{kind.name}-{document.number or record_id}.pdf"
        sheet = self.sheet(actor, model, record_id, person)
        data = render_record_sheet(sheet, locale, languages=self.languages)
        return data, f"{model.name}-{sheet.name or record_id}.pdf"

    def personal_pdf(
        self,
        actor: Actor,
        model_name: str,
        record_id: str,
        locale: str,
        person: PersonFormat | None = None,
    ) -> tuple[bytes, str]:
        """(PDF bytes, file name) of a person's data (core/personal_sheet.py)."""
        from amity.core.personal_sheet import PersonalSheet  # it reuses shown_value()

        person = replace(person or PersonFormat(), locale=locale)
        sheet = PersonalSheet(self.records, self.languages).sheet(
            actor, model_name, record_id, self.company(), locale, person
        )
        data = render_record_sheet(sheet, locale, languages=self.languages)
        return data, f"{self.records.model(model_name).name}-{record_id}-personal-data.pdf"

    def company(self) -> Party:
        return Party(self.settings.company_name, self.settings.company_address_lines())

    # -- tally documents ----------------------------------------------------------------
    def document(self, actor: Actor, kind: TallyKind, record_id: str) -> PrintedDocument:
        whole = self.tally.get(actor, kind.name, record_id)
        record = whole["record"]
        dates = tuple(
            LabelledDate(label, found)
            for name, label in DATE_LABELS.items()
            if name in record and (found := day(record.get(name))) is not None
        )
        return PrintedDocument(
            title=kind.label,
            number=str(record.get("full_number") or ""),
            currency=self.currency(record),
            company=self.company(),
            totals=Totals(
                subtotal=money(record.get("subtotal")),
                total=money(record.get("amount")),
                discount=money(record.get("discount")),
                shipping=money(record.get("shipping")),
                tax=money(record.get("tax")),
            ),
            billing=party(record, "billing", "Bill To"),
            shipping=party(record, "shipping", "Ship To"),
            dates=dates,
            groups=tuple(printed_group(g) for g in whole["groups"]),
            payments=self.payments(kind, record_id),
            amount_due=money(record.get("amount_due")) if kind.takes_payments else None,
            terms=str(record.get("terms") or ""),
            description=str(record.get("description") or ""),
        )

    def currency(self, record: Mapping[str, Any]) -> str:
        currency_id = record.get("currency_id")
        if not currency_id:
            return DEFAULT_CURRENCY
        try:
            found = self.records.get(SYSTEM, "Currency", str(currency_id), ["iso4217"])
        except NotFound:
            return DEFAULT_CURRENCY
        return str(found.get("iso4217") or DEFAULT_CURRENCY)

    def payments(self, kind: TallyKind, record_id: str) -> tuple[Payment, ...]:
        link = PAYMENT_LINKS.get(kind.name)
        if link is None:
            return ()
        out = []
        for row in self.records.children(SYSTEM, link[0], link[1], record_id):
            try:
                payment = self.records.get(
                    SYSTEM, "Payment", str(row["payment_id"]), ["payment_date", "payment_type"]
                )
            except NotFound:
                continue
            paid_on = day(payment.get("payment_date")) or day(row.get("date_entered"))
            if paid_on is None:
                continue
            out.append(
                Payment(paid_on, str(payment.get("payment_type") or ""), money(row["amount"]))
            )
        return tuple(sorted(out, key=lambda p: p.date))

    # -- other records ------------------------------------------------------------------
    def sheet(
        self, actor: Actor, model: Model, record_id: str, person: PersonFormat | None = None
    ) -> RecordSheet:
        record = self.records.get(actor, model.name, record_id)
        layout = self.layouts.layout(actor, model.name, "detail", None)
        panels = []
        for section in layout.get("sections", []):
            shown = tuple(
                (
                    model.fields[name].vname,
                    shown_value(model.fields[name], record.get(name), person),
                )
                for name in section.get("fields", [])
                if name in model.fields and name in record
            )
            if shown:
                panels.append(Panel(str(section.get("label") or ""), shown))
        name = record.get("name") or record.get("_display") or ""
        return RecordSheet(model.label, str(name), tuple(panels), self.company())


def party(record: Mapping[str, Any], prefix: str, label: str) -> Party | None:
    """The billing or shipping party: account (or contact) name and the address."""
    name = record.get(f"{prefix}_account") or record.get(f"{prefix}_contact") or ""
    contact = record.get(f"{prefix}_contact")
    lines = [str(contact)] if contact and contact != name else []
    street = record.get(f"{prefix}_address_street")
    if street:
        lines += str(street).splitlines()
    city_line = " ".join(
        str(record[k])
        for k in (f"{prefix}_address_postalcode", f"{prefix}_address_city")
        if record.get(k)
    )
    if city_line:
        lines.append(city_line)
    for key in (f"{prefix}_address_state", f"{prefix}_address_country"):
        if record.get(key):
            lines.append(str(record[key]))
    if not name and not lines:
        return None
    return Party(str(name), tuple(lines), label)


def printed_adjustment(row: Mapping[str, Any]) -> Adjustment:
    kind = ADJUSTMENT_KINDS.get(str(row.get("type")), "discount")
    rate = row.get("rate")
    return Adjustment(
        kind,
        str(row.get("name") or ""),
        money(row.get("amount")),
        None if rate in (None, "") or kind == "shipping" else Decimal(str(rate)),
    )


def printed_group(group: Mapping[str, Any]) -> Group:
    by_line: dict[str, list[Adjustment]] = {}
    own = []
    for row in group.get("adjustments", []):
        if row.get("line_id"):
            by_line.setdefault(str(row["line_id"]), []).append(printed_adjustment(row))
        else:
            own.append(printed_adjustment(row))
    lines = tuple(
        Line(
            name=str(line.get("name") or ""),
            quantity=money(line.get("quantity")),
            unit_price=money(line.get("unit_price")),
            ext_price=money(line.get("ext_price")),
            net_price=money(line.get("net_price")),
            mfr_part_no=str(line.get("mfr_part_no") or ""),
            position=int(line.get("position") or 0),
            adjustments=tuple(by_line.get(str(line["id"]), ())),
        )
        for line in group.get("lines", [])
    )
    comments = tuple(
        Comment(str(c.get("body") or ""), int(c.get("position") or 0))
        for c in group.get("comments", [])
    )
    return Group(
        name=str(group.get("name") or ""),
        lines=lines,
        comments=comments,
        adjustments=tuple(own),
        subtotal=money(group.get("subtotal")),
        total=money(group.get("total")),
    )


def shown_value(fd: Field, value: Any, person: PersonFormat | None) -> str:
    """A field value as a record sheet prints it: dates and times for the reader."""
    if person is not None and isinstance(value, str) and value:
        try:
            if fd.type == "date":
                return person.date(parse_date(value[:10]))
            if fd.type == "datetime":
                return person.datetime(datetime.strptime(value, WIRE_DATETIME))
        except ValueError:
            pass
    return text(value)


def text(value: Any) -> str:
    """A field value as a record sheet prints it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
