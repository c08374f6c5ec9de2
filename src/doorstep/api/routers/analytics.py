"""/v1/analytics: delivery KPIs of a date range (JSON and CSV) and the peak-time heatmap (docs/analytics.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_analytics import EtaAccuracyOut, HeatCellOut, HeatmapOut, HorizonOut, KpiReportOut
from doorstep.api.schemas_common import ERRORS
from doorstep.domain.emissions import SOURCE
from doorstep.formats.kpis_csv import kpis_csv
from doorstep.services.analytics import eta_accuracy, kpis

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], responses=ERRORS)

From = Annotated[str | None, Query(alias="from", description="first local delivery day, YYYY-MM-DD")]
To = Annotated[str | None, Query(alias="to", description="last local delivery day (inclusive); 366 days at most")]
By = Annotated[str, Query(description="day, week, depot, driver or vehicle")]


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
def heatmap(p: PlatformDep, actor: ActorDep, first: From = None, last: To = None) -> HeatmapOut:
    """Attempts, failures and late deliveries by local hour and weekday of the range."""
    req = kpis.parse_request(first, last)
    cells = kpis.heatmap(p, actor, req)
    return HeatmapOut.model_validate(
        {"from": req.first, "to": req.last, "cells": [HeatCellOut.model_validate(c) for c in cells]}
    )


@router.get("/eta-accuracy", response_model=EtaAccuracyOut, response_model_by_alias=True, summary="ETA accuracy")
def eta_accuracy_report(p: PlatformDep, actor: ActorDep, first: From = None, last: To = None) -> EtaAccuracyOut:
    """Per horizon (60, 30, 10 minutes ahead): the ETA's error against the real arrival, p50/p90 and mean."""
    req = kpis.parse_request(first, last)
    rows = eta_accuracy.eta_accuracy(p, actor, req)
    return EtaAccuracyOut.model_validate(
        {"from": req.first, "to": req.last, "horizons": [HorizonOut.model_validate(h) for h in rows]}
    )
