"""The customer's confirmation of a new delivery address (``address_changed``), on SQLite and PostgreSQL with a real
SMTP server and a local SMS provider: a tracking link is a bearer token, so whoever moves the parcel — the
customer from the tracking page, or a dispatcher — the customer hears of it once per move, in their language,
naming the new address (and whom to call if they did not ask for it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from doorstep.routing.address_lookup import LocalGeocoder
from doorstep.services.customer.notifications import queue_messages
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.store.models import EventRow
from tests.api.conftest import Tenant, make_tenant, platform_of
from tests.api.notify_day import Notifying, notifying
from tests.api.pickup_day import dispatch_day
from tests.api.test_address_change import HOME, HOUSE, _in_monaco, _token
from tests.api.test_plans import wait

__all__ = ["notifying"]  # the module-scoped app fixture


@pytest.fixture
def monaco(notifying: Notifying, monaco_network: Path) -> Iterator[Notifying]:
    """The notifying app with the Monaco network's address index for this test."""
    p = platform_of(notifying.client)
    p.geocoder = LocalGeocoder(monaco_network)
    try:
        yield notifying
    finally:
        p.geocoder = None


def _contact(t: Tenant, language: str) -> dict[str, str]:
    return {"name": "Camille", "email": f"camille.{t.org_id.lower()}@example.org", "phone": "+33 6 12 34 56 78",
            "language": language}  # fmt: skip


def _moved(n: Notifying, t: Tenant, order_id: str) -> list[dict[str, Any]]:
    """The order's address_changed messages as the API lists them."""
    rows = n.client.get(f"/v1/orders/{order_id}/messages", headers=t.h()).json()
    return [m for m in rows if m["trigger"] == "address_changed"]


def _mails(n: Notifying, to: str, ref: str) -> list[EmailMessage]:
    return [m for m in n.smtp.inbox.messages if str(m["To"]) == to and ref in str(m["Subject"])]


def _texts(n: Notifying, ref: str) -> list[str]:
    return [str(r["form"]["Body"]) for r in n.sms.log.accepted if ref in str(r["form"].get("Body", ""))]


def _subject(msg: EmailMessage) -> str:
    """The subject as a mail client shows it (a long one is folded before its first word: Python's email keeps
    that space when parsing it back)."""
    return str(msg["Subject"]).strip()


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _relocated(n: Notifying, t: Tenant, order_id: str) -> list[EventRecord]:
    """The order's ``order.relocated`` events, oldest first (PostgreSQL returns rows in no set order)."""
    with platform_of(n.client).uow(t.org_id) as uow:
        rows = uow.session.query(EventRow).filter(EventRow.org_id == t.org_id, EventRow.subject_id == order_id,
                                                  EventRow.type == "order.relocated"
                                                  ).order_by(EventRow.at, EventRow.id).all()  # fmt: skip
        return [EventRecord(e.id, e.org_id, e.type, e.subject_id, e.actor, e.at, data=dict(e.data)) for e in rows]


