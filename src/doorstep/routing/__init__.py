"""Travel-time providers behind one TravelTimeProvider protocol.

The names below are loaded on first use, so importing a light submodule (``routing.network_meta``, which the
``doorstep network`` command reads for its options) does not load NumPy through the matrix providers."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from doorstep.routing.explicit import ExplicitMatrixProvider
    from doorstep.routing.provider import UNREACHABLE, Matrix, TravelTimeProvider
    from doorstep.routing.straight_line import StraightLineProvider

__all__ = ["UNREACHABLE", "ExplicitMatrixProvider", "Matrix", "StraightLineProvider", "TravelTimeProvider"]
_WHERE = {
    "ExplicitMatrixProvider": "doorstep.routing.explicit", "UNREACHABLE": "doorstep.routing.provider",
    "Matrix": "doorstep.routing.provider", "TravelTimeProvider": "doorstep.routing.provider",
    "StraightLineProvider": "doorstep.routing.straight_line",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """A provider name from its module, imported now."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
