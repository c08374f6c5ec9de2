"""Web origins (``scheme://host[:port]``), as a browser sends them in its ``Origin`` header: the places a shop's
publishable key may be used from."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ORIGINS = 20


def origin_of(text: str) -> str | None:
    """The origin ``text`` names, written as a browser writes it (lower case, no default port, no trailing slash),
    or None when it is not one: only http or https, a host, nothing after it but a ``/``."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "*" in parts.netloc:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    shown_port = "" if port is None or port == DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{shown_port}"
