"""/v1/plans (jobs, publish, manual edits) and /v1/routes (assign, lock, dispatch; drivers read their own)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.idempotent import IdemKey, PrintDep, respond_once
from doorstep.api.schemas_carriers import CarrierOfferOut
from doorstep.api.schemas_common import ERRORS, DayParam, ErrorDetail, IssueOut
from doorstep.api.schemas_plans import (
    AssignIn,
    CompareOut,
    EditOut,
    LockIn,
    MoveIn,
    MoveSave,
    PlanIn,
    PlanOut,
    PlanSummary,
    RouteOut,
    RoutePathOut,
    UnassignedOut,
    VersionIn,
)
from doorstep.api.schemas_transfers import DepotLoadOut
from doorstep.services.dispatch import route_roads, routes
from doorstep.services.planning import plan_compare, plans, route_edits

router = APIRouter(tags=["plans"], responses=ERRORS)


def plan_out(row: Any, route_rows: list[Any]) -> PlanOut:
    """A plan version with its result's stats, unassigned orders and warnings, and its route rows."""
    body = (row.result or {}).get("plan", {})
    out = PlanOut.model_validate(row)
    out.stats = body.get("stats")
    out.unassigned = [UnassignedOut.model_validate(u) for u in body.get("unassigned", [])]
    out.warnings = [ErrorDetail.model_validate(w) for w in body.get("warnings", [])]
    out.routes = [RouteOut.model_validate(r) for r in route_rows]
    out.kept_routes = body.get("kept_routes", [])
    out.carrier_offers = [CarrierOfferOut.model_validate(o) for o in body.get("carrier_offers", [])]
    out.depots = [DepotLoadOut.model_validate(d) for d in body.get("depots", [])]
    return out


@router.post("/v1/plans", response_model=PlanOut, status_code=202, summary="Start a planning job")
def start_plan(body: PlanIn, p: PlatformDep, actor: ActorDep, print_: PrintDep, key: IdemKey = None) -> JSONResponse:
    """Queue a new plan version for the depot and day; 409 E2003 while another job for them is active."""

    def run() -> tuple[int, dict[str, Any]]:
        options = body.options.model_dump(exclude_none=True)
        row = plans.start_plan(p, actor, body.depot_id, body.date, options)
        fresh, route_rows = plans.get_plan(p, actor, row.id)
        return 202, plan_out(fresh, route_rows).model_dump(mode="json")

    return respond_once(p, actor, key, print_, run)


@router.get("/v1/plans", response_model=list[PlanSummary], summary="List plan versions")
def list_plans(
    p: PlatformDep,
    actor: ActorDep,
    depot_id: Annotated[str | None, Query(max_length=64)] = None,
    date: Annotated[DayParam | None, Query()] = None,
) -> list[PlanSummary]:
    """Plan versions, newest version first for each depot and day."""
    return [PlanSummary.model_validate(r) for r in plans.list_plans(p, actor, depot_id, date)]


@router.get("/v1/plans/{plan_id}", response_model=PlanOut, summary="A plan: status, progress, result")
def get_plan(plan_id: str, p: PlatformDep, actor: ActorDep) -> PlanOut:
    """Status and progress while running; routes, unassigned orders with reasons and stats once done."""
    return plan_out(*plans.get_plan(p, actor, plan_id))


@router.post("/v1/plans/{plan_id}/retry", response_model=PlanSummary, status_code=202, summary="Retry a failed job")
def retry_plan(plan_id: str, p: PlatformDep, actor: ActorDep) -> PlanSummary:
    """Queue a failed plan job again."""
    return PlanSummary.model_validate(plans.retry_plan(p, actor, plan_id))


@router.post("/v1/plans/{plan_id}/cancel", response_model=PlanSummary, summary="Cancel a queued or running job")
def cancel_plan(plan_id: str, p: PlatformDep, actor: ActorDep) -> PlanSummary:
    """The job ends failed (E2150 in its error; retry queues it again) and its depot and day are free at once;
    409 E2151 when the job has already finished."""
    return PlanSummary.model_validate(plans.cancel_plan(p, actor, plan_id))


