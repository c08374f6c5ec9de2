"""Orders from CSV and XLSX tables (columns and aliases: docs/input-formats.md).

Every bad cell is reported at once. By default any error rejects the whole file; with ``skip_invalid`` each
invalid row is dropped and reported as a W1205 warning listing its errors, so no valid data is lost silently.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from doorstep.domain.errors import DoorstepError, Issue, Severity
from doorstep.domain.fleet import Depot
from doorstep.domain.orders import Order
from doorstep.domain.pickup import PickupPoint
from doorstep.formats.tabular_cells import Cell, RowReader, cell_text
from doorstep.formats.tabular_columns import Columns, map_headers
from doorstep.formats.tabular_rows import RowContext, build_order, make_context
from doorstep.routing.geocoder import Geocoder

DELIMITERS = (",", ";", "\t")
MAX_ROWS = 100_000  # data rows in one table (a regional day is 20,000 orders)
MAX_UNPACKED_BYTES = 200_000_000  # an .xlsx is a zip: what its parts may unpack to, all together


@dataclass(slots=True)
class TableRead:
    """The orders read from a table, the spreadsheet row of each, and what was reported."""

    orders: list[Order] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # rows[i] is the spreadsheet row of orders[i]
    warnings: list[Issue] = field(default_factory=list)
    skipped: list[Issue] = field(default_factory=list)  # W1205, one per dropped row (skip_invalid only)


def read_orders(
    path: Path,
    *,
    depots: Sequence[Depot],
    plan_date: date,
    skip_invalid: bool = False,
    points: Mapping[str, PickupPoint] | None = None,
    geocoder: Geocoder | None = None,
) -> TableRead:
    """Orders from a ``.csv``/``.tsv``/``.txt`` or ``.xlsx`` file; raises DoorstepError with every error. With a
    ``geocoder``, a row with an address and no lat/lng is placed by it."""
    read = read_orders_xlsx if path.suffix.lower() in (".xlsx", ".xlsm") else read_orders_csv
    return read(path, depots=depots, plan_date=plan_date, skip_invalid=skip_invalid, points=points, geocoder=geocoder)


def read_orders_csv(
    path: Path,
    *,
    depots: Sequence[Depot],
    plan_date: date,
    skip_invalid: bool = False,
    points: Mapping[str, PickupPoint] | None = None,
    geocoder: Geocoder | None = None,
) -> TableRead:
    """Orders from a UTF-8 CSV (``,`` ``;`` or tab delimited, sniffed from the header row)."""
    text = decode_utf8(_read_bytes(path), path)
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    rows = capped_rows(enumerate(csv_rows(reader, path.name), start=1), path.name)
    records = ((n, list[Cell](rec)) for n, rec in rows)
    return orders_from_rows(
        records, depots=depots, plan_date=plan_date, skip_invalid=skip_invalid, name=path.name, points=points,
        geocoder=geocoder,
    )  # fmt: skip


def read_orders_xlsx(
    path: Path,
    *,
    depots: Sequence[Depot],
    plan_date: date,
    skip_invalid: bool = False,
    points: Mapping[str, PickupPoint] | None = None,
    geocoder: Geocoder | None = None,
) -> TableRead:
    """Orders from the sheet named "orders" of a workbook, else its first sheet (read-only, cached values)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _read_bytes(path)
    _check_unpacked(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        msg = f"{path.name} is not an .xlsx workbook ({exc.__class__.__name__}); save .xls files as .xlsx"
        raise DoorstepError([Issue("E1004", msg, ("file", path.name))]) from exc
    try:
        names = {n.strip().lower(): n for n in wb.sheetnames}
        ws = wb[names["orders"]] if "orders" in names else wb.worksheets[0]
        rows = enumerate(ws.iter_rows(values_only=True), start=1)
        records = [(n, [xlsx_cell(v) for v in row]) for n, row in capped_rows(rows, path.name)]
    finally:
        wb.close()
    return orders_from_rows(
        records, depots=depots, plan_date=plan_date, skip_invalid=skip_invalid, name=path.name, points=points,
        geocoder=geocoder,
    )  # fmt: skip


def _check_unpacked(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than ``MAX_UNPACKED_BYTES`` before any part is unpacked:
    a 206 KB decompression bomb took 278 MB of server memory, and 613 KB took 900 MB."""
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl reports an unreadable workbook as E1004
    if unpacked > MAX_UNPACKED_BYTES:
        msg = f"{path.name} unpacks to {unpacked:,} bytes, more than {MAX_UNPACKED_BYTES:,}"
        raise DoorstepError([Issue("E1008", msg, ("file", path.name))])


def csv_rows(reader: Iterator[list[str]], name: str) -> Iterator[list[str]]:
    """The records of a CSV reader; a record the csv module cannot read (a cell over its 131,072-character field
    limit, a quote left open to the end) is E1009 naming the line, not an internal error."""
    line = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            at = getattr(reader, "line_num", line)
            raise DoorstepError([Issue("E1009", f"{name}, line {at}: {exc}", ("file", name))]) from None
        line = getattr(reader, "line_num", line)
        yield record


def capped_rows[T](rows: Iterable[tuple[int, T]], name: str) -> Iterable[tuple[int, T]]:
    """The rows, refusing a table with more than ``MAX_ROWS`` data rows (plus a header and blank lines) as soon
    as it is seen, without reading further: 300,000 one-cell rows took 14.5 s and an 80 MB answer."""
    for n, row in rows:
        if n > MAX_ROWS + 1_000:
            msg = f"{name} has more than {MAX_ROWS:,} rows"
            raise DoorstepError([Issue("E1008", msg, ("file", name))])
        yield n, row


def xlsx_cell(value: object) -> Cell:
    """A workbook value as a table cell: dates become midnight date-times, decimals floats, the rest text."""
    if value is None or isinstance(value, str | int | float | bool | datetime | time | timedelta):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        msg = f"{path}: {exc.strerror or exc.__class__.__name__}"
        raise DoorstepError([Issue("E1001", msg, ("file", str(path)))]) from exc


def decode_utf8(data: bytes, path: Path) -> str:
    """UTF-8 text (a BOM is dropped); anything else is E1003 naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        msg = f"{path.name}: byte 0x{data[exc.start]:02x} on line {line} is not UTF-8"
        raise DoorstepError([Issue("E1003", msg, ("line", line))]) from exc


def sniff_delimiter(text: str) -> str:
    """The delimiter used most often in the header row (outside quotes); ``,`` on a tie."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return max(DELIMITERS, key=lambda d: counts[d])


def _blank(cells: Sequence[Cell]) -> bool:
    return all(cell_text(c) == "" for c in cells)


def orders_from_rows(
    records: Iterable[tuple[int, list[Cell]]],
    *,
    depots: Sequence[Depot],
    plan_date: date,
    skip_invalid: bool = False,
    name: str = "table",
    points: Mapping[str, PickupPoint] | None = None,
    geocoder: Geocoder | None = None,
) -> TableRead:
    """Orders from numbered rows (the first non-blank one is the header); the core shared by CSV and XLSX. With
    ``points`` (the organization's pickup points) a row's ``pickup_point_id`` must name one of them and the order
    goes there (``domain.pickup.to_point``); without, the id is carried as given (``doorstep plan``). With a
    ``geocoder``, a row with an address and no lat/lng is placed by it (the lat/lng columns may then be absent)."""
    rows = iter(records)
    header = next(((n, cells) for n, cells in rows if not _blank(cells)), None)
    if header is None:
        raise DoorstepError([Issue("E1002", f"{name} is empty", ("file", name))])
    cols = map_headers([cell_text(c) for c in header[1]], by_address=geocoder is not None)
    errors = [i for i in cols.issues if i.severity is Severity.ERROR]
    if errors:
        raise DoorstepError(errors, [i for i in cols.issues if i.severity is Severity.WARNING])
    out = TableRead(warnings=list(cols.issues))
    data = [(n, cells) for n, cells in rows if not _blank(cells)]
    if not data:
        raise DoorstepError([Issue("E1002", f"{name} has a header row but no data rows", ("file", name))])
    row_errors = _read_rows(data, cols, make_context(tuple(depots), plan_date, points, geocoder), out)
    if row_errors and not skip_invalid:
        raise DoorstepError([i for errs in row_errors.values() for i in errs], out.warnings)
    for n, errs in row_errors.items():
        listed = "; ".join(f"{i.code} {i.message.removeprefix(f'row {n}, ')}" for i in errs)
        out.skipped.append(Issue("W1205", f"row {n} skipped: {listed}", ("row", n), errs[0].id))
    return out


def _read_rows(
    data: list[tuple[int, list[Cell]]], cols: Columns, ctx: RowContext, out: TableRead
) -> dict[int, list[Issue]]:
    """Fill ``out`` with the valid rows' orders and warnings; return the errors of each invalid row."""
    size_cols, pairs = cols.size_columns(), cols.window_pairs()
    first_row: dict[str, int] = {}
    row_errors: dict[int, list[Issue]] = {}
    for n, cells in data:
        values = {c: cells[i] if i < len(cells) else None for c, i in cols.index.items()}
        reader = RowReader(n, values, cols.header)
        order = build_order(reader, ctx, size_cols, pairs)
        ref = reader.ref or ""
        if ref in first_row:
            reader.add("E1110", "external_ref", f"{ref!r} is already used on row {first_row[ref]}")
            order = None
        else:
            first_row[ref] = n
        errs = [i for i in reader.issues if i.severity is Severity.ERROR]
        out.warnings.extend(i for i in reader.issues if i.severity is Severity.WARNING)
        if errs:
            row_errors[n] = errs
        elif order is not None:
            out.orders.append(order)
            out.rows.append(n)
    return row_errors
