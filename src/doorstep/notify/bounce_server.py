"""The bounce mailbox as a small SMTP server (aiosmtpd): mail for the bounce address, or its VERP forms
``bounce+<message id>@…``, is accepted and handed over whole with its envelope recipients; any other recipient is
refused at ``RCPT TO`` (550), so it is no relay and no catch-all. A handover that fails (the database down)
answers 451, and the sending server tries again later. Point the bounce domain's MX at it, or run it behind the
deployment's mail server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from doorstep.notify.dsn import for_bounce_address

log = logging.getLogger("doorstep.bounces")
MAX_BYTES = 5_000_000  # a report with the returned message; anything larger is refused at DATA (552)

Deliver = Callable[[bytes, Sequence[str]], str]  # (raw message, envelope recipients) -> what was done


class BounceHandler:
    """aiosmtpd handler: accept the bounce address's mail and pass it to ``deliver`` (run off the event loop)."""

    def __init__(self, bounce_address: str, deliver: Deliver) -> None:
        self.bounce_address = bounce_address
        self.deliver = deliver

    async def handle_RCPT(  # noqa: N802
        self, server: object, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Only the bounce address and its VERP forms."""
        if not for_bounce_address(address, self.bounce_address):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:  # noqa: N802
        """Hand the message over; 451 when that fails, so the sender keeps it and tries again."""
        raw = envelope.original_content or b""
        rcpts = [str(r) for r in envelope.rcpt_tos]
        try:
            done = await asyncio.get_running_loop().run_in_executor(None, self.deliver, raw, rcpts)
        except Exception:
            log.exception("could not record a bounce; the sending server will try again")
            return "451 4.3.0 cannot record it now, try again later"
        log.info("bounce report from %s: %s", envelope.mail_from or "<>", done)
        return "250 2.0.0 OK"


def bounce_server(bounce_address: str, deliver: Deliver, host: str, port: int) -> Controller:
    """An SMTP server for the bounce address (not started: ``.start()`` / ``.stop()``)."""
    handler = BounceHandler(bounce_address, deliver)
    return Controller(handler, hostname=host, port=port, data_size_limit=MAX_BYTES, ident="doorstep bounces")
