"""A virtual driver in the hidden world: what they report while driving a planned route when the legs, the visits
and the customers behave as the world says (``world.World``), not as the plan assumed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from doorstep.demo.history.world import World
from doorstep.domain.failures import FailureReason
from doorstep.domain.plan import Route, StopType
from doorstep.live.simulation import VISITED, SimEvent, SimKind, along


def drive_route(world: World, route: Route, driver: int, rng: random.Random, every_s: int) -> Iterator[SimEvent]:
    """The reports of driver number ``driver`` on ``route``, in time order: positions along each leg every
    ``every_s`` seconds, an arrival at each stop, then a completion, or a failure when the customer is out. The van
    leaves at the planned departure; breaks take their planned length where the driver is."""
    clock: datetime = route.stops[0].departure
    here = route.stops[0].location
    for k, stop in enumerate(route.stops[1:], start=1):
        if stop.type is StopType.BREAK:
            clock += timedelta(seconds=stop.service_s)
            continue
        secs = world.leg_s(rng, here, stop.location, clock)
        for t in range(every_s, secs, every_s):
            yield SimEvent(clock + timedelta(seconds=t), SimKind.POSITION, along((here, stop.location), t / secs))
        clock += timedelta(seconds=secs)
        here = stop.location
        if stop.type not in VISITED:
            continue
        yield SimEvent(clock, SimKind.ARRIVE, here, k, stop.order_id)
        if stop.window_start is not None:
            clock = max(clock, stop.window_start)  # waits for the customer's window, as the plan says
        customer = world.by_place.get(stop.location)
        if customer is not None and not world.at_home(rng, customer, clock):
            clock += timedelta(seconds=60)
            yield SimEvent(clock, SimKind.FAIL, here, k, stop.order_id, FailureReason.NOT_HOME)
            continue
        secs = world.service_s(rng, customer, driver) if customer is not None else stop.service_s
        clock += timedelta(seconds=secs)
        yield SimEvent(clock, SimKind.COMPLETE, here, k, stop.order_id)
