"""A hand-built route for the load sheet tests: four deliveries (Portuguese and German names), a return and a
store-to-door order collected on the way, a break, and a reload before the last delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.geo import LatLng
from doorstep.domain.loading import LoadPlan, load_plan
from doorstep.domain.orders import Contact, Item, Order, OrderKind, PairedPickup
from doorstep.domain.plan import Route, ScheduledStop, StopType
from doorstep.domain.waves import LoadingTimes, route_releases
from doorstep.formats.load_sheet import LoadSheet

T0 = datetime(2025, 6, 17, 7, 0, tzinfo=UTC)  # 08:00 in Lisbon
LISBON = ZoneInfo("Europe/Lisbon")
DEPOT = LatLng(38.7372, -9.1034)
TIMES = LoadingTimes(per_parcel_s=60, dock_s=600, wave_s=1800)


def at(minutes: int) -> datetime:
    """UTC time ``minutes`` after 08:00 Lisbon."""
    return T0 + timedelta(minutes=minutes)


def _order(k: int, name: str, kind: OrderKind = OrderKind.DELIVERY, **kw: object) -> Order:
    return Order(
        id=f"ord_{k}", external_ref=f"R-{k}", kind=kind, location=LatLng(38.72 + k / 1000, -9.14),
        address=f"Rua {k}", contact=Contact(name), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def orders() -> dict[str, Order]:
    """The route's orders by id."""
    items = (Item("Sapatos", 1, "SH", "EAN-1"), Item("Saco", 1, "", "BAG-1"))
    made = [
        _order(1, "João Gonçalves", size={"parcels": 2, "weight_g": 3000}, items=items),
        _order(
            2,
            "Jürgen Weiß",
            size={"parcels": 1, "weight_g": 1200, "volume_cm3": 9000},
            items=(Item("Buch", 1, "", "BK-2"),),
        ),
        _order(
            3,
            "Ana Martins",
            kind=OrderKind.RETURN,
            size={"parcels": 1, "weight_g": 500},
            items=(Item("Retorno", 1, "", "RT-3"),),
        ),
        _order(4, "Maria Conceição", size={"parcels": 1, "weight_g": 800}, items=(Item("Cartão"),)),
        _order(
            5,
            "Loja Ótica",
            kind=OrderKind.PAIRED,
            size={"parcels": 1, "weight_g": 400},
            pickup=PairedPickup(location=LatLng(38.71, -9.13), address="Loja"),
        ),
        _order(6, "Größe Straße", size={"parcels": 1, "weight_g": 700}, items=(Item("Lampe", 1, "", "EAN-1"),)),
    ]
    return {o.id: o for o in made}


def _stop(kind: StopType, minute: int, order: str | None = None, service: int = 300) -> ScheduledStop:
    ref = f"R-{order.split('_')[1]}" if order else ""
    return ScheduledStop(
        type=kind, location=DEPOT, arrival=at(minute), start=at(minute),
        departure=at(minute) + timedelta(seconds=service), order_id=order, external_ref=ref,
        address=f"Rua {order.split('_')[1]}" if order else "", service_s=service,
    )  # fmt: skip


def route() -> Route:
    """Stops 1..6: R-1, R-3 (return), R-2, R-5 pickup, [break], R-5 drop, R-4; a reload; stop 7: R-6."""
    stops = [
        _stop(StopType.START, 0, service=900),
        _stop(StopType.DELIVERY, 30, "ord_1"),
        _stop(StopType.PICKUP, 50, "ord_3"),
        _stop(StopType.DELIVERY, 70, "ord_2"),
        _stop(StopType.PAIRED_PICKUP, 90, "ord_5"),
        _stop(StopType.BREAK, 100, service=1800),
        _stop(StopType.PAIRED_DELIVERY, 140, "ord_5"),
        _stop(StopType.DELIVERY, 160, "ord_4"),
        _stop(StopType.RELOAD, 200, service=600),
        _stop(StopType.DELIVERY, 240, "ord_6"),
        _stop(StopType.END, 280, service=0),
    ]
    return Route(id="rte_1", vehicle_id="veh_1", vehicle_name="Carrinha Ágil", start_depot_id="dep_lx", stops=stops)


def plan() -> LoadPlan:
    """The route's load plan with a van of 10 parcels and 20 kg."""
    return load_plan(route(), orders(), {"parcels": 10, "weight_g": 20_000})


def sheet() -> LoadSheet:
    """The load sheet with its header and release times."""
    p = plan()
    return LoadSheet(
        plan=p, route_id="rte_1", day="2025-06-17", tz=LISBON, depot="Armazém Norte", driver="Zoë Müller",
        releases=tuple(route_releases(p, TIMES)),
    )  # fmt: skip
