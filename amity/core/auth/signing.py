"""Signed access tokens: the server's RSA key in a PEM file, and JWTs (RS256) with joserfc.

The private key never enters the database. It lives in a PEM file (AMITY_JWT_KEY_FILE, by
default in the data directory of amity/core/datadir.py) that the first process to need it
creates atomically with mode 0600: the key is written to a temporary file and hard-linked
into place, so when several workers start at once exactly one key wins and every process
reads that one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.jwt import JWTClaimsRegistry

from amity.config import Settings, sqlite_file
from amity.core.datadir import data_dir, make_private_dir

ALGORITHM = "RS256"
KEY_FILE_NAME = "amity-jwt-key.pem"
KEY_BITS = 2048


class InvalidToken(Exception):
    """A JWT that is malformed, forged, expired or meant for someone else."""


def key_path(settings: Settings) -> Path:
    """AMITY_JWT_KEY_FILE, else amity-jwt-key.pem in the data directory. With PostgreSQL and
    no AMITY_DATA_DIR, a key that older versions left in the working directory is kept."""
    if settings.jwt_key_file:
        return Path(settings.jwt_key_file)
    legacy = Path(KEY_FILE_NAME)
    if not settings.data_dir and sqlite_file(settings.database_url) is None and legacy.exists():
        return legacy
    return data_dir(settings) / KEY_FILE_NAME


def load_or_create_key(path: Path) -> RSAKey:
    """The private key in `path`, created first (mode 0600) when the file does not exist."""
    if not path.exists():
        key = RSAKey.generate_key(KEY_BITS, private=True)
        make_private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(key.as_pem(private=True))
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first: use its key
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise PermissionError(
            f"{path} must be readable by its owner only (chmod 600 {path}); it has mode {mode:o}"
        )
    key = RSAKey.import_key(path.read_bytes())
    if not key.is_private:
        raise ValueError(f"{path} holds no private key")
    return key


def derived_key(path: Path, purpose: bytes) -> bytes:
    """32 bytes for one purpose (b"amity webhook secrets", ...), derived from the private
    key in `path` (HKDF-SHA256): every worker with the same key file derives the same key,
    and a copy of the database alone derives none."""
    pem = load_or_create_key(path).as_pem(private=True)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(pem)


class TokenSigner:
    """Signs and verifies access-token JWTs with the server's key (loaded on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.path = key_path(settings)
        self._key: RSAKey | None = None
        self._lock = threading.Lock()

    @property
    def key(self) -> RSAKey:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = load_or_create_key(self.path)
        return self._key

    def public_pem(self) -> str:
        return self.key.as_pem(private=False).decode("ascii")

    def public_jwk(self) -> dict[str, Any]:
        return dict(
            self.key.as_dict(private=False, alg=ALGORITHM, use="sig", kid=self.key.thumbprint())
        )

    def sign(self, claims: dict[str, Any]) -> str:
        header = {"alg": ALGORITHM, "kid": self.key.thumbprint(), "typ": "at+jwt"}
        return jwt.encode(header, claims, self.key, algorithms=[ALGORITHM])

    def verify(self, token: str, *, issuer: str | None, audience: str | None) -> dict[str, Any]:
        """The claims of a token signed by this server's key, unexpired, for this issuer and
        audience (None skips that check); InvalidToken otherwise. Only RS256 is accepted, so
        `alg: none` and HMAC tricks with the public key fail."""
        try:
            decoded = jwt.decode(token, self.key, algorithms=[ALGORITHM])
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidToken(f"bad token: {type(exc).__name__}") from None
        options: dict[str, Any] = {
            "exp": {"essential": True},
            "sub": {"essential": True},
            "jti": {"essential": True},
        }
        if issuer is not None:
            options["iss"] = {"essential": True, "value": issuer}
        if audience is not None:
            options["aud"] = {"essential": True, "value": audience}
        try:
            JWTClaimsRegistry(now=int(time.time()), **options).validate(decoded.claims)
        except JoseError as exc:
            raise InvalidToken(f"bad claims: {type(exc).__name__}") from None
        return dict(decoded.claims)
