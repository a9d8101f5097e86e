"""/files: uploads, downloads and file info.

An upload answers a temporary id (`INCOMING~...`); writing that id into a file field of a
record (a Note's `filename`, a Document's `revision_filename`, an image field) attaches
the file, and the field then reads as the file's name. Unattached uploads are removed by
the server after a while (a day by default).

The call builders are IO-free; `Files` runs them on a Client (`client.files`),
`AsyncFiles` on an AsyncClient, with the same method names and arguments. Uploads and
downloads stream: a file is never held in memory whole unless the caller asks for its
bytes.
"""

from __future__ import annotations

import base64
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, Protocol, overload
from urllib.parse import quote

import httpx

from amity_client._core import IDEMPOTENCY_HEADER, Call, as_dict, identity, key, path
from amity_client._data import AsyncRunner, SyncRunner
from amity_client._downloads import (
    FILENAME_HEADER,
    DownloadedFile,
    Received,
    Target,
    async_sink,
    sink,
)
from amity_client._uploads import CHUNK_BYTES, AsyncSource, Source, Upload, guess_type, upload_of

# what the file name header carries as it is: printable ASCII but '%', '"' and '\'
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in '%"\\')


def header_name(name: str) -> str:
    """A file name as X-OneCRM-Filename carries it: percent-encoded UTF-8 where it is not
    plain ASCII."""
    return quote(name, safe=_HEADER_SAFE)


def _file_id(body: Any) -> str:
    return str(key("id")(body))


def _field_param(field: str | None) -> dict[str, str]:
    return {} if field is None else {"field": field}


# -- call builders (IO-free) -----------------------------------------------------------------
def upload_call(upload: Upload) -> Call[str]:
    """POST /files/upload with the file as the body -> its temporary id.

    It goes without an Idempotency-Key: the server would have to hold a keyed body in
    memory to fingerprint it, and sending an upload twice does no harm (the spare one is
    never attached and expires)."""
    headers = {
        "Content-Type": upload.mimetype,
        FILENAME_HEADER: header_name(upload.name),
        IDEMPOTENCY_HEADER: "",  # empty: sent without one
    }
    if upload.length is not None and not isinstance(upload.body, bytes):
        headers["Content-Length"] = str(upload.length)  # the server may refuse it at once
    return Call(
        "POST",
        "/files/upload",
        _file_id,
        content=upload.body,
        headers=headers,
        resendable=upload.resendable,
    )


def upload_base64_call(data: bytes, filename: str, mimetype: str | None = None) -> Call[str]:
    """POST /files/upload/base64 {"filename", "mimetype", "data"} -> the temporary id. The
    server takes bodies up to 1 MiB, so files up to about 768 KiB."""
    body = {
        "filename": filename,
        "mimetype": mimetype or guess_type(filename),
        "data": base64.b64encode(data).decode("ascii"),
    }
    return Call("POST", "/files/upload/base64", _file_id, json=body)


def download_call(model: str, record_id: str, field: str | None = None) -> Call[Any]:
    """GET /files/download/{model}/{id}[?field=]: the answer's body is the file."""
    return Call("GET", path("files", "download", model, record_id), identity, _field_param(field))


def info_call(model: str, record_id: str, field: str | None = None) -> Call[dict[str, Any]]:
    """GET /files/info/{model}/{id}[?field=] -> name, mimetype, modified, size, sha256,
    temp_url."""
    return Call("GET", path("files", "info", model, record_id), as_dict, _field_param(field))


# -- runners ---------------------------------------------------------------------------------
class SyncFileRunner(SyncRunner, Protocol):
    def _stream(self, call: Call[Any]) -> AbstractContextManager[httpx.Response]: ...


class AsyncFileRunner(AsyncRunner, Protocol):
    def _stream(self, call: Call[Any]) -> AbstractAsyncContextManager[httpx.Response]: ...


class Files:
    """Files of the server (`client.files`): upload, attach by id, download, info."""

    def __init__(self, client: SyncFileRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "Files()"

    def upload(
        self, source: Source, filename: str | None = None, mimetype: str | None = None
    ) -> str:
        """Upload a file; returns its temporary id, to write into a file field. `source`
        is the file's bytes, its path, an open binary file (read from its position) or an
        iterable of byte chunks; all but bytes stream. `filename` defaults to the path's
        (or open file's) name, `mimetype` to what the name suggests."""
        upload = upload_of(source, filename, mimetype, asynchronous=False)
        return self._client._run(upload_call(upload))

    def upload_base64(self, data: bytes, filename: str, mimetype: str | None = None) -> str:
        """Upload a small file (up to about 768 KiB) as base64 JSON; returns its id."""
        return self._client._run(upload_base64_call(data, filename, mimetype))

    @overload
    def download(
        self, model: str, record_id: str, to: None = None, field: str | None = None
    ) -> bytes: ...

    @overload
    def download(
        self, model: str, record_id: str, to: Target, field: str | None = None
    ) -> DownloadedFile: ...

    def download(
        self, model: str, record_id: str, to: Target | None = None, field: str | None = None
    ) -> bytes | DownloadedFile:
        """The file of a record (in `field`, for a model with several): its bytes, or with
        `to` (a path or a writable binary stream) streamed there, returning its name, type,
        size and SHA-256. A path is removed again when the download fails."""
        with self._client._stream(download_call(model, record_id, field)) as response:
            if to is None:
                return response.read()
            received = Received()
            with sink(to) as write:
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    write(received.add(chunk))
            return received.file(response.headers)

    def info(self, model: str, record_id: str, field: str | None = None) -> dict[str, Any]:
        """name, mimetype, modified (epoch seconds), size, sha256 and temp_url (a download
        link that needs no credentials until it expires)."""
        return self._client._run(info_call(model, record_id, field))


class AsyncFiles:
    """Files for AsyncClient: the same methods, awaited. `upload` also takes an async
    iterable of chunks; files are read and written in a worker thread."""

    def __init__(self, client: AsyncFileRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "AsyncFiles()"

    async def upload(
        self, source: AsyncSource, filename: str | None = None, mimetype: str | None = None
    ) -> str:
        upload = upload_of(source, filename, mimetype, asynchronous=True)
        return await self._client._run(upload_call(upload))

    async def upload_base64(self, data: bytes, filename: str, mimetype: str | None = None) -> str:
        return await self._client._run(upload_base64_call(data, filename, mimetype))

    @overload
    async def download(
        self, model: str, record_id: str, to: None = None, field: str | None = None
    ) -> bytes: ...

    @overload
    async def download(
        self, model: str, record_id: str, to: Target, field: str | None = None
    ) -> DownloadedFile: ...

    async def download(
        self, model: str, record_id: str, to: Target | None = None, field: str | None = None
    ) -> bytes | DownloadedFile:
        async with self._client._stream(download_call(model, record_id, field)) as response:
            if to is None:
                return await response.aread()
            received = Received()
            async with async_sink(to) as write:
                async for chunk in response.aiter_bytes(CHUNK_BYTES):
                    await write(received.add(chunk))
            return received.file(response.headers)

    async def info(self, model: str, record_id: str, field: str | None = None) -> dict[str, Any]:
        return await self._client._run(info_call(model, record_id, field))
