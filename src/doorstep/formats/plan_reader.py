"""Reading plan.json back (for `doorstep check`), tolerant of hand edits, strict about malformed values.

Missing times default to the previous stop's departure (the vehicle's shift start for the first), missing
locations to the order's or depot's place, missing numbers to zero: the checker recomputes what matters.
Every malformed value is an E1120 issue whose message starts with its path,
e.g. ``plan.routes[0].stops[2].arrival``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from doorstep.domain.errors import CODES, DoorstepError, Issue
from doorstep.domain.fleet import Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import new_id
from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.plan import Plan, PlanStats, Route, ScheduledStop, StopType, Unassigned, UnassignedReason
from doorstep.domain.problem import Problem
from doorstep.formats.doorstep_json import problem_from_dict
from doorstep.formats.plan_common import depot_zone

Loc = tuple[str | int, ...]


def _path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Reader:
    """Collects every E1120 issue so a bad file is reported in one go."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def fail(self, loc: Loc, message: str) -> None:
        self.issues.append(Issue("E1120", f"{_path(loc)}: {message}", loc))

    def obj(self, value: Any, loc: Loc) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.fail(loc, f"expected an object, got {type(value).__name__}")
        return None

    def items(self, value: Any, loc: Loc) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.fail(loc, f"expected a list, got {type(value).__name__}")
        return []

    def integer(self, data: dict[str, Any], key: str, loc: Loc, default: int = 0) -> int:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail((*loc, key), f"expected a number, got {value!r}")
            return default
        return round(value)

    def text(self, data: dict[str, Any], key: str, loc: Loc, default: str = "") -> str:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail((*loc, key), f"expected a string, got {value!r}")
            return default
        return value

    def when(self, data: dict[str, Any], key: str, loc: Loc, day: datetime, tz: tzinfo) -> datetime | None:
        """ISO-8601 with offset; a naive date-time or a bare HH:MM is read in the depot's zone on ``day``."""
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                if len(value) <= 8 and ":" in value:
                    return datetime.combine(day.astimezone(tz).date(), time.fromisoformat(value), tz)
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
        self.fail((*loc, key), f"not an ISO-8601 date-time or HH:MM: {value!r}")
        return None

    def latlng(self, data: dict[str, Any], key: str, loc: Loc) -> LatLng | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, dict):
            lat, lng = value.get("lat"), value.get("lng")
            if all(isinstance(x, int | float) and not isinstance(x, bool) for x in (lat, lng)):
                return LatLng(float(lat), float(lng))  # type: ignore[arg-type]
        self.fail((*loc, key), f'expected {{"lat": ..., "lng": ...}}, got {value!r}')
        return None

    def load(self, data: dict[str, Any], loc: Loc) -> dict[str, int]:
        value = data.get("load_after")
        if value is None:
            return {}
        if isinstance(value, dict) and all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
            return {str(k): int(v) for k, v in value.items()}
        self.fail((*loc, "load_after"), f"expected an object of integer amounts, got {value!r}")
        return {}


def _stop_type(r: _Reader, data: dict[str, Any], order: Order | None, seen: set[str], loc: Loc) -> StopType | None:
    raw = data.get("type")
    if raw is not None:
        try:
            return StopType(raw)
        except ValueError:
            allowed = ", ".join(t.value for t in StopType)
            r.fail((*loc, "type"), f"unknown stop type {raw!r}; allowed: {allowed}")
            return None
    if order is None:
        r.fail(loc, "a stop needs a type or an order_id")
        return None
    if order.kind is OrderKind.PAIRED:
        return StopType.PAIRED_DELIVERY if order.id in seen else StopType.PAIRED_PICKUP
    return StopType.PICKUP if order.is_pickup_like else StopType.DELIVERY


def _default_place(
    kind: StopType, order: Order | None, vehicle: Vehicle, problem: Problem, prev: LatLng | None
) -> LatLng | None:
    if kind is StopType.PAIRED_PICKUP and order is not None and order.pickup is not None:
        return order.pickup.location
    if order is not None:
        return order.location
    depot_id = vehicle.end_depot if kind is StopType.END else vehicle.start_depot_id
    depot = next((d for d in problem.depots if d.id == depot_id), None)
    if kind in (StopType.START, StopType.END) or prev is None:
        return depot.location if depot is not None else prev
    return prev


