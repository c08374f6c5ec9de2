"""Slot offers at checkout: the windows Doorstep can keep at an address over a date range, each priced by the
cheapest feasible insertion into that day's plan, with the kilometres it adds, the places left, a green flag and
the organization's price; with learned times on, how likely the customer is home then (``reach``) and whether it
is one of the suggested windows; ranked by its policy and stored briefly so a hold can refer to one by id."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import Depot
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import new_id
from doorstep.domain.orders import Order, OrderKind, TimeWindow
from doorstep.domain.problem import Problem
from doorstep.domain.reach import SUGGEST_WITHIN, ReachEstimate
from doorstep.domain.slots import Ranking, SlotPolicy, SlotTemplate, Window, Zone, windows_on
from doorstep.optimize.slot_costs import window_costs
from doorstep.routing.provider import UNREACHABLE, TravelTimeProvider
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.learned_times import load_learned
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.convert import depot_of
from doorstep.services.slots import depot_room
from doorstep.services.slots.slot_days import slot_day
from doorstep.services.slots.slot_policy import current_policy
from doorstep.store.models import ShiftRow, SlotHoldRow, SlotOfferRow, VehicleRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)  # dates an offer may be asked for
OFFER_ORDER_ID = "ord_slot-offer"  # the customer's stop while it is priced (never stored as an order)


def offers_of(uow: UnitOfWork) -> Repository[SlotOfferRow]:
    """The slot offer repository of the unit's organization."""
    return Repository(uow.session, SlotOfferRow, uow.org_id, "slot offer")


@dataclass(frozen=True, slots=True)
class OfferRequest:
    """What the checkout asks: where, which days, how big, and optionally which service levels."""

    location: LatLng
    date_from: date
    date_to: date
    size: dict[str, int]
    skills: frozenset[str] = frozenset()
    service_levels: frozenset[str] = frozenset()  # empty: every level


@dataclass(slots=True)
class Offers:
    """The offers, best first by the policy; or none with the coded reason (outside every zone)."""

    offers: list[SlotOfferRow] = field(default_factory=list)
    capacity_left: dict[str, int] = field(default_factory=dict)  # offer id -> places left in its slot
    green: dict[str, bool] = field(default_factory=dict)  # offer id -> a van already passes nearby
    zone_id: str | None = None
    pickup_point_id: str | None = None  # offers of a pickup point's days (slot_pickup)
    reason: Issue | None = None
    timezone: str = "UTC"
    ranking: str = "cheapest"
    reach: dict[str, ReachEstimate] = field(default_factory=dict)  # offer id -> reach (learned times on)
    suggested: set[str] = field(default_factory=set)  # offer ids within SUGGEST_WITHIN of the best reach
    level_kinds: dict[str, str] = field(default_factory=dict)  # a level's id -> same_day, express, pickup

    def kind(self, row: SlotOfferRow) -> str:
        """An offer's kind: its level's (same_day, express, pickup), else a scheduled window's."""
        return self.level_kinds.get(row.service_level, "scheduled")


def check_request(req: OfferRequest, max_days: int) -> None:
    """E1551 for every problem of the request at once."""
    issues: list[Issue] = []
    if not req.location.is_valid():
        issues.append(Issue("E1551", "location: lat must be within -90..90 and lng within -180..180", ("location",)))
    for name, day in (("date_from", req.date_from), ("date_to", req.date_to)):
        if not EARLIEST <= day <= LATEST:
            issues.append(Issue("E1551", f"{name} {day} is outside {EARLIEST}..{LATEST}", (name,)))
    if any(i.loc[0] in ("date_from", "date_to") for i in issues):
        pass  # a range between such dates says nothing more
    elif req.date_to < req.date_from:
        issues.append(Issue("E1551", f"date_to {req.date_to} is before date_from {req.date_from}", ("date_to",)))
    elif (req.date_to - req.date_from).days >= max_days:
        msg = f"{(req.date_to - req.date_from).days + 1} days asked; at most {max_days} per request"
        issues.append(Issue("E1551", msg, ("date_to",)))
    if any(v < 0 for v in req.size.values()) or req.size.get("parcels", 1) < 1:
        issues.append(Issue("E1551", "parcels must be at least 1 and weights zero or more", ("parcels",)))
    if issues:
        raise DoorstepError(issues)


