"""client.files against the real server: uploads from bytes, paths, open files and
iterators (sync and async), attached to records, downloaded to bytes, paths and streams,
compared by SHA-256; the server's limits and errors; retries that send a body again."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import threading
import tracemalloc
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar

import pytest
from conftest import FAST_RETRY, MAX_UPLOAD_BYTES, Faults, Server, unique

from amity_client import (
    AsyncClient,
    Client,
    DownloadedFile,
    NetworkError,
    NotFound,
    OAuth,
    PayloadTooLarge,
    ServiceUnavailable,
    TokenAuth,
)

T = TypeVar("T")
MIB = 1024 * 1024
SIZES = [0, 1, MIB]
ODD_NAME = "Bericht über Q1 «final» 📄.txt"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attach(client: Client, file_id: str) -> str:
    """A new Note holding the upload as its attachment."""
    return client.model("Note").create({"name": unique("File"), "filename": file_id})


async def attach_async(client: AsyncClient, file_id: str) -> str:
    return await client.model("Note").create({"name": unique("File"), "filename": file_id})


def run(url: str, token: str, scenario: Callable[[AsyncClient], Awaitable[None]]) -> None:
    async def main() -> None:
        async with AsyncClient(url, TokenAuth(token), retry=FAST_RETRY) as client:
            await scenario(client)

    asyncio.run(main())


def chunks_of(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


# -- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_round_trip_keeps_every_byte(client: Client, size: int) -> None:
    data = os.urandom(size)
    note = attach(client, client.files.upload(data, "blob.bin", "application/x-test"))
    got = client.files.download("Note", note)
    assert sha256(got) == sha256(data)
    info = client.files.info("Note", note)
    assert (info["name"], info["size"], info["sha256"]) == ("blob.bin", size, sha256(data))
    assert client.model("Note").get(note)["filename"] == "blob.bin"


@pytest.mark.parametrize("size", SIZES)
def test_async_round_trip_keeps_every_byte(url: str, token: str, size: int) -> None:
    data = os.urandom(size)

    async def scenario(client: AsyncClient) -> None:
        note = await attach_async(client, await client.files.upload(data, "blob.bin"))
        assert sha256(await client.files.download("Note", note)) == sha256(data)
        stream = io.BytesIO()
        done = await client.files.download("Note", note, to=stream)
        assert sha256(stream.getvalue()) == done.sha256 == sha256(data)
        assert done.size == size
        info = await client.files.info("Note", note)
        assert (info["size"], info["sha256"]) == (size, sha256(data))

    run(url, token, scenario)


def test_upload_base64_round_trip(client: Client, url: str, token: str) -> None:
    data = bytes(range(256)) * 4
    note = attach(client, client.files.upload_base64(data, "table.bin"))
    assert client.files.download("Note", note) == data

    async def scenario(client: AsyncClient) -> None:
        file_id = await client.files.upload_base64(b"tiny", "tiny.txt")
        note = await attach_async(client, file_id)
        info = await client.files.info("Note", note)
        assert (info["name"], info["mimetype"], info["size"]) == ("tiny.txt", "text/plain", 4)

    run(url, token, scenario)


# -- sources and targets ---------------------------------------------------------------------
def test_upload_from_a_path_takes_its_name_and_type(client: Client, tmp_path: Path) -> None:
    source = tmp_path / ODD_NAME
    data = "Umsatz: 1.000 €\n".encode() * 5000
    source.write_bytes(data)
    for given in (source, str(source)):
        note = attach(client, client.files.upload(given))
        info = client.files.info("Note", note)
        assert (info["name"], info["mimetype"]) == (ODD_NAME, "text/plain")
        assert info["sha256"] == sha256(data)

    target = tmp_path / "copy.txt"
    done = client.files.download("Note", note, to=target)
    assert done == DownloadedFile(ODD_NAME, "text/plain", len(data), sha256(data))
    assert target.read_bytes() == data


def test_upload_from_open_files_and_iterators(client: Client, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    (tmp_path / "report.bin").write_bytes(data)
    with (tmp_path / "report.bin").open("rb") as file:
        note = attach(client, client.files.upload(file))  # named after the open file
    assert client.files.info("Note", note)["name"] == "report.bin"
    assert client.files.download("Note", note) == data

    seeked = io.BytesIO(data)
    seeked.seek(1000)  # the upload starts where the file stands
    note = attach(client, client.files.upload(seeked, "tail.bin"))
    assert client.files.download("Note", note) == data[1000:]

    for chunks in (chunks_of(data), list(chunks_of(data))):  # a generator, a list
        note = attach(client, client.files.upload(chunks, "chunks.bin"))
        assert sha256(client.files.download("Note", note)) == sha256(data)


@contextmanager
def pipe_of(data: bytes) -> Iterator[IO[bytes]]:
    """The read end of a pipe a thread fills with `data`: a file that cannot seek."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            for chunk in chunks_of(data, 50_000):
                pipe.write(chunk)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        with os.fdopen(read_end, "rb") as pipe:
            yield pipe
    finally:
        writer.join()


