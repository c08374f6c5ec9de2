"""A driver's invite: their one-time login code, when it stops working (in the depot's time zone and the driver's
language) and the driver app's address, rendered with the ``driver_invite`` templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doorstep.notify import formatting
from doorstep.notify.render import Rendered, render
from doorstep.notify.triggers import Trigger


@dataclass(frozen=True, slots=True, kw_only=True)
class Invite:
    """What an invite says (``expires_at`` aware; shown in ``timezone``)."""

    language: str  # the driver's tag ("" = English)
    timezone: str
    driver_name: str
    sender_name: str
    code: str
    expires_at: datetime
    app_url: str


def compose_invite(i: Invite) -> Rendered:
    """The invite in the driver's language (English when it has no templates)."""
    tag = i.language or "en"
    expires = f"{formatting.day(i.expires_at, i.timezone, tag)}, {formatting.time(i.expires_at, i.timezone, tag)}"
    variables = {
        "driver_name": i.driver_name, "sender_name": i.sender_name, "code": i.code, "expires": expires,
        "app_url": i.app_url,
    }  # fmt: skip
    return render(Trigger.DRIVER_INVITE, i.language, variables)
