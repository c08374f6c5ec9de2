"""Delivery KPIs: what a request asks for (a date range and a grouping), the additive sums the SQL rollups
return per group, and the figures derived from them (docs/analytics.md defines each one).

Sums add up (a week is the sum of its days, the total the sum of every group); rates and per-stop figures are
derived once, from the summed numerators and denominators, never averaged from smaller groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from enum import StrEnum

from doorstep.domain.errors import Issue

MAX_RANGE_DAYS = 366  # a longer request is refused (E1481): ask for it in years, one at a time


class GroupBy(StrEnum):
    """How the KPIs of a range are split."""

    DAY = "day"
    WEEK = "week"  # ISO weeks, labelled by their Monday
    DEPOT = "depot"
    DRIVER = "driver"
    VEHICLE = "vehicle"
    ZONE = "zone"  # the delivery zone of the slot policy the order lies in (null key: outside every zone)


@dataclass(frozen=True, slots=True)
class KpiRequest:
    """A checked request: the first and last local delivery day (inclusive) and the grouping."""

    first: date
    last: date
    group_by: GroupBy


def parse_request(
    first: str | None, last: str | None, group_by: str | None, allowed: tuple[GroupBy, ...] = tuple(GroupBy)
) -> tuple[KpiRequest | None, list[Issue]]:
    """The request, or every problem with it at once (E1480 dates, E1481 range too long, E1111 a grouping not
    among ``allowed``)."""
    issues: list[Issue] = []
    days: dict[str, date] = {}
    for name, value in (("from", first), ("to", last)):
        try:
            days[name] = date.fromisoformat(value or "")
        except ValueError:
            issues.append(Issue("E1480", f"{name}={value!r} is not a date (YYYY-MM-DD)", ("query", name)))
    if (group_by or "day") not in {g.value for g in allowed}:
        names = ", ".join(g.value for g in allowed)
        issues.append(Issue("E1111", f"group_by={group_by!r}; allowed: {names}", ("query", "group_by")))
    if len(days) == 2:
        if days["from"] > days["to"]:
            msg = f"from {days['from']} is after to {days['to']}"
            issues.append(Issue("E1480", msg, ("query", "from")))
        elif (days["to"] - days["from"]).days + 1 > MAX_RANGE_DAYS:
            n = (days["to"] - days["from"]).days + 1
            issues.append(Issue("E1481", f"{n} days asked for; at most {MAX_RANGE_DAYS} per request", ("query", "to")))
    if issues:
        return None, issues
    return KpiRequest(days["from"], days["to"], GroupBy(group_by or "day")), []


def week_of(day: date) -> date:
    """The Monday of the ISO week holding ``day`` (the label of a week group)."""
    return day - timedelta(days=day.weekday())


@dataclass(slots=True)
class KpiSums:
    """Additive counts and totals of one group, as the rollups return them."""

    attempts: int = 0  # completed + failed delivery stops
    deliveries: int = 0
    failed: int = 0
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    promised: int = 0  # deliveries with a promised window
    on_time: int = 0  # ... delivered inside it
    late: int = 0  # ... delivered after its end
    first_attempts: int = 0  # attempts of orders on their first attempt
    first_attempt_ok: int = 0  # ... that delivered
    with_proof: int = 0  # deliveries with a proof of delivery
    out_of_turn: int = 0  # stops the driver took ahead of the planned order
    routes: int = 0
    driven_routes: int = 0  # with a GPS trail (driven figures); the others count their planned figures
    km: float = 0.0
    hours: float = 0.0
    cost_cents: float = 0.0
    co2_g: float = 0.0
    hours_in_shifts: float = 0.0  # route hours of routes with a shift
    shift_hours: float = 0.0
    capacity_ratio_sum: float = 0.0  # sum over routes of their load leaving the depot / capacity
    capacity_routes: int = 0
    planned_m_driven: int = 0  # planned distance of the driven routes
    actual_m: float = 0.0  # their trail length
    planned_s_driven: int = 0
    actual_s: float = 0.0
    messages_sent: int = 0
    messages_failed: int = 0
    ratings: int = 0  # customer ratings (feedback) of the group's deliveries
    rating_sum: int = 0
    rating_1: int = 0  # ... how many of each score
    rating_2: int = 0
    rating_3: int = 0
    rating_4: int = 0
    rating_5: int = 0

    def add(self, o: KpiSums) -> None:
        """Add another group's sums to these (a week from its days, the total from every group)."""
        for f in fields(self):
            name = f.name
            if name == "failed_by_reason":
                for reason, n in o.failed_by_reason.items():
                    self.failed_by_reason[reason] = self.failed_by_reason.get(reason, 0) + n
            else:
                setattr(self, name, getattr(self, name) + getattr(o, name))

    @property
    def empty(self) -> bool:
        """Nothing happened in the group (no attempt, route or message)."""
        return not (self.attempts or self.routes or self.messages_sent or self.messages_failed or self.ratings)


@dataclass(frozen=True, slots=True)
class CostBasis:
    """Which figures the cost, distance and time KPIs stand on."""

    driven_routes: int  # routes measured on their GPS trail
    planned_routes: int  # routes without a trail, counted on their planned distance and duration


