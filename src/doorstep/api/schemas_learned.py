"""What was learned from the driven days (docs/learning.md), as the API and the page show it."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

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
    reach_observations: int = Field(description="delivery attempts that say whether the customer was reached")
    reach_fallback: bool = Field(description="fewer attempts than min_observations: offers carry no reach")
    reach_rate_organization: float | None = Field(description="share of those attempts that reached the customer")
    reach_neighbourhoods: list[LearnedValueOut] = Field(description="per neighbourhood: share reached, attempts")
    reach_addresses: list[LearnedValueOut] = Field(description="the most attempted addresses: share reached, attempts")


class LearnStartedOut(Out):
    """A learning run was handed to the job runner."""

    job: str
    days: int


class ReachCellOut(Out):
    """One two-hour band of the week: the estimated chance an attempt reaches the customer, the attempts of the
    scope in it, and the level the estimate comes from."""

    weekday: int = Field(description="0 = Monday")
    start_hour: int
    end_hour: int
    rate: float | None = Field(description="shrunk estimate 0-1 (null: too few attempts in all)")
    successes: int
    attempts: int
    level: str = Field(description="address, neighbourhood or organization")


class ReachGridOut(Out):
    """When customers are reached, by weekday and band, for the organization, a neighbourhood or an address
    (docs/learning.md, "Reachability")."""

    scope: str = Field(description="organization, neighbourhood or address")
    key: str | None
    lat: float | None
    lng: float | None
    successes: int
    attempts: int
    min_observations: int
    fallback: bool
    cells: list[ReachCellOut]
