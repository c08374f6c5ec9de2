"""Pickup points ranked by the walk (SQLite and PostgreSQL): with a walking network (``DOORSTEP_FOOT_NETWORK``,
built from the Monaco extract) the points near an address are measured on foot, ranked by the walk and kept
within ``within_m`` walking metres; the tracking page's switch lists its points by the walk from the customer's
address too. On Monaco's slopes a point 227 m away in a straight line is a 3 km walk, and
one 377 m away is 405 m on foot: the second is the near one. Without the network the straight line stands; a
network that does not route walkers is refused at start (E3006)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.api.app import create_app, foot_network
from doorstep.config import Settings
from doorstep.domain.errors import DoorstepError
from tests.api.conftest import Tenant, make_tenant, platform_of
from tests.api.pickup_day import make_point
from tests.api.slot_day import EVE, eve, policy, put_policy

__all__ = ["eve"]  # the clock fixture of the app without a walking network

PICKUP = {"id": "pickup", "kind": "pickup", "price_cents": 199}
HOME = {"lat": 43.745539, "lng": 7.414646}  # a customer's address (../shared/osm/monaco_points_300.json, #281)
BELOW = (43.743908, 7.412955)  # 227 m in a straight line, some 3 km on foot (#99)
ALONG = (43.748802, 7.415927)  # 377 m in a straight line, some 400 m on foot (#103)


@pytest.fixture(scope="module")
def walking(db_url: str, monaco_foot: Path) -> Iterator[TestClient]:
    """An app with the Monaco walking network (no periodic work), its clock at the eve of the slot day."""
    settings = Settings(database_url=db_url, secret_key="test-secret", rate_limit_per_minute=1_000_000,
                        webhook_tick_s=0, event_tick_s=0, notify_tick_s=0, slot_expiry_tick_s=0, learn_tick_s=0,
                        rollup_tick_s=0, foot_network=monaco_foot)  # fmt: skip
    with TestClient(create_app(settings)) as c:
        platform_of(c).clock = lambda: EVE
        yield c


def _tenant_with_points(c: TestClient) -> Tenant:
    t = make_tenant(c)
    put_policy(c, t, {**policy(t), "service_levels": [PICKUP]})
    make_point(c, t, name="Below", lat=BELOW[0], lng=BELOW[1])
    make_point(c, t, name="Along", lat=ALONG[0], lng=ALONG[1], kind="locker")
    return t


def _near(c: TestClient, t: Tenant, **kw: Any) -> Any:
    r = c.post("/v1/slots/pickup-points", json={"location": HOME, **kw}, headers=t.h("write"))
    assert r.status_code == 200, r.text
    return r.json()


def test_points_are_ranked_and_kept_by_the_walk(walking: TestClient) -> None:
    """Within 5 km: Along first (a 405-m walk, about 5 minutes), then Below (nearer in a straight line, a 3-km
    walk); within 1 km only Along; each with its straight-line metres too; ``ranked_by`` says walk."""
    t = _tenant_with_points(walking)
    body = _near(walking, t)
    assert body["ranked_by"] == "walk" and body["reason"] is None
    along, below = body["points"]
    assert (along["name"], below["name"]) == ("Along", "Below")
    assert below["distance_m"] < along["distance_m"]  # the straight line would have put Below first
    assert 370 <= along["distance_m"] <= along["walk_m"] <= 600 and 240 <= along["walk_s"] <= 600
    assert below["walk_m"] > 2_500 and below["walk_s"] > along["walk_s"] * 4
    near = _near(walking, t, within_m=1_000)
    assert [p["name"] for p in near["points"]] == ["Along"]


def test_no_point_within_the_walk_says_so_on_foot(walking: TestClient) -> None:
    """Within 300 m: Below lies inside the straight-line circle but is a 3-km walk: none, E2274 naming the walk."""
    t = _tenant_with_points(walking)
    body = _near(walking, t, within_m=300)
    assert body["points"] == [] and body["reason"]["code"] == "E2274"
    assert "within 300 m on foot of 43.74554,7.41465" in body["reason"]["message"]


def test_without_a_walking_network_the_straight_line_ranks(client: TestClient, eve: datetime) -> None:
    """The deployment without DOORSTEP_FOOT_NETWORK: Below first, no walk figures, ranked_by straight_line."""
    t = _tenant_with_points(client)
    body = _near(client, t)
    assert body["ranked_by"] == "straight_line"
    assert [(p["name"], p["walk_m"], p["walk_s"]) for p in body["points"]] == [("Below", None, None),
                                                                               ("Along", None, None)]


def test_an_address_outside_the_walking_network_keeps_the_straight_line(walking: TestClient) -> None:
    """A customer outside the Monaco extract (the points there too): the walk cannot be measured, the straight
    line ranks (ranked_by straight_line), nothing is lost."""
    t = make_tenant(walking)
    put_policy(walking, t, {**policy(t), "service_levels": [PICKUP]})
    make_point(walking, t, name="Rossio", lat=38.7139, lng=-9.1394)
    r = walking.post("/v1/slots/pickup-points", json={"location": {"lat": 38.72, "lng": -9.14}},
                     headers=t.h("write"))  # fmt: skip
    body = r.json()
    assert (r.status_code, body["ranked_by"], [p["name"] for p in body["points"]]) == (200, "straight_line", ["Rossio"])


def test_a_car_network_as_the_walking_network_is_refused_at_start(monaco_network: Path) -> None:
    """E3006 naming DOORSTEP_FOOT_NETWORK and how to build a walking network."""
    with pytest.raises(DoorstepError) as err:
        foot_network(Settings(secret_key="x", foot_network=monaco_network))
    (issue,) = err.value.issues
    assert issue.code == "E3006" and "is a car network, not a walking one" in issue.message
    assert "--profile foot" in issue.fix


def test_the_tracking_page_lists_the_points_by_the_walk_from_the_address(walking: TestClient) -> None:
    """A delivery to HOME: its tracking link's points come Along (a 405-m walk) before Below (nearer in a straight
    line, a 3-km walk), each with both measures; after the switch to Along the list still measures from HOME (the
    address the order left), not from the point it goes to now."""
    c = walking
    t = _tenant_with_points(c)
    made = c.post("/v1/orders", json=t.order("HOME-1", location=HOME), headers=t.h())
    assert made.status_code == 201, made.text
    link = c.post(f"/v1/live/orders/{made.json()['id']}/tracking-token", headers=t.h())
    token = link.json()["token"]

    def listed() -> list[tuple[str, int, int]]:
        r = c.get(f"/v1/track/{token}/pickup-points")
        assert r.status_code == 200, r.text
        return [(x["name"], x["distance_m"], x["walk_m"]) for x in r.json()]

    before = listed()
    assert [name for name, _, _ in before] == ["Along", "Below"]
    (_, along_m, along_walk), (_, below_m, below_walk) = before
    assert below_m < along_m <= along_walk < 600 < 2_500 < below_walk
    along = next(x["id"] for x in c.get(f"/v1/track/{token}/pickup-points").json() if x["name"] == "Along")
    assert c.post(f"/v1/track/{token}/pickup-point", json={"pickup_point_id": along}).status_code == 200
    assert listed() == before
