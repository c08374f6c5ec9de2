"""Order use cases: create (one, bulk, file import), list with filters and cursor, get, update, cancel, timeline."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError

from doorstep.domain.contact import contact_issues
from doorstep.domain.errors import DoorstepError, Issue, Severity
from doorstep.domain.fleet import Depot
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import new_id
from doorstep.domain.orders import SERVER_KEPT, Order, OrderKind
from doorstep.domain.pickup import PickupPoint, to_point
from doorstep.domain.problem import Problem
from doorstep.domain.returns import attempt_of
from doorstep.domain.status import OrderStatus, transition
from doorstep.domain.validate import validate_problem
from doorstep.formats.doorstep_json import order_to_dict
from doorstep.routing.geocoder import Geocoder, order_place
from doorstep.services.fleet.fleet_admin import check_version
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders import edit_move, pickup_orders
from doorstep.services.orders.convert import depot_of, parse_order
from doorstep.store.conflicts import ConflictError
from doorstep.store.models import EventRow, OrderRow
from doorstep.store.uow import UnitOfWork

MAX_BULK = 1000
# warnings a create answers with (the order is stored all the same)
RETURNED_WARNINGS = frozenset({"W1209", "W1210", "W1211"})
MAX_PAGE = 500
MAX_WORDS = 5  # words of a text search (each must match)


@dataclass(frozen=True, slots=True)
class OrderFilters:
    """List filters; all optional and combined with AND."""

    status: str | None = None
    day: date | None = None
    depot_id: str | None = None
    external_ref: str | None = None
    text: str | None = None  # words found in the reference, the address or the customer's name (any case)


@dataclass(slots=True)
class BulkResult:
    """Orders created now and orders that already existed (same external_ref), in request order."""

    orders: list[OrderRow] = field(default_factory=list)
    created: list[bool] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)  # accepted, but worth a look (W1209 swapped coordinates)


def _depots(uow: UnitOfWork, ids: set[str]) -> dict[str, Depot]:
    return {k: depot_of(r) for k, r in uow.depots.get_many(sorted(ids)).items()}


def _build(
    data: dict[str, Any],
    i: int,
    depots: dict[str, Depot],
    loc0: tuple[str | int, ...],
    points: dict[str, PickupPoint] | None = None,
    geocoder: Geocoder | None = None,
) -> tuple[Order, list[Issue]]:
    """The domain order of one request item and every problem with it (located under ``loc0``): errors, and the
    warnings worth returning with the stored order (swapped coordinates, an address placed on its street). An
    order to a pickup point takes the point's place and opening hours (``domain.pickup.to_point``); one with an
    address and no location is placed by the deployment's geocoder, when it has one."""
    depot = depots.get(data["depot_id"])
    if depot is None:
        dep_id = data["depot_id"]
        return _placeholder(data), [Issue("E1302", f"depot {dep_id} not found", (*loc0, "depot_id"), dep_id)]
    data = pickup_orders.prefill(data, points or {})
    issues: list[Issue] = []
    if data.get("location") is None:
        pid = data.get("pickup_point_id")
        if pid:  # a point of no (or another) organization: that is the one problem
            unknown = Issue("E1302", f"pickup point {pid} not found", (*loc0, "pickup_point_id"), pid)
            return _placeholder(data), [unknown]
        if geocoder is None or not str(data.get("address") or "").strip():
            alt = "or an address" if geocoder is not None else "(this deployment has no geocoder for an address)"
            text = f"location is required {alt} unless the order names a pickup point"
            return _placeholder(data), [Issue("E1102", text, (*loc0, "location"))]
        answer = geocoder.geocode(data["address"], near=depot.location)
        where, how, issues = order_place(answer, (*loc0, "address"), data.get("external_ref") or None)
        if where is None or how is None:
            return _placeholder(data), issues
        found = {"precision": how.precision, "label": how.label}
        data = {**data, "location": {"lat": where.lat, "lng": where.lng}, "geocoded": found}
    doc = {**data, "id": data.get("id") or new_id("ord")}
    order, rd = parse_order(doc, i, depots, data["date"])
    issues += rd.issues
    order, point_issues = to_point(order, points or {}, depot, data["date"], loc0)
    issues += point_issues
    one = Problem(depots=(depot,), vehicles=(), orders=(order,))
    for issue in validate_problem(one):
        if issue.loc[:1] == ("orders",) and (issue.severity is Severity.ERROR or issue.code in RETURNED_WARNINGS):
            issues.append(replace(issue, loc=(*loc0, *issue.loc[2:])))
    issues += contact_issues(order.contact, loc0, order.id)  # W1210/W1211: stored, but that channel stays silent
    return order, [replace(x, loc=(*loc0, *x.loc[2:])) if x.loc[:1] == ("orders",) else x for x in issues]


