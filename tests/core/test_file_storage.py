"""The blob stores behave alike: the local directory and an S3 bucket (moto over HTTP)."""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import random
import tracemalloc
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import boto3
import pytest

from amity.core.files.s3 import S3BlobStore
from amity.core.files.storage import CHUNK_BYTES, SNIFF_BYTES, BlobStore, LocalBlobStore, Spool
from tests.s3_server import S3Server

MiB = 1024 * 1024
BIG = 50 * MiB


@pytest.fixture(params=["local", "s3"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """Each store, empty: a new directory, or a new prefix in the test bucket."""
    if request.param == "local":
        return LocalBlobStore(tmp_path / "files")
    s3: S3Server = request.getfixturevalue("s3_server")
    return S3BlobStore(s3.files_url(f"test-{uuid.uuid4().hex}"), tmp_path / "spool")


def spooled(store: BlobStore, data: bytes) -> tuple[str, Path]:
    """`data` written to a spool file in the store's spool directory; its hash and path."""
    spool = Spool(store.spool_dir)
    spool.write(data)
    return spool.finish(), spool.path


def stored(store: BlobStore, data: bytes) -> str:
    sha256, path = spooled(store, data)
    store.put(sha256, path)
    return sha256


def read(store: BlobStore, sha256: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(store.read(sha256, start, end))


def some_bytes(size: int, seed: int = 13) -> bytes:
    return random.Random(seed).randbytes(size)


def test_put_then_has(blob_store: BlobStore) -> None:
    sha256, path = spooled(blob_store, b"hello")
    assert not blob_store.has(sha256)
    blob_store.put(sha256, path)
    assert blob_store.has(sha256)
    assert read(blob_store, sha256) == b"hello"


def test_put_removes_the_spool_file(blob_store: BlobStore) -> None:
    sha256, path = spooled(blob_store, b"spooled bytes")
    assert path.is_file() and path.parent == blob_store.spool_dir
    blob_store.put(sha256, path)
    assert not path.exists()
    assert list(blob_store.spool_dir.iterdir()) == []


def test_read_whole_streams_in_chunks(blob_store: BlobStore) -> None:
    data = some_bytes(2 * CHUNK_BYTES + 17)
    sha256 = stored(blob_store, data)
    chunks = list(blob_store.read(sha256))
    assert b"".join(chunks) == data
    assert [len(c) for c in chunks] == [CHUNK_BYTES, CHUNK_BYTES, 17]


SIZE = CHUNK_BYTES + 1000


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, None, slice(0, SIZE)),
        (7, None, slice(7, SIZE)),  # start only
        (7, 100, slice(7, 100)),
        (CHUNK_BYTES - 3, CHUNK_BYTES + 5, slice(CHUNK_BYTES - 3, CHUNK_BYTES + 5)),
        (0, 1, slice(0, 1)),
        (SIZE - 10, SIZE + 5000, slice(SIZE - 10, SIZE)),  # end beyond the size
        (SIZE, None, slice(0, 0)),  # starts at the end
        (SIZE + 10, SIZE + 20, slice(0, 0)),  # beyond the end
        (50, 50, slice(0, 0)),  # an empty range
    ],
)
def test_read_ranges(blob_store: BlobStore, start: int, end: int | None, expected: slice) -> None:
    data = some_bytes(SIZE)
    sha256 = stored(blob_store, data)
    assert read(blob_store, sha256, start, end) == data[expected]


def test_empty_blob(blob_store: BlobStore) -> None:
    sha256 = stored(blob_store, b"")
    assert sha256 == hashlib.sha256(b"").hexdigest()
    assert blob_store.has(sha256)
    assert read(blob_store, sha256) == b""
    assert read(blob_store, sha256, 0, 10) == b""
    assert read(blob_store, sha256, 3) == b""


def test_putting_the_same_blob_twice(blob_store: BlobStore) -> None:
    first = stored(blob_store, b"twice")
    sha256, path = spooled(blob_store, b"twice")
    assert sha256 == first
    blob_store.put(sha256, path)
    assert not path.exists()
    assert read(blob_store, sha256) == b"twice"


def test_delete(blob_store: BlobStore) -> None:
    kept = stored(blob_store, b"kept")
    sha256 = stored(blob_store, b"deleted")
    blob_store.delete(sha256)
    assert not blob_store.has(sha256)
    assert blob_store.has(kept)
    with pytest.raises(FileNotFoundError):
        read(blob_store, sha256)


def test_delete_of_a_missing_blob(blob_store: BlobStore) -> None:
    missing = hashlib.sha256(b"never stored").hexdigest()
    blob_store.delete(missing)
    assert not blob_store.has(missing)


@pytest.mark.parametrize(("start", "end"), [(0, None), (5, 10), (5, 5)])
def test_reading_a_missing_blob(blob_store: BlobStore, start: int, end: int | None) -> None:
    with pytest.raises(FileNotFoundError):
        read(blob_store, hashlib.sha256(b"never stored").hexdigest(), start, end)


def test_a_name_that_is_not_a_hash(blob_store: BlobStore) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        blob_store.has("../../etc/passwd")


