"""verify_webhook: check that a webhook delivery comes from the server, as a receiver must
before acting on it (the Standard Webhooks scheme the server signs with).

The server signs `{webhook-id}.{webhook-timestamp}.{body}` with HMAC-SHA256 under the
webhook's secret and sends `webhook-signature: v1,<base64>` (several, space-separated,
while a rotated secret is still honoured). IO-free, stdlib only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from amity_client._errors import WebhookVerificationError

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE = 300.0
"""Seconds a delivery's timestamp may be off the receiver's clock, either way."""


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret: the base64 after the `whsec_` prefix, decoded."""
    encoded = secret.removeprefix(SECRET_PREFIX).strip()
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is whsec_ followed by base64") from None
    if not key:
        raise ValueError("the webhook secret is empty")
    return key


def sign(key: bytes, msg_id: str, timestamp: str, body: bytes) -> bytes:
    """The base64 v1 signature of one delivery."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())


def _signatures(header: str) -> list[bytes]:
    """The v1 signatures of a webhook-signature header; other versions are skipped."""
    found = []
    for item in header.split():
        version, _, signature = item.partition(",")
        if version == SIGNATURE_VERSION and signature:
            found.append(signature.encode())
    return found


def _check_timestamp(value: str, tolerance: float, now: float | None) -> None:
    if not (value.isascii() and value.isdigit()):
        raise WebhookVerificationError("The webhook-timestamp header is not a Unix time")
    age = (time.time() if now is None else now) - int(value)
    if age > tolerance:
        raise WebhookVerificationError("The webhook timestamp is too old")
    if age < -tolerance:
        raise WebhookVerificationError("The webhook timestamp is too new")


def verify_webhook(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str | Sequence[str],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> Any:
    """The parsed JSON body of a delivery whose headers prove that the server sent it.

    `body` is the request body exactly as received (the bytes, not a re-encoded parse);
    `headers` any mapping of the request's headers (names in any case); `secret` the
    webhook's `whsec_...` secret, or several (accepted if any signs it, e.g. the old and
    the new one while rotating). The timestamp must be within `tolerance` seconds of `now`
    (default: this machine's clock), which bounds replays. Raises WebhookVerificationError
    otherwise; a secret that is not whsec_ and base64 is a ValueError.
    """
    keys = [secret_key(s) for s in ([secret] if isinstance(secret, str) else secret)]
    if not keys:
        raise ValueError("no webhook secret given")
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    timestamp = lowered.get("webhook-timestamp", "").strip()
    signature_header = lowered.get("webhook-signature", "")
    if not (msg_id and timestamp and signature_header):
        raise WebhookVerificationError(
            "Missing webhook-id, webhook-timestamp or webhook-signature header"
        )
    _check_timestamp(timestamp, tolerance, now)
    data = body.encode() if isinstance(body, str) else bytes(body)
    given = _signatures(signature_header)
    expected = [sign(key, msg_id, timestamp, data) for key in keys]
    # every pair is compared, so the time taken says nothing about which one matched
    matched = False
    for mine in expected:
        for theirs in given:
            matched |= hmac.compare_digest(mine, theirs)
    if not matched:
        raise WebhookVerificationError("No webhook signature matches the secret")
    try:
        return json.loads(data)
    except ValueError:
        raise WebhookVerificationError("The webhook body is not JSON") from None
