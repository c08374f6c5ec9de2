"""Planning with learned service times: each order's service time becomes what its address (or building,
neighbourhood, organization) was learned to take (docs/learning.md). Orders to a pickup point keep theirs (the
point's handover rules apply there)."""

from __future__ import annotations

from dataclasses import replace

from doorstep.domain.learned import LearnedTimes
from doorstep.domain.problem import Problem


def with_learned_service(problem: Problem, learned: LearnedTimes | None) -> Problem:
    """The problem with learned service times on its orders (unchanged when nothing is learned)."""
    if learned is None or not learned.has_service:
        return problem
    orders = []
    for order in problem.orders:
        est = learned.service_s(order.location) if order.pickup_point_id is None else None
        orders.append(order if est is None else replace(order, service_s=round(est.value)))
    return replace(problem, orders=tuple(orders))
