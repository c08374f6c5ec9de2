"""Returns and failed deliveries: the return lifecycle and the failure policy (re-attempt or return to sender).

A customer return is a pickup at the customer that travels back to the depot; a parcel whose delivery failed
too often returns to its sender from the van it is on. Both end when the depot scans it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReturnReason(StrEnum):
    """Why a parcel goes back to the depot."""

    CUSTOMER_RETURN = "customer_return"
    RETURN_TO_SENDER = "return_to_sender"


class ReturnStatus(StrEnum):
    """Where a return is."""

    REQUESTED = "requested"  # a pickup order exists, not yet on a live route (queued for the next plan)
    SCHEDULED = "scheduled"  # its pickup stop is on a live route
    IN_TRANSIT = "in_transit"  # on a van, travelling back to the depot
    RECEIVED = "received"  # scanned in at the depot


RETURN_TRANSITIONS: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    ReturnStatus.REQUESTED: frozenset({ReturnStatus.SCHEDULED, ReturnStatus.IN_TRANSIT}),
    ReturnStatus.SCHEDULED: frozenset({ReturnStatus.IN_TRANSIT, ReturnStatus.REQUESTED}),
    ReturnStatus.IN_TRANSIT: frozenset({ReturnStatus.RECEIVED}),
    ReturnStatus.RECEIVED: frozenset(),
}


def can_move(current: ReturnStatus, target: ReturnStatus) -> bool:
    """Whether the return lifecycle allows ``current -> target``."""
    return target in RETURN_TRANSITIONS[current]


class NextStep(StrEnum):
    """What happens to a parcel after a failed delivery attempt."""

    REATTEMPT_SAME_DAY = "reattempt_same_day"
    REATTEMPT_NEXT_DAY = "reattempt_next_day"
    RETURN_TO_SENDER = "return_to_sender"
    GIVE_UP = "give_up"  # a collection that will not happen: nothing to carry back, the order stays failed


# Reasons another attempt cannot fix: the customer refused the parcel, or it is damaged (a delivery then goes back
# to the sender at once; a collection is given up).
FINAL_REASONS = frozenset({"refused", "damaged"})


@dataclass(frozen=True, slots=True)
class FailurePolicy:
    """Re-attempt the same day (inserted into a live route) or the next day, up to ``max_attempts`` attempts."""

    same_day: bool = False
    max_attempts: int = 3

    def next_step(self, attempts: int, reason: str | None = None, *, collect: bool = False) -> NextStep:
        """The step after the ``attempts``-th failed attempt: another attempt unless the attempts are used up or
        the ``reason`` is one no attempt fixes (``FINAL_REASONS``); then a delivery returns to the sender and a
        collection (``collect``) is given up."""
        if attempts >= self.max_attempts or reason in FINAL_REASONS:
            return NextStep.GIVE_UP if collect else NextStep.RETURN_TO_SENDER
        return NextStep.REATTEMPT_SAME_DAY if self.same_day else NextStep.REATTEMPT_NEXT_DAY


ATTEMPT_TAG = "attempt:"
RETRY_OF_TAG = "retry_of:"


def attempt_of(tags: tuple[str, ...]) -> int:
    """The attempt number an order's tags record (1 for an order that is not a re-attempt)."""
    for tag in tags:
        if tag.startswith(ATTEMPT_TAG) and tag[len(ATTEMPT_TAG) :].isdigit():
            return int(tag[len(ATTEMPT_TAG) :])
    return 1


def first_of(order_id: str, tags: tuple[str, ...]) -> str:
    """The first order of a re-attempt chain."""
    return next((t[len(RETRY_OF_TAG) :] for t in tags if t.startswith(RETRY_OF_TAG)), order_id)
