"""The platform's settings, one small group per concern, filled by the composition roots from
``doorstep.config.Settings`` (each with the defaults a test or the CLI gets)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from doorstep.domain.carriers import CarrierConfig
from doorstep.routing.provider import TravelTimeProvider, layers
from doorstep.routing.route_geometry import RouteGeometryProvider
from doorstep.services.kernel.webhook_targets import Resolver, system_resolver


@dataclass(slots=True)
class TravelModel:
    """The deployment's travel model: a road network (``DOORSTEP_NETWORK``; None: straight line), a walking network
    (``DOORSTEP_FOOT_NETWORK``; None: pickup points by straight line), time-of-day
    factors ('urban' or a JSON file; ``DOORSTEP_TRAFFIC``), a weather slow-down (``DOORSTEP_WEATHER``) and
    whether the times learned from driven days are used (``DOORSTEP_LEARNED_TIMES``, docs/learning.md)."""

    network: TravelTimeProvider | None = None
    foot: TravelTimeProvider | None = None  # DOORSTEP_FOOT_NETWORK: walks to pickup points (None: straight line)
    traffic: str | None = None
    weather: float = 1.0
    learned: bool = False  # DOORSTEP_LEARNED_TIMES: plans and ETAs use the times learned from driven days

    @property
    def draws_roads(self) -> bool:
        """Whether the network can draw the roads a route follows (the maps then ask for them): its wrappers
        (matrix cache, traffic) pass ``route_legs`` on, so the model at the bottom must draw them."""
        return self.network is not None and isinstance(list(layers(self.network))[-1], RouteGeometryProvider)


@dataclass(slots=True)
class WebhookSettings:
    """How webhook deliveries are sent."""

    timeout_s: float = 10.0
    allow_private: bool = False  # deliver to loopback/private addresses (receivers on the own network)
    resolver: Resolver = system_resolver  # how a delivery's host is resolved before it is sent


@dataclass(slots=True)
class NotifySettings:
    """Customer messages: retries of a failed send and the life of the tracking link they carry."""

    max_attempts: int = 12  # failed sends before a customer message is marked failed
    backoff_s: float = 30.0  # the wait after the first failed send; doubles after each further one
    backoff_cap_s: float = 3600.0
    tracking_ttl_s: int = 3 * 86_400  # how long a customer's tracking link works (delivery, then feedback)


@dataclass(slots=True)
class LiveRules:
    """Rules of the live day: proofs of delivery and re-planning proposals."""

    pod_flag_distance_m: float = 100.0  # completions farther from their stop are flagged
    max_photo_bytes: int = 2_000_000
    proposal_ttl_s: int = 900  # a live re-planning proposal older than this cannot be approved (0: never expires)


@dataclass(slots=True)
class Leases:
    """When work left by a process that died is taken over."""

    plan_s: float = 60.0  # a running planning job silent this long died with its worker: it is taken over
    idempotency_stale_s: float = 300.0  # a pending Idempotency-Key claim this old died with its process


@dataclass(slots=True)
class CarrierSettings:
    """Partner carriers: the adapter factory the composition root injects (``doorstep.carriers.adapters``; None:
    no carrier can be called, offers are still made from the price rules) and the address rule of their endpoints
    (the webhooks' SSRF guard: ``DOORSTEP_CARRIER_ALLOW_PRIVATE`` lets them reach the own network).
    The factory returns a ``services.carriers.protocol.Carrier``; it is typed loosely here because the protocol
    belongs to the carriers context, above this kernel."""

    factory: Callable[[CarrierConfig], object] | None = None
    allow_private: bool = False
    resolver: Resolver = system_resolver
