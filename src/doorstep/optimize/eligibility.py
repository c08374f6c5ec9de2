"""Which vehicle may serve which order: skills, depot restriction and size. Shared by the model and the reasons."""

from __future__ import annotations

from doorstep.domain.fleet import Vehicle
from doorstep.domain.orders import Order


def has_skills(vehicle: Vehicle, order: Order) -> bool:
    """The vehicle offers every skill the order requires."""
    return order.skills <= vehicle.all_skills


def from_right_depot(vehicle: Vehicle, order: Order) -> bool:
    """The order may ship from any depot, or from the vehicle's start depot."""
    return order.depot_id is None or order.depot_id == vehicle.start_depot_id


def fits(vehicle: Vehicle, order: Order) -> bool:
    """The order's size (and what it collects) fits the vehicle in every dimension it limits."""
    cap = vehicle.type.capacity
    return all(amount <= cap.get(dim, amount) for dim, amount in order.size.items()) and all(
        amount <= cap.get(dim, amount) for dim, amount in order.collect.items()
    )


def may_serve(vehicle: Vehicle, order: Order) -> bool:
    """Skills and depot allow this vehicle to visit the order (size is checked separately)."""
    return has_skills(vehicle, order) and from_right_depot(vehicle, order)
