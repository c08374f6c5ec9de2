"""Response bodies of /v1/returns: returns with their history, and the result of a depot scan.

Return routes answer with ``response_model_exclude_unset``: a history step carries ``reason`` only when it has
one, and a problem carries ``id`` only when it names an object.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from doorstep.api.schemas_common import ErrorDetail, IsoTime


class ReturnStepOut(BaseModel):
    """One step of a return: its new status, when, by whom and where (further keys of a step are kept)."""

    model_config = ConfigDict(extra="allow")

    status: str
    at: IsoTime
    actor: str
    lat: float | None
    lng: float | None
    reason: str | None = Field(None, description="why a parcel goes back to its sender (the first step)")


class ReturnOut(BaseModel):
    """A customer return or a parcel going back to its sender."""

    id: str
    order_id: str
    pickup_order_id: str | None = Field(description="the pickup stop's order (customer returns)")
    reason: str = Field(examples=["customer_return"])
    status: str = Field(examples=["requested"])
    barcode: str
    history: list[ReturnStepOut]
    created_at: IsoTime


class ReceiveOut(BaseModel):
    """The returns a scan received, and the barcodes it could not (E1453 unknown or ambiguous, E2133 received)."""

    received: list[ReturnOut]
    errors: list[ErrorDetail]
