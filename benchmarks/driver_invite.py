"""Driver invites: the time of ``POST /v1/drivers/{id}/invite`` (code + two queued messages) and from that call
until the email is in a real SMTP server's inbox (aiosmtpd) and the SMS accepted by the local Twilio-compatible
server (both on 127.0.0.1, the test suite's servers), through the app in the embedded shape (the ``notify.send``
job on the in-process runner). SQLite by default.

    PYTHONPATH=. .venv/bin/python benchmarks/driver_invite.py --invites 50
    PYTHONPATH=. .venv/bin/python benchmarks/driver_invite.py --database-url postgresql+psycopg://postgres@127.0.0.1/doorstep_bench
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from typing import Any

from fastapi.testclient import TestClient
from tests.api.conftest import make_tenant
from tests.notify.servers import SmsServer, SmtpServer

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.store.migrate import upgrade


def _ms(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {"p50": round(statistics.median(xs) * 1000, 1), "p95": round(xs[int(0.95 * (len(xs) - 1))] * 1000, 1),
            "max": round(xs[-1] * 1000, 1)}  # fmt: skip


def _until(check: Any, timeout: float = 30.0) -> float:
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("message not delivered")
        time.sleep(0.001)
    return time.perf_counter()


def run(url: str, n: int) -> dict[str, Any]:
    """Invite ``n`` drivers one after the other by SMS and email; time each step."""
    upgrade(url)
    smtp, sms = SmtpServer(), SmsServer()
    smtp.start()
    sms.start()
    settings = Settings(
        database_url=url, secret_key="bench", rate_limit_per_minute=1_000_000, webhook_tick_s=0, event_tick_s=0,
        notify_tick_s=0, smtp_url=smtp.url, sms_url=sms.url, sms_from="+351910000000",
    )  # fmt: skip
    api, email, text = [], [], []
    with TestClient(create_app(settings)) as c:
        t = make_tenant(c)
        for k in range(n):
            body = {"name": f"Driver {k}", "phone": f"+35191{k:07d}", "email": f"d{k}.{t.org_id.lower()}@example.org"}
            drv = c.post("/v1/drivers", json=body, headers=t.h()).json()["id"]
            start = time.perf_counter()
            r = c.post(f"/v1/drivers/{drv}/invite", json={"channels": ["sms", "email"]}, headers=t.h())
            answered = time.perf_counter()  # then: email in the inbox, then (both delivered) SMS accepted
            assert r.status_code == 201, r.text
            api.append(answered - start)
            email.append(_until(lambda b=body: any(str(m["To"]) == b["email"] for m in smtp.inbox.messages)) - start)
            text.append(_until(lambda b=body: any(q["form"].get("To") == b["phone"] for q in sms.log.accepted)) - start)
    smtp.stop()
    sms.stop()
    return {"database": url.split(":")[0], "invites": n, "api_ms": _ms(api), "to_inbox_ms": _ms(email),
            "both_delivered_ms": _ms(text)}  # fmt: skip


def main() -> None:
    """Parse the arguments and print the figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--invites", type=int, default=50)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/invite.sqlite"
    print(json.dumps(run(url, args.invites), indent=2))


if __name__ == "__main__":
    main()
