"""domain/analytics.py: request checks, sums that add up, and figures derived from summed parts."""

from __future__ import annotations

from datetime import date

from doorstep.domain.analytics import GroupBy, KpiSums, figures, parse_request, week_of
from doorstep.domain.emissions import G_CO2E_PER_KM, Fuel, factor


def test_a_valid_request_and_the_default_grouping() -> None:
    """Dates parse, the range may be 366 days, and the grouping defaults to day."""
    req, issues = parse_request("2024-01-01", "2024-12-31", None)
    assert issues == [] and req is not None
    assert (req.first, req.last, req.group_by) == (date(2024, 1, 1), date(2024, 12, 31), GroupBy.DAY)


def test_every_problem_is_reported_at_once() -> None:
    """Both dates and the grouping are checked together; a reversed or too long range has its own code."""
    _, issues = parse_request("17/06/2025", None, "planet")
    assert [(i.code, i.loc) for i in issues] == [
        ("E1480", ("query", "from")), ("E1480", ("query", "to")), ("E1111", ("query", "group_by"))]  # fmt: skip
    assert [i.code for i in parse_request("2025-06-18", "2025-06-17", "week")[1]] == ["E1480"]
    assert [i.code for i in parse_request("2024-01-01", "2025-01-01", "week")[1]] == ["E1481"]  # 367 days


def test_weeks_are_labelled_by_their_monday() -> None:
    """Sunday 2025-06-22 and Monday 2025-06-16 are in the same ISO week."""
    assert week_of(date(2025, 6, 22)) == week_of(date(2025, 6, 16)) == date(2025, 6, 16)


def test_rates_come_from_summed_parts_not_averaged_rates() -> None:
    """A day with 1 of 1 on time and a day with 1 of 3 make 2 of 4 (0.5), not the mean of 1.0 and 0.333."""
    a = KpiSums(attempts=1, deliveries=1, promised=1, on_time=1, failed_by_reason={"not_home": 2})
    b = KpiSums(attempts=3, deliveries=3, promised=3, on_time=1, failed_by_reason={"not_home": 1, "refused": 1})
    a.add(b)
    k = figures(a)
    assert (k.on_time_rate, k.deliveries, k.failed_by_reason) == (0.5, 4, {"not_home": 3, "refused": 1})


def test_nothing_to_divide_by_gives_nulls() -> None:
    """An empty group has zero counts and null rates and per-stop figures."""
    k = figures(KpiSums())
    assert KpiSums().empty
    assert (k.deliveries, k.on_time_rate, k.cost_per_delivery_cents, k.stops_per_hour, k.co2_g_per_delivery) == (
        0, None, None, None, None)  # fmt: skip


def test_emission_factors_by_fuel() -> None:
    """Diesel 225.9, petrol 220.5, electric 57.25, none 0 g/km; an unset or unknown fuel counts as diesel."""
    assert G_CO2E_PER_KM == {Fuel.DIESEL: 225.9, Fuel.PETROL: 220.5, Fuel.ELECTRIC: 57.25, Fuel.NONE: 0.0}
    assert factor(None) == factor("hydrogen") == factor("diesel") == 225.9
    assert factor("electric") == 57.25
