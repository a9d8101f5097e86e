"""client.printer against the real server: any record as a PDF and a person's personal
data as a PDF (GDPR access), as bytes, into a path or a stream with the server's file
name, in the language asked for; sync and async; refusals as the client's errors."""

from __future__ import annotations

import asyncio
import hashlib
import io
from pathlib import Path

import pytest
from conftest import FAST_RETRY, unique

from amity_client import AsyncClient, BadRequest, Client, DownloadedFile, NotFound, TokenAuth


def pdf_text(data: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def person(client: Client) -> tuple[str, str, str]:
    """A contact with an e-mail address and a case of theirs: (id, last name, case name)."""
    last = unique("Printed")
    contact = client.model("Contact").create(
        {"first_name": "Ingrid", "last_name": last, "email1": f"{last.lower()}@example.org"}
    )
    case = unique("Broken printer")
    client.model("aCase").create({"name": case, "cust_contact_id": contact})
    return contact, last, case


def test_any_record_prints_and_tally_pdf_is_the_same_printer(
    client: Client, tmp_path: Path
) -> None:
    name = unique("Printed Account")
    account = client.model("Account").create({"name": name})
    data = client.printer.pdf("Account", account)
    assert data.startswith(b"%PDF-") and name in pdf_text(data)
    assert pdf_text(client.tally.pdf("Account", account)) == pdf_text(data)
    got = client.printer.pdf("Account", account, to=tmp_path / "sheet.pdf")
    saved = (tmp_path / "sheet.pdf").read_bytes()
    assert got == DownloadedFile(
        f"Account-{name}.pdf", "application/pdf", len(saved), hashlib.sha256(saved).hexdigest()
    )


def test_personal_data_prints_the_person_and_their_records(client: Client, tmp_path: Path) -> None:
    contact, last, case = person(client)
    text = pdf_text(client.printer.personal_pdf("Contact", contact))
    for wanted in ("Personal data", "Ingrid", last, f"{last.lower()}@example.org", case):
        assert wanted in text, wanted
    german = pdf_text(client.printer.personal_pdf("Contact", contact, language="de"))
    assert "Personenbezogene Daten" in german and last in german
    target = tmp_path / "mine.pdf"
    got = client.printer.personal_pdf("Contact", contact, to=target)
    assert got.name == f"Contact-{contact}-personal-data.pdf"
    assert got.size == target.stat().st_size and target.read_bytes().startswith(b"%PDF-")
    stream = io.BytesIO()
    into_stream = client.printer.personal_pdf("Contact", contact, to=stream)
    assert into_stream.size == len(stream.getvalue()) and last in pdf_text(stream.getvalue())


def test_refusals_are_errors_and_write_no_file(client: Client, tmp_path: Path) -> None:
    target = tmp_path / "none.pdf"
    with pytest.raises(NotFound):
        client.printer.personal_pdf("Contact", "no-such-contact", to=target)
    assert not target.exists()
    with pytest.raises(NotFound):
        client.printer.pdf("Account", "no-such-account")
    with pytest.raises(BadRequest) as bad:  # a case holds no personal fields of its own
        client.printer.personal_pdf("aCase", "whatever")
    assert bad.value.hint


def test_async_printer_prints_the_same(
    client: Client, url: str, token: str, tmp_path: Path
) -> None:
    contact, last, case = person(client)
    chunks: list[bytes] = []

    class AsyncStream:
        async def write(self, data: bytes) -> int:
            chunks.append(data)
            return len(data)

    async def scenario() -> None:
        async with AsyncClient(url, TokenAuth(token), retry=FAST_RETRY) as aclient:
            printer = aclient.printer
            data = await printer.personal_pdf("Contact", contact, language="de-DE")
            assert "Personenbezogene Daten" in pdf_text(data) and case in pdf_text(data)
            got = await printer.personal_pdf("Contact", contact, to=tmp_path / "async.pdf")
            assert got.size == (tmp_path / "async.pdf").stat().st_size
            assert got.name == f"Contact-{contact}-personal-data.pdf"
            sheet = await printer.pdf("Contact", contact, to=AsyncStream())
            assert sheet.size == len(b"".join(chunks)) and last in pdf_text(b"".join(chunks))
            with pytest.raises(NotFound):
                await printer.pdf("Contact", "no-such-contact", to=tmp_path / "gone.pdf")
            assert not (tmp_path / "gone.pdf").exists()
            with pytest.raises(BadRequest):
                await printer.personal_pdf("aCase", "whatever")

    asyncio.run(scenario())
