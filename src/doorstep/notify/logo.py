"""The organization's logo (the notification rules' ``sender.logo_url``): an ``https://`` URL, or the image itself
as a ``data:image/png;base64,…`` or ``data:image/svg+xml;base64,…`` URL of at most 50 KB. Anything else is
refused when the rules are saved (E1465): an ``http://`` image is blocked on an https page and tells the network
which customer opens it; other schemes (``javascript:``, ``file:``) are not images."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_BYTES = 50 * 1024  # of the decoded image
MAX_URL = 2000  # characters of an https URL
DATA = re.compile(r"^data:(image/png|image/svg\+xml);base64,([A-Za-z0-9+/]*={0,2})$")
HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")  # a DNS name or IPv4 address
URL_CHARS = re.compile(r"^[!#$%&()*+,\-./0-9:;=?@A-Z\[\]_a-z~]+$")  # no space, quote, <, >, backslash
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class LogoImage:
    """A logo given as a data: URL, decoded: served by Doorstep itself (``/v1/track/{token}/logo``)."""

    media_type: str
    data: bytes


def problem(value: str) -> str | None:
    """Why ``value`` cannot be a logo (None: it can; the empty string is no logo)."""
    if not value:
        return None
    if value.startswith("data:"):
        return _data_problem(value)
    if len(value) > MAX_URL:
        return f"an https logo URL has at most {MAX_URL} characters, not {len(value)}"
    parts = urlsplit(value)
    if parts.scheme != "https":
        kinds = "an https:// URL or a data:image/png or data:image/svg+xml base64 URL"
        return f"the logo must be {kinds}, not {value[:40]!r}"
    if not URL_CHARS.match(value) or parts.username is not None or not HOST.match(parts.hostname or ""):
        return "the https logo URL must name a host, without credentials, spaces, quotes or angle brackets"
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        return "the https logo URL has an invalid port"
    return None


def _data_problem(value: str) -> str | None:
    found = DATA.match(value)
    if found is None:
        return "a data: logo must be data:image/png;base64,… or data:image/svg+xml;base64,…"
    image = decoded(value)
    if image is None:
        return "the data: logo is not valid base64"
    if len(image.data) > MAX_BYTES:
        return f"the logo image is {len(image.data):,} bytes; at most {MAX_BYTES:,} (50 KB)"
    if image.media_type == "image/png" and not image.data.startswith(PNG_MAGIC):
        return "the data: logo says image/png but is not a PNG image"
    if image.media_type == "image/svg+xml" and b"<svg" not in image.data[:4096]:
        return "the data: logo says image/svg+xml but is not an SVG image"
    return None


def decoded(value: str) -> LogoImage | None:
    """The image of a data: logo (None for an https logo, or a value that is not one)."""
    found = DATA.match(value)
    if found is None:
        return None
    try:
        return LogoImage(found.group(1), base64.b64decode(found.group(2), validate=True))
    except (binascii.Error, ValueError):
        return None