def zone_of(uow: UnitOfWork, policy: SlotPolicy, point: LatLng) -> tuple[Zone, Depot] | None:
    """The first zone of the policy that contains the point, with its depot."""
    depots = {k: depot_of(r) for k, r in uow.depots.get_many(sorted({z.depot_id for z in policy.zones})).items()}
    for zone in policy.zones:
        depot = depots.get(zone.depot_id)
        if depot is not None and zone.contains(point, depot.location):
            return zone, depot
    return None


def check_load(uow: UnitOfWork, depot_id: str, size: dict[str, int], skills: frozenset[str]) -> None:
    """E1553 when no vehicle of the depot can carry the load (naming the largest capacity per dimension)."""
    vehicles = uow.vehicles.all(VehicleRow.depot_id == depot_id)
    types = uow.vehicle_types.get_many([v.type_id for v in vehicles])
    caps = [types[v.type_id].capacity for v in vehicles if v.type_id in types]
    if not caps or any(all(amount <= cap.get(dim, amount) for dim, amount in size.items()) for cap in caps):
        return
    over = []
    for dim, amount in sorted(size.items()):
        limits = [cap[dim] for cap in caps if dim in cap]
        if limits and amount > max(limits):
            over.append(f"{amount} {dim} (the largest vehicle takes {max(limits)})")
    msg = "no vehicle can carry " + ", ".join(over or [str(size)])
    raise DoorstepError([Issue("E1553", msg, ("parcels",))])


def taken_by_slot(uow: UnitOfWork, keys: list[str], now: datetime) -> dict[str, int]:
    """Places taken per slot key now: confirmed holds and live (unexpired) ones, expired ones read as free."""
    if not keys:
        return {}
    live = or_(SlotHoldRow.status == "confirmed", (SlotHoldRow.status == "held") & (SlotHoldRow.expires_at > now))
    q = (
        select(SlotHoldRow.slot_key, func.count())
        .where(SlotHoldRow.org_id == uow.org_id, SlotHoldRow.slot_key.in_(keys), live)
        .group_by(SlotHoldRow.slot_key)
    )
    return {str(k): int(n) for k, n in uow.session.execute(q)}


def _open_windows(policy: SlotPolicy, zone: Zone, req: OfferRequest, tz: ZoneInfo, now: datetime,
                  opens: datetime | None) -> list[Window]:  # fmt: skip
    """The windows asked for: the templates' on each day, the levels' today (``opens``: today's first shift)."""
    out = []
    for k in range((req.date_to - req.date_from).days + 1):
        day = req.date_from + timedelta(days=k)
        if not policy.blacked_out(day, zone.id):
            for t in policy.templates:
                if t.zone_id == zone.id and (not req.service_levels or t.service_level in req.service_levels):
                    out += [w for w in windows_on(t, day, tz) if w.cutoff > now]
    today = now.astimezone(tz).date()
    if req.date_from <= today <= req.date_to and not policy.blacked_out(today, zone.id):
        for lv in policy.service_levels:  # a pickup level is offered for a point only (slot_pickup)
            if lv.applies_in(zone.id) and (not req.service_levels or lv.id in req.service_levels):
                w = lv.window(zone.id, now, tz, opens)
                out += [w] if w is not None else []
    return out


def first_shift(uow: UnitOfWork, depot_id: str, day: date) -> datetime | None:
    """When the depot's first shift of the day starts (None without a shift)."""
    q = (
        select(func.min(ShiftRow.start))
        .join(VehicleRow, VehicleRow.id == ShiftRow.vehicle_id)
        .where(ShiftRow.org_id == uow.org_id, ShiftRow.day == day, VehicleRow.depot_id == depot_id)
    )
    first: datetime | None = uow.session.scalar(q)  # aware: the column's type reads UTC back
    return first


