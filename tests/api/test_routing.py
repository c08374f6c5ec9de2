"""The order routes are matched in, and what a driver's position batch costs the event loop before its endpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import compile_path

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


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    doc: dict[str, Any] = app.openapi()
    return [(method, path) for path, item in doc["paths"].items() for method in item]


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_the_driver_app_routes_are_matched_first_and_shadow_no_other_route(app: FastAPI) -> None:
    """The driver app's router is the first included (its position batches are the busiest requests, and each
    route tried before the right one costs CPU), and moving it there changed no route's meaning: none of its
    paths matches another route's path of the same method, nor the other way round."""
    included = [r for r in app.router.routes if hasattr(r, "original_router")]
    first = [getattr(r, "path", None) for r in included[0].original_router.routes]
    assert "/v1/driver/positions" in first
    ops = _operations(app)
    driver = [(m, p) for m, p in ops if p in first]
    others = [(m, p) for m, p in ops if p not in first]
    assert driver and others
    for method, path in driver:
        regex = compile_path(path)[0]
        for other_method, other in others:
            if other_method != method:
                continue
            assert not regex.match(_sample(other)), (path, other)
            assert not compile_path(other)[0].match(_sample(path)), (other, path)


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


def test_sample_paths_fill_parameters() -> None:
    """The helper fills path parameters (a check of the check above)."""
    assert _sample("/v1/driver/stops/{stop_id}/events") == "/v1/driver/stops/x1/events"
    assert compile_path("/v1/driver/stops/{stop_id}/events")[0].match("/v1/driver/stops/x1/events")
