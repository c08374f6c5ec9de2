"""The generic HTTP carrier adapter against a real local server: the protocol, retries, timeouts and the
address guard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from doorstep.carriers.adapters import factory
from doorstep.carriers.http_carrier import HttpCarrier
from doorstep.carriers.manifest_carrier import ManifestCarrier
from doorstep.domain.carrier_types import Booking, CarrierStatus, CarrierUnavailableError, Quote
from doorstep.domain.carriers import CarrierConfig, CarrierKind, PriceRule, ServiceArea
from doorstep.services.kernel.webhook_targets import delivery_block
from tests.api.carrier_server import PDF, SECRET, CarrierServer
from tests.factories import ORIGIN, km, order

ORDER = order("FAR-1", km(30, 0), depot_id="dep_a")


@pytest.fixture
def server() -> Iterator[CarrierServer]:
    """A local carrier for this test."""
    s = CarrierServer(price_cents=1234)
    yield s
    s.close()


def config(server: CarrierServer, **kw: object) -> CarrierConfig:
    """The server as an HTTP carrier (0.3 s timeout, one retry unless given)."""
    base = {"timeout_s": 0.3, "retries": 1}
    return CarrierConfig(id="car_1", name="CC", kind=CarrierKind.HTTP, endpoints=server.endpoints(), secret=SECRET,
                         **{**base, **kw})  # type: ignore[arg-type]  # fmt: skip


def adapter(server: CarrierServer, **kw: object) -> HttpCarrier:
    """The adapter with no address rule and no waiting between attempts."""
    return HttpCarrier(config(server, **kw), guard=lambda url: None, sleep=lambda s: None)


def test_quote_book_label_status_speak_the_protocol(server: CarrierServer) -> None:
    """A quote for the order, a booking with the carrier's reference, the PDF label and the polled status."""
    a = adapter(server)
    assert a.quote([ORDER]) == [Quote("ord_FAR-1", 1234, "q-FAR-1")]
    booked = a.book(ORDER, Quote("ord_FAR-1", 1234, "q-FAR-1"))
    assert booked == Booking("ord_FAR-1", "CC-1", "https://carrier.example/t/CC-1")
    assert (a.label(booked).content, a.label(booked).content_type) == (PDF, "application/pdf")
    assert a.status(booked).status is CarrierStatus.IN_TRANSIT  # type: ignore[union-attr]
    a.cancel(booked)
    assert server.paths() == ["/quote", "/book", "/label", "/label", "/status", "/cancel"]


def test_a_slow_carrier_is_tried_again_then_reported_unavailable(server: CarrierServer) -> None:
    """Past the timeout the call is made once more (retries=1) and then raises, naming the timeout."""
    server.delay_s = 0.6
    with pytest.raises(CarrierUnavailableError, match="ReadTimeout"):
        adapter(server).quote([ORDER])
    assert server.paths() == ["/quote", "/quote"]


def test_a_5xx_is_retried_and_a_4xx_is_not(server: CarrierServer) -> None:
    """A 503 is asked again (1 + 2 retries); a 422 is the carrier's answer and is asked once."""
    server.status = 503
    with pytest.raises(CarrierUnavailableError, match="HTTP 503"):
        adapter(server, retries=2).quote([ORDER])
    server.status = 422
    with pytest.raises(CarrierUnavailableError, match="HTTP 422"):
        adapter(server, retries=2).book(ORDER, Quote("ord_FAR-1", 1))
    assert server.paths() == ["/quote", "/quote", "/quote", "/book"]


def test_a_garbled_answer_or_a_missing_endpoint_is_not_a_booking(server: CarrierServer) -> None:
    """An answer without a booking id is refused (not retried); a carrier without a book endpoint cannot book."""
    server.answer = lambda path, body: {}  # type: ignore[method-assign]
    with pytest.raises(CarrierUnavailableError, match="without booking_id"):
        adapter(server, retries=3).book(ORDER, Quote("ord_FAR-1", 1))
    assert server.paths() == ["/book"]
    missing = CarrierConfig(id="car_1", name="CC", kind=CarrierKind.HTTP, endpoints={"quote": server.base + "/nowhere"},
                            secret=SECRET, retries=3)  # fmt: skip
    with pytest.raises(CarrierUnavailableError, match="no book endpoint"):
        HttpCarrier(missing, guard=lambda url: None).book(ORDER, Quote("ord_FAR-1", 1))


def test_the_address_guard_refuses_loopback_without_contacting_it(server: CarrierServer) -> None:
    """With the deployment's rule (private addresses not allowed) the loopback carrier is never called."""
    make = factory(lambda url: delivery_block(url, False))
    a = make(config(server))
    assert isinstance(a, HttpCarrier)
    with pytest.raises(CarrierUnavailableError, match="not public"):
        a.quote([ORDER])
    assert server.requests == []


def test_the_manifest_carrier_prices_from_its_rate_card() -> None:
    """The manifest carrier quotes the rate card for orders in its area and books them onto its manifest."""
    c = CarrierConfig(id="car_m", name="Partner", kind=CarrierKind.MANIFEST, areas=(ServiceArea("dep_a", 60_000),),
                      price=PriceRule(base_cents=900), depots={"dep_a": ORIGIN})  # fmt: skip
    m = factory(lambda url: None)(c)
    assert isinstance(m, ManifestCarrier)
    outside = order("OUT", km(80, 0), depot_id="dep_a")
    assert m.quote([ORDER, outside]) == [Quote("ord_FAR-1", 900)]
    assert m.book(ORDER, Quote("ord_FAR-1", 900)).external_id == "MAN-FAR-1"
    assert m.status(Booking("ord_FAR-1", "MAN-FAR-1")) is None