def test_upload_from_a_pipe_streams_it_chunked(client: Client, url: str, token: str) -> None:
    data = os.urandom(MIB + 17)
    with pipe_of(data) as pipe:
        note = attach(client, client.files.upload(pipe, "piped.bin"))
    stream = io.BytesIO()
    done = client.files.download("Note", note, to=stream)
    assert done.sha256 == sha256(data) == sha256(stream.getvalue())
    assert (done.name, done.size) == ("piped.bin", len(data))

    async def scenario(client: AsyncClient) -> None:
        with pipe_of(data) as pipe:
            note = await attach_async(client, await client.files.upload(pipe, "piped.bin"))
        assert sha256(await client.files.download("Note", note)) == sha256(data)

    run(url, token, scenario)


def test_async_uploads_from_paths_files_and_async_iterators(
    url: str, token: str, tmp_path: Path
) -> None:
    data = os.urandom(200_000)
    source = tmp_path / ODD_NAME
    source.write_bytes(data)

    async def agen() -> AsyncIterator[bytes]:
        for chunk in chunks_of(data, 4096):
            yield chunk

    async def scenario(client: AsyncClient) -> None:
        with source.open("rb") as file:
            ids = [
                await client.files.upload(source),
                await client.files.upload(file),
                await client.files.upload(agen(), "agen.bin"),
                await client.files.upload(chunks_of(data), "gen.bin"),
            ]
        names = []
        for file_id in ids:
            note = await attach_async(client, file_id)
            target = tmp_path / f"{note}.out"
            done = await client.files.download("Note", note, to=target)
            assert done.sha256 == sha256(data) == sha256(target.read_bytes())
            names.append(done.name)
        assert names == [ODD_NAME, ODD_NAME, "agen.bin", "gen.bin"]

    run(url, token, scenario)