def _placeholder(data: dict[str, Any]) -> Order:
    return Order(
        id="ord_invalid", external_ref=data.get("external_ref", ""), kind=OrderKind.DELIVERY, location=LatLng(0, 0)
    )


def _row(order: Order, day: date) -> OrderRow:
    return OrderRow(
        id=order.id, external_ref=order.external_ref, depot_id=order.depot_id or "", day=day,
        status=OrderStatus.NEW.value, kind=order.kind.value, lat=order.location.lat, lng=order.location.lng,
        address=order.address, data=order_to_dict(order), attempt=attempt_of(order.tags),
        pickup_point_id=order.pickup_point_id,
    )  # fmt: skip


def insert_orders(uow: UnitOfWork, actor: Actor, orders: list[tuple[Order, date]]) -> BulkResult:
    """Insert new orders (existing external_refs return the stored order); records order.created events."""
    refs = [o.external_ref for o, _ in orders]
    existing = {
        r.external_ref: r
        for chunk in range(0, len(refs), 900)
        for r in uow.orders.all(OrderRow.external_ref.in_(refs[chunk : chunk + 900]))
    }
    events = EventRecorder(uow, actor.label)
    out = BulkResult()
    new_rows = []
    for order, day in orders:
        if order.external_ref in existing:
            out.orders.append(existing[order.external_ref])
            out.created.append(False)
            continue
        row = _row(order, day)
        new_rows.append(row)
        out.orders.append(row)
        out.created.append(True)
        events.record("order.created", row.id, to_status=row.status, data={"external_ref": row.external_ref})
    uow.orders.add_all(new_rows)
    return out


def create_orders(p: Platform, actor: Actor, items: list[dict[str, Any]]) -> BulkResult:
    """Create up to 1,000 orders at once: all or none (every problem reported with its item index).

    A concurrent request that stored some of the same external_refs first makes the commit fail on the unique
    constraint; the orders are then read again once, so the answer names the stored ones as sent twice would."""
    actor.require(Permission.WRITE)
    if len(items) > MAX_BULK:
        msg = f"{len(items)} orders in one request; at most {MAX_BULK}"
        raise DoorstepError([Issue("E1305", msg, ("orders",))])
    try:
        return _create_orders(p, actor, items)
    except ConflictError as exc:
        if exc.columns != ("external_ref",):
            raise
    return _create_orders(p, actor, items)


def _create_orders(p: Platform, actor: Actor, items: list[dict[str, Any]]) -> BulkResult:
    with p.uow(actor) as uow:
        depots = _depots(uow, {d["depot_id"] for d in items})
        points = pickup_orders.points_of(uow, items)
        built, issues = [], []
        located: list[tuple[Order, date, tuple[str | int, ...]]] = []
        seen: dict[str, int] = {}
        for i, data in enumerate(items):
            loc0: tuple[str | int, ...] = ("orders", i) if len(items) > 1 else ()
            order, problems = _build(data, i, depots, loc0, points, p.geocoder)
            located.append((order, data["date"], loc0))
            ref = data.get("external_ref", "")
            if ref in seen:
                problems.append(
                    Issue("E1110", f"external_ref {ref!r} repeats item {seen[ref]}", (*loc0, "external_ref"))
                )
            seen.setdefault(ref, i)
            issues += problems
            built.append((order, data["date"]))
        fresh = _not_stored(uow, located)
        issues += pickup_orders.capacity_issues(uow, fresh, points, p.clock())
        errors = [x for x in issues if x.severity is Severity.ERROR]
        if errors:
            raise DoorstepError(errors)
        result = insert_orders(uow, actor, built)
        uow.commit()
    result.warnings = [x for x in issues if x.severity is Severity.WARNING]
    return result


def _not_stored(
    uow: UnitOfWork, located: list[tuple[Order, date, tuple[str | int, ...]]]
) -> list[tuple[Order, date, tuple[str | int, ...]]]:
    """The orders to a point whose external_ref is not stored yet (sent again, they take no second place)."""
    refs = [o.external_ref for o, _, _ in located if o.pickup_point_id]
    if not refs:
        return []
    stored = {r.external_ref for r in uow.orders.all(OrderRow.external_ref.in_(refs))}
    return [x for x in located if x[0].pickup_point_id and x[0].external_ref not in stored]


def encode_cursor(last_id: str) -> str:
    """An opaque cursor for the next page."""
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The id a cursor stands for; E1306 when it was not made by ``encode_cursor``."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if "_" not in text:
        raise DoorstepError([Issue("E1306", f"cursor {cursor!r} is not valid", ("cursor",))])
    return text