def test_a_move_from_the_tracking_page_is_confirmed_once_in_the_customers_language(monaco: Notifying) -> None:
    """A new order moved to a house nearby from its tracking page: ``order.relocated`` (by the customer, the new
    address and place) and exactly one address_changed email and SMS, in French, naming the new address and saying
    to contact the sender if the customer did not ask for it. The same address again moves nothing and sends
    nothing; handling the event again writes nothing new."""
    n, c = monaco, monaco.client
    t = make_tenant(c)
    ref = f"HOME-{uuid.uuid4().hex[:6]}"
    contact = _contact(t, "fr")
    made = c.post("/v1/orders", json=t.order(ref, location=HOME, contact=contact), headers=t.h())
    assert made.status_code == 201, made.text
    order_id = made.json()["id"]
    token = _token(c, t, order_id)
    moved = c.post(f"/v1/track/{token}/address", json={"address": HOUSE})
    assert moved.status_code == 200, moved.text
    wait(c)
    (event,) = _relocated(n, t, order_id)
    assert (event.actor, event.data["address"], event.data["by"], event.data["version"]) == (
        "customer", HOUSE, "customer", 2,
    )  # fmt: skip
    assert set(event.data["location"]) == {"lat", "lng"}
    rows = _moved(n, t, order_id)
    assert sorted((m["channel"], m["language"], m["version"], m["status"]) for m in rows) == [
        ("email", "fr", 2, "sent"), ("sms", "fr", 2, "sent"),
    ]  # fmt: skip
    (mail,) = _mails(n, contact["email"], ref)
    assert _subject(mail) == f"Nouvelle adresse de livraison pour {ref} : {HOUSE}"
    text = _body(mail)
    assert HOUSE in text and "Si vous ne l'avez pas demandé, contactez Loja Exemplo sans attendre." in text
    (sms,) = _texts(n, ref)
    assert HOUSE in sms and sms.startswith("Loja Exemplo : votre livraison de")
    again = c.post(f"/v1/track/{token}/address", json={"address": HOUSE})
    assert again.status_code == 200, again.text
    wait(c)
    assert len(_relocated(n, t, order_id)) == 1 and len(_moved(n, t, order_id)) == 2
    assert queue_messages(platform_of(c), event) == []  # once per move: the de-duplication key
    assert len(_mails(n, contact["email"], ref)) == 1 and len(_texts(n, ref)) == 1


def test_a_dispatchers_relocation_on_a_live_route_is_confirmed_too(monaco: Notifying) -> None:
    """Out for delivery in Monaco, a dispatcher relocates the order (a ``relocate`` proposal, approved at once):
    ``order.relocated`` says a dispatcher did it, and the customer gets one address_changed email (English)
    naming the new address — the same warning as for their own move."""
    n, c = monaco, monaco.client
    t = make_tenant(c)
    _in_monaco(c, t)
    ref = f"HOME-{uuid.uuid4().hex[:6]}"
    contact = _contact(t, "en")
    order_id = c.post("/v1/orders", json=t.order(ref, location=HOME, contact=contact), headers=t.h()).json()["id"]
    c.post("/v1/orders", json=t.order(location={"lat": 43.7390, "lng": 7.4250}), headers=t.h())
    p = platform_of(c)
    real_clock = p.clock
    house = p.geocoder.geocode(HOUSE).best if p.geocoder is not None else None
    assert house is not None
    try:
        p.clock = lambda: datetime.fromisoformat("2025-06-17T07:30:00+01:00")  # before the van leaves
        phone = dispatch_day(c, t)
        (route,) = c.get("/v1/driver/routes", headers=phone).json()["routes"]
        plan_id = c.get(f"/v1/routes/{route['id']}", headers=t.h()).json()["plan_id"]
        where = {"lat": house.location.lat, "lng": house.location.lng}
        body = {"plan_id": plan_id, "kind": "relocate", "subject_id": order_id, "location": where,
                "address": HOUSE, "auto_approve": True}  # fmt: skip
        prop = c.post("/v1/live/proposals", json=body, headers=t.h())
        assert prop.status_code == 201, prop.text
        assert prop.json()["status"] == "applied", prop.json()
        wait(c)
        (event,) = _relocated(n, t, order_id)
        assert (event.data["by"], event.data["address"], event.data["location"]) == ("dispatcher", HOUSE, where)
        rows = _moved(n, t, order_id)
        assert sorted((m["channel"], m["language"], m["status"]) for m in rows) == [
            ("email", "en", "sent"), ("sms", "en", "sent"),
        ]  # fmt: skip
        (mail,) = _mails(n, contact["email"], f"{ref} now goes to")
        assert _subject(mail) == f"Your delivery of {ref} now goes to {HOUSE}"
        assert "If you did not ask for this, contact Loja Exemplo at once." in _body(mail)
        # back to the first place, given by its coordinates alone: the message names them
        back = {**body, "location": HOME, "address": ""}
        assert c.post("/v1/live/proposals", json=back, headers=t.h()).json()["status"] == "applied"
        wait(c)
    finally:
        p.clock = real_clock
    assert [e.data["by"] for e in _relocated(n, t, order_id)] == ["dispatcher", "dispatcher"]
    assert len(_moved(n, t, order_id)) == 4
    subjects = [_subject(m) for m in _mails(n, contact["email"], f"{ref} now goes to")]
    assert subjects == [f"Your delivery of {ref} now goes to {HOUSE}", f"Your delivery of {ref} now goes to "
                        f"{HOME['lat']:.5f}, {HOME['lng']:.5f}"]  # fmt: skip


