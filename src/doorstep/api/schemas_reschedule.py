"""The reschedule panel of the tracking page: the windows a customer can move their delivery to, and the choice."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, Field

from doorstep.api.schemas_common import Strict


class WindowOut(BaseModel):
    """One window on offer (chosen by its start and end)."""

    start: dt.datetime
    end: dt.datetime
    label: str = Field(description="the window in local time, in the customer's locale")
    suggested: bool = Field(False, description="the address is usually reached then (learned times on)")
    note: str = Field("", description="said beside a suggested window, in the customer's locale (else empty)")


class DayOut(BaseModel):
    """The windows on offer on one local day."""

    date: dt.date
    label: str = Field(description="the day in full, in the customer's locale")
    windows: list[WindowOut]


class RescheduleOut(BaseModel):
    """Where the delivery can move: the windows on offer per day, or why changes are closed."""

    open: bool
    closed: str = Field(description="why changes are closed (empty while open)")
    empty: str = Field(description="said when changes are open but no other window is on offer (else empty)")
    timezone: str = Field(description="the depot's IANA time zone the labels are in")
    days: list[DayOut]


class RescheduleBody(Strict):
    """The window chosen, exactly as offered."""

    start: AwareDatetime
    end: AwareDatetime


class RescheduleRefusedOut(BaseModel):
    """409 E2172: the error envelope and the windows still on offer."""

    error: dict[str, object]
    reschedule: RescheduleOut
