"""Inbound transfer bodies: a trunk run to a depot, its change, its arrival."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from doorstep.api.schemas_common import IssueOut, Strict

OrderRef = Annotated[str, Field(min_length=1, max_length=200)]  # an order id or external ref


class TransferIn(Strict):
    """A trunk run from a central warehouse arriving at the depot: its orders (ids or external refs) are released
    ``sorting_s`` after it arrives (after the depot opens, when it arrives before)."""

    arrival: AwareDatetime = Field(examples=["2025-06-17T06:30:00+01:00"], description="when it reaches the depot")
    sorting_s: int = Field(0, examples=[1800], description="unloading and sorting before its parcels can be loaded "
                           "(0..86,400 s; E1708)")  # fmt: skip
    orders: list[OrderRef] = Field(
        default_factory=list, max_length=10_001, examples=[["SHOP-1001", "ord_01jb..."]],
        description="order ids or external refs, deliveries of this depot (E1704-E1712)",
    )  # fmt: skip
    origin: str = Field("", max_length=200, examples=["Central DC Azambuja"])
    reference: str = Field("", max_length=200, examples=["TRUNK 42"])


class TransferPatch(Strict):
    """The fields to change of an expected transfer (unset ones stay); a later arrival records
    ``transfer.delayed``."""

    arrival: AwareDatetime | None = None
    sorting_s: int | None = None
    orders: list[OrderRef] | None = Field(None, max_length=10_001, description="replaces the list when given")
    origin: str | None = Field(None, max_length=200)
    reference: str | None = Field(None, max_length=200)


class ArrivedIn(Strict):
    """When the run arrived (default: now)."""

    at: AwareDatetime | None = None


class TransferOut(BaseModel):
    """A stored transfer: when it is expected (or arrived), when its goods are ready, and its orders."""

    id: str
    depot_id: str
    date: dt.date = Field(description="the local day it arrives at the depot")
    arrival: dt.datetime
    sorting_s: int
    ready_at: dt.datetime = Field(description="arrival (or opening) plus sorting: the release time of its orders")
    origin: str
    reference: str
    status: str = Field(examples=["expected"], description="expected or arrived")
    arrived_at: dt.datetime | None
    orders: list[str] = Field(description="the ids of the orders it carries")
    version: int
    created_at: dt.datetime
    warnings: list[IssueOut] = Field(default_factory=list, description="W1700: goods ready after an order's window")


class DepotLoadOut(BaseModel):
    """What a plan asks of a depot: parcels against its daily capacity, vans loading at once against its docks."""

    depot_id: str
    parcels: int
    capacity_parcels_per_day: int | None
    loading_peak: int
    docks: int | None
    kept_parcels: int = Field(0, description="of ``parcels``, those on routes a re-plan kept (locked or dispatched)")
