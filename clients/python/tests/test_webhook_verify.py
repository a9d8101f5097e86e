"""verify_webhook against the reference implementation: deliveries signed by the
`standardwebhooks` package, intact and tampered with, are accepted or refused by both
libraries alike; then what only ours offers (several secrets, `now`, `tolerance`)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
import standardwebhooks
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from amity_client import Error, WebhookVerificationError, verify_webhook

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
BODY = json.dumps({"type": "record.updated", "data": {"id": "c1", "name": "Ada Lovelace ü"}})


@dataclass(frozen=True)
class Delivery:
    body: bytes | str
    headers: dict[str, str]


def signed(
    body: str = BODY,
    msg_id: str = "msg_1",
    at: float | None = None,
    secret: str = SECRET,
) -> Delivery:
    """A delivery as a Standard Webhooks sender makes it, signed by the reference library."""
    stamp = int(time.time() if at is None else at)
    signature = standardwebhooks.Webhook(secret).sign(
        msg_id, dt.datetime.fromtimestamp(stamp, dt.UTC), body
    )
    return Delivery(
        body.encode(),
        {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": signature},
    )


def with_header(d: Delivery, name: str, value: str) -> Delivery:
    return replace(d, headers={**d.headers, name: value})


def without_header(d: Delivery, name: str) -> Delivery:
    return replace(d, headers={k: v for k, v in d.headers.items() if k != name})


def flipped(signature: str) -> str:
    """The signature with one base64 character changed (still well-formed)."""
    version, b64 = signature.split(",")
    i = len(b64) // 2
    return f"{version},{b64[:i]}{'A' if b64[i] != 'A' else 'B'}{b64[i + 1 :]}"


def fresh() -> Delivery:
    return signed()


CASES: dict[str, tuple[Callable[[], Delivery], bool]] = {
    "intact": (fresh, True),
    "body as str": (lambda: replace(fresh(), body=BODY), True),
    "header names in any case": (
        lambda: Delivery(fresh().body, {k.upper(): v for k, v in fresh().headers.items()}),
        True,
    ),
    "a few seconds old": (lambda: signed(at=time.time() - 200), True),
    "a few seconds ahead": (lambda: signed(at=time.time() + 200), True),
    "body changed": (lambda: replace(fresh(), body=BODY.replace("Ada", "Eve").encode()), False),
    "body extended": (lambda: replace(fresh(), body=BODY.encode() + b" "), False),
    "id changed": (lambda: with_header(fresh(), "webhook-id", "msg_2"), False),
    "timestamp changed": (
        lambda: with_header(
            signed(at=time.time() - 10), "webhook-timestamp", str(int(time.time()))
        ),
        False,
    ),
    "signature changed": (
        lambda: with_header(
            fresh(), "webhook-signature", flipped(fresh().headers["webhook-signature"])
        ),
        False,
    ),
    "too old": (lambda: signed(at=time.time() - 600), False),
    "too new": (lambda: signed(at=time.time() + 600), False),
    "one valid signature among several": (
        lambda: with_header(
            fresh(),
            "webhook-signature",
            " ".join(
                [
                    signed(secret=OTHER_SECRET).headers["webhook-signature"],
                    "v2,c29tZXRoaW5nIGVsc2U=",
                    fresh().headers["webhook-signature"],
                ]
            ),
        ),
        True,
    ),
    "several signatures, none valid": (
        lambda: with_header(
            fresh(),
            "webhook-signature",
            signed(secret=OTHER_SECRET).headers["webhook-signature"]
            + " "
            + flipped(fresh().headers["webhook-signature"]),
        ),
        False,
    ),
    "the valid signature under another version": (
        lambda: with_header(
            fresh(), "webhook-signature", fresh().headers["webhook-signature"].replace("v1,", "v2,")
        ),
        False,
    ),
    "wrong secret": (lambda: signed(secret=OTHER_SECRET), False),
    "no webhook-id": (lambda: without_header(fresh(), "webhook-id"), False),
    "no webhook-timestamp": (lambda: without_header(fresh(), "webhook-timestamp"), False),
    "no webhook-signature": (lambda: without_header(fresh(), "webhook-signature"), False),
    "timestamp not a number": (lambda: with_header(fresh(), "webhook-timestamp", "soon"), False),
}


def reference_accepts(d: Delivery) -> tuple[bool, Any]:
    try:
        return True, standardwebhooks.Webhook(SECRET).verify(d.body, d.headers)
    except standardwebhooks.WebhookVerificationError:
        return False, None


def ours_accepts(d: Delivery) -> tuple[bool, Any]:
    try:
        return True, verify_webhook(d.body, d.headers, SECRET)
    except WebhookVerificationError:
        return False, None


@pytest.mark.parametrize("case", list(CASES))
def test_both_libraries_agree(case: str) -> None:
    make, accepted = CASES[case]
    delivery = make()
    ours, reference = ours_accepts(delivery), reference_accepts(delivery)
    assert ours == reference
    assert ours[0] is accepted
    if accepted:
        assert ours[1] == json.loads(BODY)


def test_the_standard_webhooks_test_vector() -> None:
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    body = b'{"test": 2432232314}'
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert verify_webhook(body, headers, secret, now=1614265330) == {"test": 2432232314}
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify_webhook(body, headers, secret)  # now: this machine's clock, years later


def test_now_and_tolerance_bound_the_timestamp() -> None:
    d = signed(at=1_700_000_000)
    assert verify_webhook(d.body, d.headers, SECRET, now=1_700_000_000 + 300)
    assert verify_webhook(d.body, d.headers, SECRET, now=1_700_000_000 - 300)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify_webhook(d.body, d.headers, SECRET, now=1_700_000_000 + 301)
    with pytest.raises(WebhookVerificationError, match="too new"):
        verify_webhook(d.body, d.headers, SECRET, now=1_700_000_000 - 301)
    assert verify_webhook(d.body, d.headers, SECRET, now=1_700_003_600, tolerance=3600)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify_webhook(d.body, d.headers, SECRET, now=1_700_000_011, tolerance=10)


def test_any_of_several_secrets_verifies_while_rotating() -> None:
    old, new = signed(secret=OTHER_SECRET), signed(secret=SECRET)
    for d in (old, new):
        assert verify_webhook(d.body, d.headers, [OTHER_SECRET, SECRET]) == json.loads(BODY)
        assert verify_webhook(d.body, d.headers, (SECRET, OTHER_SECRET)) == json.loads(BODY)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(old.body, old.headers, [SECRET])


def test_a_secret_without_prefix_or_padding_is_the_same_key() -> None:
    d = signed()
    bare = SECRET.removeprefix("whsec_")
    assert verify_webhook(d.body, d.headers, bare)
    assert verify_webhook(d.body, d.headers, SECRET.rstrip("="))


@pytest.mark.parametrize("secret", ["whsec_not base64!", "whsec_", ""])
def test_a_malformed_secret_is_a_value_error(secret: str) -> None:
    d = signed()
    with pytest.raises(ValueError, match="secret"):
        verify_webhook(d.body, d.headers, secret)


def test_no_secret_at_all_is_a_value_error() -> None:
    d = signed()
    with pytest.raises(ValueError, match="secret"):
        verify_webhook(d.body, d.headers, [])


@pytest.mark.parametrize("signature", ["garbage", "v1,", ",", "v1", "v1,%%%% v1"])
def test_malformed_signatures_are_refused_not_crashed_on(signature: str) -> None:
    d = with_header(signed(), "webhook-signature", signature)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify_webhook(d.body, d.headers, SECRET)


@pytest.mark.parametrize("stamp", ["-5", "+1700000000", "1700000000.0", "1_700_000_000", "١٢"])
def test_only_integer_seconds_are_a_timestamp(stamp: str) -> None:
    d = with_header(signed(), "webhook-timestamp", stamp)
    with pytest.raises(WebhookVerificationError, match="timestamp"):
        verify_webhook(d.body, d.headers, SECRET, now=1_700_000_000)


def test_a_signed_body_that_is_not_json_is_refused() -> None:
    d = signed(body="not json")
    with pytest.raises(WebhookVerificationError, match="JSON"):
        verify_webhook(d.body, d.headers, SECRET)


def test_the_error_is_an_amity_client_error() -> None:
    d = signed(secret=OTHER_SECRET)
    with pytest.raises(Error) as info:
        verify_webhook(d.body, d.headers, SECRET)
    assert isinstance(info.value, WebhookVerificationError)
    assert info.value.type == "webhook_verification_failed" and info.value.status == 0
    assert "signature" in str(info.value)


def test_framework_header_mappings_work() -> None:
    d = signed()
    headers = httpx.Headers({k.title(): v for k, v in d.headers.items()})
    assert verify_webhook(d.body, headers, SECRET) == json.loads(BODY)


def test_a_receiver_as_the_readme_shows_it() -> None:
    async def receive(request: Request) -> Response:
        try:
            event = verify_webhook(await request.body(), request.headers, SECRET)
        except WebhookVerificationError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
        return JSONResponse({"got": event["type"]})

    app = Starlette(routes=[Route("/hooks/amity", receive, methods=["POST"])])
    d = signed()

    async def deliver(body: bytes | str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
            return await http.post("/hooks/amity", content=body, headers=d.headers)

    good = asyncio.run(deliver(d.body))
    assert good.status_code == 200 and good.json() == {"got": "record.updated"}
    forged = asyncio.run(deliver(BODY.encode() + b" "))
    assert forged.status_code == 400 and "signature" in forged.json()["error"]
