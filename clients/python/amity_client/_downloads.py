"""Where a download goes: a path or a writable binary stream, filled a chunk at a time
while the size and SHA-256 of what arrives are counted, and what it was (`DownloadedFile`).
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote

FILENAME_HEADER = "X-OneCRM-Filename"


class Writable(Protocol):
    """Anything with write(bytes): an open binary file, io.BytesIO, a socket file. On an
    AsyncClient, write may also be a coroutine function (it is awaited)."""

    def write(self, data: bytes, /) -> object: ...


Target = str | os.PathLike[str] | Writable
"""Where download(..., to=) puts the file: a path (created or overwritten) or a stream."""


@dataclass(frozen=True)
class DownloadedFile:
    """What download(..., to=) received: the file's name and type as the server sent them,
    and the size and SHA-256 (hex) of the bytes written."""

    name: str
    mimetype: str
    size: int
    sha256: str


class Received:
    """Counts and hashes the chunks of a download as they pass."""

    def __init__(self) -> None:
        self.size = 0
        self.digest = hashlib.sha256()

    def add(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        self.digest.update(chunk)
        return chunk

    def file(self, headers: Mapping[str, str]) -> DownloadedFile:
        """The DownloadedFile, with the name and type from the answer's headers."""
        mimetype = headers.get("content-type", "").split(";", 1)[0].strip()
        return DownloadedFile(
            name=unquote(headers.get(FILENAME_HEADER.lower(), "")),
            mimetype=mimetype,
            size=self.size,
            sha256=self.digest.hexdigest(),
        )


@contextmanager
def sink(to: Target) -> Iterator[Callable[[bytes], object]]:
    """A write function for `to`. A path is removed again when the download fails."""
    if not isinstance(to, str | os.PathLike):
        yield to.write
        return
    path = Path(to)
    try:
        with path.open("wb") as file:
            yield file.write
    except BaseException:
        path.unlink(missing_ok=True)
        raise


@asynccontextmanager
async def async_sink(to: Target) -> AsyncIterator[Callable[[bytes], Awaitable[object]]]:
    """sink for the async client: a path is written in a worker thread."""
    if not isinstance(to, str | os.PathLike):
        stream = to

        async def write_stream(chunk: bytes) -> object:
            written = stream.write(chunk)
            return await written if inspect.isawaitable(written) else written

        yield write_stream
        return
    path = Path(to)
    file = await asyncio.to_thread(path.open, "wb")

    async def write_file(chunk: bytes) -> object:
        return await asyncio.to_thread(file.write, chunk)

    try:
        try:
            yield write_file
        finally:
            await asyncio.to_thread(file.close)
    except BaseException:
        await asyncio.to_thread(path.unlink, True)
        raise
