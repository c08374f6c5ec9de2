"""The deployment's slot settings (from ``DOORSTEP_SLOT_*``), handed to the slot use cases by the platform."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SlotSettings:
    """How long an offer and a hold live, and how many days one offer request may span."""

    hold_minutes: int = 10  # a hold keeps its place this long before it expires (DOORSTEP_SLOT_HOLD_MINUTES)
    offer_ttl_s: int = 900  # an offer can be held this long after it was made (DOORSTEP_SLOT_OFFER_TTL_S)
    max_days: int = 14  # days one offer request may cover
