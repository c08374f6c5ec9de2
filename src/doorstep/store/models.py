"""Every table, imported in one place so the metadata is complete (migrations, tests)."""

from doorstep.store.base import Base
from doorstep.store.models_access import ApiKeyRow, IdempotencyRow, OrganizationRow, SessionRow, UserRow
from doorstep.store.models_analytics import KpiDayRow, kpi_daily, kpi_heat, kpi_zone_daily, kpi_zone_heat
from doorstep.store.models_carriers import CarrierBookingRow, CarrierCallbackRow, CarrierRow
from doorstep.store.models_customers import FeedbackRow, TrackingTokenRow
from doorstep.store.models_dispatch import ProposalRow, ReturnRow, RouteLiveRow
from doorstep.store.models_events import EventHandlingRow
from doorstep.store.models_fleet import AccessZoneRow, DepotRow, DriverRow, ShiftRow, VehicleRow, VehicleTypeRow
from doorstep.store.models_forecast import StaffingRunRow
from doorstep.store.models_learned import LearnedModelRow
from doorstep.store.models_live import DriverCodeRow, LatestPositionRow, PositionRow, ProofRow, StopEventRow
from doorstep.store.models_loading import LoadScanRow
from doorstep.store.models_messages import MessageRow, OptOutRow
from doorstep.store.models_orders import EventRow, OrderRow
from doorstep.store.models_pickup import PickupPointRow
from doorstep.store.models_plans import PlanRow, RouteRow, StopRow
from doorstep.store.models_slots import SlotCountRow, SlotHoldRow, SlotOfferRow, SlotPolicyRow
from doorstep.store.models_transfers import TransferOrderRow, TransferRow
from doorstep.store.models_webhooks import WebhookDeliveryRow, WebhookSubscriptionRow

__all__ = [
    "AccessZoneRow",
    "ApiKeyRow",
    "Base",
    "CarrierBookingRow",
    "CarrierCallbackRow",
    "CarrierRow",
    "DepotRow",
    "DriverCodeRow",
    "DriverRow",
    "EventHandlingRow",
    "EventRow",
    "FeedbackRow",
    "IdempotencyRow",
    "KpiDayRow",
    "LatestPositionRow",
    "LearnedModelRow",
    "LoadScanRow",
    "MessageRow",
    "OptOutRow",
    "OrderRow",
    "OrganizationRow",
    "PickupPointRow",
    "PlanRow",
    "PositionRow",
    "ProofRow",
    "ProposalRow",
    "ReturnRow",
    "RouteLiveRow",
    "RouteRow",
    "SessionRow",
    "ShiftRow",
    "SlotCountRow",
    "SlotHoldRow",
    "SlotOfferRow",
    "SlotPolicyRow",
    "StaffingRunRow",
    "StopEventRow",
    "StopRow",
    "TrackingTokenRow",
    "TransferOrderRow",
    "TransferRow",
    "UserRow",
    "VehicleRow",
    "VehicleTypeRow",
    "WebhookDeliveryRow",
    "WebhookSubscriptionRow",
    "kpi_daily",
    "kpi_heat",
    "kpi_zone_daily",
    "kpi_zone_heat",
]