def list_orders(
    p: Platform, actor: Actor, filters: OrderFilters, cursor: str | None, limit: int
) -> tuple[list[OrderRow], str | None]:
    """One page of orders in id order, and the cursor of the next page (None at the end). One SQL query."""
    actor.require(Permission.READ)
    after = decode_cursor(cursor)
    limit = max(1, min(limit, MAX_PAGE))
    where = []
    if filters.status:
        where.append(OrderRow.status == filters.status)
    if filters.day:
        where.append(OrderRow.day == filters.day)
    if filters.depot_id:
        where.append(OrderRow.depot_id == filters.depot_id)
    if filters.external_ref:
        where.append(OrderRow.external_ref == filters.external_ref)
    where += [_matches(word) for word in (filters.text or "").lower().split()[:MAX_WORDS]]
    with p.uow(actor) as uow:
        rows = uow.orders.page(*where, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more and rows else None


def _matches(word: str) -> ColumnElement[bool]:
    """Orders whose reference, address or customer name holds ``word`` (case-insensitive, wildcards literal)."""
    fields = (OrderRow.external_ref, OrderRow.address, OrderRow.data["contact"]["name"].as_string())
    return or_(*(func.lower(f).contains(word, autoescape=True) for f in fields))


def get_order(p: Platform, actor: Actor, order_id: str) -> OrderRow:
    """One order of the actor's organization."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return uow.orders.require(order_id)


def update_order(p: Platform, actor: Actor, order_id: str, data: dict[str, Any], version: int) -> OrderRow:
    """Replace a new or failed order's fields at the given version. What the customer set on their page (a safe
    place, their change log: ``SERVER_KEPT``) stays; an edit that takes a door delivery to another address records
    ``order.relocated`` before ``order.updated`` (``edit_move``)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.orders.require(order_id)
        check_version(row, version)
        if row.status not in (OrderStatus.NEW.value, OrderStatus.FAILED.value):
            msg = f"order {order_id} is {row.status}; only new or failed orders can be edited"
            raise DoorstepError([Issue("E2004", msg, ("status",), order_id)])
        depots = _depots(uow, {data["depot_id"]})
        points = pickup_orders.points_of(uow, [data])
        order, issues = _build({**data, "id": row.id}, 0, depots, (), points, p.geocoder)
        issues += pickup_orders.capacity_issues(uow, [(order, data["date"], ())], points, p.clock(), (row.id,))
        if errors := [x for x in issues if x.severity is Severity.ERROR]:
            raise DoorstepError(errors)
        fresh = _row(order, data["date"])
        taken = DoorstepError([Issue("E2007", f"order {order_id}: external_ref {fresh.external_ref!r} belongs to "
                                     "another order", ("external_ref",), order_id)])  # fmt: skip
        if fresh.external_ref != row.external_ref and uow.orders.all(OrderRow.external_ref == fresh.external_ref):
            raise taken
        was, kept = edit_move.place_of(row), {k: row.data[k] for k in SERVER_KEPT if k in row.data}
        for attr in ("external_ref", "depot_id", "day", "kind", "lat", "lng", "address", "data", "pickup_point_id"):
            setattr(row, attr, getattr(fresh, attr))
        row.data = {**row.data, **kept}
        row.version += 1
        row.updated_at = p.clock()
        try:
            events = EventRecorder(uow, actor.label)
            if edit_move.moved(was, row):
                edit_move.record_edit_move(events, row, was)
            events.record("order.updated", row.id, data={"version": row.version})
            uow.commit()
        except IntegrityError as exc:  # a concurrent edit took the reference between the check and the commit
            uow.session.rollback()
            raise taken from exc
    return row


def set_order_status(uow: UnitOfWork, events: EventRecorder, row: OrderRow, target: OrderStatus, event: str) -> None:
    """Apply an allowed status change to an order and record it."""
    current = OrderStatus(row.status)
    row.status = transition(current, target, subject=row.id).value
    row.version += 1
    events.record(event, row.id, from_status=current.value, to_status=target.value)


def cancel_order(p: Platform, actor: Actor, order_id: str) -> OrderRow:
    """Cancel an order that is not delivered yet (E2004 otherwise)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.orders.require(order_id)
        set_order_status(uow, EventRecorder(uow, actor.label), row, OrderStatus.CANCELLED, "order.cancelled")
        uow.commit()
    return row


def timeline(p: Platform, actor: Actor, order_id: str) -> list[EventRow]:
    """Every event of an order, oldest first."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        uow.orders.require(order_id)
        q = select(EventRow).where(EventRow.org_id == actor.org_id, EventRow.subject_id == order_id)
        return list(uow.session.scalars(q.order_by(EventRow.at, EventRow.id)))
