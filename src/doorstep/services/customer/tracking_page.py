"""What a customer sees of one order on the tracking page (``/t/{token}``) and in its JSON: the status timeline
from the recorded events, the arrival window that narrows as the driver gets closer, the driver's position when
this stop is next, the proof of delivery, the partner carrier delivering it (with its tracking link), and the
feedback given. Everything is worded in the customer's language with times in the depot's time zone; nothing
names an internal id or another order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from doorstep.domain.carrier_types import web_link
from doorstep.domain.carriers import CarrierKind
from doorstep.domain.eta_window import narrowing_margin_s, tracking_window
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.orders import OrderKind, TimeWindow
from doorstep.domain.status import OrderStatus, RouteStatus, StopStatus
from doorstep.notify import formatting
from doorstep.notify.logo import LogoImage, decoded
from doorstep.notify.rules import text_on
from doorstep.notify.tracking_words import TAGS, words
from doorstep.notify.triggers import language_for
from doorstep.notify.wording import next_step_text, reason_text
from doorstep.services.carriers.carriers_admin import bookings_repo, carriers_repo
from doorstep.services.customer.notify_rules import rules_of
from doorstep.services.customer.tracking_links import Opened, not_found
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.live_day import LIVE_ROUTES, live_rows
from doorstep.store.models import (
    CarrierBookingRow,
    EventRow,
    FeedbackRow,
    OrderRow,
    OrganizationRow,
    PickupPointRow,
    ProofRow,
    RouteLiveRow,
    RouteRow,
    StopEventRow,
    StopRow,
)
from doorstep.store.uow import UnitOfWork

STEPS = ("planned", "out_for_delivery", "arriving", "delivered")
CUTOFF_STOPS = 3  # the customer's own changes close once the driver is this many stops away (theirs included)
FINAL = {"delivered": "delivered", "failed": "failed", "cancelled": "cancelled"}
SHOWS_ETA = ("planned", "out_for_delivery", "arriving")


def order_windows(data: dict[str, Any]) -> tuple[TimeWindow, ...]:
    """The order's promised time windows (aware datetimes, as stored)."""
    return tuple(
        TimeWindow(datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
        for w in data.get("time_windows") or ()
    )


@dataclass(frozen=True, slots=True)
class Place:
    """Where the order stands on its live route (None fields: not on a live route)."""

    route: RouteRow | None = None
    live: RouteLiveRow | None = None
    index: int | None = None  # of the order's (customer-facing) stop in the route's stops
    stops_before: int | None = None  # customer stops still to serve before it (None: the route has not started)
    started: bool = False  # the driver has left: a position came in or a stop was worked

    @property
    def eta(self) -> datetime | None:
        """The latest predicted arrival, else the planned one."""
        if self.route is None or self.index is None:
            return None
        stop = self.route.data["stops"][self.index]
        live = next((e for e in (self.live.etas if self.live else []) if e.get("order_id") == stop["order_id"]), None)
        return datetime.fromisoformat(live["eta"] if live else stop["arrival"])


def place_of(uow: UnitOfWork, order_id: str) -> Place:
    """Where the order stands on its live route (a dispatched one first): how many customer stops are still to be
    served before it — pending, or arrived at but not finished — by the stops' own statuses."""
    on = {s.route_id for s in uow.stops.all(StopRow.order_id == order_id)}
    routes = [r for r in uow.routes.get_many(sorted(on)).values() if r.status in LIVE_ROUTES]
    if not routes:
        return Place()
    route = max(routes, key=lambda r: (r.status == RouteStatus.DISPATCHED.value, r.id))
    live = live_rows(uow).first(RouteLiveRow.route_id == route.id)
    index = max(k for k, s in enumerate(route.data["stops"]) if s.get("order_id") == order_id)
    rows = uow.stops.all(StopRow.route_id == route.id)
    open_ = (StopStatus.PENDING.value, StopStatus.ARRIVED.value)
    before = sum(1 for r in rows if r.seq < index and r.order_id not in (None, order_id) and r.status in open_)
    worked = any(r.status != StopStatus.PENDING.value for r in rows)
    started = worked or (live is not None and (live.position is not None or live.done > 1))
    dispatched = route.status == RouteStatus.DISPATCHED.value
    return Place(route, live, index, before if dispatched else None, started and dispatched)


def status_of(order: OrderRow, place: Place, arrived: bool) -> str:
    """The status the customer reads: the order's own, with ``arriving`` once the driver is at or heading to it."""
    if order.status in FINAL:
        return FINAL[order.status]
    if order.status == OrderStatus.DISPATCHED.value:
        return "arriving" if arrived or (place.started and place.stops_before == 0) else "out_for_delivery"
    return "planned" if order.status == OrderStatus.PLANNED.value else "new"


@dataclass(frozen=True, slots=True)
class Record:
    """The order's recorded history: first time of each event type, its stop actions and its proof."""

    events: dict[str, datetime]
    failed: dict[str, Any]  # the failure policy's record (reason, next step)
    actions: dict[str, StopEventRow]  # arrived / completed / failed -> the driver's action
    proof: ProofRow | None


def record_of(uow: UnitOfWork, order_id: str) -> Record:
    """The order's events (first of each type), the driver's actions on its stops and its latest proof."""
    q = select(EventRow).where(EventRow.org_id == uow.org_id, EventRow.subject_id == order_id).order_by(EventRow.at)
    events: dict[str, datetime] = {}
    failed: dict[str, Any] = {}
    for e in uow.session.scalars(q):
        events.setdefault(e.type, e.at)
        if e.type == "delivery.failed":
            failed = e.data
    actions = {a.status: a for a in uow.stop_events.all(StopEventRow.order_id == order_id)}
    proofs = uow.proofs.all(ProofRow.order_id == order_id)
    return Record(events, failed, actions, proofs[-1] if proofs else None)


class Wording:
    """Times and words for one customer (their language, the depot's time zone)."""

    def __init__(self, language: str, timezone: str) -> None:
        self.language, self.timezone, self.w = language, timezone, words(language)

    def time(self, at: datetime) -> str:
        """A local time of day."""
        return formatting.time(at, self.timezone, self.language)

    def day(self, at: datetime) -> str:
        """A local calendar day in full."""
        return formatting.day(at, self.timezone, self.language)

    def window(self, lo: datetime, hi: datetime) -> str:
        """A window of local times."""
        return formatting.window(lo, hi, self.timezone, self.language)


def _step_times(rec: Record) -> dict[str, datetime | None]:
    def action(status: str) -> datetime | None:
        a = rec.actions.get(status)
        return a.at if a is not None else None

    return {
        "planned": rec.events.get("order.planned"), "out_for_delivery": rec.events.get("order.dispatched"),
        "arriving": action("arrived"), "delivered": action("completed") or rec.events.get("order.delivered"),
        "failed": action("failed") or rec.events.get("order.failed"), "cancelled": rec.events.get("order.cancelled"),
    }  # fmt: skip


def _steps(status: str, rec: Record, say: Wording) -> list[dict[str, Any]]:
    """The timeline: planned, out for delivery, arriving, then delivered or not (a cancelled order ends where it
    was cancelled)."""
    times = _step_times(rec)
    if status == "cancelled":
        names = [s for s in STEPS[:3] if times[s] is not None] + ["cancelled"]
    else:
        names = [*STEPS[:3], "failed" if status == "failed" else "delivered"]
    current = names.index(status) if status in names else -1
    out = []
    for k, name in enumerate(names):
        at = times.get(name)
        state = "current" if k == current else "done" if k < current else "todo"
        out.append({"step": name, "label": say.w[f"step_{name}"], "state": state,
                    "at": at.isoformat() if at and state != "todo" else None,
                    "time": say.time(at) if at and state != "todo" else ""})  # fmt: skip
    return out


def _headline(status: str, order: OrderRow, rec: Record, say: Wording, arrived: bool) -> str:
    w = say.w
    changes = order.data.get("x-customer-changes") or [{}]
    last, windows = changes[-1].get("kind"), order_windows(order.data)
    if status == "new" and last == "not_home":
        return w["head_moved"].format(day=formatting.calendar_day(order.day, say.language))
    if status == "new" and last == "reschedule" and windows:
        return w["head_rescheduled"].format(
            day=say.day(windows[0].start), window=say.window(windows[0].start, windows[0].end)
        )
    if status == "planned":
        return w["head_planned"].format(day=formatting.calendar_day(order.day, say.language))
    if status == "arriving" and arrived:
        return w["head_arrived"]
    if status == "delivered":
        at = _step_times(rec)["delivered"]
        return w["head_delivered"].format(day=say.day(at), time=say.time(at)) if at else w["step_delivered"]
    if status == "failed":
        action = rec.actions.get("failed")
        reason = str(rec.failed.get("reason") or (action.reason if action else None) or "other")
        return w["head_failed"].format(reason=reason_text(say.language, reason))
    return w[f"head_{status}"]


def _eta(status: str, order: OrderRow, place: Place, say: Wording, now: datetime) -> dict[str, Any] | None:
    """The arrival window, only while a delivery is still to come (never after delivery, a failure or a cancel),
    and not once the planned window has passed with the driver not yet set off (``_waiting`` says so instead)."""
    eta = place.eta
    if status not in SHOWS_ETA or eta is None:
        return None
    n = place.stops_before if place.started else None
    lo, hi = tracking_window(eta, order_windows(order.data), n, now if place.started else None)
    if not place.started and hi <= now:
        return None
    progress = ""
    if n is not None:
        progress = say.w["next"] if n == 0 else say.w["stop_away"] if n == 1 else say.w["stops_away"].format(n=n)
    return {"start": lo.isoformat(), "end": hi.isoformat(), "text": say.window(lo, hi),
            "margin_minutes": narrowing_margin_s(n) // 60, "stops_before": n, "progress": progress}  # fmt: skip


def _waiting(status: str, place: Place, eta: dict[str, Any] | None, booked: str, say: Wording) -> str:
    """What the page says when the plan's window has passed and the driver has not set off: no time (a window
    in the past would mislead), the booked window, and that the time comes once the driver leaves."""
    if status not in SHOWS_ETA or eta is not None or place.eta is None or place.started:
        return ""
    return f"{say.w['eta_waiting']} {booked}".strip()


def _driver(status: str, order: OrderRow, place: Place, say: Wording) -> dict[str, Any] | None:
    """Where the driver is, only while this stop is the next one."""
    pos = place.live.position if place.live is not None else None
    if status != "arriving" or place.stops_before != 0 or not pos:
        return None
    metres = haversine_m(LatLng(pos["lat"], pos["lng"]), LatLng(order.lat, order.lng))
    return {"lat": round(pos["lat"], 5), "lng": round(pos["lng"], 5), "at": pos.get("at"),
            "text": say.w["driver"].format(distance=formatting.distance(metres, say.language))}  # fmt: skip


def _proof(status: str, rec: Record, say: Wording, photos: bool) -> dict[str, Any] | None:
    if status != "delivered" or rec.proof is None:
        return None
    pr = rec.proof
    return {
        "time": f"{say.day(pr.at)}, {say.time(pr.at)}",
        "received_by": say.w["received_by"].format(name=pr.recipient) if pr.recipient else "",
        "left_at": say.w["left_at"].format(place=pr.safe_place) if pr.safe_place else "",
        "photo": bool(photos and pr.photo),
    }


def _next_step(status: str, rec: Record, say: Wording, uow: UnitOfWork) -> str:
    if status != "failed" or not rec.failed.get("next"):
        return ""
    again = rec.failed.get("reattempt_order_id")
    other = uow.orders.get(again) if isinstance(again, str) else None
    day = formatting.calendar_day(other.day, say.language) if other is not None else ""
    return next_step_text(say.language, str(rec.failed["next"]), day)


SHOWN_BOOKINGS = ("booked", "delivered", "failed")  # a partner carrier has (or had) the parcel


def _carrier(uow: UnitOfWork, order_id: str, say: Wording) -> dict[str, Any] | None:
    """Who delivers the parcel when a partner carrier has it: "Delivered by <carrier>", the carrier's tracking
    link (http(s) only: ``web_link``) and the tracking number an HTTP carrier gave (a manifest carrier's
    reference is ours, not one the customer can look up). None while the fleet delivers it."""
    held = [b for b in bookings_repo(uow).all(CarrierBookingRow.order_id == order_id) if b.status in SHOWN_BOOKINGS]
    if not held:
        return None
    booking = max(held, key=lambda b: b.id)
    carrier = carriers_repo(uow).get(booking.carrier_id)
    if carrier is None:
        return None
    url = web_link(booking.tracking_url)
    ref = booking.external_id if carrier.kind == CarrierKind.HTTP.value else ""
    return {"name": carrier.name, "text": say.w["by"].format(org=carrier.name), "url": url,
            "link": say.w["carrier_link"].format(carrier=carrier.name) if url else "",
            "reference": say.w["carrier_ref"].format(ref=ref) if ref else ""}  # fmt: skip


def changes_open(status: str, place: Place) -> bool:
    """Whether the customer may still change the delivery: not once it is arriving or over, nor once the driver
    has started and is ``CUTOFF_STOPS`` stops away or closer (at most two stops left before theirs)."""
    if status not in ("new", "planned", "out_for_delivery"):
        return False
    return not (place.started and place.stops_before is not None and place.stops_before < CUTOFF_STOPS)


def _changes(
    status: str, order: OrderRow, place: Place, say: Wording, uow: UnitOfWork, places_addresses: bool
) -> dict[str, Any]:
    safe = order.data.get("x-safe-place") or {}
    is_open = changes_open(status, place)
    return {
        "open": is_open, "instructions": str(order.data.get("instructions") or ""),
        "safe_place_allowed": bool(safe.get("allowed")), "safe_place": str(safe.get("where") or ""),
        "closed": say.w["changes_closed"] if not is_open and status in SHOWS_ETA else "",
        "pickup": is_open and _pickup_on_offer(uow, order, place),
        "address": is_open and places_addresses and address_movable(order, place.route is not None),
    }  # fmt: skip


def address_movable(order: OrderRow, on_live_route: bool) -> bool:
    """Whether the order may move to another address from the page (``address_change``): a delivery to a door,
    new or on a live route."""
    if order.kind != OrderKind.DELIVERY.value or order.pickup_point_id is not None:
        return False
    return on_live_route or order.status == OrderStatus.NEW.value


def _pickup_on_offer(uow: UnitOfWork, order: OrderRow, place: Place) -> bool:
    """Whether the page offers a switch to a pickup point: a delivery not planned yet or on a live route, whose
    depot has an active point (which of them can take it that day is the list's business)."""
    if order.kind != OrderKind.DELIVERY.value or (place.route is None and order.status != OrderStatus.NEW.value):
        return False
    q = select(PickupPointRow.id).where(
        PickupPointRow.org_id == uow.org_id, PickupPointRow.depot_id == order.depot_id, PickupPointRow.active
    )
    return uow.session.scalar(q.limit(1)) is not None


def _feedback(status: str, row: FeedbackRow | None, say: Wording) -> dict[str, Any]:
    return {
        "open": status == "delivered", "rating": row.rating if row else None, "tags": list(row.tags) if row else [],
        "comment": row.comment if row else "",
        "options": [{"tag": t, "label": say.w[f"tag_{t}"]} for t in TAGS],
    }  # fmt: skip


def language_of(order: OrderRow) -> str:
    """The customer's language as the messages use it (the order's contact), English by default."""
    contact = order.data.get("contact") or {}
    return str(contact.get("language") or "en")


def view(p: Platform, opened: Opened) -> dict[str, Any]:
    """The page's content for a valid link (E1451 when its order is gone)."""
    return view_and_route(p, opened)[0]


def view_and_route(p: Platform, opened: Opened) -> tuple[dict[str, Any], str | None]:
    """The page's content and the live route the order is on (what its stream listens to; never shown)."""
    now = p.clock()
    with p.uow(opened.org_id) as uow:
        order = uow.orders.get(opened.order_id)
        org = uow.session.get(OrganizationRow, opened.org_id)
        if order is None or org is None:
            raise not_found()
        depot = uow.depots.get(order.depot_id)
        say = Wording(language_for(language_of(order)), depot.timezone if depot is not None else "UTC")
        place, rec = place_of(uow, order.id), record_of(uow, order.id)
        arrived = "arrived" in rec.actions or (place.live is not None and
                                               place.live.outcomes.get(order.id) == "arrived")  # fmt: skip
        status = status_of(order, place, arrived)
        windows = order_windows(order.data)
        booked = say.w["booked"].format(window=say.window(windows[0].start, windows[0].end)) if windows else ""
        sender = rules_of(uow).sender
        eta = _eta(status, order, place, say, now)
        content = {
            "language": say.language, "organization": sender.name or org.name,
            "brand": {"colour": sender.colour, "text": text_on(sender.colour),
                      "logo_url": logo_src(sender.logo_url, opened.token)},
            "reference": order.external_ref.split("#")[0],
            "status": status, "headline": _headline(status, order, rec, say, arrived),
            "steps": _steps(status, rec, say), "eta": eta,
            "booked": booked if status in SHOWS_ETA else "", "driver": _driver(status, order, place, say),
            "proof": _proof(status, rec, say, org.tracking_photo),
            "next_step": _next_step(status, rec, say, uow) or _waiting(status, place, eta, booked, say),
            "carrier": _carrier(uow, order.id, say),
            "feedback": _feedback(status, uow.feedback.first(FeedbackRow.order_id == order.id), say),
            "changes": _changes(status, order, place, say, uow, p.geocoder is not None),
            "updated": say.w["updated"].format(time=say.time(now)), "as_of": now.isoformat(),
        }  # fmt: skip
        return content, place.route.id if place.route is not None else None


def logo_src(logo_url: str, token: str) -> str:
    """Where the page loads the logo from: an https logo as it is; a data: logo from this server
    (``/v1/track/{token}/logo``), so the page and each of its live updates stay light; '' for none."""
    if logo_url.startswith("data:"):
        return f"/v1/track/{token}/logo" if token else ""
    return logo_url


def logo_image(p: Platform, opened: Opened) -> LogoImage | None:
    """The organization's logo image when its rules give one as a data: URL (None otherwise)."""
    with p.uow(opened.org_id) as uow:
        return decoded(rules_of(uow).sender.logo_url)


def proof_photo(p: Platform, opened: Opened) -> tuple[bytes, str] | None:
    """The delivery photo when the organization shows photos and the order was delivered with one."""
    with p.uow(opened.org_id) as uow:
        org = uow.session.get(OrganizationRow, opened.org_id)
        order = uow.orders.get(opened.order_id)
        if org is None or not org.tracking_photo or order is None or order.status != OrderStatus.DELIVERED.value:
            return None
        proofs = [pr for pr in uow.proofs.all(ProofRow.order_id == order.id) if pr.photo]
        if not proofs:
            return None
        return proofs[-1].photo or b"", proofs[-1].photo_type or "image/jpeg"
