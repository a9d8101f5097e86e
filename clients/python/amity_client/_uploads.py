"""What an upload sends: bytes, a file by its path, an open binary file or an iterator of
bytes, turned into a request body that streams a chunk at a time.

A body that can be read again (bytes, a path, a seekable file, a list of chunks) is read
afresh for each attempt, so such an upload is retried like any other call; one that
cannot (a pipe, a generator) is sent once. The async client reads files in a worker
thread, so the event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import io
import mimetypes
import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

CHUNK_BYTES = 64 * 1024
OCTET_STREAM = "application/octet-stream"

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes] | Iterable[bytes]
"""What Files.upload takes: the file's bytes, its path, an open binary file, or chunks."""
AsyncSource = Source | AsyncIterable[bytes]
"""What AsyncFiles.upload takes: a Source, or chunks from an async iterator."""


@dataclass(frozen=True)
class Upload:
    """A request body with the file's name and type. `length` is None when unknown (the
    body is sent chunked); `resendable` is False when the body can be read only once."""

    body: bytes | Iterable[bytes] | AsyncIterable[bytes]
    name: str
    mimetype: str
    length: int | None
    resendable: bool


def guess_type(name: str) -> str:
    """The type a file name suggests, application/octet-stream when it suggests none."""
    return mimetypes.guess_type(name, strict=False)[0] or OCTET_STREAM


def _name_of(file: Any) -> str | None:
    name = getattr(file, "name", None)
    return os.path.basename(name) if isinstance(name, str) and name else None


def _remaining(file: IO[bytes]) -> int | None:
    """Bytes from a seekable file's position to its end (None if it cannot seek)."""
    try:
        if not file.seekable():
            return None
        start = file.tell()
        end = file.seek(0, io.SEEK_END)
        file.seek(start)
    except (OSError, ValueError):
        return None
    return end - start


class PathChunks:
    """A file read from its path, a chunk at a time, anew on each iteration."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as file:
            while chunk := file.read(CHUNK_BYTES):
                yield chunk


class FileChunks:
    """A seekable open file read from the position it had when given, on each iteration."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.start = file.tell()

    def __iter__(self) -> Iterator[bytes]:
        self.file.seek(self.start)
        while chunk := self.file.read(CHUNK_BYTES):
            yield chunk


class AsyncPathChunks:
    """PathChunks for the async client: the disk is read in a worker thread."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def __aiter__(self) -> AsyncIterator[bytes]:
        file = await asyncio.to_thread(self.path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
                yield chunk
        finally:
            file.close()


class AsyncFileChunks:
    """FileChunks for the async client: seeks and reads run in a worker thread."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.start = file.tell()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        await asyncio.to_thread(self.file.seek, self.start)
        while chunk := await asyncio.to_thread(self.file.read, CHUNK_BYTES):
            yield chunk


class AsyncChunks:
    """Chunks of a sync iterable for the async client, each fetched in a worker thread
    (a generator may read a file or a socket); read anew on each iteration when the
    iterable allows it."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        iterator = iter(self.chunks)
        while (chunk := await asyncio.to_thread(next, iterator, None)) is not None:
            yield chunk


def _read_once(file: IO[bytes]) -> Iterator[bytes]:
    while chunk := file.read(CHUNK_BYTES):
        yield chunk


def upload_of(
    source: AsyncSource, filename: str | None, mimetype: str | None, *, asynchronous: bool
) -> Upload:
    """The Upload for what the caller passed. The name defaults to the path's (or the open
    file's) last part, the type to what the name suggests."""
    body: bytes | Iterable[bytes] | AsyncIterable[bytes]
    length: int | None = None
    resendable = True
    default_name: str | None = None
    if isinstance(source, bytes | bytearray | memoryview):
        body = bytes(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        default_name, length = path.name, path.stat().st_size
        body = AsyncPathChunks(path) if asynchronous else PathChunks(path)
    elif isinstance(source, io.TextIOBase):
        raise TypeError("open the file in binary mode ('rb') to upload it")
    elif hasattr(source, "read"):
        file: IO[bytes] = source  # type: ignore[assignment]
        default_name, length = _name_of(file), _remaining(file)
        if length is None:
            chunks, resendable = _read_once(file), False
            body = AsyncChunks(chunks) if asynchronous else chunks
        else:
            body = AsyncFileChunks(file) if asynchronous else FileChunks(file)
    elif isinstance(source, AsyncIterable):
        if not asynchronous:
            raise TypeError("Client cannot send an async iterator: use AsyncClient")
        body, resendable = source, aiter(source) is not source
    elif isinstance(source, Iterable):
        resendable = iter(source) is not source
        body = AsyncChunks(source) if asynchronous else source
    else:
        raise TypeError(
            f"cannot upload a {type(source).__name__}: pass bytes, a path, a binary file "
            "or an iterator of bytes"
        )
    name = filename or default_name
    if not name:
        raise ValueError("pass filename=: the upload has no name of its own")
    return Upload(body, name, mimetype or guess_type(name), length, resendable)
