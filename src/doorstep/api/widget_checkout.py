"""The plain-HTML checkout form's access to offers and holds (``schemas_widget.WidgetCheckout``): the same use
cases and answers as ``POST /v1/slots/offers`` and ``/v1/slots/holds``, for a publishable key only."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from doorstep.api.errors import validation_issues
from doorstep.api.routers.slots import hold_view, near_body, offers_body
from doorstep.api.schemas_slots import NearPointsIn, OfferIn
from doorstep.api.schemas_widget import WidgetAnswer
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.accounts.accounts import key_actor
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.slots import slot_holds


def _problems(exc: DoorstepError) -> WidgetAnswer:
    return WidgetAnswer(problems=[{"code": i.code, "message": i.message, "loc": list(i.loc)} for i in exc.issues])


class Checkout:
    """Offers and holds through the slot use cases, refused (E4002) to any key that is not publishable."""

    def __init__(self, platform: Platform) -> None:
        self.p = platform

    def _actor(self, key: str) -> Actor:
        actor = key_actor(self.p, key)
        if actor.permissions != {Permission.CHECKOUT}:
            msg = "a page may carry only a publishable key (scope checkout): create one and revoke this key"
            raise DoorstepError([Issue("E4002", msg, ("key",), actor.principal_id)])
        return actor

    def offers(self, key: str, fields: dict[str, Any]) -> WidgetAnswer:
        """Offers for the form's fields, or every problem with them."""
        doc = {"location": {"lat": fields.get("lat"), "lng": fields.get("lng")}, "date_from": fields.get("date_from"),
               "date_to": fields.get("date_to"), "parcels": fields.get("parcels") or 1}  # fmt: skip
        try:
            actor = self._actor(key)
            body = OfferIn.model_validate(doc)
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            return _problems(DoorstepError(validation_issues(errors)))
        except DoorstepError as exc:
            return _problems(exc)
        try:
            return WidgetAnswer(data=offers_body(self.p, actor, body))
        except DoorstepError as exc:
            return _problems(exc)

    def points(self, key: str, fields: dict[str, Any], most: int = 3) -> WidgetAnswer:
        """The pickup points near the form's address (at most ``most``), each with its offers (days)."""
        doc = {"location": {"lat": fields.get("lat"), "lng": fields.get("lng")}, "limit": most}
        try:
            actor = self._actor(key)
            body = NearPointsIn.model_validate(doc)
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            return _problems(DoorstepError(validation_issues(errors)))
        except DoorstepError as exc:
            return _problems(exc)
        try:
            near = near_body(self.p, actor, body)
            for point in near["points"]:
                ask = OfferIn.model_validate({"pickup_point_id": point["id"], "date_from": fields.get("date_from"),
                                              "date_to": fields.get("date_to"), "parcels": fields.get("parcels") or 1})
                point["offers"] = offers_body(self.p, actor, ask)["offers"]  # fmt: skip
            return WidgetAnswer(data=near)
        except (DoorstepError, ValidationError):  # the address's own answer already says what is wrong
            return WidgetAnswer()

    def hold(self, key: str, offer_id: str) -> WidgetAnswer:
        """The hold of one offer, or why not."""
        try:
            return WidgetAnswer(data=hold_view(slot_holds.hold_offer(self.p, self._actor(key), offer_id)))
        except DoorstepError as exc:
            return _problems(exc)
