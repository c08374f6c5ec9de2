"""Schemathesis over the OpenAPI document: generated requests never get a 5xx or a response off the schema."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.api.conftest import Tenant

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class WithoutLifespan:
    """The session app as Schemathesis sees it: requests only. Schemathesis starts an app's lifespan itself and
    stops it after the test, which would shut down the job runner of the app every other test still uses."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass HTTP through; refuse the lifespan scope (Schemathesis then treats the app as lifespan-less)."""
        if scope["type"] == "lifespan":
            raise RuntimeError("the session fixture owns this app's lifespan")
        await self.app(scope, receive, send)


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "6"))  # per operation; raise it for a deeper local run


def test_no_server_errors_and_responses_match_the_schema(client: TestClient, tenant: Tenant) -> None:
    """Every operation, fed generated requests as an admin, answers below 500 with a documented body."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", WithoutLifespan(client.app))
    tried = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operation = result.ok()
        if operation.path.endswith("/stream"):
            continue  # endless Server-Sent Events streams: tested in tests/api/test_live_api.py
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=tenant.h(), checks=CHECKS)

        run()
    assert len(tried) > 40
