"""A depot's room on a day at checkout. A depot with a daily parcel capacity (``capacity_parcels_per_day``) takes
no more parcels on a day than that, counted as the planner counts them (``domain/depots.py``: the ``parcels`` size,
else the items, else one; store-to-door legs not; cancelled orders not): the parcels of the day's orders through
it and of the live holds on its day. An offer is made only for a day with room for the parcels asked for, and
holding one counts again under the depot's lock, so two checkouts never both take its last places (E2275). Without
this, checkout kept promising a full depot's day and the planner then left the orders out (``DEPOT_CAPACITY``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update

from doorstep.domain.depots import kind_counts, parcels_in
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import Depot
from doorstep.domain.orders import OrderKind
from doorstep.domain.status import OrderStatus
from doorstep.services.orders.convert import depot_of
from doorstep.store.models import DepotRow, OrderRow, SlotHoldRow, SlotOfferRow
from doorstep.store.uow import UnitOfWork

HELD = "held"


def booked_parcels(uow: UnitOfWork, depot: Depot, day: date) -> int:
    """The parcels of the depot's orders on ``day`` that pass through it (every status but cancelled), summed
    from the stored ``parcels`` size (the one value read per order); the few orders without one are counted from
    their items (an offer and a hold ask for this: no order is read whole)."""
    mine = (
        OrderRow.org_id == uow.org_id, OrderRow.depot_id == depot.id, OrderRow.day == day,
        OrderRow.status != OrderStatus.CANCELLED.value,
        OrderRow.kind.in_([k.value for k in OrderKind if kind_counts(k)]),
    )  # fmt: skip
    sizes: list[int | None] = list(uow.session.scalars(select(OrderRow.data["size"]["parcels"].as_integer())
                                                      .where(*mine)))  # fmt: skip
    summed = sum(max(0, n) for n in sizes if n is not None)
    counted = 0
    if None in sizes:
        parcels = OrderRow.data["size"]["parcels"].as_integer()
        rest = select(OrderRow.data["size"], OrderRow.data["items"]).where(*mine, parcels.is_(None))
        counted = sum(parcels_in(size or {}, (int(i.get("quantity", 1)) for i in items or ()))
                      for size, items in uow.session.execute(rest))  # fmt: skip
    return summed + counted


def held_parcels(uow: UnitOfWork, depot_id: str, day: date, now: datetime) -> int:
    """The parcels of the live (unconfirmed, unexpired) holds on the depot's day (at least one each)."""
    q = select(SlotHoldRow.size["parcels"].as_integer()).where(
        SlotHoldRow.org_id == uow.org_id, SlotHoldRow.depot_id == depot_id, SlotHoldRow.day == day,
        SlotHoldRow.status == HELD, SlotHoldRow.expires_at > now,
    )  # fmt: skip
    held: list[int | None] = list(uow.session.scalars(q))
    return sum(max(1, n or 1) for n in held)


def taken(uow: UnitOfWork, depot: Depot, day: date, now: datetime) -> int:
    """Parcels booked or held at the depot on ``day``."""
    return booked_parcels(uow, depot, day) + held_parcels(uow, depot.id, day, now)


def full(depot: Depot, day: date, used: int, asked: int, at: tuple[str | int, ...], subject: str | None) -> Issue:
    """E2275: the depot has no room for ``asked`` more parcels that day."""
    cap = depot.capacity_parcels_per_day
    msg = (f"depot {depot.id} ({depot.name}) handles {cap} parcels on {day.isoformat()}: {used} booked or held, "
           f"{asked} more asked")  # fmt: skip
    return Issue("E2275", msg, at, subject)


def no_room(uow: UnitOfWork, depot: Depot, day: date, now: datetime, asked: int, at: tuple[str | int, ...],
            subject: str | None) -> Issue | None:  # fmt: skip
    """E2275 when a capped depot has no room for ``asked`` more parcels on ``day``; None when it has (or no cap)."""
    cap = depot.capacity_parcels_per_day
    if cap is None:
        return None
    used = taken(uow, depot, day, now)
    return full(depot, day, used, asked, at, subject) if used + asked > cap else None


def asked_parcels(size: dict[str, int]) -> int:
    """The parcels an offer asks room for (its ``parcels``, at least one)."""
    return max(1, int(size.get("parcels", 1)))


def lock_depot(uow: UnitOfWork, depot_id: str) -> None:
    """Serialize the holds on the depot until the transaction ends (PostgreSQL: ``SELECT ... FOR UPDATE`` of its
    row; SQLite: a no-op update starts the one write transaction), so the count below sees every racing hold."""
    mine = (DepotRow.org_id == uow.org_id, DepotRow.id == depot_id)
    if uow.session.get_bind().dialect.name == "postgresql":
        uow.session.execute(select(DepotRow.id).where(*mine).with_for_update())
        return
    uow.session.execute(
        update(DepotRow).where(*mine).values(version=DepotRow.version).execution_options(synchronize_session=False)
    )


def take_depot_place(uow: UnitOfWork, offer: SlotOfferRow, now: datetime) -> None:
    """Room for the offer's parcels at its depot on its day, or E2275 (a capped depot only; call it after the
    window's or point's place is taken, in the same transaction)."""
    row = uow.depots.get(offer.depot_id)
    if row is None or row.capacity_parcels_per_day is None:
        return
    lock_depot(uow, offer.depot_id)
    issue = no_room(uow, depot_of(row), offer.day, now, asked_parcels(offer.size), ("offer_id",), offer.id)
    if issue is not None:
        raise DoorstepError([issue])
