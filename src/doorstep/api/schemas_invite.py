"""Inviting a driver by SMS or email: the request and what was queued."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from doorstep.api.schemas_common import Out, Strict


class InviteIn(Strict):
    """The channels to send the driver's new login code on."""

    channels: list[Literal["sms", "email"]] = Field(
        min_length=1, max_length=2, examples=[["sms", "email"]], description="each at most once"
    )


class InviteMessageOut(Out):
    """One invite message and how its sending went (the body, which holds the code, is not shown)."""

    id: str
    channel: Literal["email", "sms"]
    recipient: str
    language: str
    version: int = Field(description="the driver's invite number (1 for the first)")
    status: Literal["queued", "sent", "failed", "bounced"]
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime


class InviteOut(BaseModel):
    """The new code (shown once to the dispatcher too) and the messages queued to carry it."""

    driver_id: str
    code: str
    expires_at: datetime
    login_url: str = "/driver"
    messages: list[InviteMessageOut]
