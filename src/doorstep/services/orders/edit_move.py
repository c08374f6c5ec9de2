"""A dispatcher's edit that moves a door delivery: the customer's change log keeps it and ``order.relocated`` is
recorded, so the customer is told (``address_changed``) as when the move is theirs or a re-planning proposal's."""

from __future__ import annotations

from typing import Any

from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.orders import CUSTOMER_CHANGES, OrderKind
from doorstep.services.kernel.events import EventRecorder
from doorstep.store.models import OrderRow

MOVE_M = 50  # a new place nearer than this to the old one, under the same address text, is a correction, not a move


def place_of(row: OrderRow) -> dict[str, Any]:
    """Where the order goes, as the change log keeps a former place."""
    return {"lat": row.lat, "lng": row.lng, "address": row.address, "pickup_point_id": row.pickup_point_id}


def _words(text: str | None) -> str:
    return " ".join((text or "").casefold().replace(",", " ").split())


def moved(was: dict[str, Any], row: OrderRow) -> bool:
    """Whether an edit took a door delivery to another address: another address text (case, commas and spaces
    aside), or a place ``MOVE_M`` or more from the former one. A pickup-point order, or one edited to or from a
    point, is not a move to another door."""
    if row.kind != OrderKind.DELIVERY.value or row.pickup_point_id is not None or was["pickup_point_id"] is not None:
        return False
    if _words(was["address"]) != _words(row.address):
        return True
    return haversine_m(LatLng(was["lat"], was["lng"]), LatLng(row.lat, row.lng)) >= MOVE_M


def record_edit_move(events: EventRecorder, row: OrderRow, was: dict[str, Any]) -> None:
    """Log the former place (``address_edit``: the customer's 3-km limit counts from the place a dispatcher gave,
    ``address_change.booked_place``) and record ``order.relocated`` by the dispatcher, at the row's version."""
    log = [*row.data.get(CUSTOMER_CHANGES, []), {"kind": "address_edit", "from": was}]
    row.data = {**row.data, CUSTOMER_CHANGES: log}
    place = {"address": row.address, "location": {"lat": row.lat, "lng": row.lng}, "by": "dispatcher",
             "version": row.version}  # fmt: skip
    events.record("order.relocated", row.id, data=place)
