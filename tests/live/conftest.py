"""Brokers under test: in memory, and a real Redis server (127.0.0.1:6379 unless DOORSTEP_TEST_REDIS_URL)."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

REDIS_URL = os.environ.get("DOORSTEP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> bool:
    """Whether a Redis server answers at REDIS_URL."""
    u = urlparse(REDIS_URL)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def require_redis() -> None:
    """Skip when Redis is down on a developer machine; fail in CI, where .ci/run starts it."""
    if redis_available():
        return
    if os.environ.get("DOORSTEP_REQUIRE_SERVICES"):
        pytest.fail(f"Redis is not answering at {REDIS_URL}; .ci/run should have started it")
    pytest.skip(f"Redis is not answering at {REDIS_URL} (start redis-server to run these tests)")
