"""The order routes are matched in, and what a driver's position batch costs the event loop before its endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.store.migrate import upgrade


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """An app on a SQLite file of its own (no periodic work)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('routing') / 'doorstep.sqlite'}"
    upgrade(url)
    settings = Settings(database_url=url, secret_key="test-secret", rate_limit_per_minute=1_000_000,
                        webhook_tick_s=0, event_tick_s=0, notify_tick_s=0, slot_expiry_tick_s=0)  # fmt: skip
    yield create_app(settings)


def test_a_position_batch_hands_over_to_the_thread_pool_once(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver's token and the platform are read on the event loop (no I/O): the endpoint itself, which reads
    and writes the database, is the request's only hand-over to a worker thread."""
    calls: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(func, "__name__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    with TestClient(app) as client:
        monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
        r = client.post("/v1/driver/positions", json={"positions": []}, headers={"Authorization": "Bearer forged"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "E1411"
        assert calls == []  # refused on the event loop: no worker thread was asked
        signer = app.state.driver_signer
        token = signer.dumps(["org_missing", "drv_missing"])
        r = client.post("/v1/driver/positions", json={"positions": []}, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["acknowledged"] == []
    assert len(calls) == 1, calls
