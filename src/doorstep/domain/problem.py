"""A planning problem: the day's orders, the fleet and (optionally) travel matrices given by the client."""

from __future__ import annotations

from dataclasses import dataclass, field

from doorstep.domain.fleet import Depot, Driver, Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.kept_loadings import KeptLoading
from doorstep.domain.orders import Order
from doorstep.domain.transfers import Transfer
from doorstep.domain.zones import AccessZone


@dataclass(frozen=True, slots=True, kw_only=True)
class ExplicitMatrices:
    """Travel matrices supplied with the input (VROOM ``matrices``, benchmark instances).

    ``points[i]`` is the location of row/column ``i``; ``durations``/``distances`` are keyed by profile
    name (``"*"`` applies to every profile without its own). ``synthetic_points`` says the points are
    placeholders (the input had indices only), so maps are not drawn from them.
    """

    points: tuple[LatLng, ...]
    durations: dict[str, list[list[int]]]
    distances: dict[str, list[list[int]]] = field(default_factory=dict)
    synthetic_points: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Fleet:
    """Depots, vehicles and drivers: what a fleet file holds."""

    depots: tuple[Depot, ...]
    vehicles: tuple[Vehicle, ...]
    drivers: tuple[Driver, ...] = ()


@dataclass(frozen=True, slots=True)
class StartRoute:
    """A route the search may start from: a hint, never a constraint (an earlier plan's route, or a part's route
    when a large day's parts are planned again). Ids this problem does not hold are ignored."""

    vehicle_id: str
    order_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """Everything the optimizer needs for one plan."""

    depots: tuple[Depot, ...]
    vehicles: tuple[Vehicle, ...]
    orders: tuple[Order, ...]
    drivers: tuple[Driver, ...] = ()
    matrices: ExplicitMatrices | None = None
    name: str = ""
    zones: tuple[AccessZone, ...] = ()  # access zones (domain/zones.py): who may serve stops inside, and when
    transfers: tuple[Transfer, ...] = ()  # inbound trunk runs (domain/transfers.py): when carried goods are ready
    start_routes: tuple[StartRoute, ...] = ()  # where the search starts (optimize/construct.py), else its own start
    kept_loadings: tuple[KeptLoading, ...] = ()  # docks a re-plan's kept routes already take (domain/kept_loadings.py)
    # id -> order, built on first lookup (orders are looked up by id in every check and live change)
    _by_id: dict[str, Order] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of(cls, orders: tuple[Order, ...] | list[Order], fleet: Fleet, *, name: str = "") -> Problem:
        """Combine a day's orders with a fleet."""
        return cls(
            depots=fleet.depots,
            vehicles=fleet.vehicles,
            drivers=fleet.drivers,
            orders=tuple(orders),
            name=name,
        )

    def depot(self, depot_id: str) -> Depot:
        """The depot with this id (KeyError if unknown; validation reports that first)."""
        for d in self.depots:
            if d.id == depot_id:
                return d
        raise KeyError(depot_id)

    def order(self, order_id: str) -> Order:
        """The order with this id (KeyError if unknown)."""
        if not self._by_id and self.orders:
            self._by_id.update((o.id, o) for o in self.orders)
        return self._by_id[order_id]

    def vehicle(self, vehicle_id: str) -> Vehicle:
        """The vehicle with this id."""
        for v in self.vehicles:
            if v.id == vehicle_id:
                return v
        raise KeyError(vehicle_id)

    def dimensions(self) -> list[str]:
        """Every capacity dimension used by an order or a vehicle, in a stable order."""
        dims: dict[str, None] = {}
        for v in self.vehicles:
            dims.update(dict.fromkeys(v.type.capacity))
        for o in self.orders:
            dims.update(dict.fromkeys(o.size))
        return list(dims)
