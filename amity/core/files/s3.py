"""Blobs in an S3-compatible bucket: AMITY_FILES_URL=s3://bucket/prefix.

Objects are named <prefix>/blobs/<sha256>. The endpoint, region and credentials are
boto3's own business: it reads AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY (or a profile, an instance role, ...) as every AWS tool does.
Uploads still stream to a local spool directory first, where their hash is computed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from amity.core.files.storage import CHUNK_BYTES, check_hash

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import GetObjectRequestTypeDef

# S3's rules for bucket names (3-63 lower-case letters, digits, dots and hyphens)
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# multipart above 8 MiB in 8 MiB parts, each read from the spool file as it is sent: an
# upload holds about a MiB of buffers per part in flight, whatever the file's size
TRANSFER = TransferConfig(
    multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4
)
NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


def parse_files_url(url: str) -> tuple[str, str]:
    """The bucket and the key prefix ('' for none) of s3://bucket[/prefix]."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"a files URL is s3://bucket or s3://bucket/prefix, not {url!r}")
    if not BUCKET_NAME.fullmatch(parts.netloc):
        raise ValueError(f"not an S3 bucket name: {parts.netloc!r} (in {url!r})")
    prefix = parts.path.strip("/")
    if "//" in prefix:
        raise ValueError(f"empty path segment in the prefix of {url!r}")
    return parts.netloc, prefix


class S3BlobStore:
    """The blob store over one bucket and key prefix; safe to share between threads."""

    def __init__(self, url: str, spool_dir: Path) -> None:
        self.bucket, prefix = parse_files_url(url)
        self.prefix = f"{prefix}/blobs/" if prefix else "blobs/"
        self.spool_dir = spool_dir  # made by the first upload (storage.Spool)
        # a session of our own: boto3's default session is not safe to share between threads
        self.client: S3Client = boto3.session.Session().client("s3")

    def key(self, sha256: str) -> str:
        check_hash(sha256)
        return self.prefix + sha256

    def has(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return False
            raise
        return True

    def put(self, sha256: str, spooled: Path) -> None:
        if not self.has(sha256):  # the same bytes again: no need to send them
            self.client.upload_file(str(spooled), self.bucket, self.key(sha256), Config=TRANSFER)
        spooled.unlink()

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Streams the blob (or the range) in chunks of CHUNK_BYTES; FileNotFoundError for
        a blob that is not stored, as from the local store."""
        key = self.key(sha256)
        if end is not None and end <= start:
            if not self.has(sha256):
                raise FileNotFoundError(key)
            return
        request: GetObjectRequestTypeDef = {"Bucket": self.bucket, "Key": key}
        if start or end is not None:  # an empty object has no satisfiable range: ask for all
            request["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            body = self.client.get_object(**request)["Body"]
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                raise FileNotFoundError(key) from error
            if error_code(error) == "InvalidRange":  # starts at or beyond the end
                return
            raise
        with contextlib.closing(body):
            yield from body.iter_chunks(CHUNK_BYTES)

    def delete(self, sha256: str) -> None:
        # deleting a missing key is no error in S3
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
