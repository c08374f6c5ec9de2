"""Every table, imported in one place so the metadata is complete (migrations, tests)."""

from doorstep.store.base import Base
from doorstep.store.models_access import ApiKeyRow, IdempotencyRow, OrganizationRow, UserRow
from doorstep.store.models_fleet import DepotRow, DriverRow, ShiftRow, VehicleRow, VehicleTypeRow
from doorstep.store.models_live import ProposalRow, ReturnRow, RouteLiveRow
from doorstep.store.models_orders import EventRow, OrderRow
from doorstep.store.models_plans import PlanRow, RouteRow, StopRow
from doorstep.store.models_webhooks import WebhookDeliveryRow, WebhookSubscriptionRow

__all__ = [
    "ApiKeyRow",
    "Base",
    "DepotRow",
    "DriverRow",
    "EventRow",
    "IdempotencyRow",
    "OrderRow",
    "OrganizationRow",
    "PlanRow",
    "ProposalRow",
    "ReturnRow",
    "RouteLiveRow",
    "RouteRow",
    "ShiftRow",
    "StopRow",
    "UserRow",
    "VehicleRow",
    "VehicleTypeRow",
    "WebhookDeliveryRow",
    "WebhookSubscriptionRow",
]
