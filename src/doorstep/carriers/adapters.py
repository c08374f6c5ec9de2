"""The adapter factory the composition roots inject (``Platform.carriers.factory``): a carrier's settings -> its
``Carrier``."""

from __future__ import annotations

from collections.abc import Callable

from doorstep.carriers.http_carrier import Guard, HttpCarrier
from doorstep.carriers.manifest_carrier import ManifestCarrier
from doorstep.domain.carriers import CarrierConfig, CarrierKind


def factory(guard: Guard) -> Callable[[CarrierConfig], HttpCarrier | ManifestCarrier]:
    """Make adapters whose HTTP calls pass ``guard`` first (the deployment's rule for outgoing addresses)."""

    def make(config: CarrierConfig) -> HttpCarrier | ManifestCarrier:
        if config.kind is CarrierKind.HTTP:
            return HttpCarrier(config, guard)
        return ManifestCarrier(config)

    return make
