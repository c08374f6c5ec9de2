"""/v1/analytics: delivery KPIs of a date range (JSON and CSV), the peak-time heatmap, ETA accuracy and the
delivery zones the KPIs can be grouped by (docs/analytics.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_analytics import (
    EtaAccuracyOut,
    EtaGroupOut,
    HeatCellOut,
    HeatmapOut,
    HorizonOut,
    KpiReportOut,
    ZoneShapeOut,
    ZonesOut,
)
from doorstep.api.schemas_common import ERRORS
from doorstep.domain.analytics import GroupBy
from doorstep.domain.emissions import SOURCE
from doorstep.formats.kpis_csv import kpis_csv
from doorstep.services.analytics import eta_accuracy, kpis, zones

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], responses=ERRORS)

From = Annotated[str | None, Query(alias="from", description="first local delivery day, YYYY-MM-DD")]
To = Annotated[str | None, Query(alias="to", description="last local delivery day (inclusive); 366 days at most")]
By = Annotated[str, Query(description="day, week, depot, driver, vehicle or zone")]
EtaBy = Annotated[str | None, Query(description="day or zone: also per group (absent: the range only)")]
ZoneQ = Annotated[str | None, Query(description="one delivery zone's id, or none: the orders outside every zone")]


@router.get("/kpis", response_model=KpiReportOut, response_model_by_alias=True, summary="Delivery KPIs")
def kpi_report(
    p: PlatformDep, actor: ActorDep, first: From = None, last: To = None, group_by: By = "day"
) -> KpiReportOut:
    """KPIs per group and in total; E1480 for a bad date, E1481 for more than 366 days, E1111 for a grouping."""
    report = kpis.kpi_report(p, actor, kpis.parse_request(first, last, group_by))
    body = {"from": report.first, "to": report.last, "group_by": report.group_by.value, "series": report.series,
            "total": report.total, "co2_source": SOURCE}  # fmt: skip
    return KpiReportOut.model_validate(body)


@router.get("/kpis.csv", summary="Delivery KPIs as CSV", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})  # fmt: skip
def kpi_csv(p: PlatformDep, actor: ActorDep, first: From = None, last: To = None, group_by: By = "day") -> Response:
    """The same numbers as ``/kpis``: a row per group and a ``total`` row."""
    report = kpis.kpi_report(p, actor, kpis.parse_request(first, last, group_by))
    name = f"kpis-{report.first}-{report.last}-{report.group_by.value}.csv"
    return Response(kpis_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/heatmap", response_model=HeatmapOut, response_model_by_alias=True, summary="Peak-time heatmap")
def heatmap(p: PlatformDep, actor: ActorDep, first: From = None, last: To = None, zone: ZoneQ = None) -> HeatmapOut:
    """Attempts, failures and late deliveries by local hour and weekday of the range, of every zone or one (E1482:
    not a zone of the slot policy)."""
    req = kpis.parse_request(first, last)
    cells = kpis.heatmap(p, actor, req, kpis.check_zone(p, actor, zone))
    return HeatmapOut.model_validate(
        {"from": req.first, "to": req.last, "cells": [HeatCellOut.model_validate(c) for c in cells]}
    )


@router.get("/eta-accuracy", response_model=EtaAccuracyOut, response_model_by_alias=True, summary="ETA accuracy")
def eta_accuracy_report(
    p: PlatformDep, actor: ActorDep, first: From = None, last: To = None, group_by: EtaBy = None
) -> EtaAccuracyOut:
    """Per horizon (60, 30, 10 minutes ahead): the ETA's error against the real arrival, p50/p90 and mean; with
    ``group_by`` (day or zone; E1111 for another) the same per group."""
    req = kpis.parse_request(first, last, group_by, allowed=(GroupBy.DAY, GroupBy.ZONE))
    rows = eta_accuracy.eta_accuracy(p, actor, req)
    series = None
    if group_by is not None:
        series = [EtaGroupOut.model_validate(g) for g in eta_accuracy.eta_accuracy_by(p, actor, req)]
    return EtaAccuracyOut.model_validate({
        "from": req.first, "to": req.last, "horizons": [HorizonOut.model_validate(h) for h in rows],
        "group_by": group_by, "series": series,
    })  # fmt: skip


@router.get("/zones", response_model=ZonesOut, summary="Delivery zones")
def zone_list(p: PlatformDep, actor: ActorDep) -> ZonesOut:
    """The delivery zones of the slot policy (KPIs by zone group orders by them), shaped for a map."""
    return ZonesOut(zones=[ZoneShapeOut.model_validate(z) for z in zones.zone_shapes(p, actor)])
