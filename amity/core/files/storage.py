"""Where file bytes live: a blob store addressed by SHA-256.

An upload streams into a spool file (`Spool`) while its hash is computed; the finished
spool is then handed to the store under its hash, so a file uploaded twice is kept once.
The database holds only file rows (name, type, size, hash, owner record); see
amity/core/files/service.py. Every method here blocks: callers on the event loop run them
in a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from amity.config import Settings, sqlite_file

CHUNK_BYTES = 1024 * 1024  # what a download reads at a time
FILES_DIR = "amity-files"


class BlobStore(Protocol):
    """The storage port: bytes by SHA-256 (64 lower-case hex digits)."""

    spool_dir: Path
    """Where uploads stream to before they are stored (a local directory)."""

    def has(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        ...

    def put(self, sha256: str, spooled: Path) -> None:
        """Store the spooled file as blob `sha256` and remove the spool file; storing a
        blob that is there already just removes the spool file."""
        ...

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The blob's bytes from `start` up to and excluding `end`, in chunks."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove the blob; a missing one is no error."""
        ...


class LocalBlobStore:
    """Blobs as files in a directory: blobs/ab/cd/<sha256>, spooled uploads in tmp/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.spool_dir = root / "tmp"  # made by the first upload (Spool), like blobs/

    def path(self, sha256: str) -> Path:
        check_hash(sha256)
        return self.root / "blobs" / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, sha256: str, spooled: Path) -> None:
        target = self.path(sha256)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # root and blobs/ too
        os.replace(spooled, target)  # atomic: a reader sees the whole blob or none

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        with open(self.path(sha256), "rb") as blob:
            blob.seek(start)
            left = None if end is None else end - start
            while left is None or left > 0:
                chunk = blob.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(sha256).unlink()


def check_hash(sha256: str) -> None:
    """A blob name is a SHA-256 in hex; anything else would be a path into the store."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 in hex: {sha256!r}")


class Spool:
    """One upload on its way to the store: bytes are written to a private temporary file
    in the store's spool directory while their SHA-256 and size are counted."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-")
        self.path = Path(name)
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self.head = b""  # the first bytes, to sniff the type from

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._hash.update(data)
        if len(self.head) < SNIFF_BYTES:
            self.head += data[: SNIFF_BYTES - len(self.head)]
        self.size += len(data)

    def write_all(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.write(chunk)

    def finish(self) -> str:
        """Close the file; its SHA-256 in hex."""
        self._file.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        """Close and remove the file (an upload that failed or went over the limit)."""
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


SNIFF_BYTES = 8192


def files_dir(settings: Settings) -> Path:
    """AMITY_FILES_DIR, else amity-files beside the SQLite database, else ./amity-files."""
    if settings.files_dir:
        return Path(settings.files_dir)
    database = sqlite_file(settings.database_url)
    return (database.parent if database is not None else Path(".")) / FILES_DIR


def blob_store(settings: Settings) -> BlobStore:
    """The store the settings name: an S3 bucket for AMITY_FILES_URL=s3://..., else the
    local directory."""
    if settings.files_url:
        from amity.core.files.s3 import S3BlobStore  # boto3 is imported only when used

        return S3BlobStore(settings.files_url, files_dir(settings) / "tmp")
    return LocalBlobStore(files_dir(settings))
