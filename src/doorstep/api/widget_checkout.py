"""The plain-HTML checkout form's access to offers and holds (``schemas_widget.WidgetCheckout``): the same use
cases and answers as ``POST /v1/slots/offers`` and ``/v1/slots/holds``, for a publishable key only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from doorstep.api.errors import validation_issues
from doorstep.api.routers.slots import hold_view, near_body, offers_body
from doorstep.api.schemas_slots import NearPointsIn, OfferIn
from doorstep.api.schemas_widget import WidgetAnswer
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.accounts.accounts import key_actor
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.slots import slot_holds

M = TypeVar("M", bound=BaseModel)


def _where(fields: dict[str, Any]) -> dict[str, Any]:
    """The form's place: its ``address`` when it gives one and no coordinates, else its ``lat``/``lng``."""
    if fields.get("address") and not (fields.get("lat") or fields.get("lng")):
        return {"address": fields["address"]}
    return {"location": {"lat": fields.get("lat"), "lng": fields.get("lng")}}


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

    def _answer(self, key: str, model: type[M], doc: dict[str, Any], use: Callable[[Actor, M], dict[str, Any]]) -> (
        WidgetAnswer
    ):  # fmt: skip
        """``use`` with the key's actor and the body checked as ``model``, or every problem (key, fields, use case)."""
        try:
            actor = self._actor(key)
            body = model.model_validate(doc)
            return WidgetAnswer(data=use(actor, body))
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            return _problems(DoorstepError(validation_issues(errors)))
        except DoorstepError as exc:
            return _problems(exc)

    def offers(self, key: str, fields: dict[str, Any]) -> WidgetAnswer:
        """Offers for the form's fields, or every problem with them."""
        doc = {**_where(fields), "date_from": fields.get("date_from"), "date_to": fields.get("date_to"),
               "parcels": fields.get("parcels") or 1}  # fmt: skip
        return self._answer(key, OfferIn, doc, lambda actor, body: offers_body(self.p, actor, body))

    def points(self, key: str, fields: dict[str, Any], most: int = 3) -> WidgetAnswer:
        """The pickup points near the form's address (at most ``most``), each with its offers (days); the form
        shows the address's problems, so these are not shown again."""

        def with_days(actor: Actor, body: NearPointsIn) -> dict[str, Any]:
            near = near_body(self.p, actor, body)
            for point in near["points"]:
                ask = OfferIn.model_validate(
                    {
                        "pickup_point_id": point["id"],
                        "date_from": fields.get("date_from"),
                        "date_to": fields.get("date_to"),
                        "parcels": fields.get("parcels") or 1,
                    }
                )
                point["offers"] = offers_body(self.p, actor, ask)["offers"]  # fmt: skip
            return near

        doc = {**_where(fields), "limit": most}
        return self._answer(key, NearPointsIn, doc, with_days)

    def hold(self, key: str, offer_id: str) -> WidgetAnswer:
        """The hold of one offer, or why not."""
        try:
            return WidgetAnswer(data=hold_view(slot_holds.hold_offer(self.p, self._actor(key), offer_id)))
        except DoorstepError as exc:
            return _problems(exc)
