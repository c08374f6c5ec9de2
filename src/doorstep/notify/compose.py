"""From the facts of a moment in a delivery to the rendered message: variables formatted for the customer's
language and the depot's time zone, then the trigger's template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from doorstep.notify import formatting
from doorstep.notify.render import Rendered, render
from doorstep.notify.rules import text_on
from doorstep.notify.triggers import Trigger, language_for
from doorstep.notify.wording import ANY_TIME, next_step_text, opening_hours_text, reason_text


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What a message says, as data (times aware; the services gather them from the order and its event)."""

    trigger: Trigger
    language: str  # the customer's tag ("" = English)
    timezone: str  # the depot's IANA zone
    order_ref: str
    customer_name: str = ""
    sender_name: str = "Doorstep"
    tracking_url: str = ""
    day: date | None = None  # the local day it is about
    window: tuple[datetime, datetime] | None = None  # the promised arrival window
    at: datetime | None = None  # when it happened (delivered, failed)
    reason: str = ""  # a failure reason code
    next_step: str = ""  # a NextStep value
    next_day: date | None = None  # the day of a next-day attempt
    stops_before: int | None = None  # customer stops the driver serves before this one (arriving soon)
    brand_colour: str = "#0b6e4f"
    logo_url: str = ""
    unsubscribe_url: str = ""  # emails only
    point_name: str = ""  # the pickup point the parcel waits at (ready for pickup)
    point_address: str = ""
    point_hours: dict[str, list[list[str]]] | None = None  # weekday -> [[opens, closes], ...], local
    address: str = ""  # where the delivery goes now (address changed)


def variables(f: Facts) -> dict[str, str]:
    """Every variable of the trigger, formatted (templates use a subset)."""
    lang = language_for(f.language)
    tag = f.language or lang
    day = f.day or (f.window[0].astimezone(ZoneInfo(f.timezone)).date() if f.window else None)
    if day is None and f.at is not None:
        day = f.at.astimezone(ZoneInfo(f.timezone)).date()
    out = {
        "customer_name": f.customer_name, "order_ref": f.order_ref, "sender_name": f.sender_name,
        "tracking_url": f.tracking_url, "day": formatting.calendar_day(day, tag) if day else "",
        "window": formatting.window(*f.window, f.timezone, tag) if f.window else ANY_TIME[lang],
        "time": formatting.time(f.at, f.timezone, tag) if f.at else "",
        "reason": reason_text(lang, f.reason),
        "next_step": next_step_text(lang, f.next_step, formatting.calendar_day(f.next_day, tag) if f.next_day else ""),
        "stops_before": str(f.stops_before or 0), "brand_colour": f.brand_colour,
        "brand_text": text_on(f.brand_colour), "logo_url": f.logo_url,
        "unsubscribe_url": f.unsubscribe_url, "point_name": f.point_name, "point_address": f.point_address,
        "opening_hours": opening_hours_text(lang, f.point_hours or {}), "address": f.address,
    }  # fmt: skip
    return out


def compose(f: Facts, templates: dict[tuple[Trigger, str], str] | None = None) -> Rendered:
    """The message for these facts, in the customer's language (English when it has no templates), worded by the
    organization's own template for that trigger and language when ``templates`` has one."""
    source = (templates or {}).get((f.trigger, language_for(f.language)))
    return render(f.trigger, f.language, variables(f), source)
