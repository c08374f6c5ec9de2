"""Migration 0016 on a database holding data from before it (SQLite and PostgreSQL): the orders of an organization
with a slot policy get their zone, and the KPI rollups made before zones existed are dropped (the next request
rolls those days up again, per zone too), so no rolled-up day lacks its zones or reads as having none."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, MetaData, func, insert, select, text

from doorstep.store.engine import make_engine
from doorstep.store.migrate import downgrade, upgrade
from tests.conftest import PG_ADMIN_URL, _pg_admin

NOW = datetime(2025, 6, 20, 8, 0, tzinfo=UTC)
DEPOT = (38.7372, -9.1034)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """An empty database of each kind (PostgreSQL: created now, dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/m.sqlite"
        return
    admin = _pg_admin()
    if admin is None:
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not answering")
    name = f"doorstep_m16_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fill_0015(engine: Engine) -> None:
    """An organization with a depot, a slot policy (a 3 km circle around the depot), an order inside it, one
    outside, and a rolled-up day (kpi_daily without zones, kpi_heat, kpi_days)."""
    md = MetaData()
    md.reflect(engine)
    t = md.tables
    zones = [{"id": "hub", "name": "Hub", "depot_id": "dep_1", "radius_m": 3000}]
    template = {"id": "std", "zone_id": "hub", "start": "08:00", "end": "20:00", "length_min": 120, "max_orders": 5}
    with engine.begin() as c:
        c.execute(insert(t["organizations"]), {"id": "org_1", "name": "Old", "created_at": NOW})
        c.execute(insert(t["depots"]), {"id": "dep_1", "org_id": "org_1", "name": "Hub", "lat": DEPOT[0],
                                        "lng": DEPOT[1], "timezone": "Europe/Lisbon", "address": "",
                                        "loading_s": 0, "version": 1, "created_at": NOW})  # fmt: skip
        c.execute(insert(t["slot_policies"]), {"id": "spl_1", "org_id": "org_1", "version": 1, "created_at": NOW,
                                               "data": {"zones": zones, "templates": [template]}})  # fmt: skip
        for ref, lat in (("near", 38.75), ("far", 38.60)):
            order = {"id": f"ord_{ref}", "org_id": "org_1", "external_ref": ref, "depot_id": "dep_1",
                     "day": date(2025, 6, 17), "status": "delivered", "kind": "delivery", "lat": lat, "lng": -9.11,
                     "address": "", "data": {}, "version": 1, "updated_at": NOW, "created_at": NOW}  # fmt: skip
            c.execute(insert(t["orders"]), order)
        keys = {"org_id": "org_1", "day": date(2025, 6, 17), "depot_id": "dep_1"}
        daily = {col.name: 0 for col in t["kpi_daily"].columns} | keys | {"driver_id": "", "vehicle_id": "",
                                                                           "attempts": 2}  # fmt: skip
        c.execute(insert(t["kpi_daily"]), daily)
        c.execute(insert(t["kpi_heat"]), keys | {"hour": 9, "attempts": 2, "failed": 0, "late": 0})
        c.execute(insert(t["kpi_days"]), {"org_id": "org_1", "day": date(2025, 6, 17), "computed_at": NOW})


def test_0016_zones_old_orders_and_drops_old_rollups(url: str) -> None:
    """After 0016 the order inside the circle is in zone hub, the one outside in none, and no rollup row is left;
    downgrading to 0015 and upgrading again works."""
    upgrade(url, "0015")
    engine = make_engine(url)
    try:
        _fill_0015(engine)
        upgrade(url, "0016")
        with engine.connect() as c:
            zones = {r.id: r.zone_id for r in c.execute(text("SELECT id, zone_id FROM orders"))}
            left = [c.scalar(select(func.count()).select_from(text(n))) for n in ("kpi_daily", "kpi_heat", "kpi_days")]
        assert zones == {"ord_near": "hub", "ord_far": None}
        assert left == [0, 0, 0]
        downgrade(url, "0015")
        upgrade(url, "0016")
    finally:
        engine.dispose()
