"""The platform's travel model with time-of-day traffic (DOORSTEP_TRAFFIC, DOORSTEP_WEATHER)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import sessionmaker

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.errors import DoorstepError
from doorstep.optimize.check import check_plan
from doorstep.optimize.options import SolveOptions
from doorstep.routing import StraightLineProvider
from doorstep.routing.traffic import DEFAULT_URBAN, HOURS_PER_WEEK, TrafficProvider
from doorstep.services.kernel.platform import Platform
from doorstep.services.kernel.settings import TravelModel
from doorstep.services.planning.planning import plan
from tests.factories import VAN, depot, km, order, problem, vehicle

ORDERS = [order(f"T{i}", km(4 * (i % 4) - 6, 3 * (i // 4) - 3), windows=((8, 12),)) for i in range(10)]


def _platform(traffic: str | None = None, weather: float = 1.0) -> Platform:
    return Platform(sessions=sessionmaker(), travel=TravelModel(traffic=traffic, weather=weather))


def test_without_traffic_the_platform_keeps_the_plain_model() -> None:
    """No DOORSTEP_TRAFFIC and clear weather: the travel model is the straight-line (or road) model itself."""
    p = _platform()
    assert not isinstance(p.provider(problem(ORDERS)), TrafficProvider)


def test_urban_traffic_pins_matrices_to_the_plans_main_hour_in_the_depots_time_zone() -> None:
    """Every matrix of a problem uses the factor of its first departure hour (08:00 Monday in Lisbon: 1.5), even
    when asked for another hour, so plans, live changes and the checker agree; a depot in another zone reads the
    hours in its own local time."""
    p = _platform(traffic="urban")
    prob = problem(ORDERS)
    provider = p.provider(prob)
    assert isinstance(provider, TrafficProvider) and provider.pinned
    pts = [o.location for o in ORDERS[:4]]
    free = StraightLineProvider().matrix(pts, VAN.profile).durations
    expected = np.rint(free * DEFAULT_URBAN[8])
    assert (provider.matrix(pts, VAN.profile).durations == expected).all()
    assert (provider.matrix(pts, VAN.profile, ORDERS[0].time_windows[0].end).durations == expected).all()
    tokyo = problem(ORDERS, vehicles=[vehicle()], depots=[depot(timezone="Asia/Tokyo")])
    # 08:00 in Lisbon is 17:00 in Tokyo: the Monday evening peak factor
    assert (p.provider(tokyo).matrix(pts, VAN.profile).durations == np.rint(free * DEFAULT_URBAN[17])).all()


def test_weather_alone_slows_every_hour_and_a_traffic_file_is_read(tmp_path: Path) -> None:
    """DOORSTEP_WEATHER=1.2 without factors: every leg 20% slower; a JSON file of 168 factors is used as given."""
    pts = [o.location for o in ORDERS[:3]]
    free = StraightLineProvider().matrix(pts, VAN.profile).durations
    rainy = _platform(weather=1.2).provider(problem(ORDERS))
    assert (rainy.matrix(pts, VAN.profile).durations == np.rint(free * 1.2)).all()
    f = tmp_path / "city.json"
    f.write_text(json.dumps({"hour_factors": [2.0] * HOURS_PER_WEEK}), encoding="utf-8")
    slow = _platform(traffic=str(f)).provider(problem(ORDERS))
    assert (slow.matrix(pts, VAN.profile).durations == np.rint(free * 2.0)).all()


def test_a_plan_made_with_traffic_passes_the_checker_on_the_same_model_and_is_slower() -> None:
    """The platform's plan at the 08:00 peak drives longer than the free-flow plan and checks clean on the
    platform's model."""
    prob = problem(ORDERS)
    p = _platform(traffic="urban")
    slow = plan(prob, provider=p.provider(prob), options=SolveOptions(time_limit_s=2, max_iterations=200))
    fast = plan(prob, provider=_platform().provider(prob), options=SolveOptions(time_limit_s=2, max_iterations=200))
    assert check_plan(prob, slow, p.provider(prob)) == []
    assert slow.stats.duration_s > fast.stats.duration_s
    assert "+traffic" in slow.stats.provider


def test_bad_traffic_settings_stop_the_app_at_start(tmp_path: Path) -> None:
    """A traffic file with the wrong number of factors is E3013 when the app is built, not at the first plan;
    an unreadable one is E1001."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hour_factors": [1.0] * 24}), encoding="utf-8")
    for source, code in ((str(bad), "E3013"), (str(tmp_path / "missing.json"), "E1001")):
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.sqlite'}", traffic=source, webhook_tick_s=0)
        with pytest.raises(DoorstepError) as err:
            create_app(settings)
        assert err.value.issues[0].code == code


def test_the_app_takes_its_traffic_from_the_settings(tmp_path: Path) -> None:
    """DOORSTEP_TRAFFIC and DOORSTEP_WEATHER reach the platform the app serves."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'y.sqlite'}", traffic="urban", weather=1.1,
                        webhook_tick_s=0)  # fmt: skip
    p = create_app(settings).state.platform
    assert (p.travel.traffic, p.travel.weather) == ("urban", 1.1)
    assert isinstance(p.provider(problem(ORDERS)), TrafficProvider)
