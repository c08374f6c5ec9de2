"""CSV/XLSX order upload with a per-row report: good rows are stored, bad rows are listed with their problems."""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from doorstep.domain.contact import contact_issues
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.domain.orders import Order
from doorstep.domain.pickup import PickupPoint
from doorstep.formats.tabular import (
    TableRead,
    capped_rows,
    csv_rows,
    decode_utf8,
    orders_from_rows,
    read_orders_xlsx,
    sniff_delimiter,
)
from doorstep.formats.tabular_cells import Cell
from doorstep.routing.geocoder import Geocoder
from doorstep.services.fleet.pickup_points import point_of
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders import pickup_orders
from doorstep.services.orders.convert import depot_of
from doorstep.services.orders.orders import insert_orders
from doorstep.store.models import OrderRow
from doorstep.store.uow import UnitOfWork


@dataclass(slots=True)
class ImportReport:
    """What happened to every data row of the file."""

    created: list[dict[str, Any]] = field(default_factory=list)  # {"row", "id", "external_ref"}
    existing: list[dict[str, Any]] = field(default_factory=list)  # same external_ref already stored
    skipped: list[Issue] = field(default_factory=list)  # one W1205 per bad row, naming each problem
    warnings: list[Issue] = field(default_factory=list)


def _read(
    filename: str, content: bytes, depot: Any, day: date, points: dict[str, PickupPoint], geocoder: Geocoder | None
) -> TableRead:
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload.xlsx"
            path.write_bytes(content)
            return read_orders_xlsx(
                path, depots=[depot], plan_date=day, skip_invalid=True, points=points, geocoder=geocoder
            )
    if suffix not in (".csv", ".tsv", ".txt"):
        raise DoorstepError([Issue("E1004", f"{filename}: upload a .csv or .xlsx file", ("file",))])
    text = decode_utf8(content, Path(filename))
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    rows = capped_rows(enumerate(csv_rows(reader, filename), start=1), filename)
    records = ((n, list[Cell](rec)) for n, rec in rows)
    return orders_from_rows(
        records, depots=[depot], plan_date=day, skip_invalid=True, name=filename, points=points, geocoder=geocoder
    )


def _over_capacity(
    uow: UnitOfWork, orders: list[Order], rows: list[int], day: date, points: dict[str, PickupPoint], now: datetime
) -> dict[int, Issue]:
    """Row -> W1205 for each row to a pickup point past the point's room that day, in row order (first come,
    first served; a row whose external_ref is stored already takes no second place)."""
    refs = [o.external_ref for o in orders if o.pickup_point_id]
    stored = {r.external_ref for k in range(0, len(refs), 900)
              for r in uow.orders.all(OrderRow.external_ref.in_(refs[k : k + 900]))}  # fmt: skip
    fresh: list[tuple[Order, date, tuple[str | int, ...]]] = [
        (o, day, ("row", n)) for o, n in zip(orders, rows, strict=True)
        if o.pickup_point_id and o.external_ref not in stored
    ]  # fmt: skip
    out = {}
    for issue in pickup_orders.overflow(uow, fresh, points, now):
        n = int(issue.loc[1])
        out[n] = Issue("W1205", f"row {n} skipped: E2271 {issue.message}", ("row", n), issue.id)
    return out


def import_orders(p: Platform, actor: Actor, depot_id: str, day: date, filename: str, content: bytes) -> ImportReport:
    """Store the valid rows of an uploaded table for a depot and day, in one transaction; report every row. A row
    may name one of the organization's pickup points (``pickup_point_id``): checked like the API's orders, each
    problem of the row at once; rows past a point's capacity that day are skipped (E2271), first come, first
    served."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        depot = depot_of(uow.depots.require(depot_id, ("depot_id",)))
        points = {r.id: point_of(r) for r in uow.pickup_points.all()}
        table = _read(filename, content, depot, day, points, p.geocoder)
        orders = [replace(o, id=new_id("ord"), depot_id=depot_id) for o in table.orders]
        over = _over_capacity(uow, orders, table.rows, day, points, p.clock())
        kept = [(n, o) for n, o in zip(table.rows, orders, strict=True) if n not in over]
        result = insert_orders(uow, actor, [(o, day) for _, o in kept])
        uow.commit()
    skipped = sorted([*table.skipped, *over.values()], key=lambda i: int(i.loc[1]))
    report = ImportReport(skipped=skipped, warnings=list(table.warnings))
    for (row_no, order), row, created in zip(kept, result.orders, result.created, strict=True):
        item = {"row": row_no, "id": row.id, "external_ref": row.external_ref}
        (report.created if created else report.existing).append(item)
        if created:  # W1210/W1211: stored, but no message goes to that address
            report.warnings += contact_issues(order.contact, ("row", row_no), row.id)
    return report