@dataclass(frozen=True, slots=True)
class Utilisation:
    """How full the vans left and how much of the shifts the routes used (fractions 0-1)."""

    capacity: float | None
    shift_time: float | None


@dataclass(frozen=True, slots=True)
class PlannedVsActual:
    """Driven against planned, over the routes with a GPS trail; and how often the planned order was kept."""

    routes_compared: int
    planned_distance_m: int
    actual_distance_m: int
    distance_ratio: float | None
    planned_duration_s: int
    actual_duration_s: int
    duration_ratio: float | None
    sequence_followed_rate: float | None


@dataclass(frozen=True, slots=True)
class KpiFigures:
    """The KPIs of one group (or of the whole range)."""

    deliveries: int
    attempts: int
    failed_attempts: int
    failed_by_reason: dict[str, int]
    on_time_rate: float | None
    late_deliveries: int
    first_attempt_rate: float | None
    proof_rate: float | None
    routes: int
    cost_cents: int
    cost_per_delivery_cents: int | None
    cost_basis: CostBasis
    distance_m: int
    km_per_stop: float | None
    minutes_per_stop: float | None
    stops_per_hour: float | None
    utilisation: Utilisation
    planned_vs_actual: PlannedVsActual
    messages_sent: int
    messages_failed: int
    co2_g: int
    co2_g_per_delivery: float | None
    ratings: int
    rating_mean: float | None
    rating_distribution: dict[str, int]


def _ratio(num: float, den: float, digits: int = 4) -> float | None:
    return round(num / den, digits) if den else None


def figures(s: KpiSums) -> KpiFigures:
    """The KPIs from a group's sums (a figure with nothing to divide by is null)."""
    pva = PlannedVsActual(
        routes_compared=s.driven_routes, planned_distance_m=s.planned_m_driven, actual_distance_m=round(s.actual_m),
        distance_ratio=_ratio(s.actual_m, s.planned_m_driven), planned_duration_s=s.planned_s_driven,
        actual_duration_s=round(s.actual_s), duration_ratio=_ratio(s.actual_s, s.planned_s_driven),
        sequence_followed_rate=_ratio(s.attempts - s.out_of_turn, s.attempts),
    )  # fmt: skip
    cost_per = round(s.cost_cents / s.deliveries) if s.deliveries else None
    return KpiFigures(
        deliveries=s.deliveries, attempts=s.attempts, failed_attempts=s.failed,
        failed_by_reason=dict(sorted(s.failed_by_reason.items())), on_time_rate=_ratio(s.on_time, s.promised),
        late_deliveries=s.late,
        first_attempt_rate=_ratio(s.first_attempt_ok, s.first_attempts), proof_rate=_ratio(s.with_proof, s.deliveries),
        routes=s.routes, cost_cents=round(s.cost_cents), cost_per_delivery_cents=cost_per,
        cost_basis=CostBasis(s.driven_routes, s.routes - s.driven_routes), distance_m=round(s.km * 1000),
        km_per_stop=_ratio(s.km, s.attempts, 3), minutes_per_stop=_ratio(s.hours * 60, s.attempts, 2),
        stops_per_hour=_ratio(s.attempts, s.hours, 2),
        utilisation=Utilisation(_ratio(s.capacity_ratio_sum, s.capacity_routes), _ratio(s.hours_in_shifts,
                                                                                        s.shift_hours)),
        planned_vs_actual=pva, messages_sent=s.messages_sent, messages_failed=s.messages_failed,
        co2_g=round(s.co2_g), co2_g_per_delivery=_ratio(s.co2_g, s.deliveries, 1),
        ratings=s.ratings, rating_mean=_ratio(s.rating_sum, s.ratings, 2),
        rating_distribution={str(k): getattr(s, f"rating_{k}") for k in range(1, 6)},
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class KpiGroup:
    """One group of a report: its key (a day, a week's Monday, a depot, driver or vehicle id), a readable label."""

    key: str | None
    label: str
    kpis: KpiFigures


@dataclass(frozen=True, slots=True)
class KpiReport:
    """The KPIs of a range, per group and in total."""

    first: date
    last: date
    group_by: GroupBy
    series: list[KpiGroup]
    total: KpiFigures


@dataclass(frozen=True, slots=True)
class HeatCell:
    """What happened in one local hour of one weekday (Monday 0) over a range."""

    weekday: int
    hour: int
    attempts: int
    failed: int
    late: int  # deliveries after their promised window


@dataclass(frozen=True, slots=True)
class HorizonError:
    """How far the ETA given ``minutes`` ahead was from the real arrival, over the stops that had one: absolute
    error percentiles (nearest rank, lower) and the mean signed error (positive: arrived later than said)."""

    minutes: int
    stops: int
    p50_abs_error_s: int | None
    p90_abs_error_s: int | None
    mean_error_s: int | None


@dataclass(frozen=True, slots=True)
class EtaGroup:
    """ETA accuracy of one group: a local delivery day (ISO date) or a delivery zone (null key: outside every zone),
    its label, and the three horizons."""

    key: str | None
    label: str
    horizons: list[HorizonError]
