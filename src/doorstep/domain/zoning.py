"""Which delivery zone of a slot policy an address lies in: the first zone (in policy order) that contains it, or
none. Analytics groups orders by it (``orders.zone_id``); checkout offers use the same rule (docs/slots.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from doorstep.domain.geo import LatLng
from doorstep.domain.slots import Zone


def zone_at(zones: Sequence[Zone], depots: Mapping[str, LatLng], point: LatLng) -> str | None:
    """The id of the first zone containing the point (a radius zone is measured from its depot; a zone whose depot
    is gone contains nothing), or None outside every zone."""
    for zone in zones:
        depot = depots.get(zone.depot_id)
        if depot is not None and zone.contains(point, depot):
            return zone.id
    return None
