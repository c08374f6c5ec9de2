"""The ``Carrier`` protocol: what Doorstep asks of a partner carrier. Adapters live in ``doorstep.carriers`` (an
HTTP API, a manifest handed over at the depot); the composition roots inject a factory making one per carrier
(``Platform.carriers.factory``), so no service imports an adapter or an HTTP client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast

from doorstep.domain.carrier_types import Booking, Label, Quote, StatusReport
from doorstep.domain.carriers import CarrierConfig
from doorstep.domain.orders import Order
from doorstep.services.kernel.platform import Platform


class Carrier(Protocol):
    """A partner carrier. Every call raises ``CarrierUnavailableError`` when the carrier did not answer usefully
    (after the adapter's own retries); nothing is then assumed booked or cancelled."""

    def quote(self, orders: Sequence[Order]) -> list[Quote]:
        """Prices for the orders it would take (an order it would not take is missing from the answer)."""

    def book(self, order: Order, quote: Quote) -> Booking:
        """Book the order at the quoted price."""

    def cancel(self, booking: Booking) -> None:
        """Give a booked order back."""

    def label(self, booking: Booking) -> Label:
        """The shipping label: PDF or ZPL bytes, or a URL."""

    def status(self, booking: Booking) -> StatusReport | None:
        """The booking's current status (None: the carrier does not report statuses on request)."""


def carrier_for(p: Platform, config: CarrierConfig) -> Carrier | None:
    """The adapter of a carrier, made by the factory the composition root injected (None: none injected)."""
    factory = p.carriers.factory
    return cast(Carrier, factory(config)) if factory is not None else None