def big_spool(store: BlobStore) -> tuple[Spool, str, bytes]:
    """A 50 MiB upload written through a Spool in 64 KiB pieces; the spool, the SHA-256
    computed aside, and the first bytes."""
    spool = Spool(store.spool_dir)
    expected = hashlib.sha256()
    piece = some_bytes(64 * 1024)
    for i in range(BIG // len(piece)):
        data = i.to_bytes(8, "big") + piece[8:]  # no two pieces alike
        spool.write(data)
        expected.update(data)
        if i == 0:
            head = data[:SNIFF_BYTES]
    return spool, expected.hexdigest(), head


def test_a_50_mib_round_trip(blob_store: BlobStore) -> None:
    spool, expected, head = big_spool(blob_store)
    sha256 = spool.finish()
    assert sha256 == expected
    assert spool.size == BIG == spool.path.stat().st_size
    assert spool.head == head
    blob_store.put(sha256, spool.path)
    assert not spool.path.exists()
    read_back = hashlib.sha256()
    size = chunks = 0
    for chunk in blob_store.read(sha256):
        assert len(chunk) <= CHUNK_BYTES
        read_back.update(chunk)
        size += len(chunk)
        chunks += 1
    assert (read_back.hexdigest(), size) == (sha256, BIG)
    assert chunks == math.ceil(BIG / CHUNK_BYTES)


# S3 only


@pytest.mark.parametrize(("prefix", "key"), [("a/b", "a/b/blobs/"), ("", "blobs/")])
def test_s3_keys(s3_server: S3Server, tmp_path: Path, prefix: str, key: str) -> None:
    bucket = s3_server.bucket
    url = s3_server.files_url(prefix) if prefix else f"s3://{bucket}"
    store = S3BlobStore(url, tmp_path / "spool")
    sha256 = stored(store, uuid.uuid4().bytes)
    client = boto3.session.Session().client("s3")
    assert client.head_object(Bucket=bucket, Key=key + sha256)["ContentLength"] == 16
    store.delete(sha256)
    assert client.list_objects_v2(Bucket=bucket, Prefix=key + sha256)["KeyCount"] == 0


def test_s3_url_with_slashes_around_the_prefix(s3_server: S3Server, tmp_path: Path) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    store = S3BlobStore(s3_server.files_url(f"/{prefix}/"), tmp_path / "spool")
    assert store.prefix == f"{prefix}/blobs/"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "bucket/prefix",
        "http://bucket/prefix",
        "s3:bucket",
        "s3://",
        "s3:///prefix",
        "s3://Upper_Case/prefix",
        "s3://b/prefix",  # too short for a bucket name
        "s3://bucket:9000/prefix",
        "s3://key:secret@bucket/prefix",
        "s3://bucket/prefix?region=eu",
        "s3://bucket/prefix#x",
        "s3://bucket/a//b",
    ],
)
def test_bad_s3_url(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError, match=r"s3://|bucket|prefix"):
        S3BlobStore(url, tmp_path / "spool")
    assert not (tmp_path / "spool").exists()


def test_spool_dir_is_private(s3_server: S3Server, tmp_path: Path) -> None:
    spool_dir = tmp_path / "a" / "spool"
    store = S3BlobStore(s3_server.files_url("private"), spool_dir)
    assert store.spool_dir == spool_dir
    assert not spool_dir.exists()  # nothing on disk until a file is uploaded
    Spool(store.spool_dir).discard()
    assert spool_dir.stat().st_mode & 0o777 == 0o700


def test_s3_put_of_50_mib_is_multipart_and_memory_bounded(
    s3_server: S3Server, tmp_path: Path
) -> None:
    """Measured in a process of its own, so that the moto server in this one (which holds
    the object in memory) is not counted."""
    url = s3_server.files_url(f"test-{uuid.uuid4().hex}")
    store = S3BlobStore(url, tmp_path / "spool")
    spool, sha256, _ = big_spool(store)
    spool.finish()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as child:
        put_peak, read_peak = child.submit(peak_memory, url, store.spool_dir, sha256).result()
    assert put_peak < 12 * MiB, put_peak  # under a quarter of the file
    assert read_peak < 5 * MiB, read_peak
    assert not spool.path.exists()
    head = (
        boto3.session.Session().client("s3").head_object(Bucket=store.bucket, Key=store.key(sha256))
    )
    assert head["ContentLength"] == BIG
    assert head["ETag"].strip('"').endswith(f"-{math.ceil(BIG / (8 * MiB))}")  # 7 parts


def peak_memory(url: str, spool_dir: Path, sha256: str) -> tuple[int, int]:
    """In a child process: the most memory Python held while the spooled blob was put,
    and then while it was read back (and checked)."""
    store = S3BlobStore(url, spool_dir)
    store.has(sha256)  # botocore loads its models on the first request: not counted
    tracemalloc.start()
    store.put(sha256, next(spool_dir.iterdir()))
    put_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    read_back = hashlib.sha256()
    for chunk in store.read(sha256):
        read_back.update(chunk)
    read_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert read_back.hexdigest() == sha256
    return put_peak, read_peak
