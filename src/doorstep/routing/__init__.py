"""Travel-time providers behind one TravelTimeProvider protocol."""

from doorstep.routing.explicit import ExplicitMatrixProvider
from doorstep.routing.provider import UNREACHABLE, Matrix, TravelTimeProvider
from doorstep.routing.straight_line import StraightLineProvider

__all__ = ["UNREACHABLE", "ExplicitMatrixProvider", "Matrix", "StraightLineProvider", "TravelTimeProvider"]