def has_shifts(uow: UnitOfWork, depot_id: str, day: date) -> bool:
    """Whether a vehicle of the depot has a shift that day (a day without one offers nothing)."""
    q = (
        select(ShiftRow.id)
        .join(VehicleRow, VehicleRow.id == ShiftRow.vehicle_id)
        .where(ShiftRow.org_id == uow.org_id, ShiftRow.day == day, VehicleRow.depot_id == depot_id)
    )
    return uow.session.scalars(q.limit(1)).first() is not None


class _UnreachableError(Exception):
    """The address has no road to or from the zone's depot on the travel model."""


def _reachable(problem: Problem, provider: TravelTimeProvider, depot: Depot, point: LatLng) -> bool:
    """Whether the travel model drives from the depot to the address and back (a road network may not)."""
    if not problem.vehicles:
        return True
    m = provider.matrix([depot.location, point], problem.vehicles[0].type.profile)
    return bool(max(m.durations[0][1], m.durations[1][0]) < UNREACHABLE)


def rank(policy: SlotPolicy, rows: list[SlotOfferRow], reach: dict[str, ReachEstimate] | None = None) -> list[
    SlotOfferRow
]:  # fmt: skip
    """The offers in the policy's order: cheapest, greenest (fewest metres added), earliest or most likely home
    first (``reach`` by offer id; without it, as cheapest)."""
    if policy.ranking is Ranking.LIKELY_HOME and reach:
        return sorted(rows, key=lambda r: (-round(reach[r.id].rate, 3), r.cost_cents, r.start, r.service_level))
    if policy.ranking in (Ranking.CHEAPEST, Ranking.LIKELY_HOME):
        return sorted(rows, key=lambda r: (r.cost_cents, r.start, r.service_level))
    if policy.ranking is Ranking.GREENEST:
        return sorted(rows, key=lambda r: (r.added_m, r.cost_cents, r.start, r.service_level))
    return sorted(rows, key=lambda r: (r.start, r.cost_cents, r.service_level))


def _day_offers(
    p: Platform,
    uow: UnitOfWork,
    req: OfferRequest,
    policy: SlotPolicy,
    depot: Depot,
    day: date,
    windows: list[Window],
) -> list[tuple[Window, int, int]]:
    """(window, cost cents, metres added) for each window of the day a route can keep."""
    if not windows or not has_shifts(uow, depot.id, day):
        return []
    base = slot_day(p, uow, depot.id, day)
    if not _reachable(base.problem, base.provider, depot, req.location):
        raise _UnreachableError
    order = Order(
        id=OFFER_ORDER_ID, external_ref="slot offer", kind=OrderKind.DELIVERY, location=req.location,
        time_windows=tuple(TimeWindow(w.start, w.end) for w in windows), size=dict(req.size), skills=req.skills,
        service_s=policy.service_s, depot_id=depot.id,
    )  # fmt: skip
    problem = replace(base.problem, orders=(*base.problem.orders, order))
    costs = {(c.start, c.end): c for c in window_costs(problem, base.plan, order, base.provider, base.state)}
    out = []
    for w in windows:
        c = costs.get((w.start, w.end))
        if c is not None:
            out.append((w, c.proposal.cost_delta_cents, c.proposal.distance_delta_m))
    return out


def _offer_rows(
    req: OfferRequest, policy: SlotPolicy, zone: Zone, depot: Depot,
    priced: list[tuple[date, list[tuple[Window, int, int]]]], expires: datetime,
) -> list[tuple[SlotOfferRow, Window]]:  # fmt: skip
    """One stored offer per priced window (with its window, for the places left)."""
    out = []
    for day, day_priced in priced:
        for w, cost, added in day_priced:
            t = w.template
            row = SlotOfferRow(
                id=new_id("sof"), slot_key=w.key, zone_id=zone.id, template_id=t.id, service_level=t.service_level,
                depot_id=depot.id, day=day, start=w.start, end=w.end, lat=req.location.lat, lng=req.location.lng,
                size=dict(req.size), skills=sorted(req.skills), cost_cents=cost, added_m=added,
                price_cents=_price(policy, t), expires_at=expires,
            )  # fmt: skip
            out.append((row, w))
    return out


def _price(policy: SlotPolicy, t: SlotTemplate) -> int | None:
    """A service level's own price, else the price list's line for the template's level and length."""
    lv = policy.level(t.id)
    return lv.price_cents if lv is not None else policy.price(t.service_level, t.length_min)


