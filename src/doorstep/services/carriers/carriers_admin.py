"""Partner carriers of an organization: create, list, read, replace, delete (admins), and the carriers as the
planner and the booking job see them. Every problem of a carrier's settings is reported at once (E1640–E1649);
endpoint URLs follow the webhooks' address rule (E1642: carriers are called by the server, at addresses users
chose). The callback secret is write-only: it is stored, never returned."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from doorstep.domain.carriers import ENDPOINTS, CarrierConfig, carrier_of, parse_carrier
from doorstep.domain.errors import DoorstepError, Issue, Severity
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import new_id
from doorstep.services.fleet.fleet_admin import check_version
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.kernel.webhook_targets import url_issues
from doorstep.store.models import CarrierBookingRow, CarrierRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

OPEN = ("pending", "booked")  # bookings that hold the order and count against the carrier's day
CLOSED = ("not_booked", "cancelled", "delivered", "failed")
STORED = ("endpoints", "service_areas", "price", "cutoff", "capacity_per_day", "auto_confirm", "timeout_s", "retries")


def carriers_repo(uow: UnitOfWork) -> Repository[CarrierRow]:
    """The organization's carriers."""
    return Repository(uow.session, CarrierRow, uow.org_id, "carrier")


def bookings_repo(uow: UnitOfWork) -> Repository[CarrierBookingRow]:
    """The organization's carrier bookings."""
    return Repository(uow.session, CarrierBookingRow, uow.org_id, "carrier booking")


def _depots(uow: UnitOfWork) -> dict[str, LatLng]:
    return {r.id: LatLng(r.lat, r.lng) for r in uow.depots.all()}


def config_of(uow: UnitOfWork, row: CarrierRow, depots: dict[str, LatLng] | None = None) -> CarrierConfig:
    """The domain carrier of a stored one."""
    return carrier_of(row.id, row.kind, {**row.data, "name": row.name, "active": row.active}, row.secret,
                      depots if depots is not None else _depots(uow))  # fmt: skip


def active_carriers(uow: UnitOfWork) -> list[CarrierConfig]:
    """The organization's active carriers, in id order (what the planner offers orders to)."""
    rows = carriers_repo(uow).all(CarrierRow.active.is_(True))
    if not rows:
        return []
    depots = _depots(uow)
    return [config_of(uow, r, depots) for r in sorted(rows, key=lambda r: r.id)]


def booked_on(uow: UnitOfWork, day: date) -> dict[str, int]:
    """Open bookings per carrier for the day (what its daily capacity has left to give)."""
    q = (
        select(CarrierBookingRow.carrier_id, func.count())
        .where(CarrierBookingRow.org_id == uow.org_id, CarrierBookingRow.day == day,
               CarrierBookingRow.status.in_([*OPEN, "delivered", "failed"]))
        .group_by(CarrierBookingRow.carrier_id)
    )  # fmt: skip
    return {cid: int(n) for cid, n in uow.session.execute(q)}


def held_orders(uow: UnitOfWork, order_ids: list[str]) -> set[str]:
    """The orders among ``order_ids`` that an open booking holds (a carrier has them, or is being asked)."""
    if not order_ids:
        return set()
    q = select(CarrierBookingRow.order_id).where(
        CarrierBookingRow.org_id == uow.org_id, CarrierBookingRow.active_key.in_(order_ids)
    )
    return set(uow.session.scalars(q))


def _check(p: Platform, uow: UnitOfWork, data: dict[str, Any], carrier_id: str, secret: str) -> CarrierConfig:
    config, issues = parse_carrier(data, carrier_id, set(_depots(uow)), secret)
    for name in ENDPOINTS:
        url = (data.get("endpoints") or {}).get(name) if isinstance(data.get("endpoints"), dict) else None
        for i in url_issues(str(url), p.carriers.allow_private) if url else ():
            issues.append(Issue("E1642", f"endpoint {name}: {i.message}", ("endpoints", name)))
    errors = [i for i in issues if i.severity is Severity.ERROR]
    if errors:
        raise DoorstepError(errors)
    return config


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in STORED}


def create(p: Platform, actor: Actor, data: dict[str, Any]) -> CarrierRow:
    """Add a carrier (every problem at once)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        cid = new_id("car")
        secret = str(data.get("secret") or "")
        config = _check(p, uow, data, cid, secret)
        row = carriers_repo(uow).add(
            CarrierRow(
                id=cid,
                name=config.name,
                kind=config.kind.value,
                data=_stored(data),
                secret=secret,
                active=config.active,
                updated_at=p.clock(),
            )
        )
        uow.commit()
    return row


def list_(p: Platform, actor: Actor) -> list[CarrierRow]:
    """Every carrier of the organization, in id order."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return sorted(carriers_repo(uow).all(), key=lambda r: r.id)


def get(p: Platform, actor: Actor, carrier_id: str) -> CarrierRow:
    """One carrier (E1302 when unknown here)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return carriers_repo(uow).require(carrier_id)


def update(p: Platform, actor: Actor, carrier_id: str, data: dict[str, Any], version: int) -> CarrierRow:
    """Replace a carrier's settings at the version the admin edited (a secret left out keeps the stored one)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        row = carriers_repo(uow).require(carrier_id)
        check_version(row, version)
        secret = str(data.get("secret") or row.secret)
        config = _check(p, uow, data, carrier_id, secret)
        row.name, row.kind, row.data, row.secret = config.name, config.kind.value, _stored(data), secret
        row.active, row.version, row.updated_at = config.active, row.version + 1, p.clock()
        uow.commit()
    return row


def delete(p: Platform, actor: Actor, carrier_id: str) -> None:
    """Remove a carrier that holds no open booking (E2312 otherwise) and was never booked (then deactivate it:
    its bookings' history stays)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        row = carriers_repo(uow).require(carrier_id)
        bookings = bookings_repo(uow).all(CarrierBookingRow.carrier_id == carrier_id)
        if bookings:
            held = sum(1 for b in bookings if b.status in OPEN)
            msg = f"carrier {carrier_id} has {len(bookings)} bookings ({held} open); set active false instead"
            raise DoorstepError([Issue("E2312", msg, ("carrier_id",), carrier_id)])
        carriers_repo(uow).delete(row)
        uow.commit()
