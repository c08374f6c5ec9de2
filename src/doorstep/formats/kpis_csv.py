"""The KPI report as CSV (``GET /v1/analytics/kpis.csv``): one row per group and a last ``total`` row, the same
numbers as the JSON answer, nested figures flattened (``utilisation_capacity``, ``failed_not_home``, ...)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any

from doorstep.domain.analytics import KpiFigures, KpiReport
from doorstep.domain.failures import FailureReason
from doorstep.formats.cell_safety import safe_cell

NESTED = ("cost_basis", "utilisation", "planned_vs_actual", "rating_distribution")


def flat(k: KpiFigures) -> dict[str, Any]:
    """One group's figures as flat columns: nested groups prefixed with their name, a column per failure
    reason of the catalogue (and any other reason found), nulls as empty cells."""
    out: dict[str, Any] = {}
    for name, value in asdict(k).items():
        if name == "failed_by_reason":
            reasons = [r.value for r in FailureReason] + sorted(set(value) - {r.value for r in FailureReason})
            out |= {f"failed_{r}": value.get(r, 0) for r in reasons}
        elif name in NESTED:
            out |= {f"{name}_{sub}": v for sub, v in value.items()}
        else:
            out[name] = value
    return out


def kpis_csv(report: KpiReport) -> str:
    """The report as CSV text (UTF-8, header row first)."""
    rows = [{"group_by": report.group_by.value, "key": g.key or "", "label": g.label, **flat(g.kpis)}
            for g in report.series]  # fmt: skip
    rows.append({"group_by": report.group_by.value, "key": "total", "label": "total", **flat(report.total)})
    header: list[str] = []
    for row in rows:
        header += [c for c in row if c not in header]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, restval=0, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _cell(v) for c, v in row.items()})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return safe_cell(value) if isinstance(value, str) else value