@router.get("/v1/plans/{plan_id}/compare", response_model=CompareOut, summary="Compare with another plan")
def compare_plan(
    plan_id: str,
    p: PlatformDep,
    actor: ActorDep,
    with_: Annotated[str | None, Query(alias="with", max_length=64)] = None,
) -> CompareOut:
    """The plan against ``with`` or, by default, the published plan of its depot and day (409 E2190 when there is
    none): routes kept by a re-plan count on both sides."""
    other_id, result = plan_compare.compare_plans(p, actor, plan_id, with_)
    return CompareOut.model_validate({"plan_id": plan_id, "with_plan_id": other_id, **result.to_dict()})


@router.post("/v1/plans/{plan_id}/publish", response_model=PlanSummary, summary="Publish a plan version")
def publish_plan(plan_id: str, p: PlatformDep, actor: ActorDep) -> PlanSummary:
    """This version becomes the day's plan; dispatched and locked routes of older versions stay in force."""
    return PlanSummary.model_validate(plans.publish_plan(p, actor, plan_id))


def _edit_out(res: route_edits.EditResult) -> EditOut:
    return EditOut.model_validate({"routes": res.routes, "violations": res.violations})


@router.post("/v1/plans/{plan_id}/edits/preview", response_model=EditOut, summary="Preview moving a stop")
def preview_edit(plan_id: str, body: MoveIn, p: PlatformDep, actor: ActorDep) -> EditOut:
    """The touched routes with new ETAs and the checker's violations; nothing is saved."""
    move = route_edits.Move(body.order_id, body.route_id, body.position)
    return _edit_out(route_edits.preview_move(p, actor, plan_id, move))


@router.post("/v1/plans/{plan_id}/edits", response_model=EditOut, summary="Move a stop")
def save_edit(plan_id: str, body: MoveSave, p: PlatformDep, actor: ActorDep) -> EditOut:
    """Save the move when the touched routes are at the given versions (409 E2002 otherwise)."""
    move = route_edits.Move(body.order_id, body.route_id, body.position)
    return _edit_out(route_edits.save_move(p, actor, plan_id, move, body.versions))


@router.get("/v1/routes/mine", response_model=list[RouteOut], tags=["routes"], summary="My routes (drivers)")
def my_routes(p: PlatformDep, actor: ActorDep) -> list[RouteOut]:
    """The calling driver's published and dispatched routes."""
    return [RouteOut.model_validate(r) for r in routes.my_routes(p, actor)]


@router.get("/v1/routes/{route_id}", response_model=RouteOut, tags=["routes"], summary="A route")
def get_route(route_id: str, p: PlatformDep, actor: ActorDep) -> RouteOut:
    """The route with its stops; drivers get 404 for routes that are not theirs."""
    return RouteOut.model_validate(routes.get_route(p, actor, route_id))


@router.get(
    "/v1/routes/{route_id}/path", response_model=RoutePathOut, tags=["routes"], summary="The roads a route follows"
)
def route_path(route_id: str, p: PlatformDep, actor: ActorDep) -> RoutePathOut:
    """Drawn by the deployment's road network (409 E2141 without one: draw straight lines; 409 E2142 when the
    network joins not every stop). Drivers may ask for their own routes only."""
    return RoutePathOut.model_validate(route_roads.route_path_view(p, actor, route_id))


@router.post("/v1/routes/{route_id}/assign", response_model=RouteOut, tags=["routes"], summary="Assign driver/vehicle")
def assign(route_id: str, body: AssignIn, p: PlatformDep, actor: ActorDep) -> RouteOut:
    """Set or clear the route's driver; optionally move the route to another free vehicle of the day."""
    return RouteOut.model_validate(routes.assign(p, actor, route_id, body.driver_id, body.version, body.vehicle_id))


@router.post("/v1/routes/{route_id}/lock", response_model=RouteOut, tags=["routes"], summary="Lock or unlock")
def lock(route_id: str, body: LockIn, p: PlatformDep, actor: ActorDep) -> RouteOut:
    """A locked route is not edited by hand nor replaced by a re-plan."""
    return RouteOut.model_validate(routes.set_lock(p, actor, route_id, body.locked, body.version))


@router.post("/v1/routes/{route_id}/dispatch", response_model=RouteOut, tags=["routes"], summary="Dispatch")
def dispatch(route_id: str, body: VersionIn, p: PlatformDep, actor: ActorDep) -> RouteOut:
    """Send a published route to its driver; its orders become dispatched (with W1413 when it has no driver)."""
    row = routes.dispatch(p, actor, route_id, body.version)
    out = RouteOut.model_validate(row)
    out.warnings = [IssueOut.model_validate(w.to_dict()) for w in routes.dispatch_warnings(row)]
    return out
