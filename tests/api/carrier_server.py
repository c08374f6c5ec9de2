"""A local partner carrier for tests: a real HTTP server on 127.0.0.1 speaking the generic HTTP carrier protocol
(docs/carriers.md), and the carrier's side of the status callbacks it sends back, signed with the shared secret."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from httpx import Response

from doorstep.domain.signing import sign

SECRET = "carrier-secret-0123456789"
PDF = b"%PDF-1.4\n% a label\n"


class CarrierServer:
    """Quotes ``price_cents`` for every order, books with references CC-1, CC-2, ..., serves a PDF label; with
    ``delay_s`` it answers that late (a carrier that times out). Every request is recorded."""

    def __init__(self, price_cents: int = 1100) -> None:
        self.price_cents = price_cents
        self.delay_s = 0.0
        self.status = 200  # what POSTs answer with (a 4xx or 5xx carrier)
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []  # (method, path, headers, body)
        self.booked = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
                time.sleep(outer.delay_s)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up waiting (a timeout test)
                    pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests.append(("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self._answer(outer.status, json.dumps(outer.answer(self.path, json.loads(body or b"{}"))).encode())

            def do_GET(self) -> None:
                outer.requests.append(("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, b""))
                ref = parse_qs(urlsplit(self.path).query).get("booking_id", [""])[0]
                if self.path.startswith("/label"):
                    self._answer(200, PDF, "application/pdf")
                else:
                    self._answer(200, json.dumps({"status": "in_transit", "booking_id": ref}).encode())

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """The protocol's answers: quotes, bookings, cancellations."""
        if path.startswith("/quote"):
            quotes = [{"order_id": o["order_id"], "price_cents": self.price_cents, "quote_id": f"q-{o['external_ref']}"}
                      for o in body["orders"]]  # fmt: skip
            return {"quotes": quotes}
        if path.startswith("/book"):
            self.booked += 1
            ref = f"CC-{self.booked}"
            return {"booking_id": ref, "tracking_url": f"https://carrier.example/t/{ref}"}
        return {}

    def endpoints(self) -> dict[str, str]:
        """The carrier's endpoint URLs."""
        return {name: f"{self.base}/{name}" for name in ("quote", "book", "cancel", "label", "status")}

    def paths(self) -> list[str]:
        """The paths asked so far, in order (without query strings)."""
        return [urlsplit(p).path for _, p, _, _ in self.requests]

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def send_status(
    client: TestClient, carrier_id: str, body: dict[str, Any], secret: str = SECRET, at: int | None = None
) -> Response:
    """The carrier's status callback: the JSON body signed with ``secret`` at ``at`` (now by default)."""
    raw = json.dumps(body).encode()
    header = sign(secret, int(time.time()) if at is None else at, raw)
    headers = {"Doorstep-Signature": header, "Content-Type": "application/json"}
    response: Response = client.post(f"/v1/carriers/{carrier_id}/callbacks", content=raw, headers=headers)
    return response