class _StopBuilder:
    """Reads a route's stops in order, carrying the previous stop forward for defaults."""

    def __init__(self, r: _Reader, problem: Problem, vehicle: Vehicle, tz: tzinfo) -> None:
        self.r, self.problem, self.vehicle, self.tz = r, problem, vehicle, tz
        self.clock = vehicle.shift_start
        self.place: LatLng | None = None
        self.seen: set[str] = set()

    def order(self, data: dict[str, Any], loc: Loc) -> Order | None:
        oid = data.get("order_id")
        if oid is None:
            return None
        try:
            return self.problem.order(str(oid))
        except KeyError:
            self.r.fail((*loc, "order_id"), f"unknown order {oid!r} (not in the plan's problem)")
            return None

    def stop(self, data: dict[str, Any], loc: Loc) -> ScheduledStop | None:
        r, day = self.r, self.vehicle.shift_start
        order = self.order(data, loc)
        kind = _stop_type(r, data, order, self.seen, loc)
        place = r.latlng(data, "location", loc) or _default_place(
            kind or StopType.DELIVERY, order, self.vehicle, self.problem, self.place
        )
        if order is not None:
            self.seen.add(order.id)
        default_service = 0 if order is None else order.service_s
        if kind is StopType.PAIRED_PICKUP and order is not None and order.pickup is not None:
            default_service = order.pickup.service_s
        service = r.integer(data, "service_s", loc, default_service)
        arrival = r.when(data, "arrival", loc, day, self.tz) or self.clock
        start = r.when(data, "start", loc, day, self.tz) or arrival
        departure = r.when(data, "departure", loc, day, self.tz) or start + timedelta(seconds=service)
        if kind is None or place is None:
            return None
        self.clock, self.place = departure, place
        return ScheduledStop(
            type=kind, location=place, arrival=arrival, start=start, departure=departure,
            order_id=None if order is None else order.id,
            external_ref=r.text(data, "external_ref", loc, "" if order is None else order.external_ref),
            address=r.text(data, "address", loc, "" if order is None else order.address),
            place_label=r.text(data, "place_label", loc),
            window_start=r.when(data, "window_start", loc, day, self.tz),
            window_end=r.when(data, "window_end", loc, day, self.tz),
            waiting_s=r.integer(data, "waiting_s", loc), service_s=service, load_after=r.load(data, loc),
            travel_s=r.integer(data, "travel_s", loc), travel_m=r.integer(data, "travel_m", loc),
            distance_so_far_m=r.integer(data, "distance_so_far_m", loc),
            duration_so_far_s=r.integer(data, "duration_so_far_s", loc),
            depot_id=data.get("depot_id") if isinstance(data.get("depot_id"), str) else None,
            dock=_dock(data.get("dock")),
        )  # fmt: skip


