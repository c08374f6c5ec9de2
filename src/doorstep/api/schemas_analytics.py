"""KPI and heatmap answers (definitions in docs/analytics.md)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from doorstep.api.schemas_common import Out


class CostBasisOut(Out):
    """Which figures cost, distance and time stand on: routes measured on their GPS trail, and routes without a
    trail counted on their planned distance and duration."""

    driven_routes: int
    planned_routes: int


class UtilisationOut(Out):
    """Load leaving the depot over capacity (mean over routes, fullest dimension) and route hours over shift
    hours; fractions 0-1."""

    capacity: float | None
    shift_time: float | None


class PlannedVsActualOut(Out):
    """Driven against planned over the routes with a GPS trail; the share of stops worked in the planned order."""

    routes_compared: int
    planned_distance_m: int
    actual_distance_m: int
    distance_ratio: float | None
    planned_duration_s: int
    actual_duration_s: int
    duration_ratio: float | None
    sequence_followed_rate: float | None


class KpisOut(Out):
    """The KPIs of one group or of the range. Rates are fractions 0-1; a figure with nothing to divide by is null."""

    deliveries: int = Field(description="delivery stops completed")
    attempts: int = Field(description="delivery stops completed or failed")
    failed_attempts: int
    failed_by_reason: dict[str, int]
    on_time_rate: float | None = Field(description="deliveries inside their promised window / deliveries promised one")
    late_deliveries: int = Field(description="deliveries completed after their promised window's end")
    first_attempt_rate: float | None = Field(description="first attempts that delivered / first attempts")
    proof_rate: float | None = Field(description="deliveries with a proof of delivery / deliveries")
    routes: int
    cost_cents: int
    cost_per_delivery_cents: int | None
    cost_basis: CostBasisOut
    distance_m: int
    km_per_stop: float | None
    minutes_per_stop: float | None
    stops_per_hour: float | None
    utilisation: UtilisationOut
    planned_vs_actual: PlannedVsActualOut
    messages_sent: int
    messages_failed: int
    co2_g: int
    co2_g_per_delivery: float | None
    ratings: int = Field(description="customer ratings of the group's deliveries (the latest one per order)")
    rating_mean: float | None = Field(description="their mean score, 1-5")
    rating_distribution: dict[str, int] = Field(description='how many of each score, "1" to "5"')


class KpiGroupOut(Out):
    """One group: a day or a week's Monday (ISO date), or a depot, driver, vehicle or delivery zone id (null: none;
    for zones, the orders outside every zone), its label."""

    key: str | None
    label: str
    kpis: KpisOut


class KpiReportOut(Out):
    """KPIs per group (groups with nothing in them left out: a range with no data has an empty series) and the
    total of the range."""

    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    group_by: str
    series: list[KpiGroupOut]
    total: KpisOut
    co2_source: str


class HeatCellOut(Out):
    """One local hour of one weekday (0 Monday .. 6 Sunday) over the range."""

    weekday: int
    hour: int
    attempts: int
    failed: int
    late: int


class HeatmapOut(Out):
    """Delivery attempts, failures and late deliveries by local hour and weekday (cells with nothing left out)."""

    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    cells: list[HeatCellOut]


class HorizonOut(Out):
    """The ETA given ``minutes`` ahead against the real arrival: absolute error percentiles and the mean signed
    error in seconds (positive: later than said), over ``stops`` stops (null figures: none)."""

    minutes: int
    stops: int
    p50_abs_error_s: int | None
    p90_abs_error_s: int | None
    mean_error_s: int | None


class EtaAccuracyOut(Out):
    """ETA accuracy per horizon over the delivery stops of the range; with ``group_by``, also per day or zone."""

    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    horizons: list[HorizonOut]
    group_by: str | None = Field(default=None, description="day or zone when asked; null otherwise")
    series: list[EtaGroupOut] | None = Field(
        default=None, description="per group (groups without a stop left out) when group_by is given; else null"
    )


class EtaGroupOut(Out):
    """ETA accuracy of one local delivery day (ISO date) or delivery zone (id; null: outside every zone)."""

    key: str | None
    label: str
    horizons: list[HorizonOut]


class PointOut(Out):
    """A WGS84 position."""

    lat: float
    lng: float


class ZoneShapeOut(Out):
    """A delivery zone of the slot policy as the map draws it: a circle of ``radius_m`` around ``center`` (its
    depot), or a polygon."""

    id: str
    name: str
    depot_id: str
    center: PointOut | None
    radius_m: int | None
    polygon: list[PointOut]


class ZonesOut(Out):
    """The organization's delivery zones in policy order (an order belongs to the first containing it); empty
    without a slot policy."""

    zones: list[ZoneShapeOut]
