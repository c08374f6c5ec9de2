"""The loading scan: before departure the driver scans every parcel into the van; each scan is checked against the
parcels the route loads (loaded, a repeat, another van's parcel, or no parcel of the day) and recorded once per
client id, like the stop actions; "done loading" records what is missing.

Scans are accepted while the route is live and none of its stops has been worked (E2300 afterwards: the van has
left; a reload is checked by hand). Every scan but a repeat is a ``load.scanned`` event of the route, every check a
``load.checked`` event, so both show in the route's timeline and reach webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.domain.items import barcode_problem
from doorstep.domain.loading import Expected, ScanOutcome, check_load, expected_items, match_code
from doorstep.domain.status import StopStatus
from doorstep.services.dispatch.route_loads import route_load_plan
from doorstep.services.driver.driver_routes import LIVE
from doorstep.services.driver.load_foreign import Owner, find_owner
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import LoadScanRow, RouteRow, StopRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

MAX_CLOCK_AHEAD = timedelta(minutes=5)  # as for stop actions: a phone's clock may run a little ahead


@dataclass(frozen=True, slots=True)
class Scan:
    """One scan or check as the phone recorded it (``code`` None: the done-loading check)."""

    client_id: str
    route_id: str
    at: datetime
    code: str | None = None


def scans_of(uow: UnitOfWork) -> Repository[LoadScanRow]:
    """The load-scan repository of the unit's organization."""
    return Repository(uow.session, LoadScanRow, uow.org_id, "load scan")


def _input_issues(s: Scan, now: datetime) -> list[Issue]:
    issues = []
    if s.at > now + MAX_CLOCK_AHEAD:
        msg = f"the scan is dated {s.at.isoformat()}, after the server's time {now.isoformat()} (+5 min)"
        issues.append(Issue("E1602", msg, ("at",)))
    bad = barcode_problem(s.code.strip()) if s.code is not None else None
    if s.code is not None and bad:
        issues.append(Issue("E1601", bad, ("code",)))
    return issues


def own_route(uow: UnitOfWork, actor: Actor, route_id: str) -> RouteRow:
    """The caller's live route (404 E1302 for another driver's, 409 E2113 when not live)."""
    row = uow.routes.get(route_id)
    if row is None or row.driver_id != actor.principal_id:
        raise DoorstepError([Issue("E1302", f"route {route_id} not found", ("route_id",), route_id)])
    if row.status not in LIVE:
        raise DoorstepError([Issue("E2113", f"route {route_id} is {row.status}", ("route_id",), route_id)])
    return row


def has_left(uow: UnitOfWork, route_id: str) -> bool:
    """Whether any stop of the route has been worked (arrived, completed or failed): the van left the depot."""
    return uow.stops.first(StopRow.route_id == route_id, StopRow.status != StopStatus.PENDING.value) is not None


def loaded_codes(uow: UnitOfWork, route_id: str) -> list[str]:
    """The codes of the route's scans that loaded an item, in the order they came."""
    rows = scans_of(uow).all(LoadScanRow.route_id == route_id, LoadScanRow.outcome == ScanOutcome.LOADED.value)
    return [r.code for r in sorted(rows, key=lambda r: (r.at, r.created_at, r.id))]


def _message(outcome: ScanOutcome, code: str, hit: Expected | None, owner: Owner | None, n: int, m: int) -> str:
    if hit is not None:
        return f"{hit.parcel.external_ref} (stop {hit.parcel.stop_no}) loaded: {n}/{m}"
    if outcome is ScanOutcome.DUPLICATE:
        return f"{code} was scanned already: ignored"
    if owner is not None:
        return f"{code} is {owner.external_ref} of {owner.vehicle}: not this van, take it to {owner.vehicle}"
    return f"{code} is on no parcel of today's routes"


def _scan(p: Platform, uow: UnitOfWork, actor: Actor, route: RouteRow, s: Scan, code: str) -> dict[str, Any]:
    expected = expected_items(route_load_plan(uow, route))
    before = loaded_codes(uow, route.id)
    hit = match_code(code, expected, before)
    owner = None
    if hit is not None:
        outcome = ScanOutcome.LOADED
    elif any(e.code == code for e in expected):
        outcome = ScanOutcome.DUPLICATE
    else:
        owner = find_owner(uow, route, code)
        outcome = ScanOutcome.FOREIGN if owner is not None else ScanOutcome.UNKNOWN
    n = len(before) + (1 if hit is not None else 0)
    result: dict[str, Any] = {
        "id": new_id("lsc"), "client_id": s.client_id, "route_id": route.id, "code": code, "outcome": outcome.value,
        "order_id": hit.parcel.order_id if hit else (owner.order_id if owner else None),
        "external_ref": hit.parcel.external_ref if hit else (owner.external_ref if owner else None),
        "stop_no": hit.parcel.stop_no if hit else None,
        "right_route_id": owner.route_id if owner else None, "right_vehicle": owner.vehicle if owner else None,
        "message": _message(outcome, code, hit, owner, n, len(expected)), "at": s.at.isoformat(), "loaded": n,
        "expected": len(expected), "replayed": False,
    }  # fmt: skip
    _store(uow, route, s, "scan", code, outcome.value, result)
    if outcome is not ScanOutcome.DUPLICATE:
        data = {k: result[k] for k in ("code", "outcome", "order_id", "external_ref", "right_route_id",
                                       "right_vehicle", "loaded", "expected", "at")}  # fmt: skip
        EventRecorder(uow, actor.label).record("load.scanned", route.id, data={**data, "driver_id": route.driver_id})
    return result


