"""What a VROOM problem's ids and clock mean in Doorstep terms, to write solutions in VROOM's ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

VROOM_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # VROOM time 0; VROOM times are seconds from here


@dataclass(slots=True)
class VroomContext:
    """Id and time mapping between a VROOM problem and the Doorstep Problem built from it."""

    job_ids: dict[str, int] = field(default_factory=dict)  # order id -> VROOM job id
    shipment_ids: dict[str, tuple[int, int]] = field(default_factory=dict)  # order id -> (pickup id, delivery id)
    vehicle_ids: dict[str, int] = field(default_factory=dict)  # vehicle id -> VROOM vehicle id
    break_ids: dict[str, list[int]] = field(default_factory=dict)  # vehicle id -> VROOM break ids, in order
    dimensions: list[str] = field(default_factory=list)  # amount index -> dimension name
    location_index: bool = False  # the input used location_index (echo it back)
    epoch: datetime = VROOM_EPOCH

    def seconds(self, when: datetime) -> int:
        """A Doorstep time as VROOM integer seconds."""
        return int((when - self.epoch).total_seconds())
