"""Where a webhook may be sent: http(s) on public addresses, without credentials in the URL.

A webhook makes the server send requests to an address its user chose, so without this it is a way into the
server's own network (server-side request forgery): the database on 127.0.0.1:5432, Redis, a cloud metadata
address. A URL is refused at subscription time when it carries credentials or names a non-public IP address or
a local name (E1131); at delivery time the host is resolved and a delivery to a non-public address is refused
without contacting it (a public name may later resolve to a private address). ``allow_private`` lifts the
address rule for a deployment whose receivers live on its own network (DOORSTEP_WEBHOOK_ALLOW_PRIVATE).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from doorstep.domain.errors import Issue

Resolver = Callable[[str, int], list[str]]  # (host, port) -> IP addresses
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa")
BLOCKED = "not sent: the address is not public (loopback, private, link-local or reserved)"


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves ``host`` to (what the HTTP client would connect to)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def is_public(address: str) -> bool:
    """A globally routable unicast address (IPv4-mapped IPv6 judged as its IPv4 address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def url_issues(url: str, allow_private: bool = False) -> list[Issue]:
    """Every reason the URL may not be subscribed to (no name is resolved here: that happens at delivery)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [Issue("E1131", f"url {url!r} is not a valid URL", ("url",))]
    issues = []
    if parts.scheme not in ("https", "http") or not parts.hostname:
        issues.append(Issue("E1131", f"url {url!r} must be an http(s) URL with a host", ("url",)))
    if parts.username is not None or parts.password is not None:
        issues.append(Issue("E1131", "url must not carry credentials (user:password@); sign with the secret", ("url",)))
    host = (parts.hostname or "").lower().rstrip(".")
    literal = _ip_literal(host)
    local = (literal is not None and not is_public(literal)) or host == "localhost" or host.endswith(LOCAL_NAMES)
    if host and local and not allow_private:
        issues.append(Issue("E1131", f"url host {host!r} is not a public address", ("url",)))
    if port == 0:
        issues.append(Issue("E1131", "url port 0 is not a port", ("url",)))
    return issues


def delivery_block(url: str, allow_private: bool, resolve: Resolver = system_resolver) -> str | None:
    """Why a delivery to ``url`` must not be sent now (BLOCKED), or None. A name that does not resolve is left
    to the HTTP client, which reports the failure like any other."""
    if allow_private:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        return None
    return BLOCKED if any(not is_public(a) for a in addresses) else None
