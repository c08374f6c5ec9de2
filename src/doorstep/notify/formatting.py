"""Dates and times as the customer reads them: in the depot's time zone and the customer's locale (Babel)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time


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
    """A window of local times (``11:00 AM – 1:00 PM``; ``11:00 – 13:00``)."""
    return f"{time(start, timezone, language)} – {time(end, timezone, language)}"
