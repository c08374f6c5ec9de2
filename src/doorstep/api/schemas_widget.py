"""What the web layer's plain-HTML checkout form (``/widget/form``, for pages without JavaScript) asks of the API:
offers and a hold with a publishable key, answered as plain data (the app factory puts one on
``app.state.widget``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class WidgetAnswer:
    """The API's answer as the form shows it: ``data`` (the offers body, or the hold) or every problem found,
    each ``{"code", "message", "loc"}``."""

    data: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)


class WidgetCheckout(Protocol):
    """Offers and holds for a publishable key (a key with more than the checkout scope is refused: a page must
    never carry a secret key)."""

    def offers(self, key: str, fields: dict[str, Any]) -> WidgetAnswer:
        """Offers for the form's fields (``lat``, ``lng``, ``date_from``, ``date_to``, ``parcels``)."""
        ...

    def points(self, key: str, fields: dict[str, Any], most: int = 3) -> WidgetAnswer:
        """The pickup points near the form's address, each with its ``offers`` (an empty answer when none)."""
        ...

    def hold(self, key: str, offer_id: str) -> WidgetAnswer:
        """Hold one offer."""
        ...