def measured(action: Callable[[], T]) -> tuple[T, int]:
    """What `action` returned, and the most memory Python held at once while it ran."""
    tracemalloc.start()
    try:
        return action(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_uploads_and_downloads_stream(url: str, token: str, tmp_path: Path) -> None:
    source, target = tmp_path / "large.bin", tmp_path / "large.out"
    source.write_bytes(os.urandom(MAX_UPLOAD_BYTES))  # twice the most either may hold
    # OAuth too: an auth that reads response bodies would hold the download whole
    for auth in (TokenAuth(token), OAuth({"access_token": token})):
        with Client(url, auth) as client:
            file_id, peak = measured(partial(client.files.upload, source))
            assert peak < MIB
            note = attach(client, file_id)
            _, peak = measured(partial(client.files.download, "Note", note, to=target))
            assert peak < MIB
            assert sha256(target.read_bytes()) == sha256(source.read_bytes())


def test_document_file_by_field(client: Client) -> None:
    data = b"%PDF-1.4 not really\n"
    file_id = client.files.upload(data, "contract.txt")
    doc = client.model("Document").create({"name": unique("Doc"), "revision_filename": file_id})
    assert client.files.download("Document", doc, field="revision_filename") == data
    info = client.files.info("Document", doc, field="revision_filename")
    assert info["name"] == "contract.txt"


# -- limits and errors -----------------------------------------------------------------------
def test_upload_over_the_limit_is_payload_too_large(client: Client, tmp_path: Path) -> None:
    data = b"x" * (MAX_UPLOAD_BYTES + 1)
    big = tmp_path / "big.bin"
    big.write_bytes(data)
    for source in (data, big, chunks_of(data, 65536)):  # the last one sent chunked
        with pytest.raises(PayloadTooLarge) as caught:
            client.files.upload(source, "big.bin")
        assert caught.value.status == 413
        assert str(MAX_UPLOAD_BYTES) in caught.value.message
    client.files.upload(data[:MAX_UPLOAD_BYTES], "just-fits.bin")


def test_missing_files_are_not_found(client: Client, url: str, token: str, tmp_path: Path) -> None:
    target = tmp_path / "never.bin"
    for call in (
        lambda: client.files.download("Note", "no-such-note"),
        lambda: client.files.download("Note", "no-such-note", to=target),
        lambda: client.files.info("Note", "no-such-note"),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.status == 404
        assert caught.value.message != "HTTP 404"  # the server's JSON error was read
    assert not target.exists()
    bare = client.model("Note").create({"name": unique("NoFile")})
    with pytest.raises(NotFound, match="No file"):
        client.files.download("Note", bare, to=io.BytesIO())

    async def scenario(client: AsyncClient) -> None:
        with pytest.raises(NotFound):
            await client.files.download("Note", "no-such-note", to=target)
        with pytest.raises(NotFound):
            await client.files.info("Note", bare)

    run(url, token, scenario)
    assert not target.exists()


def test_upload_needs_a_name_and_bytes(client: Client, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="filename"):
        client.files.upload(b"data")
    (tmp_path / "a.txt").write_text("text")
    with (tmp_path / "a.txt").open() as text, pytest.raises(TypeError, match="binary"):
        client.files.upload(text)  # type: ignore[arg-type]

    async def agen() -> AsyncGenerator[bytes, None]:
        yield b"x"

    stream = agen()
    with pytest.raises(TypeError, match="AsyncClient"):
        client.files.upload(stream, "a.bin")  # type: ignore[arg-type]
    asyncio.run(stream.aclose())


# -- retries ---------------------------------------------------------------------------------
def faults_client(faults_server: Server, token: str) -> Client:
    return Client(faults_server.url, TokenAuth(token), retry=FAST_RETRY)


def test_a_retried_upload_sends_the_whole_file_again(
    faults: Faults, faults_server: Server, token: str, tmp_path: Path
) -> None:
    data = os.urandom(500_000)
    source = tmp_path / "again.bin"
    source.write_bytes(data)
    with faults_client(faults_server, token) as client:
        for given in (source, io.BytesIO(data), list(chunks_of(data))):
            faults.arm("/files/upload", 503, 1, retry_after="0")
            note = attach(client, client.files.upload(given, "again.bin"))
            assert len(faults.arrivals("/files/upload")) == 2
            assert client.files.info("Note", note)["sha256"] == sha256(data)


def test_a_stream_read_once_is_not_retried(
    faults: Faults, faults_server: Server, token: str
) -> None:
    with faults_client(faults_server, token) as client:
        faults.arm("/files/upload", 503, 1, retry_after="0")
        with pytest.raises(ServiceUnavailable):
            client.files.upload(chunks_of(b"once" * 1000), "once.bin")
        assert len(faults.arrivals("/files/upload")) == 1


def test_a_broken_download_raises_and_leaves_no_file(
    faults: Faults, faults_server: Server, token: str, url: str, tmp_path: Path
) -> None:
    data = os.urandom(300_000)
    target = tmp_path / "partial.bin"
    with faults_client(faults_server, token) as client:
        note = attach(client, client.files.upload(data, "partial.bin"))
        endpoint = f"/files/download/Note/{note}"
        calls: list[Callable[[], Any]] = [
            lambda: client.files.download("Note", note),
            lambda: client.files.download("Note", note, to=target),
        ]
        for call in calls:
            faults.arm(endpoint, 0, 1, drop=True)
            with pytest.raises(NetworkError):
                call()
            assert not target.exists()

        async def scenario(aclient: AsyncClient) -> None:
            faults.arm(endpoint, 0, 1, drop=True)
            with pytest.raises(NetworkError):
                await aclient.files.download("Note", note, to=target)

        run(faults_server.url, token, scenario)
        assert not target.exists()
        assert client.files.download("Note", note, to=target).sha256 == sha256(data)
