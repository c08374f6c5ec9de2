"""Inbound transfers of a depot: trunk runs from a central warehouse whose arrival (plus unloading and sorting)
releases the orders they carry. Created, listed, changed (a delayed trunk: ``transfer.delayed``, naming the
routes that would now leave before the goods are ready), marked arrived and deleted; the planning job applies
them when it builds the day's problem (``transfers_for``). Every problem of a transfer is reported at once
(E1703-E1712); an order carried by another stored transfer is E2401; an arrived transfer keeps its arrival
(E2400)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from doorstep.domain.errors import DoorstepError, Issue, Severity
from doorstep.domain.events import EventType
from doorstep.domain.fleet import Depot
from doorstep.domain.ids import new_id
from doorstep.domain.orders import Order
from doorstep.domain.status import RouteStatus
from doorstep.domain.transfers import EARLIEST_YEAR, LATEST_YEAR, Transfer, transfer_issues
from doorstep.services.fleet.fleet_admin import check_version
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.convert import depot_of, order_of
from doorstep.store.models import EventRow, OrderRow, PlanRow, RouteRow, TransferOrderRow, TransferRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

EXPECTED, ARRIVED = "expected", "arrived"


@dataclass(frozen=True, slots=True)
class TransferView:
    """A stored transfer with the ids of its orders, when its goods are ready, and its warnings (W1700)."""

    row: TransferRow
    order_ids: tuple[str, ...]
    ready_at: datetime
    timezone: str  # the depot's: times are answered in it
    warnings: tuple[Issue, ...] = ()


def transfers_repo(uow: UnitOfWork) -> Repository[TransferRow]:
    """The organization's transfers."""
    return Repository(uow.session, TransferRow, uow.org_id, "transfer")


def _links(uow: UnitOfWork) -> Repository[TransferOrderRow]:
    return Repository(uow.session, TransferOrderRow, uow.org_id, "transfer order")


def domain_of(row: TransferRow, order_ids: tuple[str, ...]) -> Transfer:
    """The domain transfer of a stored one: an arrived run counts from when it really arrived."""
    arrival = row.arrived_at if row.status == ARRIVED and row.arrived_at is not None else row.arrival
    return Transfer(id=row.id, depot_id=row.depot_id, arrival=arrival, sorting_s=row.sorting_s, orders=order_ids,
                    origin=row.origin, reference=row.reference)  # fmt: skip


def _order_ids(uow: UnitOfWork, transfer_id: str) -> tuple[str, ...]:
    rows = _links(uow).all(TransferOrderRow.transfer_id == transfer_id)
    return tuple(r.order_id for r in sorted(rows, key=lambda r: (r.created_at, r.id)))


def _view(uow: UnitOfWork, row: TransferRow, depot: Depot, warnings: tuple[Issue, ...] = ()) -> TransferView:
    ids = _order_ids(uow, row.id)
    return TransferView(row, ids, domain_of(row, ids).ready_at(depot), depot.timezone, warnings)


def _resolve(uow: UnitOfWork, refs: list[str]) -> dict[str, OrderRow]:
    """Each ref (an order id or an external ref) -> its stored order, where there is one."""
    if not refs:
        return {}
    rows = uow.orders.all(or_(OrderRow.id.in_(refs), OrderRow.external_ref.in_(refs)))
    out: dict[str, OrderRow] = {}
    for r in rows:
        out.setdefault(r.external_ref, r)
    out.update((r.id, r) for r in rows)
    return {ref: out[ref] for ref in refs if ref in out}


