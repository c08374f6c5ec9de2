"""A separate sender process for the end-to-end message tests: the ``notify.send`` job in a loop, on the test's
database and channels, until it is killed. Run as ``python -m tests.notify.sender_process DB SMTP SMS PUBLIC``.

Two test settings only: the lease is 3 s instead of 120 s (so a killed sender's messages are taken over in
seconds) and the back-off starts at 0.5 s instead of 30 s."""

from __future__ import annotations

import sys
import time

from doorstep.api.app import build_platform
from doorstep.config import Settings
from doorstep.live.publish import NullPublisher
from doorstep.services.customer import notify_send
from doorstep.services.kernel.platform import InlineRunner
from doorstep.store.engine import make_engine


def main(db_url: str, smtp_url: str, sms_url: str, public_url: str) -> None:
    """Send due messages every 0.1 s, forever."""
    settings = Settings(database_url=db_url, secret_key="sender", smtp_url=smtp_url, sms_url=sms_url,
                        smtp_from="Loja Exemplo <envios@loja.example>", sms_from="+351910000000",
                        public_url=public_url, webhook_tick_s=0, event_tick_s=0, notify_tick_s=0,
                        sms_rate_per_s=20)  # fmt: skip
    notify_send.LEASE_S = 3
    engine = make_engine(settings.db_url(), busy_timeout_s=settings.sqlite_busy_timeout_s)
    p = build_platform(settings, InlineRunner(), NullPublisher(), engine)
    p.notify.backoff_s, p.notify.backoff_cap_s = 0.5, 2.0
    print("ready", flush=True)
    while True:
        notify_send.send_due(p)
        time.sleep(0.1)


if __name__ == "__main__":
    main(*sys.argv[1:5])