def _store(
    uow: UnitOfWork, route: RouteRow, s: Scan, kind: str, code: str, outcome: str, result: dict[str, Any]
) -> None:
    scans_of(uow).add(
        LoadScanRow(
            id=result["id"], client_id=s.client_id, route_id=route.id, driver_id=route.driver_id, kind=kind,
            code=code, outcome=outcome, order_id=result.get("order_id"), at=s.at, result=result,
        )
    )  # fmt: skip


def item_view(e: Expected, loaded: bool) -> dict[str, Any]:
    """One expected item as the app lists it."""
    p = e.parcel
    return {"code": e.code, "order_id": p.order_id, "external_ref": p.external_ref, "stop_no": p.stop_no,
            "trip": p.trip, "loaded": loaded}  # fmt: skip


def _check(p: Platform, uow: UnitOfWork, actor: Actor, route: RouteRow, s: Scan) -> dict[str, Any]:
    expected = expected_items(route_load_plan(uow, route))
    state = check_load(expected, loaded_codes(uow, route.id))
    rows = scans_of(uow).all(LoadScanRow.route_id == route.id, LoadScanRow.kind == "scan")
    odd = sorted(rows, key=lambda r: (r.at, r.created_at))
    result: dict[str, Any] = {
        "id": new_id("lsc"), "client_id": s.client_id, "route_id": route.id, "at": s.at.isoformat(),
        "loaded": len(state.loaded), "expected": len(expected),
        "missing": [item_view(e, False) for e in state.missing],
        "foreign": [r.code for r in odd if r.outcome == ScanOutcome.FOREIGN.value],
        "unknown": [r.code for r in odd if r.outcome == ScanOutcome.UNKNOWN.value], "replayed": False,
    }  # fmt: skip
    _store(uow, route, s, "check", "", "checked", result)
    data = {k: result[k] for k in ("loaded", "expected", "missing", "foreign", "unknown", "at")}
    EventRecorder(uow, actor.label).record("load.checked", route.id, data={**data, "driver_id": route.driver_id})
    return result


def _replay(row: LoadScanRow, s: Scan) -> dict[str, Any]:
    same_code = (s.code or "").strip() == row.code
    if row.route_id != s.route_id or (row.kind == "scan") != (s.code is not None) or not same_code:
        msg = f"client id {s.client_id} was used for another scan ({row.kind} on {row.route_id})"
        raise DoorstepError([Issue("E2301", msg, ("client_id",), s.client_id)])
    return {**row.result, "replayed": True}


def record_scan(p: Platform, actor: Actor, s: Scan) -> dict[str, Any]:
    """Record a scan (``s.code``) or the done-loading check (no code) once; a repeated client id replays."""
    actor.require(Permission.OWN_ROUTES)
    issues = _input_issues(s, p.clock())
    if issues:
        raise DoorstepError(issues)
    try:
        with p.uow(actor) as uow:
            seen = scans_of(uow).first(LoadScanRow.client_id == s.client_id)
            if seen is not None:
                return _replay(seen, s)
            route = own_route(uow, actor, s.route_id)
            if has_left(uow, route.id):
                msg = f"route {route.id} has left the depot (a stop was worked): loading scans are closed"
                raise DoorstepError([Issue("E2300", msg, ("route_id",), route.id)])
            if s.code is None:
                result = _check(p, uow, actor, route, s)
            else:
                result = _scan(p, uow, actor, route, s, s.code.strip())
            uow.commit()
    except (IntegrityError, DoorstepError):  # lost a race, maybe to a copy of this very scan: then replay it
        with p.uow(actor) as uow:
            seen = scans_of(uow).first(LoadScanRow.client_id == s.client_id)
        if seen is None:
            raise
        return _replay(seen, s)
    return result


def load_state(p: Platform, actor: Actor, route_id: str) -> dict[str, Any]:
    """The van being loaded as the app shows it: expected items with their state, and every scan so far."""
    actor.require(Permission.OWN_ROUTES)
    with p.uow(actor) as uow:
        route = own_route(uow, actor, route_id)
        plan = route_load_plan(uow, route)
        expected = expected_items(plan)
        state = check_load(expected, loaded_codes(uow, route.id))
        done = {id(e) for e in state.loaded}
        rows = scans_of(uow).all(LoadScanRow.route_id == route.id, LoadScanRow.kind == "scan")
        return {
            "route_id": route.id, "vehicle": plan.vehicle, "open": not has_left(uow, route.id),
            "expected": len(expected), "loaded": len(state.loaded),
            "items": [item_view(e, id(e) in done) for e in expected],
            "no_barcode": [x.external_ref for x in plan.loads if not x.barcodes],
            "scans": [r.result for r in sorted(rows, key=lambda r: (r.at, r.created_at, r.id))],
        }  # fmt: skip
