"""/printer/pdf: any record printed as a PDF (a tally object as its document, any other
record as a sheet of its fields), and a person's personal data as a PDF they can be sent
(GDPR access, /printer/pdf/personal).

The call builders are IO-free; `Printer` runs them on a Client (`client.printer`),
`AsyncPrinter` on an AsyncClient, with the same method names and arguments. A PDF comes
back as bytes, or streams into `to=` (a path or a writable binary stream).
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Any, overload

from amity_client._core import Call, identity, path
from amity_client._downloads import DownloadedFile, Received, Target, async_sink, sink
from amity_client._files import AsyncFileRunner, SyncFileRunner
from amity_client._uploads import CHUNK_BYTES

__all__ = ["AsyncPrinter", "Printer"]

PDF_TYPE = "application/pdf"


def disposition_filename(headers: Mapping[str, str]) -> str:
    """The file name of a Content-Disposition header, its UTF-8 `filename*` form (RFC 6266)
    before the ASCII fallback; empty when there is none."""
    value = headers.get("content-disposition")
    if not value:
        return ""
    message = Message()
    message["content-disposition"] = value
    names = [v for k, v in message.get_params([], header="content-disposition") if k == "filename"]
    encoded = [v for v in names if isinstance(v, tuple)]  # filename*=UTF-8''...
    chosen = encoded[0] if encoded else (names[0] if names else "")
    return collapse_rfc2231_value(chosen)


# -- call builders (IO-free) -----------------------------------------------------------------
def _pdf_headers(language: str | None) -> dict[str, str]:
    headers = {"Accept": f"{PDF_TYPE}, application/json"}
    if language is not None:
        headers["Accept-Language"] = language
    return headers


def pdf_call(model: str, record_id: str, language: str | None = None) -> Call[Any]:
    """GET /printer/pdf/{model}/{id}: the body is the PDF; `language` (e.g. "de-DE") goes
    as Accept-Language and sets the labels and the number and date formats."""
    return Call(
        "GET", path("printer", "pdf", model, record_id), identity, headers=_pdf_headers(language)
    )


def personal_pdf_call(model: str, record_id: str, language: str | None = None) -> Call[Any]:
    """GET /printer/pdf/personal/{model}/{id}: the person's personal data as a PDF."""
    return Call(
        "GET",
        path("printer", "pdf", "personal", model, record_id),
        identity,
        headers=_pdf_headers(language),
    )


def _downloaded(received: Received, headers: Mapping[str, str]) -> DownloadedFile:
    file = received.file(headers)
    return DownloadedFile(disposition_filename(headers), file.mimetype, file.size, file.sha256)


# -- runners ---------------------------------------------------------------------------------
class Printer:
    """PDFs of the server (`client.printer`): pdf, personal_pdf."""

    def __init__(self, client: SyncFileRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "Printer()"

    @overload
    def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: None = None
    ) -> bytes: ...

    @overload
    def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target
    ) -> DownloadedFile: ...

    def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target | None = None
    ) -> bytes | DownloadedFile:
        """The record printed as a PDF (a tally object as its document, any other record
        as a sheet of its fields), in `language` (e.g. "de-DE"; the server's default,
        English, without). Its bytes, or with `to` (a path or a writable binary stream)
        streamed there, returning its file name (e.g. Invoice-INV-42.pdf), type, size and
        SHA-256. A path is removed again when the download fails."""
        return self._fetch(pdf_call(model, record_id, language), to)

    @overload
    def personal_pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: None = None
    ) -> bytes: ...

    @overload
    def personal_pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target
    ) -> DownloadedFile: ...

    def personal_pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target | None = None
    ) -> bytes | DownloadedFile:
        """Every personal field of the person (a Contact, Lead, or any model with personal
        fields) and of the records that hold their data, as a PDF the person can be sent;
        bytes, or streamed to `to` as pdf() does. A model without personal fields is
        BadRequest."""
        return self._fetch(personal_pdf_call(model, record_id, language), to)

    def _fetch(self, call: Call[Any], to: Target | None) -> bytes | DownloadedFile:
        with self._client._stream(call) as response:
            if to is None:
                return response.read()
            received = Received()
            with sink(to) as write:
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    write(received.add(chunk))
            return _downloaded(received, response.headers)


class AsyncPrinter:
    """Printer for AsyncClient: the same methods, awaited; a PDF is written to a path in a
    worker thread."""

    def __init__(self, client: AsyncFileRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "AsyncPrinter()"

    @overload
    async def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: None = None
    ) -> bytes: ...

    @overload
    async def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target
    ) -> DownloadedFile: ...

    async def pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target | None = None
    ) -> bytes | DownloadedFile:
        return await self._fetch(pdf_call(model, record_id, language), to)

    @overload
    async def personal_pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: None = None
    ) -> bytes: ...

    @overload
    async def personal_pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target
    ) -> DownloadedFile: ...

    async def personal_pdf(
        self, model: str, record_id: str, *, language: str | None = None, to: Target | None = None
    ) -> bytes | DownloadedFile:
        return await self._fetch(personal_pdf_call(model, record_id, language), to)

    async def _fetch(self, call: Call[Any], to: Target | None) -> bytes | DownloadedFile:
        async with self._client._stream(call) as response:
            if to is None:
                return await response.aread()
            received = Received()
            async with async_sink(to) as write:
                async for chunk in response.aiter_bytes(CHUNK_BYTES):
                    await write(received.add(chunk))
            return _downloaded(received, response.headers)
