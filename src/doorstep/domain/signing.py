"""HMAC-SHA256 signatures over a timestamp and a body: the scheme of Doorstep's outgoing webhooks and of the status
callbacks partner carriers send in (one scheme both ways, so an integrator implements it once).

The header value is ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``; a receiver recomputes the
MAC and refuses a timestamp further than the tolerance from its own clock (a replayed request)."""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_s: int = TOLERANCE_S) -> bool:
    """What a receiver checks: a matching v1 MAC and a timestamp within ``tolerance_s`` (replay protection)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(secret, ts, body).split("v1=", 1)[1]
    return abs(now - ts) <= tolerance_s and hmac.compare_digest(expected, parts.get("v1", ""))