def _without_room(uow: UnitOfWork, depot: Depot, req: OfferRequest, by_day: dict[date, list[Window]],
                  now: datetime) -> list[Issue]:  # fmt: skip
    """Take out the days the depot has no room for the parcels on (a capped depot: ``depot_room``); why, per day."""
    if depot.capacity_parcels_per_day is None:
        return []
    asked, out = depot_room.asked_parcels(req.size), []
    for day in sorted(by_day):
        issue = depot_room.no_room(uow, depot, day, now, asked, ("date_from",), depot.id)
        if issue is not None:
            del by_day[day]
            out.append(issue)
    return out


def make_offers(p: Platform, actor: Actor, req: OfferRequest) -> Offers:
    """The windows Doorstep can keep at the address, best first by the organization's policy (see the module)."""
    actor.require_any(Permission.WRITE, Permission.CHECKOUT)
    check_request(req, p.slots.max_days)
    now = p.clock().astimezone(UTC)
    with p.uow(actor) as uow:
        policy, _ = current_policy(uow)
        found = zone_of(uow, policy, req.location)
        if found is None:
            where = f"{req.location.lat:.5f},{req.location.lng:.5f}"
            return Offers(reason=Issue("E1552", f"{where} lies in none of the delivery zones", ("location",)))
        zone, depot = found
        check_load(uow, depot.id, req.size, req.skills)
        tz = ZoneInfo(depot.timezone)
        opens = first_shift(uow, depot.id, now.astimezone(tz).date())
        windows = _open_windows(policy, zone, req, tz, now, opens)
        taken = taken_by_slot(uow, sorted({w.key for w in windows}), now)
        windows = [w for w in windows if taken.get(w.key, 0) < w.template.max_orders]
        by_day: dict[date, list[Window]] = {}
        for w in windows:
            by_day.setdefault(w.start.astimezone(tz).date(), []).append(w)
        depot_full = _without_room(uow, depot, req, by_day, now)
        result = Offers(zone_id=zone.id, timezone=depot.timezone, ranking=policy.ranking.value,
                        level_kinds=policy.level_kinds)
        try:
            priced = [(day, _day_offers(p, uow, req, policy, depot, day, ws)) for day, ws in sorted(by_day.items())]
        except _UnreachableError:
            where = f"{req.location.lat:.5f},{req.location.lng:.5f}"
            result.reason = Issue("E3008", f"{where} cannot be reached by road from depot {depot.id}", ("location",))
            return result
        rows = _offer_rows(req, policy, zone, depot, priced, now + timedelta(seconds=p.slots.offer_ttl_s))
        if not rows and depot_full:
            result.reason = depot_full[0]
        for row, w in rows:
            result.capacity_left[row.id] = w.template.max_orders - taken.get(w.key, 0)
            result.green[row.id] = row.added_m < policy.green_km * 1000
        offers_of(uow).add_all([r for r, _ in rows])
        uow.commit()
        _reach(p, uow, req.location, tz, result, [r for r, _ in rows])
        result.offers = rank(policy, [r for r, _ in rows], result.reach)
    return result


def _reach(p: Platform, uow: UnitOfWork, where: LatLng, tz: ZoneInfo, result: Offers,
           rows: list[SlotOfferRow]) -> None:  # fmt: skip
    """Each offer's reach and the suggested ones, when learned times are on (``DOORSTEP_LEARNED_TIMES``) and
    enough attempts were observed."""
    learned = load_learned(uow) if p.travel.learned else None
    if learned is None or not learned.reach.usable:
        return
    for row in rows:
        est = learned.reach.window(where, row.start.astimezone(tz), row.end.astimezone(tz))
        if est is not None:
            result.reach[row.id] = est
    result.suggested = suggested(result.reach)


def suggested(reach: dict[str, ReachEstimate]) -> set[str]:
    """The keys whose reach is within ``SUGGEST_WITHIN`` of the best (none when there is no reach)."""
    if not reach:
        return set()
    best = max(e.rate for e in reach.values())
    return {k for k, e in reach.items() if e.rate >= best - SUGGEST_WITHIN - 1e-9}