def _checked(
    uow: UnitOfWork, depot: Depot, t: Transfer, own_id: str | None
) -> tuple[tuple[str, ...], list[Issue]]:
    """The transfer's orders as ids (in the given order), its warnings; every error at once otherwise."""
    found = _resolve(uow, list(t.orders))
    depots = {depot.id: depot}
    for r in found.values():
        depots.setdefault(r.depot_id, depot_of(uow.depots.require(r.depot_id)))
    orders: dict[str, Order] = {r.id: order_of(r, depots) for r in found.values()}
    issues = [replace(i, loc=i.loc[2:]) for i in transfer_issues([t], orders.values(), [depot])]
    if any(i.code == "E1708" and i.loc == ("arrival",) for i in issues):
        raise DoorstepError([i for i in issues if i.severity is Severity.ERROR])
    day = depot.local_day(t.arrival)
    for k, ref in enumerate(t.orders):
        row = found.get(ref)
        if row is not None and row.day < day:
            msg = f"{t.id}: order {ref} is due on {row.day.isoformat()}, before the run arrives on {day.isoformat()}"
            issues.append(Issue("E1712", msg, ("orders", k), row.id))
    ids = tuple(dict.fromkeys(found[ref].id for ref in t.orders if ref in found))
    if ids:
        held = _links(uow).all(TransferOrderRow.order_id.in_(ids))
        for link in held:
            if link.transfer_id != own_id:
                k = next(k for k, ref in enumerate(t.orders) if ref in found and found[ref].id == link.order_id)
                msg = f"order {t.orders[k]} is already on transfer {link.transfer_id}"
                issues.append(Issue("E2401", msg, ("orders", k), link.order_id))
    errors = [i for i in issues if i.severity is Severity.ERROR]
    if errors:
        raise DoorstepError(errors)
    return ids, [i for i in issues if i.severity is Severity.WARNING]


def _set_orders(uow: UnitOfWork, transfer_id: str, ids: tuple[str, ...]) -> None:
    links = _links(uow)
    for old in links.all(TransferOrderRow.transfer_id == transfer_id):
        if old.order_id not in ids:
            links.delete(old)
    have = set(_order_ids(uow, transfer_id))
    for oid in ids:
        if oid not in have:
            links.add(TransferOrderRow(id=new_id("tro"), transfer_id=transfer_id, order_id=oid))
    uow.flush()


def _depot(uow: UnitOfWork, depot_id: str) -> Depot:
    return depot_of(uow.depots.require(depot_id, ("depot_id",)))


def _require(uow: UnitOfWork, depot_id: str, transfer_id: str) -> TransferRow:
    row = transfers_repo(uow).require(transfer_id, ("transfer_id",))
    if row.depot_id != depot_id:
        msg = f"transfer {transfer_id} not found at depot {depot_id}"
        raise DoorstepError([Issue("E1302", msg, ("transfer_id",), transfer_id)])
    return row


def create(p: Platform, actor: Actor, depot_id: str, data: dict[str, Any]) -> TransferView:
    """A new transfer to the depot after checking every field and order (``transfer.created``)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        depot = _depot(uow, depot_id)
        tid = new_id("trf")
        t = Transfer(id=tid, depot_id=depot_id, arrival=data["arrival"], sorting_s=data.get("sorting_s", 0),
                     orders=tuple(data.get("orders", ())), origin=data.get("origin", ""),
                     reference=data.get("reference", ""))  # fmt: skip
        ids, warnings = _checked(uow, depot, t, None)
        row = TransferRow(id=tid, depot_id=depot_id, day=depot.local_day(t.arrival), arrival=t.arrival,
                          sorting_s=t.sorting_s, origin=t.origin, reference=t.reference, status=EXPECTED,
                          arrived_at=None, updated_at=p.clock())  # fmt: skip
        transfers_repo(uow).add(row)
        uow.flush()
        _set_orders(uow, tid, ids)
        view = _view(uow, row, depot, tuple(warnings))
        EventRecorder(uow, actor.label).record(EventType.TRANSFER_CREATED, tid, to_status=EXPECTED,
                                               data=_event_data(view))  # fmt: skip
        uow.commit()
    return view


def _event_data(view: TransferView) -> dict[str, Any]:
    r = view.row
    return {"depot_id": r.depot_id, "arrival": r.arrival.isoformat(), "ready_at": view.ready_at.isoformat(),
            "reference": r.reference, "orders": list(view.order_ids)}  # fmt: skip


def list_(p: Platform, actor: Actor, depot_id: str, day: date | None) -> list[TransferView]:
    """The depot's transfers (of one day when given: the local date they arrive), by arrival."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        depot = _depot(uow, depot_id)
        where = [TransferRow.depot_id == depot_id] + ([TransferRow.day == day] if day else [])
        rows = sorted(transfers_repo(uow).all(*where), key=lambda r: (r.arrival, r.id))
        return [_view(uow, r, depot) for r in rows]


