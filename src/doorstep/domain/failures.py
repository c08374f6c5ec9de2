"""Why a delivery attempt failed: the fixed catalogue drivers choose from (analytics count by it)."""

from __future__ import annotations

from enum import StrEnum


class FailureReason(StrEnum):
    """A failed attempt's reason, as the driver app offers it."""

    NOT_HOME = "not_home"
    ADDRESS_NOT_FOUND = "address_not_found"
    REFUSED = "refused"
    NO_ACCESS = "no_access"
    DAMAGED = "damaged"
    NO_PARKING = "no_parking"
    OUT_OF_TIME = "out_of_time"
    OTHER = "other"  # needs a note


LABELS: dict[FailureReason, str] = {
    FailureReason.NOT_HOME: "Customer not home",
    FailureReason.ADDRESS_NOT_FOUND: "Address not found",
    FailureReason.REFUSED: "Refused by the customer",
    FailureReason.NO_ACCESS: "No access (gate, code, closed building)",
    FailureReason.DAMAGED: "Parcel damaged",
    FailureReason.NO_PARKING: "Nowhere to stop",
    FailureReason.OUT_OF_TIME: "Out of time (end of shift)",
    FailureReason.OTHER: "Other (write a note)",
}