def _dock(value: object) -> int | None:
    """A start or reload stop's loading dock (a positive whole number), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _route(r: _Reader, problem: Problem, data: dict[str, Any], k: int) -> Route | None:
    loc: Loc = ("plan", "routes", k)
    vid = data.get("vehicle_id")
    try:
        vehicle = problem.vehicle(str(vid))
    except KeyError:
        r.fail((*loc, "vehicle_id"), f"unknown vehicle {vid!r} (not in the plan's problem)")
        return None
    tz = depot_zone(problem, vehicle.start_depot_id)
    builder = _StopBuilder(r, problem, vehicle, tz)
    stops: list[ScheduledStop] = []
    for i, raw in enumerate(r.items(data.get("stops"), (*loc, "stops"))):
        obj = r.obj(raw, (*loc, "stops", i))
        stop = None if obj is None else builder.stop(obj, (*loc, "stops", i))
        if stop is not None:
            stops.append(stop)
    return Route(
        id=r.text(data, "id", loc, f"rte_{k + 1}"),
        vehicle_id=vehicle.id,
        vehicle_name=r.text(data, "vehicle_name", loc, vehicle.name),
        start_depot_id=r.text(data, "start_depot_id", loc, vehicle.start_depot_id),
        stops=stops,
        **{f: r.integer(data, f, loc) for f in ("distance_m", "duration_s", "driving_s", "waiting_s", "service_s")},
        cost_cents=r.integer(data, "cost_cents", loc),
        trips=r.integer(data, "trips", loc, 1),
        co2_g=_grams(r, data, loc),
    )


def _unassigned(r: _Reader, problem: Problem, data: dict[str, Any], k: int) -> Unassigned | None:
    loc: Loc = ("plan", "unassigned", k)
    oid = r.text(data, "order_id", loc)
    reason_raw = data.get("reason")
    try:
        order = problem.order(oid)
        reason = UnassignedReason(str(reason_raw))
    except KeyError:
        r.fail((*loc, "order_id"), f"unknown order {oid!r} (not in the plan's problem)")
        return None
    except ValueError:
        allowed = ", ".join(x.value for x in UnassignedReason)
        r.fail((*loc, "reason"), f"unknown reason {reason_raw!r}; allowed: {allowed}")
        return None
    return Unassigned(
        order_id=order.id,
        external_ref=r.text(data, "external_ref", loc, order.external_ref),
        reason=reason,
        message=r.text(data, "message", loc),
        action=r.text(data, "action", loc),
    )


def _warning(r: _Reader, data: dict[str, Any], k: int) -> Issue | None:
    loc: Loc = ("plan", "warnings", k)
    code = r.text(data, "code", loc)
    if code not in CODES:
        r.fail((*loc, "code"), f"unknown code {code!r}")
        return None
    raw_loc = data.get("loc") or []
    where = tuple(x for x in raw_loc if isinstance(x, str | int)) if isinstance(raw_loc, list) else ()
    oid = data.get("id")
    return Issue(code, r.text(data, "message", loc), where, oid if isinstance(oid, str) else None)


def _stats(r: _Reader, data: dict[str, Any]) -> PlanStats:
    stats = PlanStats()
    for name, default in ((f, getattr(stats, f)) for f in PlanStats.__dataclass_fields__):
        value = data.get(name)
        if value is None:
            continue
        if isinstance(default, str) and isinstance(value, str):
            setattr(stats, name, value)
        elif isinstance(default, int | float) and isinstance(value, int | float) and not isinstance(value, bool):
            setattr(stats, name, type(default)(value))
        else:
            r.fail(("plan", "stats", name), f"unexpected value {value!r}")
    stats.co2_g = _grams(r, data, ("plan", "stats"))
    return stats


def _grams(r: _Reader, data: dict[str, Any], loc: Loc) -> int:
    """``co2_kg`` (missing: 0) as whole grams."""
    value = data.get("co2_kg")
    if value is None:
        return 0
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return round(value * 1000)
    r.fail((*loc, "co2_kg"), f"unexpected value {value!r}")
    return 0


def _problem(data: dict[str, Any], trusted: bool = False) -> Problem:
    raw = data.get("problem")
    if not isinstance(raw, dict):
        raise DoorstepError([Issue("E1120", "problem: missing; a plan file must embed its problem", ("problem",))])
    try:
        return problem_from_dict(raw, trusted=trusted)
    except DoorstepError as exc:
        moved = [Issue(i.code, i.message, ("problem", *i.loc), i.id, i.action) for i in exc.issues]
        raise DoorstepError(moved, exc.warnings) from None


def _list_of(r: _Reader, body: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for k, raw in enumerate(r.items(body.get(key), ("plan", key))):
        obj = r.obj(raw, ("plan", key, k))
        if obj is not None:
            out.append((k, obj))
    return out


def plan_from_dict(data: Any, *, trusted: bool = False) -> tuple[Plan, Problem, dict[str, Any]]:
    """Rebuild (plan, problem, options) from a plan.json document; raise E1120 issues naming each bad path.
    ``trusted``: a document Doorstep stored itself, so its problem skips the JSON Schema pass (values are checked)."""
    if not isinstance(data, dict):
        raise DoorstepError([Issue("E1120", "the plan file must hold a JSON object", ())])
    fmt = data.get("doorstep")
    if fmt is not None and fmt != "plan/1":
        raise DoorstepError(
            [Issue("E1120", f"doorstep: {fmt!r} is not a plan file (expected 'plan/1')", ("doorstep",))]
        )
    problem = _problem(data, trusted)
    r = _Reader()
    body = r.obj(data.get("plan"), ("plan",)) or {}
    routes = [_route(r, problem, obj, k) for k, obj in _list_of(r, body, "routes")]
    unassigned = [_unassigned(r, problem, obj, k) for k, obj in _list_of(r, body, "unassigned")]
    warnings = [_warning(r, obj, k) for k, obj in _list_of(r, body, "warnings")]
    stats = _stats(r, r.obj(body.get("stats") or {}, ("plan", "stats")) or {})
    created = r.when(body, "created_at", ("plan",), datetime.now(UTC), UTC) or datetime.now(UTC)
    options = data.get("options") or {}
    if not isinstance(options, dict):
        r.fail(("options",), f"expected an object, got {type(options).__name__}")
    if r.issues:
        raise DoorstepError(r.issues)
    plan = Plan(
        id=r.text(body, "id", ("plan",)) or new_id("pln"),
        created_at=created,
        routes=[x for x in routes if x is not None],
        unassigned=[x for x in unassigned if x is not None],
        warnings=[x for x in warnings if x is not None],
        stats=stats,
    )
    return plan, problem, dict(options)
