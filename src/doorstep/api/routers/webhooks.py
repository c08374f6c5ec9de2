"""/v1/webhooks: subscriptions, their delivery log, redelivery, enable/disable (admins)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.idempotent import IdemKey, PrintDep, respond_once
from doorstep.api.schemas_common import ERRORS, Out, Strict
from doorstep.services.webhooks import webhooks

router = APIRouter(tags=["webhooks"], responses=ERRORS)


class SubscriptionIn(Strict):
    """Where to POST which events (``*``: all)."""

    url: str = Field(max_length=2000, examples=["https://shop.example.com/doorstep/hook"])
    event_types: list[str] = Field(min_length=1, max_length=20, examples=[["order.created", "route.dispatched"]])


class SubscriptionOut(Out):
    """A subscription (the secret is shown only when it is created)."""

    id: str
    url: str
    event_types: list[str]
    active: bool
    consecutive_failures: int
    disabled_reason: str | None
    created_at: dt.datetime


class SubscriptionCreated(SubscriptionOut):
    """The new subscription with the secret that signs its deliveries."""

    secret: str


class DeliveryOut(Out):
    """One delivery of one event: attempts, the last answer, the next scheduled try."""

    id: str
    subscription_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    payload: dict[str, Any]


@router.post("/v1/webhooks", response_model=SubscriptionCreated, status_code=201, summary="Subscribe")
def create(
    body: SubscriptionIn, p: PlatformDep, actor: ActorDep, print_: PrintDep, key: IdemKey = None
) -> JSONResponse:
    """A subscription and its signing secret (keep it: it is not shown again, except to a repeat of this request
    with the same Idempotency-Key)."""

    def run() -> tuple[int, dict[str, Any]]:
        row = webhooks.create_subscription(p, actor, body.url, body.event_types)
        out = {**SubscriptionOut.model_validate(row).model_dump(), "secret": row.secret}
        return 201, SubscriptionCreated.model_validate(out).model_dump(mode="json")

    return respond_once(p, actor, key, print_, run)


@router.get("/v1/webhooks", response_model=list[SubscriptionOut], summary="List subscriptions")
def list_(p: PlatformDep, actor: ActorDep) -> list[SubscriptionOut]:
    """The organization's subscriptions, with their failure state."""
    return [SubscriptionOut.model_validate(r) for r in webhooks.list_subscriptions(p, actor)]


@router.post("/v1/webhooks/{sub_id}/enable", response_model=SubscriptionOut, summary="Re-enable")
def enable(sub_id: str, p: PlatformDep, actor: ActorDep) -> SubscriptionOut:
    """Resume deliveries after the receiver is fixed (pending deliveries are sent again)."""
    return SubscriptionOut.model_validate(webhooks.set_enabled(p, actor, sub_id, True))


@router.post("/v1/webhooks/{sub_id}/disable", response_model=SubscriptionOut, summary="Disable")
def disable(sub_id: str, p: PlatformDep, actor: ActorDep) -> SubscriptionOut:
    """Pause deliveries; events keep being logged."""
    return SubscriptionOut.model_validate(webhooks.set_enabled(p, actor, sub_id, False))


@router.delete("/v1/webhooks/{sub_id}", status_code=204, summary="Unsubscribe")
def delete(sub_id: str, p: PlatformDep, actor: ActorDep) -> Response:
    """Remove the subscription and its log."""
    webhooks.delete_subscription(p, actor, sub_id)
    return Response(status_code=204)


@router.get("/v1/webhooks/{sub_id}/deliveries", response_model=list[DeliveryOut], summary="Delivery log")
def deliveries(
    sub_id: str, p: PlatformDep, actor: ActorDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[DeliveryOut]:
    """Deliveries, newest first."""
    return [DeliveryOut.model_validate(d) for d in webhooks.list_deliveries(p, actor, sub_id, limit)]


@router.post(
    "/v1/webhook-deliveries/{delivery_id}/redeliver", response_model=DeliveryOut, status_code=202, summary="Redeliver"
)
def redeliver(delivery_id: str, p: PlatformDep, actor: ActorDep) -> DeliveryOut:
    """Queue the event again as a new delivery."""
    return DeliveryOut.model_validate(webhooks.redeliver(p, actor, delivery_id))
