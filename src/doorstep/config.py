"""The one Settings object, read from ``DOORSTEP_*`` environment variables (and a ``.env`` file).

Read only where the application is composed (the CLI now; the API app factory and workers later), never by
the layers below, which receive plain values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings. Solver defaults apply when a command or request does not set them."""

    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", env_file=".env", extra="ignore")

    env: str = Field("development", description="development | production (no default secrets in production)")
    time_limit_s: float = Field(30.0, gt=0, le=86_400, description="default solver time limit per plan")
    staffing_time_limit_s: float = Field(5.0, ge=1, le=60, description="solver time per depot and day of staffing")
    seed: int = Field(0, ge=0, description="default solver seed")
    circuity: float = Field(1.3, ge=1.0, le=3.0, description="straight-line model: road km per crow-fly km")
    network: Path | None = Field(None, description="road network folder (doorstep network build) used by default")
    foot_network: Path | None = Field(
        None, description="walking network folder (doorstep network build --profile foot): pickup points near an "
        "address are ranked and limited by the walk to them instead of the straight line"
    )
    traffic: str | None = Field(
        None, description="time-of-day factors for the platform: 'urban' (documented defaults) or a JSON file"
    )
    weather: float = Field(1.0, ge=1.0, le=5.0, description="weather slow-down factor on every hour (1 = clear)")
    osrm_url: str | None = Field(None, description="remote OSRM server (osrm-routed) for road times")
    valhalla_url: str | None = Field(None, description="remote Valhalla server for road times")
    router_timeout_s: float = Field(30.0, gt=0, le=600, description="per-request timeout of remote routers")
    matrix_cache: Path | None = Field(None, description="SQLite file caching road travel pairs between plans")
    snap_radius_m: float = Field(250.0, gt=0, le=5_000, description="farthest a location may lie from a road")
    data_dir: Path = Field(Path("doorstep-data"), description="where the embedded shape keeps its SQLite file")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite file in data_dir")
    sqlite_busy_timeout_s: float = Field(
        30.0, gt=0, le=600, description="SQLite: how long a writer waits for another writer's lock before E5002"
    )
    metrics_token: str | None = Field(
        None, description="bearer token for GET /metrics (Prometheus bearer_token); admins' keys work too"
    )
    secret_key: str | None = Field(None, description="signs session cookies; required outside development")
    rate_limit_per_minute: int = Field(1200, ge=1, description="requests per minute per API key, user or client")
    rate_limit_per_address_per_minute: int | None = Field(
        None, ge=0, description="requests per minute per network address (default 4x the per-client limit; 0: off)"
    )
    max_body_bytes: int = Field(5_000_000, ge=1_000, description="largest JSON request body")
    max_upload_bytes: int = Field(50_000_000, ge=1_000, description="largest CSV/XLSX upload")
    webhook_tick_s: float = Field(2.0, ge=0, description="how often due webhook deliveries are sent (0: never)")
    webhook_timeout_s: float = Field(10.0, gt=0, le=60, description="timeout of one webhook delivery attempt")
    webhook_allow_private: bool = Field(
        False, description="let webhooks reach loopback/private/link-local addresses (receivers on your network)"
    )
    carrier_allow_private: bool = Field(
        False, description="let partner-carrier endpoints be loopback/private/link-local addresses (on your network)"
    )
    proposal_ttl_s: int = Field(
        900, ge=0, le=86_400, description="how long a live re-planning proposal can be approved (0: always)"
    )
    live_auto_approve: bool = Field(False, description="apply live re-planning proposals without a dispatcher")
    currency: str = Field(
        "EUR", pattern=r"^[A-Z]{3}$", description="ISO 4217 code of the money the dashboard shows (costs are cents)"
    )
    reattempt: Literal["same_day", "next_day"] = Field("next_day", description="when a failed delivery is retried")
    max_attempts: int = Field(3, ge=1, le=10, description="failed attempts before a parcel returns to its sender")
    redis_url: str | None = Field(
        None, description="Redis for live events across processes and the Celery broker; default: in memory"
    )
    job_runner: Literal["inline", "celery"] = Field(
        "inline", description="where jobs run: threads of the serving process, or `doorstep worker` processes (Redis)"
    )
    eta_worker: Literal["inline", "process"] = Field(
        "inline", description="where routes are re-timed: a thread of each API process, or `doorstep eta-worker`"
    )
    live_history: int = Field(
        10_000, ge=100, le=10_000_000, description="live events kept per organization for streams resuming (Redis)"
    )
    celery_visibility_timeout_s: int = Field(
        3600, ge=1, le=7 * 86_400, description="a job unacknowledged this long is handed to another worker"
    )
    plan_lease_s: float = Field(60.0, gt=0, le=3600, description="a running plan job silent this long is taken over")
    idempotency_stale_s: float = Field(
        300.0, gt=0, le=86_400, description="a pending Idempotency-Key claim this old (its process died) is taken over"
    )
    event_tick_s: float = Field(5.0, ge=0, description="how often due event handlings are retried (0: never)")
    driver_token_ttl_s: int = Field(14 * 3600, ge=60, le=7 * 86_400, description="lifetime of a driver app token")
    pod_flag_distance_m: float = Field(100.0, gt=0, le=100_000, description="completions farther are flagged")
    max_photo_bytes: int = Field(2_000_000, ge=10_000, description="largest proof-of-delivery photo")
    load_s_per_parcel: int = Field(30, ge=0, le=3_600, description="loading time per parcel (wave release times)")
    dock_s: int = Field(600, ge=0, le=86_400, description="fixed time at the loading dock per departure")
    wave_s: int = Field(1_800, ge=1, le=86_400, description="departures releasing within this interval form a wave")
    public_url: str = Field("http://127.0.0.1:8000", description="base of the links in customer messages")
    tracking_ttl_s: int = Field(
        3 * 86_400, ge=3600, le=90 * 86_400, description="how long a customer's tracking link works after it is issued"
    )
    smtp_url: str | None = Field(
        None, description="customer email: smtp://user:pass@host:587 (STARTTLS on 587 or ?starttls=1; smtps:// TLS)"
    )
    smtp_from: str = Field("Doorstep <no-reply@localhost>", description="the From of customer emails")
    bounce_address: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9._-]{1,40}@[A-Za-z0-9.-]{1,200}$",
        description="late bounces (DSN) come back to bounce+<message id>@ this address; doorstep bounces reads them",
    )
    sms_url: str | None = Field(
        None, description="customer SMS, a Twilio-compatible API: https://account_sid:auth_token@api.twilio.com"
    )
    sms_from: str = Field("Doorstep", description="the sender of customer SMS (a number or an alphanumeric id)")
    notify_timeout_s: float = Field(10.0, gt=0, le=120, description="timeout of one email or SMS submission")
    notify_tick_s: float = Field(5.0, ge=0, description="how often queued customer messages are sent (0: never)")
    sms_rate_per_s: float = Field(
        1.0, ge=0, le=1000, description="customer SMS sent per second at most (all processes with Redis; 0: no limit)"
    )
    email_rate_per_s: float = Field(
        0.0, ge=0, le=1000, description="customer emails a second at most (all processes with Redis; 0: no limit)"
    )
    notify_max_attempts: int = Field(
        12, ge=1, le=100, description="failed sends before a customer message is marked failed (back-off doubles)"
    )
    slot_hold_minutes: int = Field(10, ge=1, le=24 * 60, description="how long a slot hold keeps its place")
    slot_offer_ttl_s: int = Field(900, ge=10, le=86_400, description="how long a slot offer can be held")
    slot_expiry_tick_s: float = Field(30.0, ge=0, description="how often expired slot holds are freed (0: never)")
    learned_times: bool = Field(
        False, description="plans and ETAs use the service times and travel factors learned from driven days"
    )
    learn_tick_s: float = Field(
        3600.0, ge=0, description="how often organizations that drove are re-learned once a day (0: never)"
    )
    rollup_tick_s: float = Field(
        3600.0, ge=0, description="how often newly closed days are rolled up for the KPIs (0: never; docs/analytics.md)"
    )

    @property
    def is_development(self) -> bool:
        """Development allows a generated throwaway secret; any other environment must configure one."""
        return self.env == "development"

    def db_url(self) -> str:
        """The configured database URL, or the embedded SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'doorstep.sqlite').resolve()}"


def get_settings() -> Settings:
    """Settings from the environment (a new object each call, so tests can change the environment)."""
    return Settings()
