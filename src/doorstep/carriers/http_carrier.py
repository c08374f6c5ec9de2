"""The generic HTTP carrier: a carrier's JSON API at the endpoints its settings name (docs/carriers.md).

- quote: ``POST`` ``{"orders": [order, ...]}`` -> ``{"quotes": [{"order_id", "price_cents", "quote_id"?}]}``
- book: ``POST`` ``{"order": order, "quote_id", "price_cents"}`` -> ``{"booking_id", "tracking_url"?, "label_url"?}``
  (a URL that is not http(s) is dropped: ``web_link``)
- cancel: ``POST`` ``{"booking_id"}`` -> any 2xx
- label: ``GET ?booking_id=`` -> PDF or ZPL bytes, or ``{"url"}``
- status: ``GET ?booking_id=`` -> ``{"status", "at"?, "detail"?}``

Every request carries ``Doorstep-Signature`` (the webhooks' HMAC scheme with the carrier's secret) so the carrier
can tell it is us. A call that times out, cannot connect or gets a 5xx is tried again ``retries`` times with a
short back-off; a 4xx or an answer that is not the protocol's is not retried. Either way the caller gets
``CarrierUnavailableError`` and nothing is assumed done. Before every call the ``guard`` (the SSRF rule of
webhooks, injected by the composition root) may refuse the address without contacting it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from doorstep.domain.carrier_types import (
    Booking,
    CarrierStatus,
    CarrierUnavailableError,
    Label,
    Quote,
    StatusReport,
    aware_time,
    web_link,
)
from doorstep.domain.carriers import CarrierConfig
from doorstep.domain.orders import Order
from doorstep.domain.signing import sign

Guard = Callable[[str], str | None]  # URL -> why it must not be called now (None: go ahead)
BACKOFF_S = 0.2  # the wait before the first retry; doubles after each further one
USER_AGENT = "Doorstep-Carriers/1"


def order_json(order: Order) -> dict[str, Any]:
    """What a carrier learns of an order: reference, address, place, windows, size and who receives it."""
    return {
        "order_id": order.id, "external_ref": order.external_ref, "address": order.address,
        "location": {"lat": order.location.lat, "lng": order.location.lng},
        "time_windows": [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in order.time_windows],
        "weight_g": order.size.get("weight_g", 0), "parcels": order.size.get("parcels", 1),
        "recipient": {"name": order.contact.name, "phone": order.contact.phone}, "instructions": order.instructions,
    }  # fmt: skip


class HttpCarrier:
    """A ``Carrier`` over a JSON API."""

    def __init__(self, config: CarrierConfig, guard: Guard, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.guard = guard
        self.sleep = sleep

    def _call(
        self, name: str, body: dict[str, Any] | None = None, params: dict[str, str] | None = None
    ) -> httpx.Response:
        url = self.config.endpoints.get(name)
        if not url:
            raise CarrierUnavailableError(f"carrier {self.config.name} has no {name} endpoint")
        blocked = self.guard(url)
        if blocked is not None:
            raise CarrierUnavailableError(f"{name}: {blocked}")
        content = json.dumps(body, separators=(",", ":"), sort_keys=True).encode() if body is not None else b""
        error = ""
        for attempt in range(self.config.retries + 1):
            if attempt:
                self.sleep(BACKOFF_S * 2 ** (attempt - 1))
            headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                       "Doorstep-Signature": sign(self.config.secret, int(time.time()), content)}  # fmt: skip
            try:
                with httpx.Client(timeout=self.config.timeout_s, follow_redirects=False) as client:
                    if body is None:
                        resp = client.get(url, params=params, headers=headers)
                    else:
                        resp = client.post(url, content=content, headers=headers)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
                continue
            if 200 <= resp.status_code < 300:
                return resp
            error = f"HTTP {resp.status_code}"
            if resp.status_code < 500:
                break  # the carrier refused this request: asking again gets the same answer
        raise CarrierUnavailableError(f"carrier {self.config.name} {name}: {error}"[:1000])

    def _json(self, resp: httpx.Response) -> dict[str, Any]:
        try:
            data = resp.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise CarrierUnavailableError(f"carrier {self.config.name} answered without a JSON object")
        return data

    def quote(self, orders: Sequence[Order]) -> list[Quote]:
        """Prices for the orders the carrier would take."""
        data = self._json(self._call("quote", {"orders": [order_json(o) for o in orders]}))
        wanted = {o.id for o in orders}
        try:
            return [
                Quote(
                    str(q["order_id"]), int(q["price_cents"]), str(q.get("quote_id") or ""),
                    aware_time(q.get("expires_at")),
                )
                for q in data.get("quotes") or []
                if str(q.get("order_id")) in wanted
            ]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CarrierUnavailableError(f"carrier {self.config.name}: a quote is not the protocol's ({exc})") from exc

    def book(self, order: Order, quote: Quote) -> Booking:
        """Book the order at the quote."""
        body = {"order": order_json(order), "quote_id": quote.quote_id, "price_cents": quote.price_cents}
        data = self._json(self._call("book", body))
        if not data.get("booking_id"):
            raise CarrierUnavailableError(f"carrier {self.config.name} answered a booking without booking_id")
        # a link that is not http(s) is dropped here: it would reach the customer's page and the dashboard
        links = web_link(data.get("tracking_url")), web_link(data.get("label_url"))
        return Booking(order.id, str(data["booking_id"]), *links)

    def cancel(self, booking: Booking) -> None:
        """Give the order back."""
        self._call("cancel", {"booking_id": booking.external_id})

    def label(self, booking: Booking) -> Label:
        """The label bytes (PDF, ZPL) or the URL the carrier serves it at."""
        resp = self._call("label", params={"booking_id": booking.external_id})
        kind = resp.headers.get("content-type", "").split(";")[0].strip()
        if kind == "application/json":
            return Label(url=str(self._json(resp).get("url") or ""))
        return Label(content=resp.content, content_type=kind or "application/octet-stream")

    def status(self, booking: Booking) -> StatusReport | None:
        """The booking's status as the carrier reports it now."""
        data = self._json(self._call("status", params={"booking_id": booking.external_id}))
        try:
            return StatusReport(
                CarrierStatus(str(data.get("status"))), aware_time(data.get("at")), str(data.get("detail") or "")
            )
        except ValueError as exc:
            raise CarrierUnavailableError(f"carrier {self.config.name}: unknown status {data.get('status')!r}") from exc


