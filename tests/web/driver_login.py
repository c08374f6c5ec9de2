"""Logging a driver in to the driver app in a browser page, as the driver-app browser tests all begin."""

from __future__ import annotations

from typing import Any


def driver_logged_in(page: Any, base: str, code: str, errors: list[str] | None = None) -> list[str]:
    """Open the driver app on ``page`` (its context's phone settings are the caller's) and log in with ``code``.
    Returns the list the page's errors go to from the first load on (``errors`` when given). The caller waits for
    what it expects to see (its stops)."""
    seen = errors if errors is not None else []
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    page.goto(f"{base}/driver/")
    page.fill("#code", code)
    page.click("#login-btn")
    return seen
