"""The provider a problem gets when none is chosen: its own matrices if it brought them, else straight line."""

from __future__ import annotations

from doorstep.domain.problem import Problem
from doorstep.routing.explicit import ExplicitMatrixProvider
from doorstep.routing.provider import TravelTimeProvider
from doorstep.routing.straight_line import StraightLineProvider


def default_provider(problem: Problem) -> TravelTimeProvider:
    """Explicit matrices when the input carries them (VROOM, benchmarks), otherwise the straight-line model."""
    if problem.matrices is not None:
        return ExplicitMatrixProvider(problem.matrices)
    return StraightLineProvider()
