"""/v1/orders: create (one, bulk, file upload), list, get, update, cancel, timeline, customer messages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.idempotent import IdemKey, PrintDep, respond_once
from doorstep.api.schemas_common import ERRORS, DayParam, Page
from doorstep.api.schemas_order_detail import CancelPreviewOut
from doorstep.api.schemas_orders import (
    BulkIn,
    BulkOut,
    EventOut,
    ImportReportOut,
    MessageOut,
    OrderCreated,
    OrderIn,
    OrderOut,
    OrderUpdate,
)
from doorstep.services.customer import notify_send
from doorstep.services.kernel.actor_names import actor_names
from doorstep.services.operations import order_cancel
from doorstep.services.orders import order_import, orders

router = APIRouter(prefix="/v1/orders", tags=["orders"], responses=ERRORS)


def _out(row: Any) -> dict[str, Any]:
    return OrderOut.model_validate(row).model_dump(mode="json")


@router.post("", response_model=OrderCreated, status_code=201, summary="Create an order")
def create_order(body: OrderIn, p: PlatformDep, actor: ActorDep, print_: PrintDep, key: IdemKey = None) -> JSONResponse:
    """201 with the new order; 200 with the stored one when its external_ref already exists; ``warnings`` (W1209
    for coordinates that look swapped) do not stop the order."""

    def create() -> tuple[int, dict[str, Any]]:
        res = orders.create_orders(p, actor, [body.to_data()])
        out = {**_out(res.orders[0]), "warnings": [w.to_dict() for w in res.warnings]}
        return (201 if res.created[0] else 200), out

    return respond_once(p, actor, key, print_, create)


@router.post("/bulk", response_model=BulkOut, status_code=201, summary="Create up to 1,000 orders")
def create_bulk(body: BulkIn, p: PlatformDep, actor: ActorDep, print_: PrintDep, key: IdemKey = None) -> JSONResponse:
    """All or none: any invalid order rejects the request with every problem located by item index."""

    def create() -> tuple[int, dict[str, Any]]:
        res = orders.create_orders(p, actor, [o.to_data() for o in body.orders])
        warnings = [w.to_dict() for w in res.warnings]
        return 201, {"orders": [_out(r) for r in res.orders], "created": res.created, "warnings": warnings}

    return respond_once(p, actor, key, print_, create)


@router.post("/import", response_model=ImportReportOut, summary="Upload a CSV or XLSX file of orders")
async def import_file(
    p: PlatformDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX; columns as in docs/input-formats.md")],
    depot_id: Annotated[str, Form(max_length=64)],
    date: Annotated[DayParam, Form()],
) -> ImportReportOut:
    """Valid rows are stored; each bad row is reported with all its problems (W1205) and nothing else is lost."""
    content = await file.read()
    report = await run_in_threadpool(
        order_import.import_orders, p, actor, depot_id, date, file.filename or "upload.csv", content
    )
    return ImportReportOut.model_validate(
        {
            "created": report.created,
            "existing": report.existing,
            "skipped": [i.to_dict() for i in report.skipped],
            "warnings": [i.to_dict() for i in report.warnings],
        }
    )


@router.get("", response_model=Page[OrderOut], summary="List orders")
def list_orders(
    p: PlatformDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    date: Annotated[DayParam | None, Query()] = None,
    depot_id: Annotated[str | None, Query(max_length=64)] = None,
    external_ref: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="words in the reference, address or customer name (all)")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[OrderOut]:
    """Orders in creation order, filtered; one SQL query per page."""
    filters = orders.OrderFilters(status=status, day=date, depot_id=depot_id, external_ref=external_ref, text=q)
    rows, nxt = orders.list_orders(p, actor, filters, cursor, limit)
    return Page[OrderOut](items=[OrderOut.model_validate(r) for r in rows], next_cursor=nxt)


@router.get("/{order_id}", response_model=OrderOut, summary="Get an order")
def get_order(order_id: str, p: PlatformDep, actor: ActorDep) -> OrderOut:
    """The order, or 404 (also for other organizations' ids)."""
    return OrderOut.model_validate(orders.get_order(p, actor, order_id))


@router.put("/{order_id}", response_model=OrderOut, summary="Replace an order")
def update_order(order_id: str, body: OrderUpdate, p: PlatformDep, actor: ActorDep) -> OrderOut:
    """Replace a new order's fields; 409 E2002 with the current version when ``version`` is stale."""
    return OrderOut.model_validate(orders.update_order(p, actor, order_id, body.to_data(), body.version))


@router.post("/{order_id}/cancel", response_model=OrderOut, summary="Cancel an order")
def cancel_order(order_id: str, p: PlatformDep, actor: ActorDep) -> OrderOut:
    """Cancel unless delivered or already cancelled (409 E2004)."""
    return OrderOut.model_validate(orders.cancel_order(p, actor, order_id))


@router.post("/{order_id}/cancel/preview", response_model=CancelPreviewOut, summary="What cancelling would do")
def preview_cancel(order_id: str, p: PlatformDep, actor: ActorDep) -> CancelPreviewOut:
    """The order's live route, the plan's cost change and the ETAs that move, before anything changes; on a live
    route this is a pending proposal to approve (cancel) or reject (keep). 409 E2004 when it cannot be cancelled."""
    res = order_cancel.preview_cancel(p, actor, order_id)
    summary: dict[str, Any] = res.proposal.options[0]["summary"] if res.proposal is not None else {}
    route = res.route
    return CancelPreviewOut.model_validate({
        "order_id": res.order.id, "external_ref": res.order.external_ref, "status": res.order.status,
        "currency": p.currency, "proposal_id": res.proposal.id if res.proposal is not None else None,
        "route": None if route is None else {
            "route_id": route.id, "plan_id": route.plan_id, "status": route.status, "driver_id": route.driver_id,
            "vehicle_name": route.data.get("vehicle_name") or route.vehicle_id,
        },
        "cost_delta_cents": summary.get("cost_delta_cents", 0), "vehicles": summary.get("vehicles", []),
        "moved": summary.get("affected", []),
    })  # fmt: skip


@router.get("/{order_id}/timeline", response_model=list[EventOut], summary="The order's events")
def order_timeline(order_id: str, p: PlatformDep, actor: ActorDep) -> list[EventOut]:
    """Every status change and edit of the order, oldest first, each actor also by name."""
    events = [EventOut.model_validate(e) for e in orders.timeline(p, actor, order_id)]
    names = actor_names(p, actor, [e.actor for e in events])
    return [e.model_copy(update={"actor_name": names.get(e.actor)}) for e in events]


@router.get("/{order_id}/messages", response_model=list[MessageOut], summary="Messages to the order's customer")
def order_messages(order_id: str, p: PlatformDep, actor: ActorDep) -> list[MessageOut]:
    """Every email and SMS about the order, oldest first, with its delivery status: what the customer was told."""
    return [MessageOut.model_validate(m) for m in notify_send.messages_of(p, actor, order_id)]
