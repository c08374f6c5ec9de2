"""Dates and times as the customer reads them: in the depot's time zone and the customer's locale (Babel)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_decimal


def locale_for(language: str) -> Locale:
    """Babel's locale for a language tag (``pt``, ``fr-CH``); English when Babel does not know it."""
    try:
        return Locale.parse(language.strip().replace("-", "_") or "en")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def day(at: datetime, timezone: str, language: str) -> str:
    """The local calendar day in full (``Tuesday, June 17, 2025``; ``terça-feira, 17 de junho de 2025``)."""
    return format_date(at.astimezone(ZoneInfo(timezone)).date(), format="full", locale=locale_for(language))


def calendar_day(d: date, language: str) -> str:
    """A calendar day in full, in the customer's locale."""
    return format_date(d, format="full", locale=locale_for(language))


def time(at: datetime, timezone: str, language: str) -> str:
    """The local time of day, short (``11:00 AM``; ``11:00``)."""
    return format_time(at, format="short", tzinfo=ZoneInfo(timezone), locale=locale_for(language))


def window(start: datetime, end: datetime, timezone: str, language: str) -> str:
    """A window of local times (``11:00 AM – 1:00 PM``; ``11:00 – 13:00``). One ending at the next midnight (a
    parcel locker open all day) ends a minute before it (``00:00 – 23:59``), not at the start's own time."""
    zone = ZoneInfo(timezone)
    lo, hi = start.astimezone(zone), end.astimezone(zone)
    if hi > lo and hi.date() > lo.date() and (hi.hour, hi.minute) == (0, 0):
        end = end - timedelta(minutes=1)
    return f"{time(start, timezone, language)} – {time(end, timezone, language)}"


def distance(metres: float, language: str) -> str:
    """A distance as a customer reads it: metres to the nearest 50 under a kilometre, else kilometres with one
    decimal (``350 m``, ``1.2 km``; ``1,2 km`` in Portuguese)."""
    if metres < 950:
        return f"{max(50, round(metres / 50) * 50)} m"
    return f"{format_decimal(round(metres / 1000, 1), format='#,##0.0', locale=locale_for(language))} km"
