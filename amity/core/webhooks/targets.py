"""Where webhooks may point: public addresses over https, private ones only when allowed.

A URL is checked when it is saved (check_url: a 400 that names the problem) and every
address is checked again when a delivery connects (check_address, from the sender's
network backend), so a name that resolves elsewhere later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING

import httpx

from amity.config import parse_networks
from amity.errors import BadRequest

if TYPE_CHECKING:
    from amity.config import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2000

# Not global, whatever the running Python's ipaddress tables say (they changed in 3.11.x).
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(text)
    for text in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "::/8",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fec0::/10",
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeTarget(Exception):
    """A delivery would connect to an address the policy refuses."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(f"refused address {address}")


def resolve(host: str, port: int) -> list[str]:
    """The addresses a connection to host would try, in order (an IP literal as is);
    OSError when the name does not resolve. Names under localhost are 127.0.0.1
    (RFC 6761) whatever the resolver says."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return ["127.0.0.1"]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _not_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None
        )
        if embedded is not None and _not_public(embedded):
            return True
        if ip.is_site_local:
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
        or any(ip in net for net in _NOT_PUBLIC)
    )


def _plain(address: str) -> IPAddress | None:
    """The address to judge: an IPv4-mapped IPv6 address is its IPv4 address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


class TargetPolicy:
    """Which webhook URLs and addresses are acceptable (AMITY_WEBHOOK_ALLOW_NETWORKS)."""

    def __init__(self, allow_networks: str) -> None:
        self.allow_networks = parse_networks(allow_networks, "webhook_allow_networks")

    @classmethod
    def from_settings(cls, settings: Settings) -> TargetPolicy:
        return cls(settings.webhook_allow_networks)

    def _allowed(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self.allow_networks)

    def allows(self, address: str) -> bool:
        """Whether a delivery may connect to this IP address."""
        ip = _plain(address)
        return ip is not None and (self._allowed(ip) or not _not_public(ip))

    def check_address(self, address: str) -> None:
        """UnsafeTarget unless the IP is public or inside an allowed network."""
        if not self.allows(address):
            raise UnsafeTarget(address)

    def check_url(self, url: object) -> str:
        """The URL, normalized, or a BadRequest naming why a webhook may not use it: https
        (http only to allowed networks), a host that resolves, every address allowed, no
        user info, no fragment, at most MAX_URL_LENGTH characters."""
        if not isinstance(url, str):
            raise BadRequest("The webhook URL must be a string")
        if len(url) > MAX_URL_LENGTH:
            raise BadRequest(
                "The webhook URL is longer than {limit} characters", limit=MAX_URL_LENGTH
            )
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise BadRequest(
                "The webhook URL {url} is not valid: {reason}",
                "give an absolute URL such as https://crm-hooks.example.com/amity",
                url=url,
                reason=str(exc),
            ) from None
        if parsed.scheme not in ("https", "http"):
            raise BadRequest(
                "The webhook URL {url} must start with https://",
                "give an absolute URL such as https://crm-hooks.example.com/amity",
                url=url,
            )
        host = parsed.raw_host.decode("ascii")
        if not host:
            raise BadRequest("The webhook URL {url} has no host", url=url)
        if parsed.userinfo:
            raise BadRequest(
                "The webhook URL must not contain a user name or password",
                "the URL is shown to everyone who may read the webhook",
            )
        if parsed.fragment:
            raise BadRequest(
                "The webhook URL must not have a fragment (#{fragment})",
                "a fragment is never sent to the receiver",
                fragment=parsed.fragment,
            )
        port = parsed.port
        if port is not None and not 0 < port < 65536:
            raise BadRequest("The webhook URL's port {port} is not valid", port=port)
        try:
            addresses = resolve(host, port or (443 if parsed.scheme == "https" else 80))
        except (OSError, UnicodeError):
            raise BadRequest(
                "The webhook URL's host {host} does not resolve",
                "check the name; it is looked up when the webhook is saved and again "
                "before each delivery",
                host=host,
            ) from None
        for address in addresses:
            if not self.allows(address):
                raise BadRequest(
                    "The webhook URL's host {host} has the address {address}, which is not public",
                    "loopback, private, link-local and other non-public addresses are "
                    "refused unless AMITY_WEBHOOK_ALLOW_NETWORKS includes them",
                    host=host,
                    address=address,
                )
        if parsed.scheme == "http" and not all(
            (ip := _plain(address)) is not None and self._allowed(ip) for address in addresses
        ):
            raise BadRequest(
                "The webhook URL {url} must use https",
                "plain http is accepted only for hosts in AMITY_WEBHOOK_ALLOW_NETWORKS",
                url=url,
            )
        return str(parsed)
