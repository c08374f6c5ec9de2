"""CSV/XLSX order upload with a per-row report: good rows are stored, bad rows are listed with their problems."""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from doorstep.domain.contact import contact_issues
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
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
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.convert import depot_of
from doorstep.services.orders.orders import insert_orders


@dataclass(slots=True)
class ImportReport:
    """What happened to every data row of the file."""

    created: list[dict[str, Any]] = field(default_factory=list)  # {"row", "id", "external_ref"}
    existing: list[dict[str, Any]] = field(default_factory=list)  # same external_ref already stored
    skipped: list[Issue] = field(default_factory=list)  # one W1205 per bad row, naming each problem
    warnings: list[Issue] = field(default_factory=list)


def _read(filename: str, content: bytes, depot: Any, day: date) -> TableRead:
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload.xlsx"
            path.write_bytes(content)
            return read_orders_xlsx(path, depots=[depot], plan_date=day, skip_invalid=True)
    if suffix not in (".csv", ".tsv", ".txt"):
        raise DoorstepError([Issue("E1004", f"{filename}: upload a .csv or .xlsx file", ("file",))])
    text = decode_utf8(content, Path(filename))
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    rows = capped_rows(enumerate(csv_rows(reader, filename), start=1), filename)
    records = ((n, list[Cell](rec)) for n, rec in rows)
    return orders_from_rows(records, depots=[depot], plan_date=day, skip_invalid=True, name=filename)


def import_orders(p: Platform, actor: Actor, depot_id: str, day: date, filename: str, content: bytes) -> ImportReport:
    """Store the valid rows of an uploaded table for a depot and day, in one transaction; report every row."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        depot = depot_of(uow.depots.require(depot_id, ("depot_id",)))
        table = _read(filename, content, depot, day)
        orders = [replace(o, id=new_id("ord"), depot_id=depot_id) for o in table.orders]
        result = insert_orders(uow, actor, [(o, day) for o in orders])
        uow.commit()
    report = ImportReport(skipped=list(table.skipped), warnings=list(table.warnings))
    for row_no, order, row, created in zip(table.rows, orders, result.orders, result.created, strict=True):
        item = {"row": row_no, "id": row.id, "external_ref": row.external_ref}
        (report.created if created else report.existing).append(item)
        if created:  # W1210/W1211: stored, but no message goes to that address
            report.warnings += contact_issues(order.contact, ("row", row_no), row.id)
    return report