def test_a_dispatchers_edit_to_another_address_is_confirmed_and_keeps_what_the_customer_set(
    monaco: Notifying,
) -> None:
    """A customer moves their new order nearby and gives a safe place; a dispatcher then edits the order through
    the API (``PUT``, as the orders page does) without those keys. The safe place and the customer's change log
    stay; an edit of the phone number alone is no move (no ``order.relocated``, no message); an edit to another
    address is: ``order.relocated`` by the dispatcher, one address_changed email and SMS naming it, and the
    customer's 3-km limit then counts from the dispatcher's address."""
    n, c = monaco, monaco.client
    t = make_tenant(c)
    ref = f"HOME-{uuid.uuid4().hex[:6]}"
    contact = _contact(t, "en")
    body = t.order(ref, location=HOME, contact=contact)
    order_id = c.post("/v1/orders", json=body, headers=t.h()).json()["id"]
    token = _token(c, t, order_id)
    given = {"instructions": "ring twice", "safe_place_allowed": True, "safe_place": "behind the blue gate"}
    safe = c.put(f"/v1/track/{token}/instructions", json=given)
    assert safe.status_code == 200, safe.text
    assert c.post(f"/v1/track/{token}/address", json={"address": HOUSE}).status_code == 200
    wait(c)
    stored = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    kept = {k: stored["data"][k] for k in ("x-safe-place", "x-customer-changes")}
    assert kept["x-safe-place"]["where"] == "behind the blue gate" and len(kept["x-customer-changes"]) == 1
    phone = {**body, "location": stored["data"]["location"], "address": HOUSE,
             "contact": {**contact, "phone": "+33 6 98 76 54 32"}, "version": stored["version"]}  # fmt: skip
    edited = c.put(f"/v1/orders/{order_id}", json=phone, headers=t.h())
    assert edited.status_code == 200, edited.text
    wait(c)
    after = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    assert after["data"]["contact"]["phone"] == "+33 6 98 76 54 32"
    assert {k: after["data"][k] for k in kept} == kept  # not dropped by the edit
    assert [e.data["by"] for e in _relocated(n, t, order_id)] == ["customer"]  # the phone edit is no move
    other = "Avenue Princesse Grace, Monaco"
    place = platform_of(c).geocoder.geocode(other).best  # type: ignore[union-attr]
    assert place is not None
    where = {"lat": place.location.lat, "lng": place.location.lng}
    move = {**phone, "location": where, "address": other, "version": after["version"]}
    assert c.put(f"/v1/orders/{order_id}", json=move, headers=t.h()).status_code == 200
    wait(c)
    events = _relocated(n, t, order_id)
    assert [(e.data["by"], e.data["address"]) for e in events] == [("customer", HOUSE), ("dispatcher", other)]
    assert events[1].data["location"] == where and events[1].actor != "customer"
    final = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    assert events[1].data["version"] == final["version"]
    log = final["data"]["x-customer-changes"]
    assert [x["kind"] for x in log] == ["relocate", "address_edit"] and log[1]["from"]["address"] == HOUSE
    assert final["data"]["x-safe-place"] == kept["x-safe-place"]
    dispatcher_move = [m for m in _moved(n, t, order_id) if m["version"] == final["version"]]
    assert sorted(m["channel"] for m in dispatcher_move) == ["email", "sms"]
    (mail,) = _mails(n, contact["email"], f"{ref} now goes to {other}")
    assert "If you did not ask for this" in _body(mail)
    assert any(other in s for s in _texts(n, ref))
    # the customer may now move within 3 km of the dispatcher's address: the house booked first is 1.5 km away
    assert c.post(f"/v1/track/{token}/address", json={"address": HOUSE}).status_code == 200
