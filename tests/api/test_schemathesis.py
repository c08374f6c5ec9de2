"""Schemathesis over the OpenAPI document: generated requests never get a 5xx or a response off the schema."""

from __future__ import annotations

import os

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.api.conftest import Tenant

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "6"))  # per operation; raise it for a deeper local run


def test_no_server_errors_and_responses_match_the_schema(client: TestClient, tenant: Tenant) -> None:
    """Every operation, fed generated requests as an admin, answers below 500 with a documented body."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/stream"):
            continue  # endless Server-Sent Events streams: tested in tests/dispatch/test_live_api.py
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=tenant.h(), checks=CHECKS)

        run()
    assert len(tried) > 40
