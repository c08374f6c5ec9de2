"""What was learned from the driven days (docs/learning.md), as the API and the page show it."""

from __future__ import annotations

import datetime as dt

from doorstep.api.schemas_common import Out


class LearnedValueOut(Out):
    """One learned figure, the observations behind it and where it is."""

    key: str
    value: float
    observations: int
    lat: float | None = None
    lng: float | None = None


class LearnedOut(Out):
    """The organization's learned times. Service times in seconds (geometric means shrunk towards their group);
    travel factors multiply the static model (1.2: 20 % slower than it says). ``in_use``: plans and ETAs use them
    (``DOORSTEP_LEARNED_TIMES`` on and enough observations); a part with fewer than ``min_observations`` falls
    back to the defaults and says so in ``service_fallback`` / ``travel_fallback``."""

    learned_at: dt.datetime | None
    days: int
    in_use: bool
    min_observations: int
    service_observations: int
    leg_observations: int
    service_fallback: bool
    travel_fallback: bool
    service_s_organization: float | None
    neighbourhood_service_s: list[LearnedValueOut]
    address_service_s: list[LearnedValueOut]
    driver_factors: list[LearnedValueOut]
    travel_factor_organization: float | None
    hour_of_week_factors: list[LearnedValueOut]
    neighbourhood_factors: list[LearnedValueOut]


class LearnStartedOut(Out):
    """A learning run was handed to the job runner."""

    job: str
    days: int
