"""Parsing of the times and durations people write in input files: ``HH:MM`` wall times, ISO-8601, ``5m``."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_UNITS = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?:in)?)?\s*(?:(\d+(?:\.\d+)?)s)?$")


def zone(name: str) -> tzinfo | None:
    """The IANA zone, or None when the name is unknown (validation reports E1113 for the depot)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def clock_seconds(text: str) -> int | None:
    """Seconds after midnight of an ``HH:MM`` or ``HH:MM:SS`` wall time (``24:00`` allowed), else None."""
    m = _CLOCK.match(text.strip())
    if not m:
        return None
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if mi > 59 or s > 59 or h > 24 or (h == 24 and (mi or s)):
        return None
    return h * 3600 + mi * 60 + s


def at_local(day: date, seconds: int, tz: tzinfo) -> datetime:
    """The aware instant at ``seconds`` after local midnight of ``day`` (``24:00`` is the next midnight)."""
    extra, secs = divmod(seconds, 86400)
    wall = datetime.combine(day + timedelta(days=extra), time(secs // 3600, secs % 3600 // 60, secs % 60))
    return wall.replace(tzinfo=tz)


def parse_when(text: str, day: date, tz: tzinfo) -> datetime:
    """An aware datetime from ``HH:MM`` (local on ``day``) or ISO-8601; a naive ISO value is local in ``tz``.

    Raises ValueError when the text is neither.
    """
    raw = text.strip()
    secs = clock_seconds(raw)
    if secs is not None:
        return at_local(day, secs, tz)
    if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", raw):
        raise ValueError(f"{text!r} is not a time")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{text!r} is not a time") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def from_cell_datetime(value: datetime | time, day: date, tz: tzinfo) -> datetime:
    """A spreadsheet date-time or time cell as an aware datetime (naive values are local wall times)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return at_local(day, value.hour * 3600 + value.minute * 60 + value.second, tz)


def parse_duration_s(text: str) -> int:
    """Whole seconds from ``300``, ``5:00`` (mm:ss), ``1:05:00`` (h:mm:ss), ``5m``, ``90s`` or ``1h30m``.

    Raises ValueError for anything else, including negative values (reported as not a duration).
    """
    raw = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+", raw):
        return int(raw)
    parts = raw.split(":")
    if 2 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and all(int(p) < 60 for p in parts[1:]):
        nums = [int(p) for p in parts]
        return nums[0] * 60 + nums[1] if len(nums) == 2 else nums[0] * 3600 + nums[1] * 60 + nums[2]
    m = _UNITS.match(raw)
    if raw and m and any(m.groups()):
        h, mi, s = (float(g) if g else 0.0 for g in m.groups())
        return round(h * 3600 + mi * 60 + s)
    raise ValueError(f"{text!r} is not a duration")
