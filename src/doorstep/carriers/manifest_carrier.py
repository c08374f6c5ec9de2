"""The manifest carrier: a partner that collects parcels at the depot with a printed list, without an API.

Quotes come from its rate card; a booking is the order's line on the day's manifest (``formats.carrier_manifest``,
``GET /v1/carriers/{id}/manifest``); its label is a small ZPL label the depot prints; statuses are set by hand
through the API as the carrier reports them (phone, e-mail, its own portal)."""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.domain.carrier_types import Booking, Label, Quote, StatusReport
from doorstep.domain.carriers import CarrierConfig
from doorstep.domain.orders import Order


class ManifestCarrier:
    """A ``Carrier`` that never leaves the building: everything it answers is computed here."""

    def __init__(self, config: CarrierConfig) -> None:
        self.config = config

    def quote(self, orders: Sequence[Order]) -> list[Quote]:
        """The rate card's price for each order it serves."""
        out = []
        for o in orders:
            price = self.config.price_for(o)
            if price is not None and self.config.serves(o):
                out.append(Quote(o.id, price))
        return out

    def book(self, order: Order, quote: Quote) -> Booking:
        """The order joins the manifest: its reference on the list is the order's own."""
        return Booking(order.id, f"MAN-{order.external_ref or order.id}")

    def cancel(self, booking: Booking) -> None:
        """Taken off the manifest (nothing to tell anyone before it is printed)."""

    def label(self, booking: Booking) -> Label:
        """A 4x2 inch ZPL label with the carrier's name and the manifest reference as a Code 128 barcode."""
        ref = booking.external_id.replace("^", " ").replace("~", " ")
        name = self.config.name.replace("^", " ").replace("~", " ")
        zpl = f"^XA^CF0,40^FO40,30^FD{name}^FS^BY2^FO40,90^BCN,100,Y,N,N^FD{ref}^FS^XZ"
        return Label(content=zpl.encode(), content_type="application/zpl")

    def status(self, booking: Booking) -> StatusReport | None:
        """Not reported on request: a dispatcher enters it."""
        return None
