"""Response bodies of the probes: /healthz and /readyz."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HealthOut(BaseModel):
    """The process answers."""

    status: Literal["ok"]


class ReadyOut(BaseModel):
    """Whether the database answers and is at the newest migration (200), or why not (503): ``revision`` and
    ``head`` when the database answered, ``database`` (the driver's error name) when it did not."""

    status: Literal["ok", "migrations pending", "unavailable"]
    revision: str | None = Field(None, description="the database's migration")
    head: str | None = Field(None, description="the newest migration of this code")
    database: str | None = Field(None, description="the error met reaching the database")
