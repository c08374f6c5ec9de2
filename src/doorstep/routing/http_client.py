"""JSON over HTTP for the remote routing providers: timeouts, retries with back-off, and coded failures.

A server that cannot be reached (refused, timed out, 5xx after the retries) is E3009; one that answers something
that is not the expected JSON is E3010 with the start of what it said. The fallback provider turns these two
into a straight-line plan with a W3003 warning.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from doorstep.domain.errors import DoorstepError, Issue

REMOTE_FAILURES = frozenset({"E3009", "E3010"})


class JsonClient:
    """A small httpx wrapper: one base URL, a per-request timeout and a number of retries for transient faults."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0, retries: int = 2, backoff_s: float = 0.2) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries, self.backoff_s = retries, backoff_s
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def request(self, method: str, path: str, **kw: Any) -> Any:
        """The decoded JSON answer; retried on connection errors, timeouts and 5xx; E3009/E3010 otherwise."""
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                resp = self._http.request(method, path, **kw)
            except httpx.TimeoutException:
                last = "timed out"
                continue
            except httpx.TransportError as exc:
                last = f"cannot connect ({exc})"
                continue
            if resp.status_code >= 500:
                last = f"HTTP {resp.status_code}"
                continue
            return self._decode(resp)
        msg = f"routing server {self.base_url} failed after {self.retries + 1} attempts: {last}"
        raise DoorstepError([Issue("E3009", msg, ("router",))])

    def _decode(self, resp: httpx.Response) -> Any:
        try:
            return resp.json()
        except ValueError:
            snippet = resp.text[:120].replace("\n", " ")
            msg = f"routing server {self.base_url} answered HTTP {resp.status_code} with non-JSON: {snippet!r}"
            raise DoorstepError([Issue("E3010", msg, ("router",))]) from None

    def garbage(self, what: str, answer: Any) -> DoorstepError:
        """E3010 for an answer that is JSON but not what the API documents."""
        text = str(answer)[:160]
        return DoorstepError([Issue("E3010", f"routing server {self.base_url}: {what}: {text}", ("router",))])
