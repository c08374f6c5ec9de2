"""Real concurrent requests: the app on uvicorn (its own thread pool, real database connections) and a burst of
client threads released together by a barrier."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.services.kernel.platform import Platform
from tests.browser import running

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Answer:
    """One response of a burst: its status and JSON body."""

    status: int
    body: Any

    @property
    def code(self) -> str | None:
        """The error code of an error answer."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"]["code"])
        return None


@dataclass(frozen=True)
class Server:
    """A served app: its base URL and the platform behind it (to count what was stored)."""

    base: str
    platform: Platform
    app: Any


@contextmanager
def serve(db_url: str, **overrides: Any) -> Iterator[Server]:
    """The app on a real uvicorn server on a free loopback port, for the block."""
    app = create_app(app_settings(db_url, **overrides))
    with running(app) as base:
        yield Server(base, app.state.platform, app)


def app_settings(db_url: str, **overrides: Any) -> Settings:
    """Test settings: no rate limits, no webhook ticker, private webhook receivers allowed."""
    return Settings(
        database_url=db_url, secret_key="test-secret-" + "x" * 32, rate_limit_per_minute=1_000_000,
        rate_limit_per_address_per_minute=0, webhook_tick_s=0, webhook_allow_private=True, **overrides,
    )  # fmt: skip


def new_org(server: Server) -> tuple[str, str, str]:
    """A fresh organization: (org_id, admin email, an admin-scoped API key)."""
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    org_id, _ = create_organization(server.platform, "Burst courier", email, PASSWORD)
    scopes = [Permission.READ, Permission.WRITE, Permission.MANAGE]
    _, key = create_api_key(server.platform, system_actor(org_id), "admin", scopes)
    return org_id, email, key


def burst(n: int, send: Callable[[httpx.Client], httpx.Response], *, base: str) -> list[Answer]:
    """``n`` requests sent at once (one connection each, released together); their answers in order."""
    gate = threading.Barrier(n)

    def one(_: int) -> Answer:
        with httpx.Client(base_url=base, timeout=60) as c:
            gate.wait()
            r = send(c)
            try:
                body = r.json()
            except ValueError:
                body = r.text
            return Answer(r.status_code, body)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))
