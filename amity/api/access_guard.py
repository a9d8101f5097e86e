"""Who may reach the API at all: HTTPS except from loopback, trusted proxies, an IP allow-list.

A request from a trusted proxy (AMITY_TRUSTED_PROXIES) is taken at its word: its
X-Forwarded-Proto gives the scheme and its X-Forwarded-For the client, which is the
right-most address in that header that is not itself a trusted proxy. The effective client
replaces scope["client"], so the rate limiter, the API call log and the record history all
see it. From any other peer those headers are ignored.

Then the client must be in AMITY_API_ALLOW (when set), and a plain-HTTP request is refused
unless the client is on loopback (AMITY_REQUIRE_HTTPS).
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from amity.api.errors import render_error, scope_request
from amity.config import Settings, parse_networks
from amity.errors import AddressRefused, BadRequest, HttpsRequired

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SECURE_SCHEMES = frozenset({"https", "wss"})
KNOWN_SCHEMES = frozenset({"http", "https", "ws", "wss"})


@dataclass(frozen=True)
class AccessRules:
    require_https: bool
    trusted_proxies: tuple[Network, ...]
    allow: tuple[Network, ...]  # empty: every address may call the API


def access_rules(settings: Settings) -> AccessRules:
    return AccessRules(
        settings.require_https,
        parse_networks(settings.trusted_proxies, "trusted_proxies"),
        parse_networks(settings.api_allow, "api_allow"),
    )


@functools.lru_cache(maxsize=4096)  # peers repeat; parsing an address costs microseconds
def parse_address(text: str) -> Address | None:
    """An IP address as a peer or proxy writes it ('1.2.3.4', '1.2.3.4:80', '[::1]:80')."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def in_any(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def _header(scope: Scope, name: bytes) -> str | None:
    """All values of one header joined with commas (None when absent)."""
    values = [value.decode("latin-1") for key, value in scope["headers"] if key == name]
    return ",".join(values) if values else None


def https_hint_params(scope: Scope) -> dict[str, object]:
    """The https:// URL to use, and the host name and port of the TLS proxy example."""
    host = _header(scope, b"host") or "HOST"
    server = scope.get("server")
    port = server[1] if server and server[1] else 8000
    name = host.rpartition(":")[0] if host.count(":") == 1 else host
    return {"url": f"{host}{scope.get('root_path', '')}{scope['path']}", "name": name, "port": port}


class BadForwardedFor(ValueError):
    pass


def forwarded_client(
    peer: Address, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> Address:
    """The right-most address of X-Forwarded-For that is not a trusted proxy (the left-most
    when all are); the peer itself when the header is absent."""
    client = peer
    for entry in reversed([part for part in (forwarded_for or "").split(",") if part.strip()]):
        address = parse_address(entry)
        if address is None:
            raise BadForwardedFor(entry.strip())
        client = address
        if not in_any(address, trusted):
            break
    return client


class AccessGuard:
    """ASGI middleware: resolve the client behind trusted proxies, then admit or refuse (403)."""

    def __init__(self, app: ASGIApp, rules: AccessRules) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        # no address at all: a Unix-socket peer, i.e. a process on this machine
        address = parse_address(client[0]) if client else None
        if address is not None and in_any(address, self.rules.trusted_proxies):
            try:
                address = forwarded_client(
                    address, _header(scope, b"x-forwarded-for"), self.rules.trusted_proxies
                )
            except BadForwardedFor as exc:
                response = render_error(
                    BadRequest(
                        "Malformed X-Forwarded-For entry {entry!r}",
                        "a proxy must append the client's IP address",
                        entry=str(exc),
                    ),
                    scope_request(scope),
                )
                await response(scope, receive, send)
                return
            # in place, so that middleware outside this one (the request log) sees it too
            scope["client"] = (str(address), 0)
            proto = (_header(scope, b"x-forwarded-proto") or "").split(",")[-1].strip().lower()
            if proto in KNOWN_SCHEMES:
                scope["scheme"] = proto
        if self.rules.allow and not in_any(address, self.rules.allow):
            response = render_error(
                AddressRefused(
                    "Address {address} may not use this API",
                    "ask the administrator to add it to AMITY_API_ALLOW",
                    address=address or "unknown",
                ),
                scope_request(scope),
            )
            await response(scope, receive, send)
            return
        local = client is None or (address is not None and address.is_loopback)
        if self.rules.require_https and scope["scheme"] not in SECURE_SCHEMES and not local:
            response = render_error(
                HttpsRequired(
                    "Plain HTTP is refused; the API is served over HTTPS",
                    "use https://{url}; to serve HTTPS, put a TLS proxy in front of Amity, e.g. "
                    "Caddy with the Caddyfile `{name} {{ reverse_proxy 127.0.0.1:{port} }}` and "
                    "AMITY_TRUSTED_PROXIES=127.0.0.1, or allow plain HTTP with "
                    "AMITY_REQUIRE_HTTPS=false",
                    **https_hint_params(scope),
                ),
                scope_request(scope),
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
