"""A real SMTP server and a Twilio-compatible SMS provider on 127.0.0.1 per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notify.servers import SmsServer, SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """An aiosmtpd server without authentication."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sms() -> Iterator[SmsServer]:
    """The SMS provider."""
    server = SmsServer()
    server.start()
    yield server
    server.stop()
