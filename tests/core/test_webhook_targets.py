"""Webhook targets: the save-time URL check refuses every non-public address class and
spelling, and the sender checks again at connect time, connects only to the checked IP,
follows no redirect, bounds the answer's size and the exchange's time, keeps no cookie.
Receivers are real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import ipaddress
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from amity import __version__
from amity.config import Settings
from amity.core.webhooks import sender
from amity.core.webhooks.targets import TargetPolicy, UnsafeTarget
from amity.errors import BadRequest

PUBLIC_ONLY = TargetPolicy("")
LOOPBACK_ALLOWED = TargetPolicy("127.0.0.0/8, ::1/128")


def refusal(policy: TargetPolicy, url: object) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        policy.check_url(url)
    assert caught.value.status == 400
    return caught.value


# -- save time: check_url ---------------------------------------------------------------
MAPPED_LOOPBACK = str(ipaddress.ip_address("::ffff:127.0.0.1"))
MAPPED_PRIVATE = str(ipaddress.ip_address("::ffff:10.0.0.1"))


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://127.0.0.1/hook", "127.0.0.1"),
        ("https://10.1.2.3/hook", "10.1.2.3"),
        ("https://172.16.0.1/hook", "172.16.0.1"),
        ("https://192.168.1.1/hook", "192.168.1.1"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://100.64.0.1/hook", "100.64.0.1"),
        ("https://0.0.0.0/hook", "0.0.0.0"),
        ("https://224.0.0.1/hook", "224.0.0.1"),
        ("https://240.0.0.1/hook", "240.0.0.1"),
        ("https://255.255.255.255/hook", "255.255.255.255"),
        ("https://192.0.0.8/hook", "192.0.0.8"),
        ("https://198.18.0.1/hook", "198.18.0.1"),
        ("https://192.0.2.10/hook", "192.0.2.10"),
        ("https://[::1]/hook", "::1"),
        ("https://[::]/hook", "::"),
        ("https://[fe80::1]/hook", "fe80::1"),
        ("https://[fc00::1]/hook", "fc00::1"),
        ("https://[fd12:3456::1]/hook", "fd12:3456::1"),
        ("https://[fec0::1]/hook", "fec0::1"),
        ("https://[ff02::1]/hook", "ff02::1"),
        ("https://[2001:db8::1]/hook", "2001:db8::1"),
        ("https://[::ffff:127.0.0.1]/hook", MAPPED_LOOPBACK),
        ("https://[::ffff:10.0.0.1]/hook", MAPPED_PRIVATE),
        ("https://[::127.0.0.1]/hook", "::7f00:1"),
        ("https://[2002:7f00:1::]/hook", "2002:7f00:1::"),
        ("https://[64:ff9b::a00:1]/hook", "64:ff9b::a00:1"),
        ("https://2130706433/hook", "127.0.0.1"),
        ("https://0x7f000001/hook", "127.0.0.1"),
        ("https://0x7f.1/hook", "127.0.0.1"),
        ("https://127.1/hook", "127.0.0.1"),
        ("https://localhost/hook", "127.0.0.1"),
        ("https://LOCALHOST./hook", "127.0.0.1"),
        ("https://api.localhost/hook", "127.0.0.1"),
        ("http://localhost:8080/hook", "127.0.0.1"),
    ],
)
def test_every_non_public_address_is_refused_naming_it(url: str, address: str) -> None:
    error = refusal(PUBLIC_ONLY, url)
    assert error.params["address"] == address
    assert f"address {address}," in error.message
    assert "AMITY_WEBHOOK_ALLOW_NETWORKS" in error.hint


def test_an_octal_host_is_refused_naming_it() -> None:
    """httpx would not send to 0177.0.0.1 (resolvers read it as 127.0.0.1): not valid."""
    error = refusal(PUBLIC_ONLY, "http://0177.0.0.1/hook")
    assert "0177.0.0.1" in error.message


def test_public_addresses_pass_over_https_only() -> None:
    assert PUBLIC_ONLY.check_url("https://8.8.8.8/hook?x=1") == "https://8.8.8.8/hook?x=1"
    assert PUBLIC_ONLY.check_url("HTTPS://[2606:4700::1111]:8443/h") == (
        "https://[2606:4700::1111]:8443/h"
    )
    for policy in (PUBLIC_ONLY, LOOPBACK_ALLOWED):
        error = refusal(policy, "http://8.8.8.8/hook")
        assert error.message == "The webhook URL http://8.8.8.8/hook must use https"


def test_malformed_urls_are_refused() -> None:
    cases = {
        42: "The webhook URL must be a string",
        None: "The webhook URL must be a string",
        "not a url": "The webhook URL not a url must start with https://",
        "ftp://8.8.8.8/x": "The webhook URL ftp://8.8.8.8/x must start with https://",
        "https:///hook": "The webhook URL https:///hook has no host",
        "https://user:secret@8.8.8.8/": "The webhook URL must not contain a user name or password",
        "https://token@8.8.8.8/": "The webhook URL must not contain a user name or password",
        "https://8.8.8.8/hook#part": "The webhook URL must not have a fragment (#part)",
        "https://8.8.8.8:70000/": "The webhook URL's port 70000 is not valid",
        "https://8.8.8.8/" + "a" * 2000: "The webhook URL is longer than 2000 characters",
        "https://no-such-host.invalid/": "The webhook URL's host no-such-host.invalid does "
        "not resolve",
    }
    for url, message in cases.items():
        assert refusal(PUBLIC_ONLY, url).message == message, url
    assert PUBLIC_ONLY.check_url("https://8.8.8.8/" + "a" * 1984)  # 2000 exactly


def test_allowed_networks_let_private_hosts_in_and_plain_http_to_them() -> None:
    assert LOOPBACK_ALLOWED.check_url("http://127.0.0.1:8080/hook") == (
        "http://127.0.0.1:8080/hook"
    )
    assert LOOPBACK_ALLOWED.check_url("https://localhost/hook") == "https://localhost/hook"
    assert LOOPBACK_ALLOWED.check_url("http://[::1]/hook") == "http://[::1]/hook"
    assert LOOPBACK_ALLOWED.check_url("http://[::ffff:127.0.0.1]/") == (
        "http://[::ffff:127.0.0.1]/"
    )
    assert refusal(LOOPBACK_ALLOWED, "https://10.0.0.1/").params["address"] == "10.0.0.1"
    private = TargetPolicy.from_settings(Settings(webhook_allow_networks="10.0.0.0/8,fd00::/8"))
    assert private.check_url("http://10.9.8.7/") == "http://10.9.8.7/"
    assert private.check_url("https://[fd00::5]/") == "https://[fd00::5]/"
    assert refusal(private, "https://[fc00::5]/").params["address"] == "fc00::5"
    assert refusal(private, "https://127.0.0.1/").params["address"] == "127.0.0.1"
    loopback = TargetPolicy("127.0.0.0/8")
    assert loopback.check_url("http://localhost./hook") == "http://localhost./hook"
    assert refusal(loopback, "https://[::1]/").params["address"] == "::1"


def test_check_address() -> None:
    PUBLIC_ONLY.check_address("8.8.8.8")
    PUBLIC_ONLY.check_address("2606:4700::1111")
    for address in ("127.0.0.1", "::ffff:10.0.0.1", "2002:a00:1::", "fec0::1", "not-an-ip"):
        with pytest.raises(UnsafeTarget) as caught:
            PUBLIC_ONLY.check_address(address)
        assert caught.value.address == address
        assert str(caught.value) == f"refused address {address}"
    LOOPBACK_ALLOWED.check_address("127.8.9.1")
    LOOPBACK_ALLOWED.check_address("::ffff:127.0.0.1")


def test_a_bad_network_is_a_value_error() -> None:
    for raw in ("10.0.0.0/33", "10.0.0.1/8", "example.com", "10.0.0.0/8,,nope"):
        with pytest.raises(ValueError, match="AMITY_WEBHOOK_ALLOW_NETWORKS"):
            TargetPolicy(raw)
    assert TargetPolicy(" , ").allow_networks == ()


# -- send time: a real receiver -----------------------------------------------------------
@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Receiver:
    """An HTTP/1.1 server on 127.0.0.1 that records requests and answers by handler."""

    handler: Handler
    connections: int = 0
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, *fields = head.decode("latin-1").split("\r\n")[:-2]
                headers = {k.lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = Request(line.split(" ")[1], headers, body)
                self.requests.append(request)
                await self.handler(request, writer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def answer(status: int, body: bytes = b"", headers: str = "") -> bytes:
    return f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


async def exchange(
    handler: Handler,
    *,
    policy: TargetPolicy = LOOPBACK_ALLOWED,
    timeout: float = 10.0,
    host: str = "127.0.0.1",
    posts: int = 1,
    ssl_context: ssl.SSLContext | None = None,
    scheme: str = "http",
) -> tuple[Receiver, list[sender.Answer]]:
    receiver = Receiver(handler)
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0, ssl=ssl_context)
    receiver.port = server.sockets[0].getsockname()[1]
    answers = []
    try:
        async with sender.client(policy, timeout=timeout) as http:
            for _ in range(posts):
                answers.append(
                    await sender.post(
                        http,
                        f"{scheme}://{host}:{receiver.port}/hook",
                        b'{"event": "test"}',
                        {"Content-Type": "application/json"},
                    )
                )
    finally:
        server.close()
    return receiver, answers


def test_a_200_is_recorded_with_status_duration_and_body_head() -> None:
    async def ok(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(200, b"\xc3\xa4" + b"x" * 3000))

    receiver, [result] = asyncio.run(exchange(ok))
    assert result.status == 200
    assert result.error is None
    assert result.retry_after is None
    assert result.body == "ä" + "x" * 1022  # 1024 bytes
    assert 0 <= result.duration_ms < 5000
    [request] = receiver.requests
    assert request.path == "/hook"
    assert request.body == b'{"event": "test"}'
    assert request.headers["user-agent"] == f"Amity-Webhooks/{__version__}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept-encoding"] == "identity"
    assert "cookie" not in request.headers


def test_a_redirect_is_an_answer_and_is_not_followed() -> None:
    async def moved(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(302, b"moved", "Location: /elsewhere\r\n"))

    receiver, [result] = asyncio.run(exchange(moved))
    assert (result.status, result.error, result.body) == (302, None, "moved")
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_no_cookie_is_kept_between_requests() -> None:
    async def sets_cookie(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(200, b"", "Set-Cookie: session=abc; Path=/\r\n"))

    receiver, answers = asyncio.run(exchange(sets_cookie, posts=2))
    assert [a.status for a in answers] == [200, 200]
    assert len(receiver.requests) == 2
    assert all("cookie" not in r.headers for r in receiver.requests)


def test_an_endless_body_is_cut_at_64_kib() -> None:
    async def endless(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"y" * 4096
        while True:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()

    started = time.monotonic()
    _, [result] = asyncio.run(exchange(endless, timeout=5.0))
    assert time.monotonic() - started < 4.0
    assert result.status == 200
    assert result.error == "answer larger than 64 KiB"
    assert result.body == "y" * 1024


def test_a_slow_receiver_times_out() -> None:
    async def slow(request: Request, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    started = time.monotonic()
    _, [result] = asyncio.run(exchange(slow, timeout=0.5))
    assert time.monotonic() - started < 3.0
    assert (result.status, result.error) == (None, "timeout")
    assert 400 <= result.duration_ms < 3000


def test_the_deadline_bounds_the_whole_exchange() -> None:
    """Each byte comes well within the per-read timeout; the total still ends it."""

    async def dripping(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            writer.write(b"z")
            await writer.drain()
            await asyncio.sleep(0.05)

    started = time.monotonic()
    _, [result] = asyncio.run(exchange(dripping, timeout=0.6))
    assert time.monotonic() - started < 3.0
    assert (result.status, result.error) == (200, "timeout")


def test_retry_after_is_read_on_429_and_503() -> None:
    later = email.utils.format_datetime(
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90), usegmt=True
    )
    cases = [
        (429, "Retry-After: 120\r\n"),
        (503, f"Retry-After: {later}\r\n"),
        (200, "Retry-After: 120\r\n"),
        (429, "Retry-After: soon\r\n"),
        (503, ""),
    ]
    results = []
    for status, header in cases:

        async def limited(
            request: Request, writer: asyncio.StreamWriter, status: int = status, h: str = header
        ) -> None:
            writer.write(answer(status, b"", h))

        _, [result] = asyncio.run(exchange(limited))
        results.append((result.status, result.retry_after))
    assert results[0] == (429, 120.0)
    assert results[1][0] == 503
    assert results[1][1] is not None and 80 <= results[1][1] <= 90
    assert results[2:] == [(200, None), (429, None), (503, None)]
    assert sender.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_a_closed_port_is_connection_refused() -> None:
    async def closed_port() -> sender.Answer:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        async with sender.client(LOOPBACK_ALLOWED) as http:
            return await sender.post(http, f"http://127.0.0.1:{port}/", b"", {})

    result = asyncio.run(closed_port())
    assert (result.status, result.error) == (None, "connection refused")


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", MAPPED_LOOPBACK),
    ],
)
def test_the_connect_time_check_refuses_before_any_connection(host: str, address: str) -> None:
    """A URL that passed at save time (or never was checked) is checked again as the
    connection is made: a host that now resolves to loopback gets no request."""

    async def ok(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(200))

    receiver, [result] = asyncio.run(exchange(ok, policy=PUBLIC_ONLY, host=host))
    assert (result.status, result.error) == (None, f"refused address {address}")
    assert receiver.connections == 0
    assert receiver.requests == []


def test_a_host_that_does_not_resolve_at_send_time() -> None:
    async def unresolved() -> sender.Answer:
        async with sender.client(PUBLIC_ONLY) as http:
            return await sender.post(http, "https://no-such-host.invalid/", b"", {})

    result = asyncio.run(unresolved())
    assert (result.status, result.error) == (None, "no-such-host.invalid does not resolve")


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_tls_checks_the_host_name_while_connecting_to_the_checked_ip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The backend connects to 127.0.0.1, yet the certificate is checked for the URL's
    name: https://localhost passes, https://127.0.0.1 (not in the certificate) fails."""
    cert_file, key_file = self_signed(tmp_path, "localhost")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    sender.ssl_context.cache_clear()  # the process's context, made anew with this CA file
    request.addfinalizer(sender.ssl_context.cache_clear)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)

    async def ok(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(200, b"over tls"))

    receiver, [good] = asyncio.run(
        exchange(ok, host="localhost", scheme="https", ssl_context=server_context)
    )
    assert (good.status, good.error, good.body) == (200, None, "over tls")
    assert receiver.requests[0].headers["host"] == f"localhost:{receiver.port}"
    receiver, [bad] = asyncio.run(
        exchange(ok, host="127.0.0.1", scheme="https", ssl_context=server_context)
    )
    assert bad.status is None
    assert bad.error is not None and "CERTIFICATE_VERIFY_FAILED" in bad.error
    assert receiver.requests == []
