"""Reading one cell of an orders table (text, numbers, amounts, times, durations); each failure an Issue."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo

from doorstep.domain.errors import Issue
from doorstep.formats.times import from_cell_datetime, parse_duration_s, parse_when

Cell = str | int | float | bool | datetime | time | timedelta | None


def cell_text(value: Cell) -> str:
    """A cell as stripped text; spreadsheet numbers lose a spurious ``.0`` (1001.0 -> '1001')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | time):
        return value.isoformat()
    return str(value).strip()


class RowReader:
    """Reads the cells of one data row, recording an Issue naming row and column for every bad cell."""

    def __init__(self, row: int, cells: Mapping[str, Cell], headers: Mapping[str, str]) -> None:
        self.row = row
        self.cells = cells
        self.headers = headers
        self.issues: list[Issue] = []
        self.ref: str | None = None

    def has(self, col: str) -> bool:
        """Whether the column exists and the cell is not blank."""
        return cell_text(self.cells.get(col)) != ""

    def add(self, code: str, col: str, what: str) -> None:
        """Record an issue about one cell: 'row 7, column window_end: <what>'."""
        header = self.headers.get(col, col)
        msg = f"row {self.row}, column {header}: {what}"
        self.issues.append(Issue(code, msg, ("row", self.row, header), self.ref))

    def add_at(self, code: str, col: str, what: str, *sub: str | int) -> None:
        """Record an issue about a part of a cell (an item of the ``items`` column): loc ``("row", 7, col, *sub)``."""
        header = self.headers.get(col, col)
        msg = f"row {self.row}, column {header}: {what}"
        self.issues.append(Issue(code, msg, ("row", self.row, header, *sub), self.ref))

    def text(self, col: str) -> str:
        """The cell as text ('' when blank or absent)."""
        return cell_text(self.cells.get(col))

    def number(self, col: str) -> float | None:
        """A finite number, or None (blank, or bad: E1108 recorded)."""
        value = self.cells.get(col)
        if isinstance(value, bool) or not self.has(col):
            if isinstance(value, bool):
                self.add("E1108", col, f"{value!r} is not a number")
            return None
        if isinstance(value, int | float):
            num = float(value)
        else:
            try:
                num = float(cell_text(value))
            except ValueError:
                hint = " (use '.' as the decimal separator)" if "," in cell_text(value) else ""
                self.add("E1108", col, f"{cell_text(value)!r} is not a number{hint}")
                return None
        if not math.isfinite(num):
            self.add("E1108", col, f"{cell_text(value)!r} is not a finite number")
            return None
        return num

    def amount(self, col: str, scale: int = 1) -> int | None:
        """A non-negative whole amount after multiplying by ``scale`` (kg -> g), or None (blank or bad)."""
        num = self.number(col)
        if num is None:
            return None
        if num < 0:
            self.add("E1107", col, f"{self.text(col)!r} is negative")
            return None
        scaled = num * scale
        if scale == 1 and not scaled.is_integer():
            self.add("E1108", col, f"{self.text(col)!r} is not a whole number")
            return None
        return round(scaled)

    def when(self, col: str, day: date, tz: tzinfo) -> datetime | None:
        """An aware time from ``HH:MM``, ISO-8601 or a spreadsheet time cell; None if blank or bad."""
        value = self.cells.get(col)
        if not self.has(col):
            return None
        if isinstance(value, datetime | time):
            return from_cell_datetime(value, day, tz)
        try:
            return parse_when(cell_text(value), day, tz)
        except ValueError:
            self.add("E1103", col, f"{cell_text(value)!r} is not a time")
            return None

    def duration(self, col: str) -> int | None:
        """Whole seconds from ``300``, ``5:00``, ``5m`` or a spreadsheet duration; None if blank or bad."""
        value = self.cells.get(col)
        if not self.has(col):
            return None
        if isinstance(value, timedelta):
            return self._non_negative(col, round(value.total_seconds()))
        if isinstance(value, time):
            return value.hour * 3600 + value.minute * 60 + value.second
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._non_negative(col, round(value))
        text = cell_text(value)
        try:
            seconds = parse_duration_s(text.removeprefix("-"))
        except ValueError:
            self.add("E1103", col, f"{text!r} is not a duration (write seconds, mm:ss or 5m)")
            return None
        return self._non_negative(col, -seconds if text.startswith("-") else seconds)

    def _non_negative(self, col: str, seconds: int) -> int | None:
        if seconds < 0:
            self.add("E1107", col, f"{self.text(col)!r} is negative")
            return None
        return seconds

    def split(self, col: str) -> tuple[str, ...]:
        """The ``;``- or ``,``-separated items of a cell, stripped, blanks dropped."""
        return tuple(p.strip() for p in self.text(col).replace(",", ";").split(";") if p.strip())