def get(p: Platform, actor: Actor, depot_id: str, transfer_id: str) -> TransferView:
    """One transfer of the depot (E1302 otherwise)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return _view(uow, _require(uow, depot_id, transfer_id), _depot(uow, depot_id))


def update(
    p: Platform, actor: Actor, depot_id: str, transfer_id: str, changes: dict[str, Any], version: int
) -> TransferView:
    """Change the given fields of an expected transfer at ``version`` (E2002 when stale, E2400 once arrived).
    A later ready time records ``transfer.delayed`` with the routes that would now leave too early; any other
    change ``transfer.updated``."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        depot = _depot(uow, depot_id)
        row = _require(uow, depot_id, transfer_id)
        check_version(row, version)
        if row.status == ARRIVED:
            msg = f"transfer {transfer_id} arrived at {row.arrived_at.isoformat() if row.arrived_at else '?'}"
            raise DoorstepError([Issue("E2400", msg, ("transfer_id",), transfer_id)])
        before = _view(uow, row, depot)
        refs = changes["orders"] if changes.get("orders") is not None else list(before.order_ids)
        t = replace(domain_of(row, before.order_ids), orders=tuple(refs),
                    **{k: changes[k] for k in ("arrival", "sorting_s", "origin", "reference")
                       if changes.get(k) is not None})  # fmt: skip
        ids, warnings = _checked(uow, depot, t, row.id)
        row.arrival, row.sorting_s, row.origin, row.reference = t.arrival, t.sorting_s, t.origin, t.reference
        row.day, row.version, row.updated_at = depot.local_day(t.arrival), row.version + 1, p.clock()
        _set_orders(uow, row.id, ids)
        after = _view(uow, row, depot, tuple(warnings))
        _record_change(uow, actor, before, after)
        uow.commit()
    return after


def _record_change(uow: UnitOfWork, actor: Actor, before: TransferView, after: TransferView) -> None:
    recorder = EventRecorder(uow, actor.label)
    data = _event_data(after)
    if after.ready_at > before.ready_at:
        delay = int((after.ready_at - before.ready_at).total_seconds())
        data |= {"was_ready_at": before.ready_at.isoformat(), "delay_s": delay,
                 "early_routes": early_routes(uow, after)}  # fmt: skip
        recorder.record(EventType.TRANSFER_DELAYED, after.row.id, to_status=after.row.status, data=data)
    else:
        recorder.record(EventType.TRANSFER_UPDATED, after.row.id, to_status=after.row.status, data=data)


def early_routes(uow: UnitOfWork, view: TransferView) -> list[dict[str, Any]]:
    """Published or dispatched routes of the depot that load some of the transfer's orders on a trip leaving
    before its goods are ready (they need a re-plan or a later departure)."""
    if not view.order_ids:
        return []
    days = {r.day for r in uow.orders.all(OrderRow.id.in_(view.order_ids))}
    plans = uow.plans.all(PlanRow.depot_id == view.row.depot_id, PlanRow.day.in_(sorted(days)))
    if not plans:
        return []
    carried = set(view.order_ids)
    out = []
    live = (RouteStatus.PUBLISHED.value, RouteStatus.DISPATCHED.value)
    for route in uow.routes.all(RouteRow.plan_id.in_([p.id for p in plans]), RouteRow.status.in_(live)):
        early = _early_orders(route.data.get("stops", []), carried, view.ready_at)
        if early:
            out.append({"route_id": route.id, "vehicle_id": route.vehicle_id, "order_ids": early})
    return sorted(out, key=lambda r: r["route_id"])


