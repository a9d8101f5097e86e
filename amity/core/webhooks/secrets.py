"""Webhook signing secrets: made, kept encrypted at rest, and used to sign deliveries.

A secret is `whsec_` + base64 of 24 random bytes (the Standard Webhooks form). The
database holds it encrypted (Fernet) under a key derived from the server's private key
file (AMITY_JWT_KEY_FILE), so a copy of the database alone signs nothing. Signatures follow
Standard Webhooks: base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`, as `v1,<sig>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random_secrets
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken

from amity.config import Settings
from amity.core.auth.signing import derived_key, key_path

PREFIX = "whsec_"
SECRET_BYTES = 24


def new_secret() -> str:
    """A fresh signing secret, shown to its owner once."""
    return PREFIX + base64.b64encode(random_secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64>` signature of one delivery under one secret."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header: one signature per secret, space-separated."""
    return " ".join(signature(s, message_id, timestamp, body) for s in secrets)


class SecretBox:
    """Encrypts secrets for the database and decrypts them for the signer."""

    def __init__(self, settings: Settings) -> None:
        self.path = key_path(settings)
        self._fernet: Fernet | None = None

    def _box(self) -> Fernet:
        if self._fernet is None:
            key = derived_key(self.path, b"amity webhook secrets")
            self._fernet = Fernet(base64.urlsafe_b64encode(key))
        return self._fernet

    def seal(self, secret: str) -> str:
        return self._box().encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The secret, or None when it was sealed under another key (key file replaced)."""
        try:
            return self._box().decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
