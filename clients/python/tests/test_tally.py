"""client.tally against the real server: whole objects saved with the server's totals as
exact Decimals, replaced part by part, converted into the next kind and printed (bytes,
paths, streams, languages), sync and async; the server's refusals as the client's errors;
a save whose answer was lost, sent again and written once."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import FAST_RETRY, Faults, unique

from amity_client import (
    AsyncClient,
    BadRequest,
    Client,
    ConvertedTally,
    DownloadedFile,
    NotFound,
    TokenAuth,
)

D = Decimal


def run(url: str, token: str, scenario: Callable[[AsyncClient], Awaitable[None]]) -> None:
    async def main() -> None:
        async with AsyncClient(url, TokenAuth(token), retry=FAST_RETRY) as client:
            await scenario(client)

    asyncio.run(main())


def hardware(name: str) -> dict[str, Any]:
    """A document of two lines (one with its own discount), a comment, tax and shipping."""
    return {
        "record": {"name": name, "terms": "Net 30"},
        "groups": [
            {
                "name": "Hardware",
                "lines": [
                    {"name": "Cable", "quantity": D("3"), "unit_price": D("19.99")},
                    {
                        "name": "Router",
                        "quantity": 1,
                        "unit_price": "149.50",
                        "adjustments": [{"type": "StdPercentDiscount", "rate": "10"}],
                    },
                ],
                "comments": [{"body": "Delivered in one box", "position": 2}],
                "adjustments": [
                    {"type": "StandardTax", "name": "VAT", "rate": D("19")},
                    {"type": "UntaxedShipping", "name": "Post", "amount": D("4.90")},
                ],
            }
        ],
    }


def pdf_text(data: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


# -- saving and reading ----------------------------------------------------------------------
def test_a_saved_invoice_comes_back_with_exact_totals(client: Client) -> None:
    name = unique("Invoice")
    saved = client.tally.save("Invoice", hardware(name))
    assert set(saved) == {"id", "record", "groups"}
    record = saved["record"]
    assert record["id"] == saved["id"] and record["name"] == name
    # 3 x 19.99 = 59.97; 149.50 - 10 % = 134.55; subtotal 194.52; VAT 19 % = 36.96
    assert record["subtotal"] == D("194.52") and isinstance(record["subtotal"], Decimal)
    assert record["tax"] == D("36.96")
    assert record["shipping"] == D("4.90")
    assert record["amount"] == D("236.38") and record["amount_due"] == D("236.38")
    (group,) = saved["groups"]
    assert [line["name"] for line in group["lines"]] == ["Cable", "Router"]
    assert group["lines"][1]["net_price"] == D("134.55")
    assert [c["body"] for c in group["comments"]] == ["Delivered in one box"]
    assert sum(line["net_price"] for line in group["lines"]) == D("194.52")  # no float drift

    got = client.tally.get("Invoice", saved["id"])
    assert got == {"record": got["record"], "groups": saved["groups"]}
    assert got["record"]["amount"] == D("236.38")
    assert client.model("Invoice").get(saved["id"])["full_number"] == record["full_number"]
    only = client.tally.get("Invoice", saved["id"], fields=["name", "amount"])
    assert only["record"]["name"] == name and "due_date" not in only["record"]


def test_replacing_keeps_updates_creates_and_deletes_parts(client: Client) -> None:
    saved = client.tally.save("Invoice", hardware(unique("Invoice")))
    group = saved["groups"][0]
    cable, router = group["lines"]
    cable["quantity"] = D("4")
    group["lines"] = [cable, {"name": "Switch", "quantity": 2, "unit_price": "10.00"}]
    group["adjustments"] = [a for a in group["adjustments"] if a["line_id"] is None]
    saved["record"]["description"] = "Router dropped"

    again = client.tally.save("Invoice", saved["id"], saved)  # what save() answered, edited
    assert again["id"] == saved["id"]
    lines = again["groups"][0]["lines"]
    assert [line["name"] for line in lines] == ["Cable", "Switch"]
    assert lines[0]["id"] == cable["id"] and lines[0]["net_price"] == D("79.96")
    assert lines[1]["id"] not in (cable["id"], router["id"])
    assert again["record"]["subtotal"] == D("99.96")  # 79.96 + 20.00
    assert again["record"]["description"] == "Router dropped"
    with pytest.raises(NotFound):
        client.model("InvoiceLine").get(router["id"])
    assert client.tally.get("Invoice", saved["id"])["groups"] == again["groups"]


def test_the_server_refuses_what_is_not_a_tally_object(client: Client) -> None:
    with pytest.raises(BadRequest) as bad:
        client.tally.save("Invoice", {"record": {"name": "x"}, "groups": "none"})
    assert bad.value.status == 400 and "groups" in bad.value.message
    with pytest.raises(BadRequest):
        client.tally.save("Invoice", {"groups": [{"lines": [{"name": "x", "quantity": "lots"}]}]})
    with pytest.raises(NotFound) as missing:
        client.tally.get("Contact", "any")
    assert "not a tally object" in missing.value.message
    with pytest.raises(NotFound):
        client.tally.get("Invoice", "no-such-invoice")
    with pytest.raises(NotFound):
        client.tally.save("Invoice", "no-such-invoice", hardware("x"))


def test_save_takes_data_or_an_id_and_data() -> None:
    with Client("http://127.0.0.1:9/api.php") as offline:  # nothing is sent
        with pytest.raises(TypeError):
            offline.tally.save("Invoice", "an-id")  # type: ignore[call-overload]
        with pytest.raises(TypeError):
            offline.tally.save("Invoice", {"record": {}}, {"record": {}})  # type: ignore[call-overload]


# -- converting ------------------------------------------------------------------------------
def test_a_quote_converts_into_an_order_and_the_order_into_an_invoice(client: Client) -> None:
    body = {
        "record": {"name": unique("Offer")},
        "groups": [{"name": "Items", "lines": [{"name": "Seat", "quantity": 2, "unit_price": 50}]}],
    }
    quote = client.tally.save("Quote", body)
    order = client.tally.convert("Quote", quote["id"])
    assert isinstance(order, ConvertedTally) and order.model == "SalesOrder"
    made = client.tally.get(*order)
    assert made["record"]["quote_id"] == quote["id"]
    assert made["record"]["amount"] == D("100")
    assert made["groups"][0]["lines"][0]["name"] == "Seat"
    model, invoice_id = client.tally.convert("SalesOrder", order.id, to="Invoice")
    assert model == "Invoice"
    assert client.tally.get("Invoice", invoice_id)["record"]["sales_order_id"] == order.id
    with pytest.raises(BadRequest) as bad:
        client.tally.convert("Invoice", invoice_id, to="Quote")
    assert "cannot be converted" in bad.value.message


# -- printing --------------------------------------------------------------------------------
def test_an_invoice_prints_in_the_language_asked_for(client: Client) -> None:
    saved = client.tally.save("Invoice", hardware(unique("Printed")))
    english = client.tally.pdf("Invoice", saved["id"])
    assert english.startswith(b"%PDF-")
    text = pdf_text(english)
    assert "Invoice" in text and "236.38" in text and "Router" in text
    german = pdf_text(client.tally.pdf("Invoice", saved["id"], language="de-DE"))
    assert "Rechnung" in german and "236,38" in german


def test_a_pdf_streams_to_a_path_or_a_stream_with_its_name(client: Client, tmp_path: Path) -> None:
    saved = client.tally.save("Invoice", hardware(unique("Printed")))
    expected_name = f"Invoice-{saved['record']['full_number']}.pdf"
    target = tmp_path / "invoice.pdf"
    got = client.tally.pdf("Invoice", saved["id"], to=target)
    data = target.read_bytes()
    assert isinstance(got, DownloadedFile)
    assert got == DownloadedFile(
        expected_name, "application/pdf", len(data), hashlib.sha256(data).hexdigest()
    )
    assert data.startswith(b"%PDF-")
    stream = io.BytesIO()
    into_stream = client.tally.pdf("Invoice", saved["id"], to=stream, language="de")
    assert into_stream.name == expected_name and into_stream.size == len(stream.getvalue())
    assert stream.getvalue().startswith(b"%PDF-")


def test_any_record_prints_as_a_sheet_named_after_it(client: Client, tmp_path: Path) -> None:
    name = "Müller & Söhne " + unique("")
    account = client.model("Account").create({"name": name})
    got = client.tally.pdf("Account", account, to=tmp_path / "sheet.pdf")
    assert got.name == f"Account-{name}.pdf"
    assert name in pdf_text((tmp_path / "sheet.pdf").read_bytes())


def test_printing_what_is_not_there_is_not_found_and_writes_no_file(
    client: Client, tmp_path: Path
) -> None:
    target = tmp_path / "missing.pdf"
    with pytest.raises(NotFound):
        client.tally.pdf("Invoice", "no-such-invoice", to=target)
    assert not target.exists()
    with pytest.raises(NotFound):
        client.tally.pdf("Invoice", "no-such-invoice")


# -- async -----------------------------------------------------------------------------------
def test_async_tally_saves_converts_and_prints(url: str, token: str, tmp_path: Path) -> None:
    chunks: list[bytes] = []

    class AsyncStream:
        async def write(self, data: bytes) -> int:
            chunks.append(data)
            return len(data)

    async def scenario(client: AsyncClient) -> None:
        tally = client.tally
        quote = await tally.save("Quote", hardware(unique("AsyncQuote")))
        assert quote["record"]["amount"] == D("236.38")
        group = quote["groups"][0]
        group["lines"] = group["lines"][:1]  # the router goes, and its discount with it
        group["adjustments"] = [a for a in group["adjustments"] if a["line_id"] is None]
        replaced = await tally.save("Quote", quote["id"], quote)
        assert replaced["record"]["subtotal"] == D("59.97")
        assert (await tally.get("Quote", quote["id"]))["groups"] == replaced["groups"]
        invoice = await tally.convert("Quote", quote["id"], to="Invoice")
        assert invoice.model == "Invoice"
        data = await tally.pdf(*invoice, language="de")
        assert data.startswith(b"%PDF-")
        got = await tally.pdf(*invoice, to=tmp_path / "async.pdf")
        assert got.size == (tmp_path / "async.pdf").stat().st_size
        assert got.name.startswith("Invoice-INV-") and got.name.endswith(".pdf")
        streamed = await tally.pdf(*invoice, to=AsyncStream())
        assert streamed.size == len(b"".join(chunks)) and b"".join(chunks).startswith(b"%PDF-")
        with pytest.raises(NotFound):
            await tally.pdf("Invoice", "no-such-invoice", to=tmp_path / "none.pdf")
        assert not (tmp_path / "none.pdf").exists()
        with pytest.raises(BadRequest):
            await tally.convert("Invoice", invoice.id)

    run(url, token, scenario)


# -- retries ---------------------------------------------------------------------------------
def test_a_save_whose_answer_was_lost_is_sent_again_and_written_once(
    faults: Faults, token: str
) -> None:
    name = unique("Dropped")
    faults.arm("/tally/Invoice", 0, 1, drop=True)
    with Client(faults.url, TokenAuth(token), retry=FAST_RETRY) as client:
        saved = client.tally.save("Invoice", hardware(name))  # the retry got the answer
        assert isinstance(saved["id"], str) and saved["record"]["amount"] == D("236.38")
        assert len(faults.arrivals("/tally/Invoice")) == 2
        found = client.model("Invoice").list(filters={"name": name})
        assert [r["id"] for r in found.records] == [saved["id"]]
        assert len(client.tally.get("Invoice", saved["id"])["groups"][0]["lines"]) == 2


def test_the_readme_example_adds_up(client: Client) -> None:
    line = {"name": "Cable", "quantity": 3, "unit_price": D("19.99")}
    tax = {"type": "StandardTax", "name": "VAT", "rate": "19"}
    group = {"name": "Hardware", "lines": [line], "adjustments": [tax]}
    invoice = client.tally.save("Invoice", {"record": {"name": "Big order"}, "groups": [group]})
    assert invoice["record"]["amount"] == D("71.36")  # 59.97 + 19 % VAT (11.39)
    whole = client.tally.get("Invoice", invoice["id"])
    whole["groups"][0]["lines"].append({"name": "Router", "quantity": 1, "unit_price": "149.50"})
    again = client.tally.save("Invoice", invoice["id"], whole)
    assert again["record"]["subtotal"] == D("209.47")