def _early_orders(stops: list[dict[str, Any]], carried: set[str], ready: datetime) -> list[str]:
    leave: datetime | None = None
    out = []
    for s in stops:
        if s.get("type") in ("start", "reload"):
            leave = datetime.fromisoformat(s["departure"]) if s.get("departure") else None
        elif s.get("type") == "delivery" and s.get("order_id") in carried and leave is not None and leave < ready:
            out.append(s["order_id"])
    return out


def arrived(p: Platform, actor: Actor, depot_id: str, transfer_id: str, at: datetime | None) -> TransferView:
    """Mark the run arrived (now, or ``at``): its goods are ready that much later (``transfer.arrived``; with
    ``transfer.delayed`` too when that is later than planned). E2400 when it already arrived."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        depot = _depot(uow, depot_id)
        row = _require(uow, depot_id, transfer_id)
        if row.status == ARRIVED:
            msg = f"transfer {transfer_id} already arrived at {row.arrived_at.isoformat() if row.arrived_at else '?'}"
            raise DoorstepError([Issue("E2400", msg, ("transfer_id",), transfer_id)])
        if at is not None and not EARLIEST_YEAR <= at.year <= LATEST_YEAR:
            msg = f"{transfer_id}: arrived at {at.isoformat()} is not a date of these years"
            raise DoorstepError([Issue("E1708", msg, ("at",), transfer_id)])
        before = _view(uow, row, depot)
        row.status, row.arrived_at = ARRIVED, at or p.clock()
        row.version, row.updated_at = row.version + 1, p.clock()
        after = _view(uow, row, depot)
        late = int((row.arrived_at - row.arrival).total_seconds())
        data = _event_data(after) | {"arrived_at": row.arrived_at.isoformat(), "late_s": late}
        recorder = EventRecorder(uow, actor.label)
        recorder.record(EventType.TRANSFER_ARRIVED, row.id, from_status=EXPECTED, to_status=ARRIVED, data=data)
        if after.ready_at > before.ready_at:
            _record_change(uow, actor, before, after)
        uow.commit()
    return after


def delete(p: Platform, actor: Actor, depot_id: str, transfer_id: str) -> None:
    """Remove the transfer; its orders are no longer held back by it (``transfer.deleted``)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = _require(uow, depot_id, transfer_id)
        ids = _order_ids(uow, row.id)
        for link in _links(uow).all(TransferOrderRow.transfer_id == row.id):
            _links(uow).delete(link)
        uow.flush()
        transfers_repo(uow).delete(row)
        EventRecorder(uow, actor.label).record(EventType.TRANSFER_DELETED, transfer_id, from_status=row.status,
                                               data={"depot_id": depot_id, "orders": list(ids)})  # fmt: skip
        uow.commit()


def timeline(p: Platform, actor: Actor, depot_id: str, transfer_id: str) -> list[EventRow]:
    """Every event of the transfer (created, updated, delayed, arrived), oldest first."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        _require(uow, depot_id, transfer_id)
        q = select(EventRow).where(EventRow.org_id == actor.org_id, EventRow.subject_id == transfer_id)
        return list(uow.session.scalars(q.order_by(EventRow.at, EventRow.id)))


def transfers_for(uow: UnitOfWork, order_ids: list[str]) -> tuple[Transfer, ...]:
    """The transfers carrying any of these orders (a day's problem), each with the orders of its own that are
    among them."""
    if not order_ids:
        return ()
    links = _links(uow).all(TransferOrderRow.order_id.in_(order_ids))
    if not links:
        return ()
    carried: dict[str, list[str]] = {}
    for link in sorted(links, key=lambda r: (r.created_at, r.id)):
        carried.setdefault(link.transfer_id, []).append(link.order_id)
    rows = transfers_repo(uow).get_many(sorted(carried))
    return tuple(domain_of(rows[k], tuple(v)) for k, v in sorted(carried.items()) if k in rows)
