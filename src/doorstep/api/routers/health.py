"""/healthz (the process answers), /readyz (the database answers and is migrated), /metrics (Prometheus)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from doorstep.api.deps import get_actor
from doorstep.api.schemas_common import ERRORS
from doorstep.api.schemas_health import HealthOut, ReadyOut
from doorstep.services.kernel.access import Permission
from doorstep.services.kernel.health import readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness")
def healthz() -> HealthOut:
    """Always ok while the process serves requests."""
    return HealthOut(status="ok")


READY: dict[str, Any] = {"model": ReadyOut, "description": "ready"}
NOT_READY: dict[str, Any] = {"model": ReadyOut, "description": "the database does not answer or is not migrated"}


@router.get("/readyz", summary="Readiness", response_model=None, responses={200: READY, 503: NOT_READY})
def readyz(request: Request) -> JSONResponse:
    """200 when the database answers and is at the newest migration; 503 otherwise."""
    ok, body = readiness(request.app.state.engine)
    return JSONResponse(body, status_code=200 if ok else 503)


def _may_scrape(request: Request) -> None:
    """``Authorization: Bearer <DOORSTEP_METRICS_TOKEN>`` (a Prometheus ``bearer_token``), or an admin's key or
    session; E4001/E4002 otherwise (route names, volumes and error rates are not for the public)."""
    token: str | None = request.app.state.metrics_token
    sent = request.headers.get("authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return
    get_actor(request).require(Permission.MANAGE)


@router.get(
    "/metrics",
    summary="Prometheus metrics (metrics token or admin)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}, **ERRORS},
)
def metrics(request: Request) -> Response:
    """Request counts and latencies by route template, in the Prometheus text format."""
    _may_scrape(request)
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
